package mailtext

import (
	"regexp"
	"strings"
)

// Quoted history and signatures are found line by line. The patterns are deliberately narrow: a line wrongly
// taken for a quote could hide an emergency, so anything unsure stays new text.
var (
	// "On Tue, 3 Mar 2026 at 10:00, Ana <a@b> wrote:" and "Le mar. 3 mars 2026 à 10:00, Ana <a@b> a écrit :"
	attribEnd = regexp.MustCompile(`(?i)(\bwrote|\ba [eé]crit|\bescribi[oó]|\bschrieb)\s*:\s*$`)
	attribEN  = regexp.MustCompile(`(?i)^\s*on\b.*\bwrote\s*:\s*$`)
	attribFR  = regexp.MustCompile(`(?i)^\s*le\b.*\ba [eé]crit\s*:\s*$`)
	// Separators after which everything is earlier mail.
	separator = regexp.MustCompile(`(?i)^\s*(-{2,}|_{5,}|={5,})?\s*(original message|message d'origine|message original|` +
		`forwarded message|message transf[eé]r[eé]|courriel (d'origine|transf[eé]r[eé])|mail transf[eé]r[eé])\s*(-{2,}|_{2,})?\s*$|` +
		`^\s*(begin forwarded message|d[eé]but du message (r[eé]exp[eé]di[eé]|transf[eé]r[eé]))\s*:\s*$|^\s*_{20,}\s*$`)
	forwardSep = regexp.MustCompile(`(?i)^\s*-*\s*(forwarded message|message transf[eé]r[eé]|courriel transf[eé]r[eé]|mail transf[eé]r[eé])\s*-*\s*$|` +
		`^\s*(begin forwarded message|d[eé]but du message (r[eé]exp[eé]di[eé]|transf[eé]r[eé]))\s*:\s*$`)
	// Outlook/Apple reply header blocks: From:/Sent:/To:/Subject: and De :/Envoyé :/À :/Objet :
	hdrFrom  = regexp.MustCompile(`(?i)^\s*\*?(from|de|exp[eé]diteur)\s*\*?\s*:\s*\S`)
	hdrOther = regexp.MustCompile(`(?i)^\s*\*?(sent|date|to|subject|cc|envoy[eé]|[aà]|objet|destinataire)\s*\*?\s*:\s*`)
	// A line that is only a mobile client's signature.
	mobileSig = regexp.MustCompile(`(?i)^\s*(sent from my|sent from (mail|yahoo|outlook|gmail|proton)|envoy[eé] (de|depuis|à partir de) (mon|ma|l'application|outlook|yahoo|mail)|` +
		`get outlook for|t[eé]l[eé]charg(er|ez) outlook|obtenir outlook|sent with proton|envoy[eé] avec proton|sent via)\b.{0,60}$`)
	// Closing formulas that usually start a signature.
	closing = regexp.MustCompile(`(?i)^\s*((best|kind|warm|warmest)( regards| wishes)?|regards|sincerely|yours( truly| sincerely)?|cheers|` +
		`thanks( again| a lot)?|thank you|many thanks|take care|best wishes|all the best|` +
		`cordialement|bien cordialement|bien [aà] vous|bien [aà] toi|sinc[eè]rement|amiti[eé]s|bises|bisous|` +
		`merci( beaucoup| encore| d'avance)?|[aà] bient[oô]t|bonne (journ[eé]e|soir[eé]e|semaine)|belle journ[eé]e|salutations)` +
		`[\s,.!]*(?-i:(\p{Lu}[\p{L}.\-]*\s*){0,3})$`)
	firstPerson = regexp.MustCompile(`(?i)(^|[^\p{L}])(i|i'm|i’m|me|my|myself|je|j'|j’|moi|mon|ma|mes|m'|m’)([^\p{L}]|$)`)
	sigDash     = regexp.MustCompile(`^(--|-- |—|__)\s*$`)
	psLine      = regexp.MustCompile(`(?i)^\s*p\.?\s?s\.?\b`)
)

// Segment says which part of a message a line belongs to.
type Segment = uint8

