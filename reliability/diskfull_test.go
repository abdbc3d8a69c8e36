package reliability

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/runbook-dev/runbook/builtins"
	"github.com/runbook-dev/runbook/engine"
	"github.com/runbook-dev/runbook/runbooks"
	"github.com/runbook-dev/runbook/sim"
)

// fullDisk is a write hook that lets n bytes through, then fails with
// ENOSPC (after a partial write, as a real full disk does). only, when
// set, limits it to the files it matches.
type fullDisk struct {
	mu      sync.Mutex
	left    int
	written int
	only    func(name string) bool
	off     bool
}

func (d *fullDisk) write(f *os.File, b []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.off || (d.only != nil && !d.only(f.Name())) {
		return f.Write(b)
	}
	d.written += len(b)
	if len(b) <= d.left {
		d.left -= len(b)
		return f.Write(b)
	}
	n, _ := f.Write(b[:d.left])
	d.left = 0
	return n, syscall.ENOSPC
}

// inProcess is an engine acting, in this process, on a fresh simulated
// host, with every write to its state dir going through disk.
func inProcess(t *testing.T, disk *fullDisk) (*engine.Engine, *host) {
	t.Helper()
	dir := t.TempDir()
	h := &host{t: t, dir: dir, root: filepath.Join(dir, "host"), state: filepath.Join(dir, "state")}
	h.env = append(baseEnv(), "RUNBOOK_ROOT="+h.root, "RUNBOOK_STATE_DIR="+h.state)
	if err := sim.Init(h.root, sim.InitOptions{XapiDelay: sim.NoXapiDelay}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	e := &engine.Engine{
		Options:   engine.Options{StateDir: h.state, Root: h.root, Xe: "xe", Ifup: "ifup", Reboot: "reboot"},
		Report:    engine.NewReporter(&out, &out, false),
		Shipped:   runbooks.FS,
		Binary:    "/usr/local/bin/runbook",
		NewHost:   func(o engine.RecordedOptions) (builtins.Host, error) { return sim.NewHost(o.Root) },
		WriteHook: disk.write,
	}
	return e, h
}

// bootInProcess boots the simulated host of e in process; the boot
// hook's command resumes e.
func bootInProcess(ctx context.Context, e *engine.Engine) error {
	h, err := sim.NewHost(e.Root)
	if err != nil {
		return err
	}
	defer h.Close()
	_, err = h.Boot(ctx, sim.BootOptions{Exec: func(ctx context.Context, c sim.UnitCommand) (int, error) {
		if err := e.Resume(ctx); err != nil {
			fmt.Fprintln(c.Stdout, err)
			return engine.ExitCode(err), nil
		}
		return 0, nil
	}})
	return err
}

// finishInProcess takes a run to its end as an operator would after
// freeing space: resume an unfinished run, run again one that never
// started or failed without changing the host.
func finishInProcess(e *engine.Engine, rb *engine.Runbook, pv *engine.ParamValues) (*engine.Status, error) {
	ctx := context.Background()
	booted := false
	for range 6 {
		st, err := e.Status()
		if err != nil {
			return st, fmt.Errorf("status: %w", err)
		}
		switch {
		case st.State == engine.StateSucceeded:
			return st, nil
		case st.State == engine.StateNone || st.State == engine.StateAborted || (st.State == engine.StateFailed && !st.ChangedHost):
			e.Run(ctx, rb, pv)
		case st.State == engine.StateRebooting && !booted:
			// The host boots, and its boot hook (if the run got as far
			// as installing it) resumes the run.
			booted = true
			if err := bootInProcess(ctx, e); err != nil {
				return st, err
			}
		default:
			booted = false
			e.Resume(ctx)
		}
	}
	st, err := e.Status()
	if err == nil && st.State != engine.StateSucceeded {
		err = fmt.Errorf("the run is %s after 6 tries", st.State)
	}
	return st, err
}

// TestDiskFull fills the disk at every fill level of a first run of each
// shipped runbook (a sample in make test): the state dir's writes fail
// with ENOSPC once N bytes are written, for every N up to the size of
// the first run's journal (journal writes only), and across all its
// writes (pinned runbook, journal, log, current, lock, claim). Once
// space is free again, no state dir may be wedged: status works, and the
// run ends as an uninterrupted run ends, on the same host.
func TestDiskFull(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		params []string
	}{
		{"storage-nic", storageNICArgs[1:]},
		{"nfs-bond", nfsBondArgs[1:]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rb, err := engine.Open(tc.name, runbooks.FS)
			if err != nil {
				t.Fatal(err)
			}
			var flags []string
			for i := 1; i < len(tc.params); i += 2 {
				flags = append(flags, tc.params[i])
			}
			pv, err := engine.ResolveParams(rb, flags, nil)
			if err != nil {
				t.Fatal(err)
			}
			// The uninterrupted run: its host, its journal's size, all it writes.
			unlimited := &fullDisk{left: 1 << 40}
			e, h := inProcess(t, unlimited)
			if err := e.Run(context.Background(), rb, pv); err != nil {
				t.Fatal(err)
			}
			st, _ := e.Status()
			fi, err := os.Stat(st.Journal)
			if err != nil {
				t.Fatal(err)
			}
			firstJournal, firstAll := int(fi.Size()), unlimited.written
			if _, err := finishInProcess(e, rb, pv); err != nil {
				t.Fatal(err)
			}
			want := h.capture()

			type level struct {
				n       int
				journal bool
			}
			var levels []level
			stepJ, stepA := max(1, firstJournal/40), max(1, firstAll/30)
			if full() {
				stepJ, stepA = 1, max(1, firstAll/400)
			}
			for n := 0; n <= firstJournal; n += stepJ {
				levels = append(levels, level{n, true})
			}
			for n := 0; n <= firstAll; n += stepA {
				levels = append(levels, level{n, false})
			}
			t.Logf("%s: first run writes %d bytes, %d of them journal; %d fill levels", tc.name, firstAll, firstJournal, len(levels))
			sem := make(chan struct{}, 2)
			var wg sync.WaitGroup
			var mu sync.Mutex
			recovered, wedged := 0, 0
			for _, lv := range levels {
				wg.Add(1)
				sem <- struct{}{}
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					disk := &fullDisk{left: lv.n}
					if lv.journal {
						disk.only = func(name string) bool { return strings.HasSuffix(name, "journal.jsonl") }
					}
					e, h := inProcess(t, disk)
					runErr := e.Run(context.Background(), rb, pv)
					disk.mu.Lock()
					disk.off = true // space is free again
					disk.mu.Unlock()
					var problem string
					if runErr != nil && strings.Contains(runErr.Error(), "panic") {
						problem = "panic: " + runErr.Error()
					}
					if _, err := e.Status(); err != nil {
						problem = fmt.Sprintf("status after the full disk: %v", err)
					} else if _, err := finishInProcess(e, rb, pv); err != nil {
						problem = fmt.Sprintf("after the full disk (%v): %v", runErr, err)
					} else if d := want.diff(h.capture()); d != "" {
						problem = "host differs from an uninterrupted run:\n" + d
					}
					mu.Lock()
					defer mu.Unlock()
					if problem != "" {
						wedged++
						t.Errorf("%s, full after %d bytes (journal only: %v): %s", tc.name, lv.n, lv.journal, problem)
					} else {
						recovered++
					}
				}()
			}
			wg.Wait()
			diskFullFigure.add(len(levels), recovered, wedged)
		})
	}
}
