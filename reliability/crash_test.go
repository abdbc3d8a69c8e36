package reliability

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/builtins"
	"github.com/runbook-dev/runbook/internal/journal"
)

// crashInit are the `sim init` options of the crash matrix: xapi fails
// its first call after each reboot, so the wait for xapi is part of the
// matrix too.
var crashInit = []string{"--xapi-delay", "1"}

// baseline is an uninterrupted run of a runbook on a fresh host.
type baseline struct {
	state hostState
	calls [][]string
	steps []stepStatus
}

func runBaseline(t *testing.T, args []string, init ...string) baseline {
	t.Helper()
	h := newHost(t, append(append([]string(nil), crashInit...), init...)...)
	first := h.run(append([]string{"run"}, args...)...)
	if first.code != 0 {
		t.Fatalf("uninterrupted run: %v", first)
	}
	for _, r := range h.finish(4) {
		if r.code != 0 {
			t.Fatalf("uninterrupted resume: %v", r)
		}
	}
	st := h.status()
	if st.State != "succeeded" {
		t.Fatalf("uninterrupted run: state %s, want succeeded\n%s", st.State, st.raw)
	}
	for _, s := range st.Steps {
		if s.Attempts != 1 {
			t.Fatalf("uninterrupted run: step %d %q has %d attempts", s.Seq, s.Name, s.Attempts)
		}
	}
	return baseline{state: h.capture(), calls: h.calls().Argv, steps: st.Steps}
}

// prog is the base name of a call's program.
func prog(argv []string) string { return filepath.Base(argv[0]) }

// mutating reports whether a simulated program call changes the host:
// everything but the xe reads (the classification of the xe builtin, as
// the README states it) and the programs that only look: ip's show and
// get, ping and journalctl.
func mutating(argv []string) bool {
	switch prog(argv) {
	case "xe":
		return len(argv) >= 2 && !builtins.IsReadCommand(argv[1])
	case "ping", "journalctl":
		return false
	case "ip":
		for _, a := range argv[1:] {
			if a == "show" || a == "get" || a == "list" {
				return false
			}
		}
		return true
	}
	return true
}

// callKey names a call independently of where the host lives.
func callKey(argv []string) string {
	return prog(argv) + " " + strings.Join(argv[1:], " ")
}

// isXapiProbe reports whether a call is the engine's wait for xapi.
func isXapiProbe(argv []string) bool {
	return callKey(argv) == "xe pool-list params=uuid --minimal"
}

// TestCrashMatrix kills runbook with SIGKILL at every program call of an
// uninterrupted run of each shipped runbook, before and after the call
// takes effect, and once more killing also the first call of the resume
// that follows (a crash during recovery), then resumes until the run
// ends. The run must succeed with the host byte for byte as an
// uninterrupted run leaves it, no mutation done twice, and a journal
// that shows each interrupted step running again.
func TestCrashMatrix(t *testing.T) {
	start := time.Now()
	var mu sync.Mutex
	tried := 0
	t.Cleanup(func() {
		t.Logf("crash matrix: %d crash points in %.1fs", tried, time.Since(start).Seconds())
	})
	for _, rb := range []struct {
		name string
		args []string
		init []string // more sim init options
		// minCalls is the fewest program calls the uninterrupted run
		// may make: a runbook change that skips steps (a guard that
		// returns early, a parameter that turns the work off) must not
		// shrink the matrix unnoticed. Lower it only for a runbook that
		// does the same work in fewer calls.
		minCalls int
	}{
		{"nfs-bond", nfsBondArgs, nil, 20},
		{"storage-nic", storageNICArgs, nil, 8},
		{"storage-bond", storageBondArgs, nil, 23},
		// xe on a pool member: every call goes through the coordinator.
		{"storage-nic-on-a-member", storageNICArgs, []string{"--member"}, 8},
	} {
		t.Run(rb.name, func(t *testing.T) {
			t.Parallel()
			base := runBaseline(t, rb.args, rb.init...)
			t.Logf("%s: %d program calls uninterrupted", rb.name, len(base.calls))
			if err := checkMinCalls(rb.name, base.calls, rb.minCalls); err != nil {
				t.Fatal(err)
			}
			for k := 1; k <= len(base.calls); k++ {
				for _, faults := range [][]fault{
					{{k, "kill-before"}},
					{{k, "kill-after"}},
					{{k, "kill-after"}, {k + 1, "kill-before"}},
				} {
					name := fmt.Sprintf("call%02d-%s", k, faults[0].kind)
					if len(faults) > 1 {
						name += "-then-next-kill-before"
					}
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						mu.Lock()
						tried++
						mu.Unlock()
						crashPoint(t, rb.args, rb.init, base, faults)
					})
				}
			}
		})
	}
}