// Segments.
const (
	SegNew       Segment = 0 // the writer's new text
	SegQuoted    Segment = 1 // quoted or forwarded earlier mail
	SegSignature Segment = 2 // a signature block
)

// Segments labels every line of text (split at "\n") as new, quoted or signature.
func Segments(text string) []Segment { return segmentLines(text) }

// segmentLines labels every line of text as new, quoted or signature.
func segmentLines(text string) []uint8 {
	lines := strings.Split(text, "\n")
	segs := make([]uint8, len(lines))
	n := len(lines)
	isBlank := func(i int) bool { return strings.TrimSpace(lines[i]) == "" }
	isQuote := func(i int) bool { return strings.HasPrefix(strings.TrimLeft(lines[i], " \t"), ">") }
	nextNonBlank := func(i int) int {
		for i < n && isBlank(i) {
			i++
		}
		return i
	}
	inForward := false
	for i := 0; i < n; i++ {
		if segs[i] != SegNew {
			continue
		}
		l := lines[i]
		if inForward {
			// The header block of a forwarded message is not a reply header.
			if isBlank(i) || hdrFrom.MatchString(l) || hdrOther.MatchString(l) {
				continue
			}
			inForward = false
		}
		if isQuote(i) {
			segs[i] = SegQuoted
			continue
		}
		if len(l) > 400 || !mayBeMarker(l, i, lines) {
			continue
		}
		// An attribution line, possibly wrapped over two or three lines.
		attrib := -1
		if attribEN.MatchString(l) || attribFR.MatchString(l) || (attribEnd.MatchString(l) && (strings.Contains(l, "@") || hasDigit(l))) {
			attrib = i
		} else if i+1 < n && attribEnd.MatchString(lines[i+1]) && startsAttrib(l) {
			attrib = i + 1
		} else if i+2 < n && attribEnd.MatchString(lines[i+2]) && startsAttrib(l) && !isBlank(i+1) {
			attrib = i + 2
		}
		if attrib >= 0 {
			for k := i; k <= attrib; k++ {
				segs[k] = SegQuoted
			}
			// A ">" block follows: only it is quoted, text after it is new (bottom posting).
			if j := nextNonBlank(attrib + 1); j < n && isQuote(j) {
				i = attrib
				continue
			}
			markRest(segs, attrib+1)
			return finishSignatures(lines, segs)
		}
		if forwardSep.MatchString(l) {
			// A forward is shown on purpose ("this is from my daughter, please read"): its text counts.
			inForward = true
			continue
		}
		if separator.MatchString(l) || outlookHeader(lines, i) {
			markRest(segs, i)
			return finishSignatures(lines, segs)
		}
	}
	return finishSignatures(lines, segs)
}

func startsAttrib(l string) bool {
	t := strings.ToLower(strings.TrimSpace(l))
	return strings.HasPrefix(t, "on ") || strings.HasPrefix(t, "le ") || strings.HasPrefix(t, "am ") || strings.HasPrefix(t, "el ")
}

func hasDigit(s string) bool { return strings.ContainsAny(s, "0123456789") }

// outlookHeader reports a From:/De : line followed by at least two more header-like lines.
func outlookHeader(lines []string, i int) bool {
	if !hdrFrom.MatchString(lines[i]) {
		return false
	}
	count := 0
	for k := i + 1; k < len(lines) && k <= i+6; k++ {
		if strings.TrimSpace(lines[k]) == "" {
			continue
		}
		if !hdrOther.MatchString(lines[k]) {
			break
		}
		count++
	}
	return count >= 2
}

func markRest(segs []uint8, from int) {
	for k := from; k < len(segs); k++ {
		segs[k] = SegQuoted
	}
}

// finishSignatures labels signature lines among the new text.
func finishSignatures(lines []string, segs []uint8) []uint8 {
	n := len(lines)
	for i := 0; i < n; i++ {
		if segs[i] != SegNew {
			continue
		}
		l := lines[i]
		if len(l) > 200 || len(strings.Fields(l)) > 8 {
			continue // no signature marker is that long
		}
		switch {
		case sigDash.MatchString(l):
			// "-- " starts a signature that runs to the next quoted line.
			for k := i; k < n && segs[k] == SegNew; k++ {
				if psLine.MatchString(lines[k]) {
					break
				}
				segs[k] = SegSignature
			}
		case mobileSig.MatchString(l):
			segs[i] = SegSignature
		case closing.MatchString(l) && looksLikeSignature(lines, segs, i+1):
			for k := i; k < n && segs[k] == SegNew; k++ {
				segs[k] = SegSignature
			}
		}
	}
	markNameBlock(lines, segs)
	return segs
}

