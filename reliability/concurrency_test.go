package reliability

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// gateXe writes an xe that waits at its first call until open exists
// (marking mark when it starts waiting); every call then runs the
// simulated xe.
func gateXe(t *testing.T, h *host, mark, open string) string {
	t.Helper()
	return writeExec(t, filepath.Join(h.dir, "gatexe"), fmt.Sprintf(`#!/bin/sh
if [ ! -e %[2]s ]; then
  : > %[1]s
  i=0
  while [ ! -e %[2]s ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i+1)); done
fi
exec %[3]s "$@"
`, mark, open, filepath.Join(h.root, "bin", "xe")))
}

// TestConcurrentRuns: while one run holds the state dir, a second run,
// a resume and an abort exit 3 naming the holder, and status answers.
func TestConcurrentRuns(t *testing.T) {
	t.Parallel()
	base := runBaseline(t, storageNICArgs)
	h := newHost(t, crashInit...)
	mark, open := filepath.Join(h.dir, "waiting"), filepath.Join(h.dir, "open")
	h.setenv("RUNBOOK_XE", gateXe(t, h, mark, open))
	cmd, stdout, stderr := h.start(storageNIC()...)
	waitFile(t, mark)
	holder := cmd.Process.Pid

	check := func(name string, good bool, format string, args ...any) {
		lockFigure.add(good, false)
		if !good {
			t.Errorf(name+": "+format, args...)
		}
	}
	st := h.status()
	check("status while held", st.State == "running" && st.Holder != nil && st.Holder.PID == holder,
		"state %s, holder %+v; want running, held by pid %d", st.State, st.Holder, holder)
	text := h.run("status")
	check("status text while held", text.code == 0 && strings.Contains(text.stdout, strconv.Itoa(holder)),
		"want exit 0 naming pid %d: %v", holder, text)
	for _, args := range [][]string{storageNIC(), nfsBond(), {"resume"}, {"abort"}} {
		r := h.run(args...)
		check(strings.Join(args[:min(2, len(args))], " ")+" while held",
			r.code == 3 && strings.Contains(r.stderr, "pid "+strconv.Itoa(holder)) && strings.Contains(r.stderr, "runbook status"),
			"want exit 3 naming pid %d and how to follow it: %v", holder, r)
	}
	writeFile(t, open, "")
	r := h.wait(cmd, stdout, stderr)
	final := h.status()
	d := base.state.diff(h.capture())
	good := r.code == 0 && final.State == "succeeded" && d == ""
	lockFigure.add(good, d != "")
	if !good {
		t.Errorf("the holding run: %v\nstate %s\n%s", r, final.State, d)
	}
}

// TestRunRace starts two runs on one state dir at the same moment, five
// times: exactly one runs, the other exits 3 naming it.
func TestRunRace(t *testing.T) {
	t.Parallel()
	for round := range 5 {
		t.Run(fmt.Sprintf("round%d", round+1), func(t *testing.T) {
			t.Parallel()
			h := newHost(t, crashInit...)
			mark, open := filepath.Join(h.dir, "waiting"), filepath.Join(h.dir, "open")
			h.setenv("RUNBOOK_XE", gateXe(t, h, mark, open))
			a, aout, aerr := h.start(storageNIC()...)
			b, bout, berr := h.start(storageNIC()...)
			done := make(chan int, 2)
			var ra, rb result
			go func() { ra = h.wait(a, aout, aerr); done <- 0 }()
			go func() { rb = h.wait(b, bout, berr); done <- 1 }()
			// The loser exits at once; the winner waits at its first xe
			// call until both are known.
			<-done
			waitFile(t, mark)
			writeFile(t, open, "")
			<-done
			win, lose := ra, rb
			if ra.code != 0 {
				win, lose = rb, ra
			}
			calls := h.calls().Argv
			mutations := 0
			for _, c := range calls {
				if mutating(c) {
					mutations++
				}
			}
			good := win.code == 0 && lose.code == 3 && strings.Contains(lose.stderr, "pid "+strconv.Itoa(win.pid))
			lockFigure.add(good, mutations != 3)
			if !good || mutations != 3 {
				t.Errorf("want one run to succeed and the other to exit 3 naming it, and 3 mutating calls (got %d):\n--- A %v\n--- B %v", mutations, ra, rb)
			}
		})
	}
}