// checkMinCalls refuses a baseline of fewer calls than the matrix was
// built for: it would pass by crashing at fewer points.
func checkMinCalls(name string, calls [][]string, min int) error {
	if len(calls) >= min {
		return nil
	}
	keys := make([]string, len(calls))
	for i, a := range calls {
		keys[i] = callKey(a)
	}
	return fmt.Errorf("%s: the uninterrupted run made %d program calls, want at least %d: the runbook (or its parameters here) skips work it did, so the crash matrix would test fewer points; calls made:\n  %s\nif it does the same work in fewer calls now, lower minCalls in TestCrashMatrix", name, len(calls), min, strings.Join(keys, "\n  "))
}

// fault is a kill armed at a program call.
type fault struct {
	call int
	kind string // kill-before or kill-after
}

// kill is a process a fault killed.
type kill struct {
	pid  int
	argv []string
	kind string
}

func crashPoint(t *testing.T, args, init []string, base baseline, faults []fault) {
	argvK := base.calls[faults[0].call-1]
	t.Logf("call %d: %s", faults[0].call, callKey(argvK))
	h := newHost(t, append(append([]string(nil), crashInit...), init...)...)
	for _, f := range faults {
		h.fault("--call", strconv.Itoa(f.call), "--"+f.kind)
	}

	var problems []string
	results := []result{h.run(append([]string{"run"}, args...)...)}
	for range 6 {
		st := h.status()
		if st.State == "succeeded" || st.State == "failed" || st.State == "aborted" {
			break
		}
		results = append(results, h.recover())
	}
	calls := h.calls().Argv
	var kills []kill
	for _, r := range results {
		if r.killed() {
			if len(kills) == len(faults) {
				problems = append(problems, "killed more often than faults were armed")
				break
			}
			f := faults[len(kills)]
			kills = append(kills, kill{pid: r.pid, argv: calls[f.call-1], kind: f.kind})
		} else if r.code != 0 {
			problems = append(problems, fmt.Sprintf("a process failed: %v", r))
		}
	}
	fired := 0
	for _, f := range faults {
		if f.call <= len(calls) {
			fired++ // the others were past the last call the run made
		}
	}
	if len(kills) != fired {
		problems = append(problems, fmt.Sprintf("%d faults at calls that happened, %d kills", fired, len(kills)))
	}
	st := h.status()
	if st.State != "succeeded" {
		msg := ""
		if st.Error != nil {
			msg = *st.Error
		}
		problems = append(problems, fmt.Sprintf("the run ended %s, want succeeded: %s", st.State, msg))
	}

	// The host, byte for byte.
	got := h.capture()
	d := base.state.diff(got)
	if d != "" {
		problems = append(problems, "host differs from an uninterrupted run:\n"+d)
	}

	// No mutation twice: only a call killed before it acted may run again.
	var allowed []string
	for _, k := range kills {
		if k.kind == "kill-before" && mutating(k.argv) {
			allowed = append(allowed, callKey(k.argv))
		}
	}
	if extra := extraMutations(base.calls, calls, allowed); len(extra) > 0 {
		problems = append(problems, fmt.Sprintf("mutating calls beyond an uninterrupted run: %q", extra))
	}
	if log, err := os.ReadFile(st.Log); err == nil && strings.Contains(string(log), "exit status") {
		problems = append(problems, "the run log shows a failed program:\n"+string(log))
	}

	// The journal's story.
	recs := h.journal()
	for _, r := range recs {
		if r.Type == "failed" {
			problems = append(problems, fmt.Sprintf("journal: step %d failed: %s", r.Seq, r.Error))
		}
	}
	problems = append(problems, storyProblems(recs, st.Steps, kills)...)

	crashFigure.add(len(problems) == 0, d != "")
	if len(problems) > 0 {
		var outs []string
		for i, r := range results {
			outs = append(outs, fmt.Sprintf("--- process %d: %v", i+1, r))
		}
		var what []string
		for _, f := range faults {
			what = append(what, fmt.Sprintf("%s at call %d", f.kind, f.call))
		}
		t.Errorf("%s (call %d: %s):\n%s\n%s", strings.Join(what, ", "), faults[0].call, callKey(argvK), strings.Join(problems, "\n"), strings.Join(outs, "\n"))
	}
}