var (
	nameLine = regexp.MustCompile(`^\s*((Dr|Dr\.|Docteur|Prof\.?|Pr|Me|Mr|Mrs|Ms|Mme|M\.)\s+)?\p{Lu}[\p{L}'\-]*\.?(\s+\p{Lu}[\p{L}'\-]*\.?){0,3},?\s*$`)
	sigWords = regexp.MustCompile(`(?i)(\d[\d .\-]{5,}\d|@|https?:|www\.|\||\s[-–—/]\s|\b(dr|md|rn|phd|msc|nurse|infirmi[eè]re?|m[ée]decin|doctor|volunteer|b[ée]n[ée]vole|service|department|d[ée]partement|h[oô]pital|hospital|clinic|clinique|cent(re|er)|samu|urgences?|emergency|helpline|hotline|[ée]coute|listening|line|ligne|t[ée]l|phone|mobile|fax|psycholog\w*|psychiatr\w*|therap\w*|counsel\w*|social worker|assistante? sociale?|unit[ée]?|ward|chu|nhs|association|foundation|fondation|manager|director|directeur|directrice|coordinat\w*|officer|team|[ée]quipe))`)
)

// markNameBlock labels a trailing block that starts with a name line ("Dr Karim Mansouri") and continues with
// lines that read like a professional signature (titles, services, phone numbers), none in the first person.
func markNameBlock(lines []string, segs []uint8) {
	end := len(lines)
	for end > 0 && (segs[end-1] != SegNew || strings.TrimSpace(lines[end-1]) == "") {
		if segs[end-1] == SegQuoted {
			return // only a block that ends the writer's own text
		}
		end--
	}
	for start := max(0, end-6); start < end-1; start++ {
		if segs[start] != SegNew || !nameLine.MatchString(lines[start]) {
			continue
		}
		ok := true
		for k := start + 1; k < end; k++ {
			l := strings.TrimSpace(lines[k])
			if l == "" {
				continue
			}
			if segs[k] != SegNew || len([]rune(l)) > 90 || !sigWords.MatchString(l) || firstPerson.MatchString(l) || psLine.MatchString(l) {
				ok = false
				break
			}
		}
		if ok {
			for k := start; k < end; k++ {
				segs[k] = SegSignature
			}
			return
		}
	}
}

// looksLikeSignature checks the lines after a closing formula, up to the next quote: a few short lines that
// do not speak in the first person (names, titles, phone numbers), nothing that reads like a message.
func looksLikeSignature(lines []string, segs []uint8, from int) bool {
	count := 0
	for k := from; k < len(lines) && segs[k] == SegNew; k++ {
		l := strings.TrimSpace(lines[k])
		if l == "" {
			continue
		}
		count++
		if count > 6 || len([]rune(l)) > 70 || psLine.MatchString(l) || firstPerson.MatchString(l) ||
			strings.HasSuffix(l, "?") || strings.HasSuffix(l, "!") {
			return false
		}
	}
	return true
}

// mayBeMarker is a cheap test run before the quote regexes: every attribution, separator or reply header line
// ends with a colon, mentions a "message", is a rule of underscores or starts a "From:"-like field; so does the
// line after the first line of a wrapped attribution.
func mayBeMarker(l string, i int, lines []string) bool {
	t := strings.TrimSpace(l)
	if t == "" {
		return false
	}
	if strings.HasSuffix(t, ":") || strings.Contains(t, "essage") || strings.HasPrefix(t, "___") || strings.Contains(t, ": ") ||
		strings.HasPrefix(t, "*") {
		return true
	}
	for k := i + 1; k <= i+2 && k < len(lines); k++ {
		if strings.HasSuffix(strings.TrimSpace(lines[k]), ":") {
			return true
		}
	}
	return false
}
