package digest

import (
	"html/template"
	"io"
)

// The HTML part is laid out for a phone: one column, inline CSS only (mail clients drop <style> and external
// sheets), system fonts, no image, no script, no remote URL. html/template escapes every value; the only
// links are in-message anchors.
var page = template.Must(template.New("digest").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
</head>
<body style="margin:0;padding:0;background:#f3f1ed;color:#222;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;font-size:16px;line-height:1.45;-webkit-text-size-adjust:100%;">
<div style="max-width:640px;margin:0 auto;padding:16px 12px;">
<h1 style="font-size:21px;line-height:1.25;margin:4px 0 2px;font-weight:600;">{{.Title}}</h1>
{{- if .Window}}
<div style="color:#555;font-size:15px;margin:0 0 10px;">{{.Window}}</div>
{{- end}}
<p style="margin:8px 0 16px;font-size:15px;">{{.Counts}}{{if .Where}} {{.Where}}{{end}}</p>
{{- if .Checks}}
<div style="background:#fff4e0;border:1px solid #e8b25a;border-left:5px solid #d98b00;border-radius:6px;padding:10px 12px;margin:0 0 18px;">
<div style="font-weight:600;font-size:16px;margin:0 0 4px;color:#7a4a00;">{{.CheckHead}}</div>
<div style="font-size:14px;color:#5a4a30;margin:0 0 6px;">{{.CheckWhy}}</div>
{{- range .Checks}}
<div style="font-size:15px;margin:6px 0 0;"><a href="#{{.Anchor}}" style="color:#7a4a00;font-weight:600;text-decoration:none;">{{.Who}}</a> · <span style="color:#555;">{{.When}}</span><br><span style="font-size:14px;color:#7a4a00;">{{.Rules}}</span></div>
{{- end}}
</div>
{{- end}}
{{- range .Groups}}
<div style="background:#fff;border-radius:8px;border:1px solid #e2ded6;margin:0 0 14px;overflow:hidden;">
<div style="background:#ebe6dc;padding:8px 12px;">
<div style="font-weight:600;font-size:16px;word-break:break-word;">{{if .Name}}{{.Name}}{{else}}{{.Addr}}{{end}}</div>
<div style="font-size:13px;color:#555;word-break:break-all;">{{if .Name}}{{.Addr}} · {{end}}{{.Count}}</div>
</div>
{{- range $i, $it := .Items}}
<div id="{{$it.Anchor}}" style="padding:10px 12px;{{if $i}}border-top:1px solid #eee;{{end}}">
<div style="font-weight:600;font-size:15px;word-break:break-word;">{{$it.Subject}}</div>
<div style="font-size:13px;color:#666;margin:1px 0 4px;">{{$it.When}}</div>
{{- if $it.NearMiss}}
<div style="font-size:13px;background:#fff4e0;color:#7a4a00;border-radius:4px;padding:3px 6px;margin:4px 0;">{{$.NearLabel}} {{$it.NearMiss}}</div>
{{- end}}
{{- if $it.Error}}
<div style="font-size:13px;background:#fdecec;color:#8a1f1f;border-radius:4px;padding:3px 6px;margin:4px 0;">{{$it.Error}}</div>
{{- end}}
{{- if $it.Lines}}
<div style="font-size:15px;color:#333;border-left:3px solid #d8d2c6;padding:0 0 0 8px;margin:4px 0;word-break:break-word;">
{{- range $j, $l := $it.Lines}}{{if $j}}<br>{{end}}{{$l}}{{end -}}
</div>
{{- end}}
{{- if $it.Attachments}}
<div style="font-size:13px;color:#555;margin:4px 0 0;word-break:break-word;">{{$.Attach}} {{range $j, $a := $it.Attachments}}{{if $j}}, {{end}}{{$a}}{{end}}</div>
{{- end}}
</div>
{{- end}}
</div>
{{- end}}
<p style="font-size:12px;color:#777;margin:18px 0 8px;">{{.Footer}}</p>
</div>
</body>
</html>
`))

func renderHTML(out io.Writer, v *view) error {
	return page.Execute(out, v)
}
