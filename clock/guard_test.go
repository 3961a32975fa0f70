package clock

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// realClockReaders are the time package's functions that read or wait on
// the real clock. Product code must go through a Clock instead.
var realClockReaders = map[string]bool{
	"Now": true, "Since": true, "Until": true, "After": true, "Tick": true,
	"NewTimer": true, "NewTicker": true, "AfterFunc": true, "Sleep": true,
}

// allowed lists the places that may use the real clock, each with why:
// timeouts of network I/O and process supervision, which must follow the
// real clock whatever time the program is told it is, and test-support or
// measuring code that never makes a product decision.
var allowed = map[string]string{
	"clock/clock.go":                "the one real clock",
	"imapwatch/session.go":          "the command watchdog: a network timeout",
	"imapwatch/wait.go":             "IDLE refresh and NOOP polling: network pacing, never compared with a recorded instant",
	"imapwatch/run.go":              "reconnection pacing after a network failure",
	"cmd/boundaryd/run.go":          "the stop grace period of the process",
	"demo/demo.go":                  "real-time bounds on the demo's own waits (the demo's week runs on a Fake clock)",
	"internal/memimap/memimap.go":   "the embedded server's own IDLE polling",
	"internal/dovecotd/dovecotd.go": "test and bench support: starting a real Dovecot",
}

// allowedDirs hold code that is not the product: test support and the
// benchmark, which measures real time on purpose.
var allowedDirs = []string{"internal/testimap/", "internal/smtpsink/", "internal/tlscert/", "internal/freeport/", "tools/",
	"internal/cyrusd/", "internal/courierd/", "internal/srvproc/"} // starting real Cyrus and Courier for the tests

// TestNoRealClockOutsideThisPackage fails when product code reads the real
// clock directly: mixing it with an injected one is how the demo week broke
// on 2026-12-01.
func TestNoRealClockOutsideThisPackage(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var found []string
	err = filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if e.IsDir() {
			if strings.HasPrefix(e.Name(), ".") || e.Name() == "testdata" {
				return filepath.SkipDir
			}
			if path != root {
				if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
					return filepath.SkipDir // another module (third_party): not ours
				}
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		for _, d := range allowedDirs {
			if strings.HasPrefix(rel, d) {
				return nil
			}
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		timeName := ""
		for _, imp := range f.Imports {
			if imp.Path.Value == `"time"` {
				timeName = "time"
				if imp.Name != nil {
					timeName = imp.Name.Name
				}
			}
		}
		if timeName == "" {
			return nil
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == timeName && realClockReaders[sel.Sel.Name] {
				if _, ok := allowed[rel]; !ok {
					found = append(found, fset.Position(sel.Pos()).String()+": time."+sel.Sel.Name)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		t.Errorf("%s reads the real clock: take a clock.Clock (or clock.NetDeadline for a net.Conn deadline)", strings.TrimPrefix(f, root+"/"))
	}
}
