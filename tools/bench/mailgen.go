package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"math/rand/v2"
	"mime/quotedprintable"
	"regexp"
	"strings"
	"time"
)

// Crisis sentences: each carries exactly one of keyPhrases, word for word,
// so imapfilter's regex and boundaryd's rules look for the same words.
var crisisEN = []string{
	"I have decided to end my life tonight.",
	"I want to kill myself and I have a plan for tonight.",
	"I really want to die, I cannot see any way forward.",
	"I am suicidal again and I am alone at home.",
	"Honestly I can't go on like this any longer.",
	"There is no reason to live for me now.",
	"I cut myself again tonight and it is deeper than usual.",
	"I wrote a suicide note this afternoon and left it on the table.",
	"I am going to end it all this weekend.",
	"Everyone would be better off if I were dead.",
	"I looked up the lethal dose of my sleeping pills.",
}

var crisisFR = []string{
	"J'ai décidé de mettre fin à mes jours ce soir.",
	"Je veux me tuer, je ne supporte plus rien.",
	"J'ai tellement envie de mourir ce soir.",
	"Je pense à me suicider depuis ce matin.",
	"Je veux en finir ce soir, c'est décidé.",
	"Je n'ai plus envie de vivre du tout.",
	"J'ai des idées suicidaires toute la journée.",
	"Je vais sauter du pont ce soir.",
}

// keyPhrases is a representative sample of the built-in rules' phrases in
// plain form, for imapfilter's match_body.
var keyPhrases = []string{
	"end my life", "kill myself", "want to die", "suicidal", "can't go on", "no reason to live",
	"cut myself", "suicide note", "end it all", "better off if I were dead", "lethal dose",
	"mettre fin à mes jours", "me tuer", "envie de mourir", "me suicider", "en finir",
	"plus envie de vivre", "idées suicidaires", "sauter du pont",
}

// hasKeyPhrase reports whether text holds one of keyPhrases, case and line
// breaks aside: what imapfilter's regex finds in an 8bit body. (Running the
// regex itself over attachments was the slowest part of generating.)
func hasKeyPhrase(text string) bool {
	flat := " " + strings.ToLower(strings.Join(strings.Fields(text), " ")) + " "
	for _, p := range keyPhrases {
		if strings.Contains(flat, strings.ToLower(p)) {
			return true
		}
	}
	return false
}

// keyRegex is keyPhrases as one case-insensitive alternation; PCRE (in
// imapfilter) and RE2 read it the same way.
func keyRegex() string {
	q := make([]string, len(keyPhrases))
	for i, p := range keyPhrases {
		// Text is wrapped at 72 columns: words may be a line apart.
		words := strings.Fields(p)
		for j, w := range words {
			words[j] = regexp.QuoteMeta(w)
		}
		q[i] = strings.Join(words, `\s+`)
	}
	return "(?i)(" + strings.Join(q, "|") + ")"
}

