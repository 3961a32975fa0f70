package classify

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// folder turns runes and words into their matching form: NFD, combining marks removed, case folded. It keeps a
// caser, which x/text documents as stateful, so each goroutine uses its own folder.
type folder struct {
	caser cases.Caser
	buf   []byte
}

func newFolder() *folder { return &folder{caser: cases.Fold()} }

// latinFold holds the folded form of U+00C0..U+024F, the range almost all French and English text stays in.
// It is computed once and only read afterwards.
var latinFold = func() [0x250 - 0xC0]string {
	var t [0x250 - 0xC0]string
	f := newFolder()
	for r := rune(0xC0); r < 0x250; r++ {
		t[r-0xC0] = f.slowFold(r)
	}
	return t
}()

// ligatures are letters NFD leaves whole but readers treat as two.
var ligatures = map[rune]string{'œ': "oe", 'Œ': "oe", 'æ': "ae", 'Æ': "ae", 'ß': "ss", 'ø': "o", 'Ø': "o", 'ł': "l", 'Ł': "l", 'đ': "d", 'Đ': "d"}

func (f *folder) slowFold(r rune) string {
	if s, ok := ligatures[r]; ok {
		return s
	}
	var tmp [utf8.UTFMax]byte
	n := utf8.EncodeRune(tmp[:], r)
	d := norm.NFD.Append(f.buf[:0], tmp[:n]...)
	out := make([]byte, 0, len(d))
	for i := 0; i < len(d); {
		c, sz := utf8.DecodeRune(d[i:])
		i += sz
		if unicode.Is(unicode.Mn, c) {
			continue
		}
		out = utf8.AppendRune(out, c)
	}
	f.buf = d
	return f.caser.String(string(out))
}

// appendFold appends the folded form of r.
func (f *folder) appendFold(dst []byte, r rune) []byte {
	switch {
	case r < utf8.RuneSelf:
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(dst, byte(r))
	case r >= 0xC0 && r < 0x250:
		return append(dst, latinFold[r-0xC0]...)
	case unicode.Is(unicode.Mn, r):
		return dst
	}
	return append(dst, f.slowFold(r)...)
}

// stripMarks removes accents (NFD + drop combining marks, then NFC) without changing case; it is used on regex
// sources, where case folding could change the meaning of escapes such as \D.
func stripMarks(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		return s
	}
	return out
}

// isApostrophe reports the many characters people and phones type for an apostrophe.
func isApostrophe(r rune) bool {
	switch r {
	case '\'', '’', '‘', '`', '´', 'ʼ', '′', '＇', 'ʻ':
		return true
	}
	return false
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// elisions are French clitics written with an apostrophe ("j'ai", "m'en", "qu'il"), expanded to full words so
// that "j'ai", "j ai" and "jai" read alike.
var elisions = map[string]string{
	"j": "je", "m": "me", "t": "te", "s": "se", "n": "ne", "l": "le", "d": "de", "c": "ce",
	"qu": "que", "jusqu": "jusque", "lorsqu": "lorsque", "puisqu": "puisque", "quoiqu": "quoique",
}

// pronounIs lists the words after which English "'s" means "is" rather than a possessive.
var pronounIs = map[string]bool{"it": true, "he": true, "she": true, "that": true, "there": true, "what": true,
	"who": true, "here": true, "where": true, "everything": true, "nothing": true, "life": true}

// shorthand maps whole words written without apostrophes, SMS spellings and common slang to their full form.
// Both languages share it: none of the entries is an ordinary word of the other language.
var shorthand = map[string]string{
	// English contractions typed without the apostrophe.
	"dont": "do not", "cant": "can not", "cannot": "can not", "wont": "will not", "didnt": "did not",
	"doesnt": "does not", "isnt": "is not", "wasnt": "was not", "arent": "are not", "werent": "were not",
	"couldnt": "could not", "wouldnt": "would not", "shouldnt": "should not", "havent": "have not",
	"hasnt": "has not", "hadnt": "had not", "aint": "am not", "im": "i am", "ive": "i have", "youre": "you are",
	"theyre": "they are", "thats": "that is", "whats": "what is", "itll": "it will",
	// English SMS and slang.
	"wanna": "want to", "gonna": "going to", "wana": "want to", "gona": "going to", "em": "them", "gotta": "got to", "imma": "i am going to", "ima": "i am going to",
	"u": "you", "ur": "your", "pls": "please", "plz": "please", "tonite": "tonight", "2nite": "tonight",
	"idk": "i do not know", "cuz": "because", "coz": "because", "rn": "right now", "kms": "kill myself",
	"unalive": "kill", "tho": "though", "b4": "before", "nite": "night", "everythin": "everything",
	// French SMS.
	"jai": "je ai", "jveux": "je veux", "jvx": "je veux", "jvais": "je vais", "jsuis": "je suis",
	"jsui": "je suis", "chui": "je suis", "chuis": "je suis", "jpeux": "je peux", "jpx": "je peux",
	"jpense": "je pense", "jsais": "je sais", "jsp": "je sais pas", "jen": "je en", "jme": "je me",
	"jte": "je te", "jtai": "je te ai", "jy": "je y", "cest": "ce est", "ct": "ce etait", "ya": "il y a",
	"plu": "plus", "pr": "pour", "pk": "pourquoi", "pq": "pourquoi", "ke": "que", "koi": "quoi", "tt": "tout",
	"bcp": "beaucoup", "jamai": "jamais", "tjrs": "toujours", "tjs": "toujours", "mtn": "maintenant",
	"mnt": "maintenant", "auj": "aujourdhui", "ajd": "aujourdhui", "stp": "se il te plait",
	"svp": "se il vous plait", "nimporte": "ne importe", "dla": "de la", "jcrois": "je crois",
	"pu": "plus", "chus": "je suis", "chu": "je suis", "jveu": "je veux", "jvs": "je vais", "jpp": "je en peux plus",
	"g": "je ai", "pri": "pris", "lair": "le air", "dsl": "desole", "vs": "vous", "qd": "quand", "c": "ce est",
	"capab": "capable", "jpeu": "je peux", "mourrir": "mourir",
	"jpourrai": "je pourrai", "jpourrais": "je pourrais", "jreviens": "je reviens", "jarrive": "je arrive",
	"jarrete": "je arrete", "tou": "tout", "medicaman": "medicament", "medicamen": "medicament",
}

// contractionBase completes the part of an English word before "n't".
var contractionBase = map[string]string{"ca": "can", "wo": "will", "sha": "shall", "ai": "am"}