// TestStaleLocks: a lock left by a killed process, or one naming a
// process of an earlier boot, blocks nothing.
func TestStaleLocks(t *testing.T) {
	t.Parallel()
	t.Run("dead-process", func(t *testing.T) {
		t.Parallel()
		h := newHost(t, crashInit...)
		h.fault("--call", "3", "--kill-before")
		r := h.run(storageNIC()...)
		if !r.killed() {
			t.Fatalf("run: %v, want killed", r)
		}
		lock, _ := os.ReadFile(filepath.Join(h.state, "lock"))
		st := h.status()
		good := st.Holder == nil && st.State == "interrupted"
		check := func(good bool, format string, args ...any) {
			lockFigure.add(good, false)
			if !good {
				t.Errorf(format, args...)
			}
		}
		check(good, "status after the holder died: state %s, holder %+v (lock file %q); want interrupted, no holder", st.State, st.Holder, lock)
		// A new run is refused because a run waits, not because of the lock.
		n := h.run(storageNIC()...)
		check(n.code == 3 && strings.Contains(n.stderr, "runbook resume") && strings.Contains(n.stderr, "runbook abort") && !strings.Contains(n.stderr, "pid "+strconv.Itoa(r.pid)),
			"new run over an interrupted one: want exit 3 saying resume or abort, not naming the dead pid %d: %v", r.pid, n)
		res := h.run("resume")
		check(res.code == 0 && h.status().State == "succeeded", "resume after the holder died: %v", res)
	})

	for _, tt := range []struct {
		name string
		lock func(t *testing.T) []byte
	}{
		{"earlier-boot", func(t *testing.T) []byte {
			// A live process (this test), but recorded in another boot.
			b, _ := json.Marshal(map[string]any{"pid": os.Getpid(), "start_ticks": 1, "started": "2026-01-01T00:00:00Z", "boot_id": "00000000-0000-0000-0000-000000000000", "command": "run nfs-bond"})
			return b
		}},
		{"live-pid-no-flock", func(t *testing.T) []byte {
			// The content names a live process of this boot, but nobody
			// holds the flock: the kernel's word wins.
			boot, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
			b, _ := json.Marshal(map[string]any{"pid": 1, "started": "2026-01-01T00:00:00Z", "boot_id": strings.TrimSpace(string(boot)), "command": "run nfs-bond"})
			return b
		}},
		{"garbage", func(t *testing.T) []byte { return []byte("\x00\x01 not json") }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHost(t, crashInit...)
			if err := os.MkdirAll(h.state, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(h.state, "lock"), tt.lock(t), 0o600); err != nil {
				t.Fatal(err)
			}
			st := h.status()
			r := h.run(storageNIC()...)
			good := r.code == 0 && st.Holder == nil
			lockFigure.add(good, false)
			if !good {
				t.Errorf("stale lock: status holder %+v; run %v", st.Holder, r)
			}
		})
	}

	t.Run("kill-9-holder-mid-step", func(t *testing.T) {
		t.Parallel()
		h := newHost(t, crashInit...)
		mark := filepath.Join(h.dir, "blocked")
		h.setenv("RUNBOOK_XE", blockingXe(t, h, 5, mark))
		cmd, stdout, stderr := h.start(storageNIC()...)
		waitFile(t, mark)
		cmd.Process.Signal(syscall.SIGKILL)
		h.wait(cmd, stdout, stderr)
		// The program in flight outlives the engine; it must not hold the
		// state dir.
		t.Cleanup(func() {
			if b, err := os.ReadFile(mark + ".pid"); err == nil {
				if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
					syscall.Kill(pid, syscall.SIGKILL)
				}
			}
		})
		r := h.run("resume")
		good := r.code == 0 && h.status().State == "succeeded"
		lockFigure.add(good, false)
		if !good {
			t.Errorf("resume after kill -9 of the holder: %v", r)
		}
	})
}
