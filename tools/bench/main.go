// Command bench measures boundaryd against a real Dovecot, side by side with
// imapfilter doing the same job: alert and hold latency, a 20,000-message
// backlog, the idle footprint, a 50 MB message against a 50 KB one, and
// classification speed. It prints one table and writes JSON.
//
//	go run ./tools/bench           # full run, about 12 minutes on 2 cores
//	go run ./tools/bench -quick    # smoke run, under a minute
//	go run ./tools/bench -scenarios latency,backlog -out /tmp/r.json
//
// It installs nothing: it needs Debian's dovecot-imapd (dovecot, doveadm) and
// imapfilter, and says so when they are missing.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/boundaryd/boundaryd/classify"
)

// sizes are the knobs that differ between the full run and -quick.
type sizes struct {
	latencyEach      int // emergencies, and as many benign messages
	floorN           int
	gapMS            [2]int
	latencyAttachMax float64
	backlogN         int
	backlogBig       int // messages of backlogBigMin..Max among them
	backlogBigMin    float64
	backlogBigMax    float64
	backlogAttachMax float64
	backlogLimit     time.Duration
	imfBacklogLimit  time.Duration
	idle             time.Duration
	bigMsg, smallMsg int64 // whole message sizes
	benchtime        string
}

var fullSizes = sizes{
	latencyEach: 100, floorN: 40, gapMS: [2]int{100, 900}, latencyAttachMax: 10 << 20,
	backlogN: 20000, backlogBig: 10, backlogBigMin: 5 << 20, backlogBigMax: 10 << 20, backlogAttachMax: 400 << 10,
	backlogLimit: 4 * time.Minute, imfBacklogLimit: 3 * time.Minute,
	idle: 10 * time.Minute, bigMsg: 50e6, smallMsg: 50e3, benchtime: "1s",
}

var quickSizes = sizes{
	latencyEach: 5, floorN: 4, gapMS: [2]int{50, 250}, latencyAttachMax: 200 << 10,
	backlogN: 200, backlogBig: 1, backlogBigMin: 1 << 20, backlogBigMax: 2 << 20, backlogAttachMax: 100 << 10,
	backlogLimit: time.Minute, imfBacklogLimit: time.Minute,
	idle: 10 * time.Second, bigMsg: 5e6, smallMsg: 50e3, benchtime: "50x",
}

var allScenarios = []string{"latency", "backlog", "idle", "memory", "classify"}

// options are the command line.
type options struct {
	quick     bool
	out       string
	scenarios map[string]bool
	keep      bool
	seed      uint64
	idle      time.Duration
	logw      io.Writer
	// profile, when set, is where the backlog's boundaryd writes its CPU,
	// block, mutex and heap profiles (a -tags benchprofile build).
	profile string
	// backlogN overrides the backlog's message count (0: the mode's).
	backlogN int
}

// bench is one run: the server, the generator, the built binary.
type bench struct {
	opts     options
	sz       sizes
	root     string // module root
	work     string // temp dir for state, logs, binary
	bin      string
	dc       *dovecot
	gen      *mailGen
	check    *checker
	saveTook []time.Duration
	start    time.Time
}

func (b *bench) logf(format string, args ...any) {
	if b.opts.logw != nil {
		fmt.Fprintf(b.opts.logw, "[%5.1fs] %s\n", time.Since(b.start).Seconds(), fmt.Sprintf(format, args...))
	}
}

func main() {
	var o options
	var scen string
	flag.BoolVar(&o.quick, "quick", false, "smoke run with tiny sizes (under a minute)")
	flag.StringVar(&o.out, "out", "tools/bench/out/results.json", "where to write the JSON results")
	flag.StringVar(&scen, "scenarios", strings.Join(allScenarios, ","), "comma-separated subset of "+strings.Join(allScenarios, ","))
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (logs, state) for inspection")
	flag.DurationVar(&o.idle, "idle", 0, "idle sampling period (default 10m, 10s with -quick)")
	flag.StringVar(&o.profile, "profile", "", "write the backlog boundaryd's CPU, block, mutex and heap profiles into this directory")
	flag.IntVar(&o.backlogN, "backlog", 0, "backlog message count (default 20000, 200 with -quick)")
	flag.Uint64Var(&o.seed, "seed", 20260303, "random seed for the generated mail and intervals")
	flag.Parse()
	var err error
	if o.scenarios, err = parseScenarios(scen); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	o.logw = os.Stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, o)
	if rep != nil {
		rep.printTable(os.Stdout)
		if werr := rep.writeJSON(o.out); werr != nil {
			fmt.Fprintln(os.Stderr, "bench:", werr)
			os.Exit(1)
		}
		fmt.Printf("\nJSON: %s\n", o.out)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func parseScenarios(s string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		known := false
		for _, k := range allScenarios {
			known = known || k == name
		}
		if !known {
			return nil, fmt.Errorf("unknown scenario %q (have %s)", name, strings.Join(allScenarios, ","))
		}
		out[name] = true
	}
	return out, nil
}

