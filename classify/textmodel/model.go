package textmodel

import (
	"math"
	"sort"
)

// Model is a trained text model: per bucket an idf (0: the bucket is not used) and a weight, a bias, and the
// two thresholds chosen when it was trained. It is read-only after it is built and safe for concurrent use.
type Model struct {
	idf    []uint8 // quantised: see dequantIDF
	weight []int16 // times wScale
	wScale float64
	bias   float64

	Thresholds
	// Trained names the labelled sets the model was trained on, and Docs how many messages they held.
	Trained []string
	Docs    int
}

// Thresholds are the scores chosen at training, from cross-validation on the training sets alone.
type Thresholds struct {
	Page     float64 `json:"page_at"`      // pages on its own
	Confirm  float64 `json:"confirm_at"`   // pages when the rules see a risk (concern or page) too
	Short    float64 `json:"short_at"`     // pages a message too short for the other thresholds
	Window   float64 `json:"window_at"`    // confirms a page the rules give, met by one window of the message (its own scale)
	RulePage float64 `json:"rule_page_at"` // confirms a page the rules give, met by the whole message
	Concern  float64 `json:"concern_at"`   // is a concern
	Dismiss  float64 `json:"dismiss_at"`   // below it, a concern the rules raise is dropped
}

// Score is a document's model score and the thresholds it is judged against.
type Score struct {
	P     float64 // the logistic score, 0..1
	Words int     // the words it was given (set by the caller: Score sees only features)
	Local float64 // the highest score of the message's windows (set by the caller; 0 when not scored)
	Thresholds
}

// z is the linear score of a document's features.
func (m *Model) z(fs []Feature) float64 {
	var dot, norm [nBlocks]float64
	for _, f := range fs {
		q := m.idf[f.Bucket]
		if q == 0 {
			continue
		}
		x := tf(f.Count) * dequantIDF(q)
		norm[f.Block] += x * x
		dot[f.Block] += x * float64(m.weight[f.Bucket])
	}
	z := m.bias
	for b := range dot {
		if norm[b] > 0 {
			z += dot[b] * m.wScale / math.Sqrt(norm[b])
		}
	}
	return z
}

// Score scores a document's features.
func (m *Model) Score(fs []Feature) Score {
	return Score{P: sigmoid(m.z(fs)), Thresholds: m.Thresholds}
}

// newModel quantises trained idf and weights into a model.
func newModel(idf, weight []float64, bias float64) *Model {
	maxAbs := 0.0
	for _, w := range weight {
		maxAbs = math.Max(maxAbs, math.Abs(w))
	}
	ws := 1.0
	if maxAbs > 0 {
		ws = maxAbs / math.MaxInt16
	}
	m := &Model{idf: make([]uint8, len(idf)), weight: make([]int16, len(weight)), wScale: ws, bias: bias}
	for i := range idf {
		m.idf[i] = quantIDF(idf[i])
		m.weight[i] = int16(math.Max(math.Min(math.Round(weight[i]/ws), math.MaxInt16), -math.MaxInt16))
	}
	return m
}

func sigmoid(z float64) float64 {
	if z < -40 {
		return 0
	}
	return 1 / (1 + math.Exp(-z))
}

// Contribution is how much one word of the document moved its linear score: its own feature, the pairs it
// starts, and its character pieces.
type Contribution struct {
	Word   string  `json:"word"`
	Weight float64 `json:"weight"`
}

// Explain returns the words that moved the score most, strongest first (at most n), in both directions.
// The words are the writer's: they are for the therapist's own explain command, never for logs or alerts.
func (m *Model) Explain(v *Vectorizer, words []string, n int) []Contribution {
	if len(words) > maxWords {
		words = words[:maxWords]
	}
	fs := v.Features(words)
	count := make(map[uint32]uint16, len(fs))
	blockOf := make(map[uint32]uint8, len(fs))
	var norm [nBlocks]float64
	for _, f := range fs {
		count[f.Bucket], blockOf[f.Bucket] = f.Count, f.Block
		if idf := dequantIDF(m.idf[f.Bucket]); idf > 0 {
			x := tf(f.Count) * idf
			norm[f.Block] += x * x
		}
	}
	for b := range norm {
		norm[b] = math.Sqrt(norm[b])
	}
	// Each occurrence of a feature takes its share of the bucket's contribution.
	share := func(bucket uint32) float64 {
		idf := dequantIDF(m.idf[bucket])
		c, ok := count[bucket]
		if idf == 0 || !ok || norm[blockOf[bucket]] == 0 {
			return 0
		}
		return tf(c) * idf * float64(m.weight[bucket]) * m.wScale / norm[blockOf[bucket]] / float64(c)
	}
	byWord := map[string]float64{}
	for i, w := range words {
		s := share(featureHash('w', w))
		if i+1 < len(words) {
			s += share(featureHash('b', pairKey(w, words[i+1])))
		}
		for _, p := range pieces(w) {
			s += share(featureHash('c', p))
		}
		byWord[w] += s
	}
	out := make([]Contribution, 0, len(byWord))
	for w, s := range byWord {
		out = append(out, Contribution{Word: w, Weight: s})
	}
	sort.Slice(out, func(i, j int) bool {
		ai, aj := math.Abs(out[i].Weight), math.Abs(out[j].Weight)
		if ai != aj {
			return ai > aj
		}
		return out[i].Word < out[j].Word
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}