var (
	firstEN = []string{"Emma", "Oliver", "Sophie", "James", "Grace", "Thomas", "Chloe", "Daniel", "Lucy", "Henry"}
	lastEN  = []string{"Walker", "Hughes", "Bennett", "Carter", "Morris", "Turner", "Price", "Shaw", "Ward", "Ellis"}
	firstFR = []string{"Camille", "Léa", "Hugo", "Manon", "Lucas", "Chloé", "Théo", "Inès", "Louis", "Élodie"}
	lastFR  = []string{"Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Girard", "Roux", "Fournier", "Mercier", "Faure"}

	subjEN = []string{"About Tuesday", "Our next session", "Question about the invoice", "A few thoughts", "Re: homework",
		"Update on this week", "Appointment", "Following up", "Something I forgot to say", "Re: the exercise"}
	subjFR = []string{"À propos de mardi", "Notre prochaine séance", "Question sur la facture", "Quelques pensées",
		"Re: l'exercice", "Des nouvelles de la semaine", "Rendez-vous", "Suite à notre séance", "Une chose oubliée"}

	dayEN   = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	dayFR   = []string{"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
	topicEN = []string{"my mother", "the move to the new flat", "boundaries at work", "my sister's wedding", "the holidays",
		"my relationship with my father", "the new job", "my exams", "the garden project", "my neighbour"}
	topicFR = []string{"ma mère", "le déménagement", "les limites au travail", "le mariage de ma sœur", "les vacances",
		"ma relation avec mon père", "le nouveau poste", "mes examens", "le jardin partagé", "mon voisin"}
	adjEN  = []string{"busy", "quiet", "a bit stressful", "better than usual", "long", "surprisingly calm", "full of meetings"}
	adjFR  = []string{"chargée", "calme", "un peu stressante", "meilleure que d'habitude", "longue", "étonnamment paisible"}
	feelEN = []string{"felt nervous", "felt calmer", "was a little anxious", "felt proud", "was tired", "felt relieved"}
	feelFR = []string{"me suis sentie nerveuse", "me suis senti plus calme", "étais un peu anxieux", "étais fière",
		"étais fatigué", "me suis sentie soulagée"}
	relEN = []string{"sister", "brother", "mother", "aunt", "best friend", "partner", "cousin"}
	relFR = []string{"sœur", "frère", "mère", "tante", "meilleure amie", "compagne", "cousin"}
)

var sentEN = []string{
	"Thank you for our session on {day}, it helped me think about {topic}.",
	"I wanted to ask whether we could move our appointment to {day} at {hour}.",
	"This week was {adj}, and I {feel} about the meeting with my manager.",
	"My {rel} called me and we talked about {topic} for a long time.",
	"I have been trying the breathing exercise every morning before work.",
	"I wrote down a few things about {topic} in the notebook, as you suggested.",
	"I will bring the receipt for the insurance next time.",
	"On {day} I went for a walk by the canal and it did me good.",
	"I noticed that I get irritated when {topic} comes up at dinner.",
	"Could you send me the invoice for last month when you have a moment?",
	"I think I understand better now why {topic} matters so much to me.",
	"The weekend was {adj}; I {feel} on Sunday evening.",
}

var sentFR = []string{
	"Merci pour la séance de {day}, elle m'a aidé à réfléchir à {topic}.",
	"Je voulais savoir si nous pouvions déplacer le rendez-vous à {day} à {hour}.",
	"Cette semaine a été {adj}, et je {feel} après la réunion avec ma cheffe.",
	"Ma {rel} m'a appelée et nous avons parlé de {topic} longtemps.",
	"J'ai essayé l'exercice de respiration chaque matin avant le travail.",
	"J'ai noté quelques idées sur {topic} dans le carnet, comme vous me l'aviez proposé.",
	"J'apporterai le reçu pour la mutuelle la prochaine fois.",
	"{Day}, je suis allée marcher le long du canal et cela m'a fait du bien.",
	"Je remarque que je m'agace quand on parle de {topic} à table.",
	"Pourriez-vous m'envoyer la facture du mois dernier quand vous aurez un moment ?",
	"Je comprends mieux maintenant pourquoi {topic} compte autant pour moi.",
	"Le week-end a été {adj} ; je {feel} dimanche soir.",
}

// mailSpec says what to generate.
type mailSpec struct {
	Seq        int
	Emergency  bool
	FR         bool
	TextBytes  int   // approximate size of the text part
	AttachSize int64 // 0: no attachment; else the attachment's decoded size
	Tag        string
}

// genMail is one generated message.
type genMail struct {
	mailSpec
	ID   string // unique token, also in Message-ID and From
	Addr string
	Raw  []byte
	Text string // the text before any transfer encoding
}

// mailGen generates mail; it is not safe for concurrent use.
type mailGen struct {
	r     *rand.Rand
	runID string
	now   time.Time
	seq   int
}

// nextSeq numbers messages uniquely across the whole run.
func (g *mailGen) nextSeq() int {
	g.seq++
	return g.seq
}

func newMailGen(seed uint64) *mailGen {
	return &mailGen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), runID: fmt.Sprintf("%x", seed), now: time.Now()}
}

func (g *mailGen) pick(s []string) string { return s[g.r.IntN(len(s))] }

// logUniform draws from [lo, hi] with a log-uniform distribution: mail
// sizes span four orders of magnitude.
func (g *mailGen) logUniform(lo, hi float64) float64 {
	return math.Exp(math.Log(lo) + g.r.Float64()*(math.Log(hi)-math.Log(lo)))
}

