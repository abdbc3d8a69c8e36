package reliability

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const hookUnit = "etc/systemd/system/runbook-resume.service"

// other returns a second state dir on the same host, with its env.
func (h *host) other(name string) *host {
	o := *h
	o.state = filepath.Join(h.dir, name)
	o.env = append(append([]string(nil), h.env...), "RUNBOOK_STATE_DIR="+o.state)
	return &o
}

func (h *host) hookText() string {
	b, _ := os.ReadFile(filepath.Join(h.root, hookUnit))
	return string(b)
}

// TestTwoStateDirs: one host, two state dirs. While a run of one is
// unfinished (paused for its reboot), a run or resume from the other is
// refused with exit 3 naming the first state dir and its run, and its
// boot hook is left alone; once the first run ends, the other may run.
// Two runs started at once in two state dirs: exactly one proceeds.
func TestTwoStateDirs(t *testing.T) {
	t.Parallel()
	t.Run("unfinished-run-holds-the-host", func(t *testing.T) {
		t.Parallel()
		a := newHost(t, crashInit...)
		b := a.other("state-b")
		var problems []string
		if r := a.run(append([]string{"run"}, nfsBondArgs...)...); r.code != 0 {
			t.Fatalf("run: %v", r)
		}
		id := a.status().ID
		hook := a.hookText()
		calls := a.calls().Calls
		for _, args := range [][]string{append([]string{"run"}, nfsBondArgs...), append([]string{"run"}, storageNICArgs...)} {
			r := b.run(args...)
			ok := r.code == 3 && strings.Contains(r.stderr, a.state) && strings.Contains(r.stderr, id)
			claimFigure.add(ok, !ok)
			if !ok {
				problems = append(problems, fmt.Sprintf("run from another state dir: want exit 3 naming %s and %s: %v", a.state, id, r))
			}
		}
		for _, cmd := range []string{"resume", "abort"} {
			r := b.run(cmd)
			ok := r.code != 0 && a.hookText() == hook
			claimFigure.add(ok, a.hookText() != hook)
			if !ok {
				problems = append(problems, fmt.Sprintf("%s from another state dir: %v; hook %q", cmd, r, a.hookText()))
			}
		}
		if got := a.calls().Calls; got != calls {
			problems = append(problems, fmt.Sprintf("the refused commands ran %d programs", got-calls))
		}
		if !strings.Contains(hook, "--state-dir "+a.state) {
			problems = append(problems, "the hook does not name its state dir:\n"+hook)
		}
		// The first run ends; the host is free.
		if r := a.bootAndResume(); r.code != 0 {
			t.Fatalf("resume: %v", r)
		}
		if fileExists(filepath.Join(a.root, "var/lib/runbook/claim")) {
			problems = append(problems, "the claim outlived its run")
		}
		r := b.run(append([]string{"run"}, nfsBondArgs...)...)
		ok := r.code == 0
		claimFigure.add(ok, false)
		if !ok {
			problems = append(problems, fmt.Sprintf("run from the other state dir after the first ended: %v", r))
		}
		if len(problems) > 0 {
			t.Error(strings.Join(problems, "\n"))
		}
	})
	t.Run("started-at-once", func(t *testing.T) {
		t.Parallel()
		base := runBaseline(t, storageNICArgs)
		for trial := range 3 {
			a := newHost(t, crashInit...)
			hosts := []*host{a, a.other("state-b"), a.other("state-c")}
			results := make([]result, len(hosts))
			var wg sync.WaitGroup
			for i, h := range hosts {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i] = h.run(append([]string{"run"}, storageNICArgs...)...)
				}()
			}
			wg.Wait()
			won, refused := 0, 0
			for _, r := range results {
				switch r.code {
				case 0:
					won++
				case 3:
					refused++
				}
			}
			extra := extraMutations(base.calls, a.calls().Argv, nil)
			ok := won >= 1 && won+refused == len(hosts) && len(extra) == 0
			claimFigure.add(ok, len(extra) > 0)
			if !ok {
				t.Errorf("trial %d: %d succeeded, %d refused, extra mutations %q:\n%v\n%v\n%v", trial, won, refused, extra, results[0], results[1], results[2])
			}
		}
	})
}

