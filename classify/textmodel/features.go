// Package textmodel is boundaryd's learned text model: a logistic regression over hashed word, word-pair and
// character n-gram features of a message's new text (its subject and the writer's own lines, not quoted
// history or signatures). It is trained offline from labelled sets (tools/trainmodel), embedded as data, and
// used by package classify beside its rules, frames and context.
//
// Features, per document (the words are the classifier's matching forms: folded, accents removed):
//   - word block: every word of two or more characters, and every pair of adjacent words;
//   - character block: the 3- to 5-letter pieces of every word, padded with a space at each end.
//
// Each feature is hashed into one of 2^Bits buckets; a bucket's value is (1 + ln count) × idf, and each block
// is scaled to unit length. The score is the logistic of the bias plus the weighted sum.
package textmodel

import (
	"math"
	"strings"
)

// Bits is the number of hash bits: 2^18 buckets.
const Bits = 18

const (
	buckets  = 1 << Bits
	minGram  = 3
	maxGram  = 5
	maxWord  = 24   // longer "words" (URLs, base64 left in a body) give no character pieces
	maxWords = 4000 // a document's words beyond this are not read: bounded work on any mail
)

// Block says which feature block a bucket value belongs to.
type block uint8

const (
	blockWord block = iota
	blockChar
	nBlocks
)

// Feature is one bucket of a document's vector.
type Feature struct {
	Bucket uint32
	Block  uint8
	Count  uint16
}

// fnv-1a, 32 bits.
const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

func hashString(h uint32, s string) uint32 {
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= fnvPrime
	}
	return h
}

func hashByte(h uint32, b byte) uint32 {
	h ^= uint32(b)
	return h * fnvPrime
}

// Words splits matching forms into the model's words: runs of letters and digits, two or more bytes long,
// lower case ASCII or any non-ASCII letter (the classifier has already folded case and accents).
func Words(dst []string, keys ...string) []string {
	for _, k := range keys {
		start := -1
		for i := 0; i <= len(k); i++ {
			word := i < len(k) && isWordByte(k[i])
			if word && start < 0 {
				start = i
			}
			if !word && start >= 0 {
				if i-start >= 2 {
					dst = append(dst, k[start:i])
				}
				start = -1
			}
		}
	}
	return dst
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// Vectorizer turns a document's words into its features. Its scratch table grows with the largest document
// seen (at most about a megabyte at maxWords); it is not safe for concurrent use: keep one per goroutine.
type Vectorizer struct {
	table []slot // open addressing on the bucket; len is a power of two
	used  []int32
	out   []Feature
}

type slot struct {
	key   uint32 // bucket+1; 0 is empty
	count uint16
	block block
}

// NewVectorizer returns a vectorizer.
func NewVectorizer() *Vectorizer { return &Vectorizer{} }

func (v *Vectorizer) add(h uint32, b block) {
	key := h&(buckets-1) + 1
	mask := uint32(len(v.table) - 1)
	for i := (key * 2654435761) & mask; ; i = (i + 1) & mask {
		s := &v.table[i]
		if s.key == key {
			if s.count < math.MaxUint16 {
				s.count++
			}
			return
		}
		if s.key == 0 {
			*s = slot{key: key, count: 1, block: b}
			v.used = append(v.used, int32(i))
			return
		}
	}
}

// Features returns the document's features, in no particular order; valid until the next call. A bucket
// reached by both blocks counts in the first block that reached it.
func (v *Vectorizer) Features(words []string) []Feature {
	if len(words) > maxWords {
		words = words[:maxWords]
	}
	// At most two word features and (len+2)·3 pieces per word: keep the table at most half full.
	need := 0
	for _, w := range words {
		need += 2
		if len(w) <= maxWord {
			need += 3 * (len(w) + 2)
		}
	}
	size := 1024
	for size < 2*need {
		size *= 2
	}
	if len(v.table) < size {
		v.table = make([]slot, size)
	}
	v.used = v.used[:0]
	var prev string
	for i, w := range words {
		v.add(hashString(hashString(fnvOffset, "w"), w), blockWord)
		if i > 0 {
			h := hashString(hashString(fnvOffset, "b"), prev)
			h = hashByte(h, ' ')
			v.add(hashString(h, w), blockWord)
		}
		prev = w
		if len(w) > maxWord {
			continue
		}
		// " word " and its pieces of 3 to 5 bytes: a piece may cut a multi-byte letter, which only changes
		// which bucket it lands in, the same way every time.
		n := len(w) + 2
		for a := 0; a < n; a++ {
			h := hashString(fnvOffset, "c")
			for b := a; b < n && b-a < maxGram; b++ {
				var c byte = ' '
				if b > 0 && b < n-1 {
					c = w[b-1]
				}
				h = hashByte(h, c)
				if b-a+1 >= minGram {
					v.add(h, blockChar)
				}
			}
		}
	}
	v.out = v.out[:0]
	for _, i := range v.used {
		s := &v.table[i]
		v.out = append(v.out, Feature{Bucket: s.key - 1, Block: uint8(s.block), Count: s.count})
		*s = slot{}
	}
	return v.out
}

// tf is the sublinear term frequency of a count.
func tf(c uint16) float64 { return 1 + math.Log(float64(c)) }

// pieces lists a word's character pieces as text (for explanations).
func pieces(w string) []string {
	if len(w) > maxWord {
		return nil
	}
	p := " " + w + " "
	var out []string
	for a := 0; a < len(p); a++ {
		for b := a + minGram; b <= len(p) && b-a <= maxGram; b++ {
			out = append(out, p[a:b])
		}
	}
	return out
}

// featureHash returns the bucket of a word, pair ("a b") or piece feature, as Features computes them.
func featureHash(kind byte, s string) uint32 {
	return hashString(hashString(fnvOffset, string(kind)), s) & (buckets - 1)
}

// pairKey is the text of a pair feature.
func pairKey(a, b string) string { return strings.Join([]string{a, b}, " ") }
