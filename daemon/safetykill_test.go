package daemon

import (
	"bufio"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/internal/smtpsink"
	"github.com/boundaryd/boundaryd/internal/testimap"
)

// TestKill9BetweenPageAndRepeat: the daemon (a child process, on the real
// clock: a fake one cannot cross the process boundary, so repeat_after is
// the shortest allowed, 10s) is killed with SIGKILL at a random moment
// between a page and its first repeat, and again between the first and the
// second repeat. Each repeat still arrives exactly once: the repeat is
// queued in the transaction that advances the page, and the outbox refuses
// a second copy of its key.
func TestKill9BetweenPageAndRepeat(t *testing.T) {
	if testing.Short() {
		t.Skip("two repeat_after of 10 s")
	}
	for name, mk := range servers(t, testimap.MemOptions{}, testimap.DovecotOptions{}) {
		t.Run(name, func(t *testing.T) {
			srv := mk(t)
			sink, hook := smtpsink.Start(t), startWebhook(t)
			cfg := testConfig(t, srv, sink, hook, envOpts{})
			conf := strings.Replace(renderChildConfig(cfg, srv.Password()), "state_dir:", "  repeat_after: 10s\n  repeat: 2\nstate_dir:", 1)
			cfgPath := filepath.Join(t.TempDir(), "config.yaml")
			if err := os.WriteFile(cfgPath, []byte(conf), 0o600); err != nil {
				t.Fatal(err)
			}
			logf, err := os.Create(filepath.Join(t.TempDir(), "child.log"))
			if err != nil {
				t.Fatal(err)
			}
			defer logf.Close()
			ready := make(chan struct{}, 10)
			start := func() *exec.Cmd {
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), childEnv+"="+cfgPath)
				cmd.Stderr = logf
				out, err := cmd.StdoutPipe()
				if err != nil {
					t.Fatal(err)
				}
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				go func() {
					sc := bufio.NewScanner(out)
					for sc.Scan() {
						if sc.Text() == "READY" {
							ready <- struct{}{}
						}
					}
				}()
				return cmd
			}
			waitReady := func() {
				select {
				case <-ready:
				case <-time.After(waitLimit):
					t.Fatal("the daemon never became ready")
				}
			}
			e := &env{t: t, logs: &syncBuffer{}}
			rng := rand.New(rand.NewPCG(2, uint64(time.Now().UnixNano())))
			kill := func(c *exec.Cmd) *exec.Cmd {
				// A random moment in the next few seconds, well before the
				// repeat is due (fault injection, not synchronisation).
				time.Sleep(time.Duration(200+rng.IntN(3000)) * time.Millisecond)
				_ = c.Process.Signal(syscall.SIGKILL)
				_ = c.Wait()
				return start()
			}
			child := start()
			waitReady()
			raw := newMail("Bob Stone <bob@patients.example>", "tonight", emergencyBody)
			srv.deliver("INBOX", raw)
			var repeats []float64
			first := waitPost(t, e, hook, "first page")
			repeats = append(repeats, first["repeat"].(float64))
			child = kill(child)
			for len(repeats) < 3 {
				b := waitPost(t, e, hook, "repeat")
				r, _ := b["repeat"].(float64)
				repeats = append(repeats, r)
				if r == 1 {
					child = kill(child)
				}
			}
			_ = child.Process.Signal(syscall.SIGTERM)
			_ = child.Wait()
			// Whatever else was queued would have been sent by now: the
			// second repeat came 10 s after the first, the restarts in between.
			repeats = append(repeats, drain(hook)...)
			t.Logf("kill -9 twice between page and repeats: webhook posts with repeat numbers %v", repeats)
			if len(repeats) != 3 || repeats[0] != 0 || repeats[1] != 1 || repeats[2] != 2 {
				t.Errorf("want posts 0, 1, 2 exactly once each, got %v", repeats)
			}
		})
	}
}

func drain(h *webhookSink) []float64 {
	var out []float64
	for {
		select {
		case b := <-h.C:
			r, _ := b["repeat"].(float64)
			out = append(out, r)
		default:
			return out
		}
	}
}