func (g *mailGen) sentence(fr bool) string {
	t := g.pick(sentEN)
	day, topic, adj, feel, rel := dayEN, topicEN, adjEN, feelEN, relEN
	if fr {
		t = g.pick(sentFR)
		day, topic, adj, feel, rel = dayFR, topicFR, adjFR, feelFR, relFR
	}
	d := g.pick(day)
	rep := strings.NewReplacer("{day}", d, "{Day}", strings.ToUpper(d[:1])+d[1:], "{topic}", g.pick(topic),
		"{adj}", g.pick(adj), "{feel}", g.pick(feel), "{rel}", g.pick(rel),
		"{hour}", fmt.Sprintf("%dh%02d", 9+g.r.IntN(9), 15*g.r.IntN(4)))
	return rep.Replace(t)
}

func (g *mailGen) paragraph(fr bool) string {
	n := 2 + g.r.IntN(4)
	s := make([]string, n)
	for i := range s {
		s[i] = g.sentence(fr)
	}
	return strings.Join(s, " ")
}

// body is the text: greeting, paragraphs up to size, the crisis sentence in
// the first or second paragraph for an emergency, a signature, sometimes a
// quoted earlier message.
func (g *mailGen) body(sp mailSpec, name string) string {
	var paras []string
	size := 0
	for size < sp.TextBytes || len(paras) < 1 {
		p := g.paragraph(sp.FR)
		paras = append(paras, p)
		size += len(p) + 2
	}
	if sp.Emergency {
		c := g.pick(crisisEN)
		if sp.FR {
			c = g.pick(crisisFR)
		}
		i := g.r.IntN(min(2, len(paras)))
		paras[i] = c + " " + paras[i]
	}
	greet, close := "Hello,", "Best regards,"
	if sp.FR {
		greet, close = "Bonjour,", "Bien à vous,"
	}
	var b strings.Builder
	b.WriteString(greet + "\n\n")
	for _, p := range paras {
		b.WriteString(wrap(p, 72) + "\n\n")
	}
	b.WriteString(close + "\n" + name + "\n")
	if g.r.IntN(4) == 0 {
		if sp.FR {
			b.WriteString("\nLe mardi 3 mars, Cabinet <cabinet@example.org> a écrit :\n")
			b.WriteString("> Merci pour votre message. Je lis mes courriels le mardi et le samedi.\n")
		} else {
			b.WriteString("\nOn Tue, 3 Mar, Practice <practice@example.org> wrote:\n")
			b.WriteString("> Thank you for your message. I read mail on Tuesdays and Saturdays.\n")
		}
	}
	return strings.ReplaceAll(b.String(), "\n", "\r\n")
}

func wrap(s string, width int) string {
	var b strings.Builder
	col := 0
	for i, w := range strings.Fields(s) {
		if i > 0 {
			if col+1+len(w) > width {
				b.WriteByte('\n')
				col = 0
			} else {
				b.WriteByte(' ')
				col++
			}
		}
		b.WriteString(w)
		col += len(w)
	}
	return b.String()
}

