package mailtext

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlToText turns an HTML body into plain text. Script and style are dropped; block elements become line
// breaks; quoted history (blockquote, Gmail's gmail_quote, Outlook's divRplyFwdMsg and what follows it, Apple and
// Thunderbird cite blocks) is written as "> " lines and signature blocks after a "-- " line, so that the plain
// text quote cutter treats both kinds of mail alike.
// HTMLText turns an HTML body into text: blocks become lines, quote blocks become "> " lines.
func HTMLText(data []byte) string { return htmlToText(data) }

func htmlToText(data []byte) string {
	z := html.NewTokenizer(bytes.NewReader(data))
	z.SetMaxBuf(len(data) + 4096)
	var b htmlText
	type open struct {
		a     atom.Atom
		name  string
		quote bool
		sig   bool
	}
	var stack []open
	skip := 0      // inside script/style/head
	quote := 0     // nesting of quote containers
	toEnd := false // Outlook: everything after the reply header is history
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			if skip > 0 {
				continue
			}
			b.quoted = quote > 0 || toEnd
			b.text(string(z.Text()))
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			var class, id, typ string
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "class":
					class = strings.ToLower(string(v))
				case "id":
					id = strings.ToLower(string(v))
				case "type":
					typ = strings.ToLower(string(v))
				}
			}
			switch a {
			case atom.Script, atom.Style, atom.Head, atom.Title, atom.Template, atom.Noscript:
				if tt == html.StartTagToken {
					skip++
					stack = append(stack, open{a: a, name: string(name)})
				}
				continue
			case atom.Br:
				b.newline(false)
				continue
			case atom.Hr:
				b.newline(true)
				continue
			case atom.Img, atom.Input, atom.Meta, atom.Link, atom.Wbr:
				continue
			}
			if tt == html.SelfClosingTagToken {
				continue
			}
			o := open{a: a, name: string(name)}
			if a == atom.Blockquote || strings.Contains(class, "gmail_quote") || strings.Contains(class, "yahoo_quoted") ||
				strings.Contains(class, "protonmail_quote") || strings.Contains(class, "moz-cite-prefix") ||
				typ == "cite" || id == "appendonsend" {
				o.quote = true
				quote++
			}
			if id == "divrplyfwdmsg" || strings.Contains(class, "outlookmessageheader") {
				toEnd = true
			}
			if strings.Contains(class, "gmail_signature") || strings.Contains(class, "moz-signature") ||
				id == "signature" || strings.Contains(id, "signature") {
				o.sig = true
				b.newline(true)
				b.quoted = quote > 0 || toEnd
				b.raw("-- \n")
			}
			if isBlock(a) {
				b.newline(a == atom.P || a == atom.Table || a == atom.Ul || a == atom.Ol || o.quote)
			}
			stack = append(stack, o)
			if len(stack) > 512 {
				stack = stack[len(stack)-512:]
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			// Close up to the matching open tag; unmatched end tags are ignored.
			for i := len(stack) - 1; i >= 0; i-- {
				if stack[i].name != string(name) {
					continue
				}
				for _, o := range stack[i:] {
					switch o.a {
					case atom.Script, atom.Style, atom.Head, atom.Title, atom.Template, atom.Noscript:
						skip--
					}
					if o.quote {
						quote--
					}
					if isBlock(o.a) || o.quote || o.sig {
						b.newline(o.a == atom.P || o.quote || o.sig)
					}
				}
				stack = stack[:i]
				break
			}
		}
	}
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Li, atom.Tr, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Blockquote,
		atom.Table, atom.Ul, atom.Ol, atom.Pre, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Dd, atom.Dt,
		atom.Td, atom.Th, atom.Center, atom.Address:
		return true
	}
	return false
}

// htmlText accumulates text with collapsed white space, prefixing quoted lines with "> ".
type htmlText struct {
	sb        strings.Builder
	quoted    bool
	lineStart bool
	pendingSp bool
	blank     bool // the last thing written was an empty line
}

func (b *htmlText) String() string { return strings.TrimSpace(b.sb.String()) }

func isHTMLSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\u00a0'
}

func (b *htmlText) text(s string) {
	if s == "" {
		return
	}
	fields := strings.FieldsFunc(s, isHTMLSpace)
	if isHTMLSpace(rune(s[0])) || strings.HasPrefix(s, "\u00a0") {
		b.pendingSp = true
	}
	for _, f := range fields {
		if b.sb.Len() == 0 || b.lineStart {
			if b.quoted {
				b.sb.WriteString("> ")
			}
			b.lineStart = false
		} else if b.pendingSp {
			b.sb.WriteByte(' ')
		}
		b.sb.WriteString(f)
		b.pendingSp = true
		b.blank = false
	}
	last := s[len(s)-1]
	b.pendingSp = isHTMLSpace(rune(last)) || strings.HasSuffix(s, "\u00a0")
}

func (b *htmlText) raw(s string) {
	if b.quoted {
		b.sb.WriteString("> ")
	}
	b.sb.WriteString(s)
	b.lineStart = true
	b.pendingSp = false
}

// newline ends the current line; para also leaves an empty line (a sentence break for the tokenizer).
func (b *htmlText) newline(para bool) {
	if b.sb.Len() == 0 {
		return
	}
	if !b.lineStart {
		b.sb.WriteByte('\n')
		b.lineStart = true
	}
	if para && !b.blank {
		b.sb.WriteByte('\n')
		b.blank = true
	}
	b.pendingSp = false
}
