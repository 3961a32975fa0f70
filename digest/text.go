package digest

import (
	"io"
	"strings"
)

// renderText writes the plain text part. Every value in v is already one clean line (or a list of them), so
// no patient text can start a line of its own making.
func renderText(out io.Writer, v *view) error {
	var b strings.Builder
	rule := strings.Repeat("-", 60)
	b.WriteString(v.Title)
	if v.Window != "" {
		b.WriteString(" — " + v.Window)
	}
	b.WriteString("\n\n" + v.Counts)
	if v.Where != "" {
		b.WriteString(" " + v.Where)
	}
	b.WriteString("\n")
	if len(v.Checks) > 0 {
		b.WriteString("\n" + strings.ToUpper(v.CheckHead) + "\n" + v.CheckWhy + "\n")
		for _, c := range v.Checks {
			b.WriteString("  ! " + c.Who + ", " + c.When + ": " + c.Rules + "\n")
		}
	}
	for _, g := range v.Groups {
		b.WriteString("\n" + rule + "\n")
		switch {
		case g.Name != "" && g.Addr != "":
			b.WriteString(g.Name + " <" + g.Addr + ">")
		default:
			b.WriteString(g.Name + g.Addr)
		}
		b.WriteString(" — " + g.Count + "\n" + rule + "\n")
		for _, it := range g.Items {
			b.WriteString("\n* " + it.Subject + "\n  " + it.When + "\n")
			if it.NearMiss != "" {
				b.WriteString("  ! " + v.NearLabel + " " + it.NearMiss + "\n")
			}
			if it.Error != "" {
				b.WriteString("  ! " + it.Error + "\n")
			}
			for _, l := range it.Lines {
				b.WriteString("  | " + l + "\n")
			}
			if len(it.Attachments) > 0 {
				b.WriteString("  " + v.Attach + " " + strings.Join(it.Attachments, ", ") + "\n")
			}
		}
	}
	b.WriteString("\n-- \n" + v.Footer + "\n")
	_, err := io.WriteString(out, b.String())
	return err
}