// extraMutations returns the mutating calls of got beyond those of want
// and the allowed repeats.
func extraMutations(want, got [][]string, allowed []string) []string {
	count := map[string]int{}
	for _, a := range want {
		if mutating(a) {
			count[callKey(a)]++
		}
	}
	for _, a := range allowed {
		count[a]++
	}
	var extra []string
	for _, a := range got {
		if !mutating(a) {
			continue
		}
		k := callKey(a)
		if count[k] == 0 {
			extra = append(extra, k)
			continue
		}
		count[k]--
	}
	return extra
}

// storyProblems checks that the journal tells what happened: each killed
// process had journaled the step it was in (started, or the reboot
// intent) before the program ran; that step ran again (or, for a reboot
// that happened, completed without running again), and no other step
// ran twice.
func storyProblems(recs []record, steps []stepStatus, kills []kill) []string {
	var problems []string
	want := map[int]int{}
	for _, k := range kills {
		at := -1
		for i, r := range recs {
			if r.Type == "session" && r.PID == k.pid {
				at = i
			}
		}
		if at < 0 {
			problems = append(problems, fmt.Sprintf("journal: no session of the killed process %d", k.pid))
			continue
		}
		// The last record that says where the process was: a step's
		// backups and prints come between its started record and its
		// programs.
		last := recs[at]
		for _, r := range recs[at+1:] {
			if r.Type == "session" {
				break
			}
			if r.Type == "child" || r.Type == "call" || r.Type == "backup" || r.Type == "print" {
				continue // the program itself (journaled before it was waited for, and once it ended), a step's backups and prints
			}
			last = r
		}
		switch {
		case isXapiProbe(k.argv):
			if last.Type != "session" && !(last.Type == "completed" && last.Status == "rebooted") {
				problems = append(problems, fmt.Sprintf("journal: killed while waiting for xapi, but the last record is %s of step %d", last.Type, last.Seq))
			}
		case last.Type == "started":
			want[last.Seq]++
		case last.Type == "reboot" && prog(k.argv) == "reboot":
			if k.kind == "kill-before" {
				want[last.Seq]++ // the reboot did not happen: it runs again
			}
		default:
			problems = append(problems, fmt.Sprintf("journal: %s ran while no step was started (last record of the killed process: %s of step %d)", callKey(k.argv), last.Type, last.Seq))
		}
	}
	for _, s := range steps {
		if w := 1 + want[s.Seq]; s.Attempts != w {
			problems = append(problems, fmt.Sprintf("status: step %d %q has %d attempts, want %d", s.Seq, s.Name, s.Attempts, w))
		}
	}
	return problems
}