// missingDeps names the missing binaries and the Debian packages that hold
// them.
func missingDeps() (missing []string, install string) {
	pkgs := map[string]string{"dovecot": "dovecot-imapd", "doveadm": "dovecot-imapd", "imapfilter": "imapfilter"}
	var want []string
	seen := map[string]bool{}
	for _, bin := range []string{"dovecot", "doveadm", "imapfilter"} {
		if _, err := exec.LookPath(bin); err != nil {
			missing = append(missing, bin)
			if !seen[pkgs[bin]] {
				seen[pkgs[bin]] = true
				want = append(want, pkgs[bin])
			}
		}
	}
	if len(want) > 0 {
		install = "apt-get install " + strings.Join(want, " ")
	}
	return missing, install
}

// moduleRoot finds the directory of go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside the boundaryd module")
	}
	return filepath.Dir(gomod), nil
}

// users are the Dovecot accounts, one per tool and scenario so that no run
// disturbs another.
var users = []string{"floor", "lat-bd", "lat-imf", "bl-bd", "bl-imf", "idle-bd", "idle-imf", "small", "big"}

// run performs the selected scenarios and returns the report, partial when
// a scenario failed.
func run(ctx context.Context, o options) (*report, error) {
	sz := fullSizes
	if o.quick {
		sz = quickSizes
	}
	if o.idle > 0 {
		sz.idle = o.idle
	}
	if o.backlogN > 0 {
		sz.backlogN = o.backlogN
	}
	b := &bench{opts: o, sz: sz, start: time.Now()}
	rep := newReport(o, sz)
	missing, install := missingDeps()
	for _, m := range missing {
		if m != "imapfilter" {
			return nil, fmt.Errorf("%s not found: install it with `%s` (as root)", m, install)
		}
	}
	if len(missing) > 0 {
		rep.Notes = append(rep.Notes, "imapfilter not found: its column is skipped; install it with `"+install+"`")
		b.logf("imapfilter not found: skipping its side (install: %s)", install)
	}
	var err error
	if b.root, err = moduleRoot(); err != nil {
		return nil, err
	}
	if b.work, err = os.MkdirTemp("", "boundaryd-bench-"); err != nil {
		return nil, err
	}
	if !o.keep {
		defer os.RemoveAll(b.work)
	} else {
		rep.Notes = append(rep.Notes, "work dir kept: "+b.work)
	}
	cfg, err := parseConfig(daemonCfg{imapPort: 143, user: "x", smtpPort: 25, hookURL: "http://127.0.0.1:1/", stateDir: b.work, backlog: "new"}.yaml())
	if err != nil {
		return nil, err
	}
	cl, err := classify.New(cfg.ClassifyOptions())
	if err != nil {
		return nil, err
	}
	b.gen, b.check = newMailGen(o.seed), newChecker(cl)

	b.logf("building boundaryd")
	var tags []string
	if o.profile != "" {
		tags = []string{"benchprofile"}
	}
	if b.bin, err = buildBoundaryd(ctx, b.root, b.work, tags...); err != nil {
		return nil, err
	}
	b.logf("starting Dovecot")
	if b.dc, err = startDovecot(ctx, users); err != nil {
		return nil, err
	}
	defer b.dc.stop()
	rep.Dovecot = dovecotVersion()

	idleDone := make(chan idleResult, 1)
	if o.scenarios["idle"] {
		b.logf("idle: sampling boundaryd and imapfilter for %s in the background", sz.idle)
		go func() { idleDone <- b.runIdle(ctx) }()
	}
	var errs []string
	note := func(scenario string, err error) {
		if err != nil {
			errs = append(errs, scenario+": "+err.Error())
			b.logf("%s failed: %v", scenario, err)
		}
	}
	rep.Latency = runScenario(ctx, o.scenarios, "latency", b.runLatency, note)
	rep.Backlog = runScenario(ctx, o.scenarios, "backlog", b.runBacklog, note)
	rep.Memory = runScenario(ctx, o.scenarios, "memory", b.runBigMessage, note)
	rep.Classify = runScenario(ctx, o.scenarios, "classify", b.runClassify, note)
	if o.scenarios["idle"] {
		b.logf("idle: waiting for the sampling period to end")
		r := <-idleDone
		rep.Idle = &r
	}
	rep.Generated = generatedStats{RejectedEmergency: b.check.rejectedEmergency, RejectedBenign: b.check.rejectedBenign}
	rep.WallS = time.Since(b.start).Seconds()
	rep.LoadEnd = loadAvg()
	rep.evaluate()
	if len(errs) > 0 {
		return rep, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return rep, nil
}

// runScenario runs one scenario if it was selected, passing its error to
// note; its result, partial when it failed, or nil when not selected.
func runScenario[T any](ctx context.Context, selected map[string]bool, name string, fn func(context.Context) (T, error), note func(string, error)) *T {
	if !selected[name] {
		return nil
	}
	r, err := fn(ctx)
	note(name, err)
	return &r
}

func dovecotVersion() string {
	out, err := exec.Command("dovecot", "--version").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
