package textmodel

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// Doc is one labelled training document: its features and whether it is an emergency.
type Doc struct {
	Features  []Feature
	Emergency bool
	// Windows are the features of the document's windows (see package classify), for choosing the window
	// threshold; they are not trained on.
	Windows [][]Feature
	// Short says the document is too short for the model's usual thresholds (see package classify): the
	// short threshold is chosen from such documents alone.
	Short bool
}

// TrainOptions are the training choices. The zero value is not usable: start from DefaultTrainOptions.
type TrainOptions struct {
	C          float64 // inverse L2 strength (as in scikit-learn's LogisticRegression)
	MinDF      int     // a bucket seen in fewer training documents is not used
	MaxIter    int     // L-BFGS iterations
	Folds      int     // cross-validation folds used to choose the thresholds
	PageFP     float64 // the page threshold lets at most this share of the folds' other mail page on its own
	ConfirmFP  float64 // the same for the lower threshold that pages when the rules see a risk too
	ShortFP    float64 // the share of the folds' short other mail the short threshold may page
	WindowFP   float64 // the share of the folds' other mail with windows whose best window may meet the window threshold
	RuleFP     float64 // the same for the lowest, that the whole message meets to confirm a page the rules give
	ConcernMin float64 // the concern threshold keeps at least this share of the folds' emergencies
	DismissMin float64 // the dismiss threshold (below it the rules' concern is dropped) keeps this share
}

// DefaultTrainOptions are the choices the built-in model is trained with.
func DefaultTrainOptions() TrainOptions {
	return TrainOptions{C: 10, MinDF: 2, MaxIter: 300, Folds: 5, PageFP: 0.005, ConfirmFP: 0.02, ShortFP: 0.005, WindowFP: 0.01, RuleFP: 0.08, ConcernMin: 0.995, DismissMin: 0.999}
}

// Train fits the model on docs, and chooses its thresholds from a cross-validation over docs alone. It is
// deterministic: the same documents in the same order give the same model.
func Train(docs []Doc, opt TrainOptions) (*Model, error) {
	if len(docs) < 2*opt.Folds {
		return nil, fmt.Errorf("textmodel: %d documents are too few to train on", len(docs))
	}
	pos := 0
	for _, d := range docs {
		if d.Emergency {
			pos++
		}
	}
	if pos == 0 || pos == len(docs) {
		return nil, errors.New("textmodel: training needs both emergencies and other mail")
	}
	// Thresholds from out-of-fold scores.
	oof := make([]float64, len(docs))
	oofWin := make([]float64, len(docs)) // the best window's score; -1 without windows
	for k := 0; k < opt.Folds; k++ {
		var tr []Doc
		var te []int
		for i, d := range docs {
			if i%opt.Folds == k {
				te = append(te, i)
			} else {
				tr = append(tr, d)
			}
		}
		m := fit(tr, opt)
		for _, i := range te {
			oof[i] = m.Score(docs[i].Features).P
			oofWin[i] = -1
			for _, w := range docs[i].Windows {
				oofWin[i] = math.Max(oofWin[i], m.Score(w).P)
			}
		}
	}
	m := fit(docs, opt)
	m.Thresholds = thresholds(docs, oof, opt)
	m.Window = topThreshold(docs, oofWin, opt.WindowFP, func(d Doc) bool { return len(d.Windows) > 0 })
	m.Short = topThreshold(docs, oof, opt.ShortFP, func(d Doc) bool { return d.Short })
	m.Docs = len(docs)
	return m, nil
}

// thresholds picks each page threshold just above the out-of-fold scores of all but its share of the
// other mail, and the concern and dismiss thresholds at or below ConcernMin and DismissMin of the
// emergencies' scores.
func thresholds(docs []Doc, oof []float64, opt TrainOptions) Thresholds {
	var neg, pos []float64
	for i, d := range docs {
		if d.Emergency {
			pos = append(pos, oof[i])
		} else {
			neg = append(neg, oof[i])
		}
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(neg)))
	sort.Float64s(pos)
	above := func(share float64) float64 {
		return math.Nextafter(neg[min(int(share*float64(len(neg))), len(neg)-1)], 2)
	}
	t := Thresholds{Page: above(opt.PageFP), Confirm: above(opt.ConfirmFP), RulePage: above(opt.RuleFP)}
	t.Concern = pos[int((1-opt.ConcernMin)*float64(len(pos)))]
	t.Dismiss = pos[int((1-opt.DismissMin)*float64(len(pos)))]
	t.Confirm = math.Min(t.Confirm, t.Page)
	t.RulePage = math.Min(t.RulePage, t.Confirm)
	t.Concern = math.Min(t.Concern, t.RulePage)
	t.Dismiss = math.Min(t.Dismiss, t.Concern)
	return t
}

// topThreshold is just above the out-of-fold scores of all but share of the other mail that in says: the
// window threshold from the best windows' scores (a window is a few sentences, whose scores spread wider than
// whole messages'), the short threshold from short messages'. Without such mail it is 1 (nothing pages).
func topThreshold(docs []Doc, oof []float64, share float64, in func(Doc) bool) float64 {
	var neg []float64
	for i, d := range docs {
		if !d.Emergency && in(d) {
			neg = append(neg, oof[i])
		}
	}
	if len(neg) == 0 {
		return 1
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(neg)))
	return math.Nextafter(neg[min(int(share*float64(len(neg))), len(neg)-1)], 2)
}

