// Command trainmodel trains boundaryd's built-in text model (package classify/textmodel) on labelled sets and
// writes it where the classifier embeds it; with -loso it first prints the leave-one-set-out figures: for
// each set, a model trained on all the others (thresholds chosen on those alone) measured on it.
//
//	go run ./tools/trainmodel                 # train on every classify/testdata set, write the model
//	go run ./tools/trainmodel -loso -write=false
//	go run ./tools/trainmodel -loso -extra DIR,DIR   # also measure (never train on) other sets
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/boundaryd/boundaryd/classify"
	"github.com/boundaryd/boundaryd/classify/labelset"
	"github.com/boundaryd/boundaryd/classify/textmodel"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "trainmodel:", err)
		os.Exit(1)
	}
}

// doc is one labelled message as the trainer sees it.
type doc struct {
	set      string
	file     string
	lang     string
	features []textmodel.Feature
	emerg    bool
	verdict  classify.RuleVerdict // what the rules said, as Combine reads it
	explicit bool                 // a rule match of severity critical or high counts
	words    int
	windows  [][]textmodel.Feature // the windows the classifier scores when the rules page
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("trainmodel", flag.ContinueOnError)
	testdata := fs.String("testdata", "classify/testdata", "directory whose subdirectories with a labels.tsv are the training sets")
	extra := fs.String("extra", "", "comma-separated set directories measured by -loso but never trained on")
	outPath := fs.String("out", "classify/textmodel/model.bin.gz", "model file to write")
	write := fs.Bool("write", true, "write the model trained on every training set")
	loso := fs.Bool("loso", false, "print the leave-one-set-out figures first")
	list := fs.Bool("list", false, "with -loso: list the held-out messages the combination decides wrongly")
	insample := fs.Bool("insample", false, "print the figures of the model trained on every set, on each set (in-sample)")
	scores := fs.String("scores", "", "with -loso: write every held-out message's score to this file (tab-separated)")
	opt := textmodel.DefaultTrainOptions()
	fs.Float64Var(&opt.C, "c", opt.C, "inverse L2 strength")
	fs.Float64Var(&opt.PageFP, "page-fp", opt.PageFP, "share of the training folds' other mail the page threshold may page")
	fs.Float64Var(&opt.ConfirmFP, "confirm-fp", opt.ConfirmFP, "the same for the threshold backed by the rules' concern")
	fs.Float64Var(&opt.ShortFP, "short-fp", opt.ShortFP, "share of the training folds' short other mail the short threshold may page")
	fs.Float64Var(&opt.WindowFP, "window-fp", opt.WindowFP, "the same for the threshold one window meets to confirm the rules' page")
	fs.Float64Var(&opt.RuleFP, "rule-fp", opt.RuleFP, "the same for the threshold the whole message meets to confirm the rules' page")
	fs.Float64Var(&opt.DismissMin, "dismiss-min", opt.DismissMin, "share of the training folds' emergencies the dismiss threshold keeps")
	fs.Float64Var(&opt.ConcernMin, "concern-min", opt.ConcernMin, "share of the training folds' emergencies the concern threshold keeps")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sets, err := trainingSets(*testdata)
	if err != nil {
		return err
	}
	c, err := classify.New(classify.Options{Builtin: []string{"en", "fr"}, NoModel: true})
	if err != nil {
		return err
	}
	var docs []doc
	for _, s := range sets {
		d, err := load(c, filepath.Base(s), s)
		if err != nil {
			return err
		}
		docs = append(docs, d...)
	}
	var extras []doc
	if *extra != "" {
		for _, s := range strings.Split(*extra, ",") {
			d, err := load(c, filepath.Base(s)+" (extra)", s)
			if err != nil {
				return err
			}
			extras = append(extras, d...)
		}
	}
	if *loso {
		var dump io.Writer
		if *scores != "" {
			f, err := os.Create(*scores)
			if err != nil {
				return err
			}
			defer f.Close()
			dump = f
		}
		if err := leaveOneSetOut(out, docs, extras, opt, *list, dump); err != nil {
			return err
		}
	}
	if !*write && !*insample {
		return nil
	}
	m, err := textmodel.Train(trainDocs(docs, ""), opt)
	if err != nil {
		return err
	}
	if *insample {
		if err := inSample(out, m, docs); err != nil {
			return err
		}
	}
	if !*write {
		return nil
	}
	for _, s := range sets {
		m.Trained = append(m.Trained, filepath.Base(s))
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		return err
	}
	if err := os.WriteFile(*outPath, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing the model: %w", err)
	}
	fmt.Fprintf(out, "wrote %s: %d bytes, %d messages from %s; thresholds %+v\n", *outPath, buf.Len(),
		m.Docs, strings.Join(m.Trained, ", "), m.Thresholds)
	return nil
}