// TestHookCleanup: a boot hook left with nothing to resume (a kill
// between a run's end and the hook's removal) is removed by the next
// command of its state dir, and a hook of another state dir never is.
func TestHookCleanup(t *testing.T) {
	t.Parallel()
	h := newHost(t, crashInit...)
	if r := h.run(append([]string{"run"}, storageNICArgs...)...); r.code != 0 {
		t.Fatalf("run: %v", r)
	}
	unit := func(stateDir string) string {
		return "[Service]\nExecStart=/usr/local/bin/runbook resume --state-dir " + stateDir + "\n"
	}
	plant := func(stateDir string) {
		writeFile(t, filepath.Join(h.root, hookUnit), unit(stateDir))
		link := filepath.Join(h.root, "etc/systemd/system/multi-user.target.wants/runbook-resume.service")
		os.MkdirAll(filepath.Dir(link), 0o755)
		os.Remove(link)
		os.Symlink("/"+hookUnit, link)
	}
	for _, cmd := range [][]string{{"resume"}, {"abort"}, append([]string{"run"}, storageNICArgs...)} {
		plant(h.state)
		h.run(cmd...)
		ok := !fileExists(filepath.Join(h.root, hookUnit))
		claimFigure.add(ok, false)
		if !ok {
			t.Errorf("%s with nothing unfinished left this state dir's hook", cmd[0])
		}
		plant("/var/lib/someone-else")
		h.run(cmd...)
		kept := fileExists(filepath.Join(h.root, hookUnit))
		claimFigure.add(kept, !kept)
		if !kept {
			t.Errorf("%s removed the hook of another state dir", cmd[0])
		}
	}
}

// TestUntrustedStateDir: a state dir, or anything the engine reads in
// it, owned by another user or writable by others is refused (exit 2,
// naming the path, its owner and mode, and the fix) by every command,
// and nothing runs; so is a state dir whose name has a control character.
func TestUntrustedStateDir(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root to give files to another user")
	}
	cases := []struct {
		name  string
		spoil func(h *host, st status)
		path  func(h *host, st status) string
	}{
		{"dir-of-another-user", func(h *host, st status) { os.Chown(h.state, 1000, 1000) }, func(h *host, st status) string { return h.state }},
		{"dir-writable-by-others", func(h *host, st status) { os.Chmod(h.state, 0o757) }, func(h *host, st status) string { return h.state }},
		{"run-dir-of-another-user", func(h *host, st status) { os.Chown(st.RunDir, 1000, 1000) }, func(h *host, st status) string { return st.RunDir }},
		{"journal-group-writable", func(h *host, st status) { os.Chmod(st.Journal, 0o660) }, func(h *host, st status) string { return st.Journal }},
		{"pinned-runbook-of-another-user", func(h *host, st status) {
			os.Chown(filepath.Join(st.RunDir, "pinned", "nfs-bond.star"), 1000, 1000)
		}, func(h *host, st status) string { return filepath.Join(st.RunDir, "pinned", "nfs-bond.star") }},
		{"journal-symlink", func(h *host, st status) {
			os.Rename(st.Journal, st.Journal+".real")
			os.Symlink(st.Journal+".real", st.Journal)
		}, func(h *host, st status) string { return st.Journal }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHost(t, crashInit...)
			if r := h.run(append([]string{"run"}, nfsBondArgs...)...); r.code != 0 {
				t.Fatalf("run: %v", r)
			}
			st := h.status()
			tc.spoil(h, st)
			path := tc.path(h, st)
			calls := h.calls().Calls
			for _, cmd := range [][]string{{"resume"}, {"status", "--json"}, {"abort"}, append([]string{"run"}, storageNICArgs...)} {
				r := h.run(cmd...)
				ok := r.code == 2 && strings.Contains(r.stderr, path) && strings.Contains(r.stderr, "owner uid") && strings.Contains(r.stderr, "mode") && strings.Contains(r.stderr, "fix:")
				trustFigure.add(ok, r.code == 0)
				if !ok {
					t.Errorf("%s: want exit 2 naming %s, its owner and mode, and the fix: %v", cmd[0], path, r)
				}
			}
			if got := h.calls().Calls; got != calls {
				t.Errorf("%d programs ran in an untrusted state dir", got-calls)
			}
		})
	}
	t.Run("control-character-in-the-name", func(t *testing.T) {
		t.Parallel()
		h := newHost(t, crashInit...)
		bad := h.other("state\nExecStartPre=/bin/touch /PWNED")
		r := bad.run(append([]string{"run"}, nfsBondArgs...)...)
		ok := r.code == 2 && strings.Contains(r.stderr, "control character") && !fileExists(filepath.Join(h.root, hookUnit))
		trustFigure.add(ok, r.code == 0)
		if !ok {
			t.Errorf("a state dir with a newline: %v", r)
		}
	})
}