// fit trains one logistic regression (balanced class weights, L2) on docs.
func fit(docs []Doc, opt TrainOptions) *Model {
	n := len(docs)
	df := make([]int32, buckets)
	for _, d := range docs {
		for _, f := range d.Features {
			df[f.Bucket]++
		}
	}
	idf := make([]float64, buckets)
	// Dense indices for the used buckets.
	index := make([]int32, buckets)
	var used []uint32
	for b := range df {
		index[b] = -1
		if int(df[b]) >= opt.MinDF {
			// Rounded as the model file keeps it, so that training sees the values scoring will.
			idf[b] = dequantIDF(quantIDF(math.Log(float64(1+n)/float64(1+df[b])) + 1))
			index[b] = int32(len(used))
			used = append(used, uint32(b))
		}
	}
	// Rows: normalised values per block, as Model.z computes them.
	type entry struct {
		j int32
		x float64
	}
	rows := make([][]entry, n)
	y := make([]float64, n)
	cw := make([]float64, n)
	pos := 0
	for _, d := range docs {
		if d.Emergency {
			pos++
		}
	}
	for i, d := range docs {
		var norm [nBlocks]float64
		for _, f := range d.Features {
			if idf := idf[f.Bucket]; idf > 0 {
				x := tf(f.Count) * idf
				norm[f.Block] += x * x
			}
		}
		for _, f := range d.Features {
			if idf := idf[f.Bucket]; idf > 0 {
				rows[i] = append(rows[i], entry{index[f.Bucket], tf(f.Count) * idf / math.Sqrt(norm[f.Block])})
			}
		}
		if d.Emergency {
			y[i], cw[i] = 1, float64(n)/(2*float64(pos))
		} else {
			cw[i] = float64(n) / (2 * float64(n-pos))
		}
	}
	dim := len(used) + 1 // the last is the bias
	lambda := 1 / opt.C
	z := make([]float64, n)
	eval := func(w, g []float64) float64 {
		for j := range g {
			g[j] = 0
		}
		loss := 0.0
		for i, r := range rows {
			s := w[dim-1]
			for _, e := range r {
				s += w[e.j] * e.x
			}
			z[i] = s
			// log(1+exp(-t)) with t = ±s, stable
			t := s
			if y[i] == 0 {
				t = -s
			}
			if t > 0 {
				loss += cw[i] * math.Log1p(math.Exp(-t))
			} else {
				loss += cw[i] * (-t + math.Log1p(math.Exp(t)))
			}
			d := cw[i] * (sigmoid(s) - y[i])
			for _, e := range r {
				g[e.j] += d * e.x
			}
			g[dim-1] += d
		}
		for j := 0; j < dim-1; j++ {
			loss += lambda / 2 * w[j] * w[j]
			g[j] += lambda * w[j]
		}
		return loss
	}
	w := lbfgs(dim, eval, opt.MaxIter)
	weight := make([]float64, buckets)
	for k, b := range used {
		weight[b] = w[k]
	}
	return newModel(idf, weight, w[dim-1])
}

// lbfgs minimises f from zero with limited-memory BFGS (10 pairs) and a backtracking line search.
func lbfgs(dim int, f func(w, g []float64) float64, maxIter int) []float64 {
	const mem = 10
	w := make([]float64, dim)
	g := make([]float64, dim)
	fx := f(w, g)
	var sHist, yHist [][]float64
	var rho []float64
	d := make([]float64, dim)
	wNew := make([]float64, dim)
	gNew := make([]float64, dim)
	alpha := make([]float64, mem)
	for it := 0; it < maxIter; it++ {
		// d = -H g (two-loop recursion)
		copy(d, g)
		for k := len(sHist) - 1; k >= 0; k-- {
			alpha[k] = rho[k] * dot(sHist[k], d)
			axpy(-alpha[k], yHist[k], d)
		}
		if k := len(sHist) - 1; k >= 0 {
			scale(dot(sHist[k], yHist[k])/dot(yHist[k], yHist[k]), d)
		} else {
			scale(1/math.Max(1, math.Sqrt(dot(g, g))), d)
		}
		for k := range sHist {
			b := rho[k] * dot(yHist[k], d)
			axpy(alpha[k]-b, sHist[k], d)
		}
		scale(-1, d)
		slope := dot(g, d)
		if slope >= 0 { // not a descent direction: restart from the gradient
			sHist, yHist, rho = nil, nil, nil
			copy(d, g)
			scale(-1/math.Max(1, math.Sqrt(dot(g, g))), d)
			slope = dot(g, d)
		}
		step := 1.0
		var fNew float64
		for tries := 0; ; tries++ {
			for j := range w {
				wNew[j] = w[j] + step*d[j]
			}
			fNew = f(wNew, gNew)
			if fNew <= fx+1e-4*step*slope || tries == 30 {
				break
			}
			step /= 2
		}
		s := make([]float64, dim)
		yv := make([]float64, dim)
		for j := range w {
			s[j] = wNew[j] - w[j]
			yv[j] = gNew[j] - g[j]
		}
		copy(w, wNew)
		copy(g, gNew)
		improved := fx - fNew
		fx = fNew
		if sy := dot(s, yv); sy > 1e-12 {
			if len(sHist) == mem {
				sHist, yHist, rho = sHist[1:], yHist[1:], rho[1:]
			}
			sHist, yHist, rho = append(sHist, s), append(yHist, yv), append(rho, 1/sy)
		}
		if math.Sqrt(dot(g, g)) < 1e-6 || improved >= 0 && improved < 1e-9*math.Max(1, math.Abs(fx)) {
			break
		}
	}
	return w
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func axpy(a float64, x, y []float64) {
	for i := range x {
		y[i] += a * x[i]
	}
}

func scale(a float64, x []float64) {
	for i := range x {
		x[i] *= a
	}
}