// TestRebootStep pins the durable reboot: killed after the intent is
// journaled but before the reboot program ran, the resume reboots once;
// killed after it ran, the resume goes on without another reboot; a host
// that keeps its boot id stops the run after two attempts.
func TestRebootStep(t *testing.T) {
	t.Parallel()
	base := runBaseline(t, nfsBondArgs)
	rebootCall := 0
	for i, a := range base.calls {
		if prog(a) == "reboot" {
			if rebootCall != 0 {
				t.Fatalf("the uninterrupted run rebooted twice")
			}
			rebootCall = i + 1
		}
	}
	if rebootCall == 0 {
		t.Fatal("the uninterrupted run never rebooted")
	}
	bootID := func(h *host) string {
		b, err := os.ReadFile(filepath.Join(h.root, "proc/sys/kernel/random/boot_id"))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	wantBoot := strings.TrimSpace(base.state.files["proc/sys/kernel/random/boot_id"].data)

	for _, tt := range []struct {
		kind        string
		wantReboots int // reboot program runs
	}{{"kill-before", 2}, {"kill-after", 1}} {
		t.Run(tt.kind, func(t *testing.T) {
			t.Parallel()
			h := newHost(t, crashInit...)
			h.fault("--call", strconv.Itoa(rebootCall), "--"+tt.kind)
			if r := h.run(append([]string{"run"}, nfsBondArgs...)...); !r.killed() {
				t.Fatalf("run: got %v, want killed at the reboot", r)
			}
			recs := h.journal()
			if last := recs[len(recs)-1]; last.Type != "reboot" {
				t.Errorf("journal: killed at the reboot, the last record is %q, want the reboot intent", last.Type)
			}
			h.finish(4)
			st := h.status()
			n := 0
			for _, a := range h.calls().Argv {
				if prog(a) == "reboot" {
					n++
				}
			}
			good := st.State == "succeeded" && n == tt.wantReboots && bootID(h) == wantBoot
			if !good {
				t.Errorf("state %s, reboot program run %d times (want %d), boot id %s (want %s, one effective reboot)", st.State, n, tt.wantReboots, bootID(h), wantBoot)
			}
			rebootFigure.add(good, n > tt.wantReboots)
		})
	}

	t.Run("boot-id-never-changes", func(t *testing.T) {
		t.Parallel()
		h := newHost(t, crashInit...)
		h.setenv("RUNBOOK_REBOOT", "/bin/true")
		var outs []result
		outs = append(outs, h.run(append([]string{"run"}, nfsBondArgs...)...))
		for range 6 {
			if outs[len(outs)-1].code != 0 {
				break
			}
			outs = append(outs, h.run("resume"))
		}
		last := outs[len(outs)-1]
		st := h.status()
		reboots := 0
		for _, r := range h.journal() {
			if r.Type == "reboot" {
				reboots++
			}
		}
		var problems []string
		if last.code != 1 || st.State != "failed" {
			problems = append(problems, fmt.Sprintf("after %d processes: exit %d, state %s; want the run failed (exit 1)", len(outs), last.code, st.State))
		}
		if reboots != 2 {
			problems = append(problems, fmt.Sprintf("%d reboot attempts journaled, want 2", reboots))
		}
		for _, want := range []string{"did not reboot", "boot id", "reboot it by hand", "runbook resume"} {
			if !strings.Contains(last.stderr, want) {
				problems = append(problems, fmt.Sprintf("error does not say %q", want))
			}
		}
		if _, err := os.Lstat(filepath.Join(h.root, "etc/systemd/system/runbook-resume.service")); err == nil {
			problems = append(problems, "the boot hook is left installed after the run failed")
		}
		// Another resume must not reboot again.
		again := h.run("resume")
		after := 0
		for _, r := range h.journal() {
			if r.Type == "reboot" {
				after++
			}
		}
		if after != reboots || again.code == 0 {
			problems = append(problems, fmt.Sprintf("a further resume: exit %d, %d reboot attempts (was %d): a reboot loop", again.code, after, reboots))
		}
		rebootFigure.add(len(problems) == 0, after > 2)
		if len(problems) > 0 {
			t.Errorf("%s\nlast process: %v", strings.Join(problems, "\n"), last)
		}
	})
}

// TestTornJournal damages the journal of a run paused for its reboot: a
// partial last line is as if never written; a damaged line in the middle
// or an unknown format version is a clear error that changes nothing.
func TestTornJournal(t *testing.T) {
	t.Parallel()
	base := runBaseline(t, storageNICArgs)
	for _, tt := range []struct {
		name   string
		damage func(t *testing.T, data string) string
		// want is nil when the resume must succeed; otherwise what the
		// error must say.
		want []string
	}{
		{
			name: "partial-last-line",
			damage: func(t *testing.T, data string) string {
				return data + `{"type":"completed","seq":3,"status":"chan`
			},
		},
		{
			name: "partial-last-line-after-started",
			damage: func(t *testing.T, data string) string {
				return data + `{"type":"started","seq":3,"name":"configure eth1: static 10.10`
			},
		},
		{
			name: "damaged-middle-line",
			damage: func(t *testing.T, data string) string {
				lines := strings.SplitAfter(data, "\n")
				lines[3] = `{"type":"completed","seq":1,"res` + "\x00garbage\n"
				return strings.Join(lines, "")
			},
			want: []string{"journal.jsonl:4", "damaged", "runbook abort"},
		},
		{
			name: "unknown-version",
			damage: func(t *testing.T, data string) string {
				v := fmt.Sprintf(`"v":%d,`, journal.Version)
				if !strings.Contains(data, v) {
					t.Fatalf("no version in the header: %.200s", data)
				}
				return strings.Replace(data, v, `"v":99,`, 1)
			},
			want: []string{"journal.jsonl:1", "version 99", "runbook abort"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHost(t, crashInit...)
			// Kill the run after its second step, with the host untouched.
			h.fault("--call", "3", "--kill-before")
			if r := h.run(append([]string{"run"}, storageNICArgs...)...); !r.killed() {
				t.Fatalf("run: got %v, want killed", r)
			}
			jpath := h.status().Journal
			data, err := os.ReadFile(jpath)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(jpath, []byte(tt.damage(t, string(data))), 0o600); err != nil {
				t.Fatal(err)
			}
			before := h.capture()
			r := h.run("resume")
			var problems []string
			harmed := false
			if tt.want == nil {
				h.finish(3)
				st := h.status()
				if r.code != 0 || st.State != "succeeded" {
					problems = append(problems, fmt.Sprintf("resume: exit %d, state %s; want succeeded", r.code, st.State))
				}
				if d := base.state.diff(h.capture()); d != "" {
					problems = append(problems, "host differs from an uninterrupted run:\n"+d)
					harmed = true
				}
				h.journal() // every line parses: the torn one was cut
			} else {
				if r.code == 0 {
					problems = append(problems, "resume succeeded on a damaged journal")
				}
				for _, w := range tt.want {
					if !strings.Contains(r.stderr, w) {
						problems = append(problems, fmt.Sprintf("error does not say %q", w))
					}
				}
				if d := before.diff(h.capture()); d != "" {
					problems = append(problems, "the refused resume changed the host:\n"+d)
					harmed = true
				}
				if n := len(h.calls().Argv); n != 3 {
					problems = append(problems, fmt.Sprintf("the refused resume ran %d programs", n-3))
				}
				// A new run is refused too, and status still answers.
				if r2 := h.run(append([]string{"run"}, storageNICArgs...)...); r2.code == 0 {
					problems = append(problems, "a new run started over the damaged journal")
				}
				if s := h.run("status"); s.code != 0 {
					problems = append(problems, fmt.Sprintf("status on a damaged journal: %v", s))
				}
				// The way out the error gives: abort, then a new run.
				if ab := h.run("abort"); ab.code != 0 {
					problems = append(problems, fmt.Sprintf("runbook abort, as the error advises: %v", ab))
				}
				if nr := h.run(append([]string{"run"}, storageNICArgs...)...); nr.code != 0 {
					problems = append(problems, fmt.Sprintf("a new run after the abort: %v", nr))
				}
			}
			tornFigure.add(len(problems) == 0, harmed)
			if len(problems) > 0 {
				t.Errorf("%s\nresume: %v", strings.Join(problems, "\n"), r)
			}
		})
	}
}

// keys lists a map's keys in order, for messages.
func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestFileWriteKilledThenResumed leaves a host and a journal as a SIGKILL
// inside file_write leaves them (the started record of "configure
// bond51", the step that writes the ifcfg files, last; ifcfg-eth2 not yet
// renamed into place, a temporary file beside it), then resumes: the
// step runs again and the host ends as an uninterrupted run leaves it,
// with no temporary file.
// builtins.TestFileWriteKilledBeforeRename kills a real process there.
func TestFileWriteKilledThenResumed(t *testing.T) {
	t.Parallel()
	base := runBaseline(t, nfsBondArgs)
	ifup := 0
	for i, a := range base.calls {
		if prog(a) == "ifup" {
			ifup = i + 1
		}
	}
	if ifup == 0 {
		t.Fatal("the uninterrupted run never ran ifup")
	}
	scripts := "etc/sysconfig/network-scripts"
	for _, tt := range []struct {
		name string
		// tmp is what the kill left in the temporary file.
		tmp func(full string) string
	}{
		{"temp-complete", func(full string) string { return full }},
		{"temp-torn", func(full string) string { return full[:len(full)/2] }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHost(t, crashInit...)
			h.fault("--call", strconv.Itoa(ifup), "--kill-before")
			if r := h.run(append([]string{"run"}, nfsBondArgs...)...); r.code != 0 {
				t.Fatalf("run: %v", r)
			}
			if r := h.bootAndResume(); !r.killed() {
				t.Fatalf("the boot hook's resume: got %v, want killed at ifup", r)
			}
			// Back to the moment the write of ifcfg-eth2, the first of
			// the step, was in flight.
			jpath := h.status().Journal
			data, err := os.ReadFile(jpath)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.SplitAfter(string(data), "\n")
			cut := -1
			for i, l := range lines {
				if strings.Contains(l, `"type":"started"`) && strings.Contains(l, `"name":"configure bond51"`) {
					cut = i + 1
				}
			}
			if cut < 0 {
				t.Fatalf("no started record of configure bond51 in the journal")
			}
			if err := os.WriteFile(jpath, []byte(strings.Join(lines[:cut], "")), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"ifcfg-eth2", "ifcfg-eth3", "ifcfg-bond51"} {
				if err := os.Remove(filepath.Join(h.root, scripts, f)); err != nil {
					t.Fatal(err)
				}
			}
			full := base.state.files[filepath.Join(scripts, "ifcfg-eth2")].data
			if full == "" {
				t.Fatal("the uninterrupted run wrote no ifcfg-eth2")
			}
			if err := os.WriteFile(filepath.Join(h.root, scripts, ".ifcfg-eth2.runbook-tmp"), []byte(tt.tmp(full)), 0o600); err != nil {
				t.Fatal(err)
			}

			h.finish(3)
			st := h.status()
			var problems []string
			if st.State != "succeeded" {
				problems = append(problems, fmt.Sprintf("the resumed run is %s, want succeeded", st.State))
			}
			d := base.state.diff(h.capture())
			if d != "" {
				problems = append(problems, "host differs from an uninterrupted run (a temporary file left?):\n"+d)
			}
			for _, s := range st.Steps {
				if s.Name == "configure bond51" && s.Attempts != 2 {
					problems = append(problems, fmt.Sprintf("status: configure bond51 has %d attempts, want 2", s.Attempts))
				}
			}
			fileWriteFigure.add(len(problems) == 0, d != "")
			if len(problems) > 0 {
				t.Errorf("%s", strings.Join(problems, "\n"))
			}
		})
	}
}

// The matrix's floor: a baseline of fewer calls fails, naming them.
func TestCheckMinCalls(t *testing.T) {
	calls := [][]string{{"/h/bin/xe", "host-list"}, {"/h/bin/ifup", "eth1"}}
	if err := checkMinCalls("rb", calls, 2); err != nil {
		t.Errorf("2 calls, minimum 2: got %v", err)
	}
	err := checkMinCalls("rb", calls, 3)
	if err == nil || !strings.Contains(err.Error(), "rb: the uninterrupted run made 2 program calls, want at least 3") || !strings.Contains(err.Error(), "\n  xe host-list\n  ifup eth1\n") {
		t.Errorf("2 calls, minimum 3: got %v", err)
	}
}