// generate builds one message. Emergencies' text is 8bit UTF-8 so that a
// byte regex (imapfilter) can see the words; benign text is 7bit/8bit or
// quoted-printable at random, as real mail is.
func (g *mailGen) generate(sp mailSpec) genMail {
	id := fmt.Sprintf("b%06d", sp.Seq)
	first, last := g.pick(firstEN), g.pick(lastEN)
	subj := g.pick(subjEN)
	if sp.FR {
		first, last, subj = g.pick(firstFR), g.pick(lastFR), g.pick(subjFR)
	}
	addr := asciiLower(first) + "." + asciiLower(last) + "." + id + "@patients.example"
	name := first + " " + last
	text := g.body(sp, name)
	date := g.now.Add(-time.Duration(g.r.IntN(30*24*3600)) * time.Second)

	var h bytes.Buffer
	fmt.Fprintf(&h, "Return-Path: <%s>\r\n", addr)
	fmt.Fprintf(&h, "From: %s <%s>\r\n", qEncode(name), addr)
	h.WriteString("To: Cabinet <cabinet@example.org>\r\n")
	fmt.Fprintf(&h, "Subject: %s\r\n", qEncode(subj))
	fmt.Fprintf(&h, "Date: %s\r\n", date.Format(time.RFC1123Z))
	fmt.Fprintf(&h, "Message-ID: <%s.%s@bench.boundaryd.invalid>\r\n", id, g.runID)
	h.WriteString("MIME-Version: 1.0\r\n")

	cte := "8bit"
	if !sp.Emergency && g.r.IntN(3) == 0 {
		cte = "quoted-printable"
	}
	textPart := encodeText("text/plain", text, cte)
	alt := g.r.IntN(5) == 0
	var body bytes.Buffer
	switch {
	case sp.AttachSize > 0:
		bnd := "mixed-" + id
		fmt.Fprintf(&h, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", bnd)
		fmt.Fprintf(&body, "--%s\r\n%s\r\n--%s\r\n", bnd, textPart, bnd)
		ext, mt := "pdf", "application/pdf"
		if g.r.IntN(2) == 0 {
			ext, mt = "jpg", "image/jpeg"
		}
		fmt.Fprintf(&body, "Content-Type: %s; name=\"document-%s.%s\"\r\n", mt, id, ext)
		fmt.Fprintf(&body, "Content-Disposition: attachment; filename=\"document-%s.%s\"\r\n", id, ext)
		body.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
		g.base64Blob(&body, sp.AttachSize)
		fmt.Fprintf(&body, "--%s--\r\n", bnd)
	case alt:
		bnd := "alt-" + id
		fmt.Fprintf(&h, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", bnd)
		html := "<html><body><p>" + strings.ReplaceAll(htmlEscape(text), "\r\n\r\n", "</p>\r\n<p>") + "</p></body></html>\r\n"
		fmt.Fprintf(&body, "--%s\r\n%s\r\n--%s\r\n%s\r\n--%s--\r\n", bnd, textPart, bnd, encodeText("text/html", html, cte), bnd)
	default:
		// Single part: the text part's header lines join the top header.
		i := strings.Index(textPart, "\r\n\r\n")
		h.WriteString(textPart[:i+2] + "\r\n")
		body.WriteString(textPart[i+4:])
	}
	raw := append(h.Bytes(), body.Bytes()...)
	return genMail{mailSpec: sp, ID: id, Addr: addr, Raw: raw, Text: subj + "\n" + text}
}

func encodeText(mt, text, cte string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Content-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: %s\r\n\r\n", mt, cte)
	if cte == "quoted-printable" {
		w := quotedprintable.NewWriter(&b)
		_, _ = w.Write([]byte(text))
		_ = w.Close()
		b.WriteString("\r\n")
	} else {
		b.WriteString(text)
	}
	return b.String()
}

// base64Blob writes n random bytes as base64 in 76-column lines: random
// data, so nothing compresses it away.
func (g *mailGen) base64Blob(w *bytes.Buffer, n int64) {
	const chunk = 57 * 1024 // 57 bytes -> one 76-char line
	raw := make([]byte, chunk)
	enc := make([]byte, base64.StdEncoding.EncodedLen(chunk))
	w.Grow(int(n*4/3 + n/57*2 + 16))
	for n > 0 {
		k := min(int64(chunk), n)
		for i := 0; i < int(k); i += 8 {
			v := g.r.Uint64()
			for j := 0; j < 8 && i+j < int(k); j++ {
				raw[i+j] = byte(v >> (8 * j))
			}
		}
		base64.StdEncoding.Encode(enc, raw[:k])
		e := enc[:base64.StdEncoding.EncodedLen(int(k))]
		for len(e) > 0 {
			l := min(76, len(e))
			w.Write(e[:l])
			w.WriteString("\r\n")
			e = e[l:]
		}
		n -= k
	}
}

func qEncode(s string) string {
	for _, r := range s {
		if r > 127 {
			return "=?utf-8?q?" + strings.NewReplacer("=", "=3D", "?", "=3F", "_", "=5F", " ", "_").Replace(qpBytes(s)) + "?="
		}
	}
	return s
}

func qpBytes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > 127 {
			fmt.Fprintf(&b, "=%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func asciiLower(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case 'é', 'è', 'ê', 'ë':
			b.WriteByte('e')
		case 'ï', 'î':
			b.WriteByte('i')
		default:
			if r < 128 {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}