// trainingSets lists the subdirectories of dir that hold a labels.tsv, sorted.
func trainingSets(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("training sets: %w", err)
	}
	var out []string
	for _, e := range ents {
		if _, err := os.Stat(filepath.Join(dir, e.Name(), "labels.tsv")); e.IsDir() && err == nil {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no labelled set under %s", dir)
	}
	sort.Strings(out)
	return out, nil
}

func load(c *classify.Classifier, name, dir string) ([]doc, error) {
	items, err := labelset.Read(dir)
	if err != nil {
		return nil, err
	}
	v := textmodel.NewVectorizer()
	out := make([]doc, 0, len(items))
	for _, it := range items {
		raw, err := os.ReadFile(filepath.Join(dir, it.File))
		if err != nil {
			return nil, fmt.Errorf("set %s: %w", name, err)
		}
		msg := classify.Parse(bytes.NewReader(raw))
		res := c.Classify(msg)
		words := c.ModelWords(msg)
		fs := append([]textmodel.Feature(nil), v.Features(words)...) // v reuses its result
		explicit := false
		for _, m := range res.Matches {
			explicit = explicit || m.Severity == "critical" || m.Severity == "high"
		}
		var windows [][]textmodel.Feature
		for _, w := range c.ModelWindows(msg) {
			windows = append(windows, append([]textmodel.Feature(nil), v.Features(w)...))
		}
		out = append(out, doc{set: name, file: it.File, lang: it.Lang, features: fs,
			emerg: it.Emergency, verdict: res.Rules(), explicit: explicit, words: len(words), windows: windows})
	}
	if len(out) == 0 {
		return nil, errors.New("set " + name + " is empty")
	}
	return out, nil
}

func trainDocs(docs []doc, except string) []textmodel.Doc {
	var out []textmodel.Doc
	for _, d := range docs {
		if d.set != except {
			out = append(out, textmodel.Doc{Features: d.features, Emergency: d.emerg, Windows: d.windows, Short: d.words < classify.ShortText})
		}
	}
	return out
}

// score scores d as the classifier does: the whole, and its windows when classify.WindowsNeeded says so.
func score(m *textmodel.Model, d doc) textmodel.Score {
	s := m.Score(d.features)
	s.Words = d.words
	if classify.WindowsNeeded(d.verdict.Level, &s) {
		for _, w := range d.windows {
			s.Local = max(s.Local, m.Score(w).P)
		}
	}
	return s
}

// tally counts one detector's outcomes on one set.
type tally struct{ esc, hit, covered, hold, falsePage, concernHold int }

func (t *tally) add(d doc, l classify.Level) {
	if d.emerg {
		t.esc++
		if l == classify.LevelPage {
			t.hit++
		}
		if l == classify.LevelPage || l == classify.LevelConcern {
			t.covered++
		}
		return
	}
	t.hold++
	switch l {
	case classify.LevelPage:
		t.falsePage++
	case classify.LevelConcern:
		t.concernHold++
	case classify.LevelNone:
	}
}

func (t tally) String() string {
	return fmt.Sprintf("%.3f\t%4.1f%%\t%.3f\t%2.0f%%", ratio(t.hit, t.esc), 100*ratio(t.falsePage, t.hold), ratio(t.covered, t.esc),
		100*ratio(t.concernHold, t.hold))
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// inSample prints the combination's figures per set with the model trained on all of them.
func inSample(out io.Writer, m *textmodel.Model, docs []doc) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "in-sample set\tmsgs\trecall\tfalse page\tcoverage\tconcern")
	per := map[string]*tally{}
	var order []string
	var all tally
	for _, d := range docs {
		if per[d.set] == nil {
			per[d.set] = &tally{}
			order = append(order, d.set)
		}
		s := score(m, d)
		l := classify.Combine(d.verdict, &s)
		per[d.set].add(d, l)
		all.add(d, l)
	}
	for _, name := range order {
		t := per[name]
		fmt.Fprintf(tw, "%s\t%d\t%s\n", name, t.esc+t.hold, t)
	}
	fmt.Fprintf(tw, "all\t%d\t%s\n", all.esc+all.hold, all)
	return tw.Flush()
}

func leaveOneSetOut(out io.Writer, docs, extras []doc, opt textmodel.TrainOptions, list bool, dump io.Writer) error {
	var names []string
	seen := map[string]bool{}
	for _, d := range docs {
		if !seen[d.set] {
			seen[d.set] = true
			names = append(names, d.set)
		}
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "held-out set\tmsgs\trules: recall\tfalse page\tcoverage\tconcern\tmodel: recall\tfalse page\tcoverage\tconcern\tcombined: recall\tfalse page\tcoverage\tconcern\tpage at")
	var all [3]tally
	var wrong []string
	for _, name := range names {
		m, err := textmodel.Train(trainDocs(docs, name), opt)
		if err != nil {
			return err
		}
		var t [3]tally
		n := 0
		for _, d := range docs {
			if d.set != name {
				continue
			}
			n++
			s := score(m, d)
			levels := [3]classify.Level{d.verdict.Level, classify.Combine(classify.RuleVerdict{}, &s), classify.Combine(d.verdict, &s)}
			for k, l := range levels {
				t[k].add(d, l)
				all[k].add(d, l)
			}
			if dump != nil {
				fmt.Fprintf(dump, "%s\t%s\t%s\t%v\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%s\t%v\t%v\t%d\t%.4f\t%.4f\t%s\n", d.set, d.file, d.lang, d.emerg, s.P,
					s.Page, s.Confirm, s.RulePage, s.Concern, d.verdict.Level, d.verdict.Severe, d.explicit, d.words, s.Local, s.Dismiss, levels[2])
			}
			if list && (levels[2] == classify.LevelPage) != d.emerg {
				wrong = append(wrong, fmt.Sprintf("%s/%s\temergency=%v\tscore %.3f (page at %.3f)\trules %s", d.set, d.file, d.emerg, s.P, s.Page, d.verdict.Level))
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%.3f\n", name, n, t[0], t[1], t[2], m.Page)
	}
	fmt.Fprintf(tw, "all, pooled\t%d\t%s\t%s\t%s\t\n", len(docs), all[0], all[1], all[2])
	for _, w := range wrong {
		fmt.Fprintln(tw, w)
	}
	if len(extras) > 0 {
		m, err := textmodel.Train(trainDocs(docs, ""), opt)
		if err != nil {
			return err
		}
		per := map[string]*[3]tally{}
		var order []string
		var all [3]tally
		for _, d := range extras {
			s := score(m, d)
			for _, key := range []string{d.set, d.set + " " + d.lang} {
				if per[key] == nil {
					per[key] = &[3]tally{}
					order = append(order, key)
				}
			}
			levels := [3]classify.Level{d.verdict.Level, classify.Combine(classify.RuleVerdict{}, &s), classify.Combine(d.verdict, &s)}
			if dump != nil {
				fmt.Fprintf(dump, "%s\t%s\t%s\t%v\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%s\t%v\t%v\t%d\t%.4f\t%.4f\t%s\n", "x-"+d.set, d.file, d.lang, d.emerg, s.P,
					s.Page, s.Confirm, s.RulePage, s.Concern, d.verdict.Level, d.verdict.Severe, d.explicit, d.words, s.Local, s.Dismiss, levels[2])
			}
			for k, l := range levels {
				per[d.set][k].add(d, l)
				per[d.set+" "+d.lang][k].add(d, l)
				all[k].add(d, l)
			}
		}
		sort.Strings(order)
		for _, key := range order {
			t := per[key]
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%.3f\n", key, t[0].esc+t[0].hold, t[0], t[1], t[2], m.Page)
		}
		fmt.Fprintf(tw, "extra sets (all training sets)\t%d\t%s\t%s\t%s\t%.3f\n", len(extras), all[0], all[1], all[2], m.Page)
	}
	return tw.Flush()
}
