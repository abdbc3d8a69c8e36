package reliability

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// killTrials is how many random-kill trials run: the sample of make
// test, 1,050 in make reliability-full, or RELIABILITY_KILL_TRIALS.
func killTrials() int {
	if n, err := strconv.Atoi(os.Getenv("RELIABILITY_KILL_TRIALS")); err == nil && n > 0 {
		return n
	}
	if full() {
		return 1050
	}
	return 30
}

// killSeed is the seed of the trials (RELIABILITY_SEED, default 1): a
// failing trial is replayed with the same seed and its number.
func killSeed() uint64 {
	if n, err := strconv.ParseUint(os.Getenv("RELIABILITY_SEED"), 10, 64); err == nil {
		return n
	}
	return 1
}

type timedBaseline struct {
	baseline
	args   []string
	run    time.Duration // the first process, until it exits
	resume time.Duration // the resume after the reboot (0 if none)
}

func timeBaseline(t *testing.T, args []string) timedBaseline {
	b := runBaseline(t, args)
	h := newHost(t, crashInit...)
	t0 := time.Now()
	h.run(append([]string{"run"}, args...)...)
	tb := timedBaseline{baseline: b, args: args, run: time.Since(t0)}
	if st := h.status(); st.State == "rebooting" {
		t0 = time.Now()
		h.bootAndResume()
		tb.resume = time.Since(t0)
	}
	return tb
}

// TestRandomKills kills runbook with SIGKILL at random times during a
// run, its resumes and aborts of each shipped runbook, then recovers as
// an operator would (resume until the run ends, run again a run that
// never started; for an abort trial, abort until it is aborted, and a
// new run must not be refused). Seeded and reproducible.
// It counts completed mutations done again (mutating calls beyond an
// uninterrupted run, other than those of steps cut short), boot hooks
// left with nothing to resume, and hosts that differ from an
// uninterrupted run.
func TestRandomKills(t *testing.T) {
	t.Parallel()
	bases := []timedBaseline{timeBaseline(t, nfsBondArgs), timeBaseline(t, storageNICArgs)}
	seed := killSeed()
	n := killTrials()
	for i := range n {
		t.Run(fmt.Sprintf("trial%04d", i), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, uint64(i)))
			b := bases[i%2]
			abortTrial := i%3 == 2
			killTrial(t, rng, b, abortTrial, seed, i)
		})
	}
}

// runKilled runs args and kills it after a random time up to limit.
func runKilled(h *host, rng *rand.Rand, limit time.Duration, args ...string) result {
	cmd, stdout, stderr := h.start(args...)
	d := time.Duration(rng.Int64N(int64(limit) + 1))
	done := make(chan struct{})
	go func() {
		select {
		case <-time.After(d):
			cmd.Process.Kill()
		case <-done:
		}
	}()
	r := h.wait(cmd, stdout, stderr)
	close(done)
	return r
}

func killTrial(t *testing.T, rng *rand.Rand, b timedBaseline, abortTrial bool, seed uint64, i int) {
	h := newHost(t, crashInit...)
	var problems []string
	kills, maxKills := 0, 1+rng.IntN(3)
	var outs []string
	note := func(what string, r result) {
		outs = append(outs, fmt.Sprintf("--- %s: %v", what, r))
		if r.killed() {
			kills++
		} else if r.code != 0 && !(abortTrial && r.code == 2) {
			problems = append(problems, fmt.Sprintf("%s: %v", what, r))
		}
	}
	note("run", runKilled(h, rng, b.run+b.run/5, append([]string{"run"}, b.args...)...))
	aborted := false
	for step := 0; step < 12; step++ {
		st := h.status()
		if st.State == "succeeded" || (aborted && (st.State == "aborted" || st.State == "none")) {
			break
		}
		switch {
		case st.State == "none" && !aborted:
			// Killed before its journal's header was on disk: the run
			// never started; run it again.
			args := append([]string{"run"}, b.args...)
			if kills < maxKills {
				note("run", runKilled(h, rng, b.run+b.run/5, args...))
			} else {
				note("run", h.run(args...))
			}
		case abortTrial && !aborted && kills >= 1:
			if kills < maxKills && rng.IntN(2) == 0 {
				note("abort", runKilled(h, rng, 30*time.Millisecond, "abort"))
			} else {
				note("abort", h.run("abort"))
				aborted = true
			}
		case kills < maxKills:
			limit := b.resume + b.resume/5
			if limit == 0 || st.State != "rebooting" {
				limit = b.run + b.run/5
			}
			if st.State == "rebooting" && !h.bootedSinceReboot() {
				note("boot and resume", h.bootAndResumeKilled(rng, limit))
			} else {
				note("resume", runKilled(h, rng, limit, "resume"))
			}
		default:
			if st.State == "rebooting" && !h.bootedSinceReboot() {
				note("boot and resume", h.bootAndResume())
			} else {
				note("resume", h.run("resume"))
			}
		}
	}
	if abortTrial && !aborted {
		note("abort", h.run("abort"))
		aborted = true
	}
	hookLeft := fileExists(filepath.Join(h.root, hookUnit))
	st := h.status()
	if hookLeft {
		problems = append(problems, fmt.Sprintf("the boot hook is left after the run %s", st.State))
	}
	repeated := 0
	if !abortTrial {
		if st.State != "succeeded" {
			problems = append(problems, fmt.Sprintf("the run ended %s, want succeeded", st.State))
		}
		extra := repeatedMutations(b.calls, h.calls().Argv, h.journalRecordsLoose())
		repeated = len(extra)
		if repeated > 0 {
			problems = append(problems, fmt.Sprintf("completed mutations done again: %q", extra))
		}
	} else {
		if st.State != "aborted" && st.State != "none" && st.State != "succeeded" {
			problems = append(problems, fmt.Sprintf("after the abort: state %s", st.State))
		}
		// Given up: the state dir and the host take a new run.
		if r := h.run(append([]string{"run"}, b.args...)...); r.code == 3 {
			problems = append(problems, fmt.Sprintf("a new run after the abort is refused: %v", r))
		}
	}
	d := ""
	if !abortTrial {
		// An aborted run leaves the host where it stopped; a finished
		// one, where an uninterrupted run does.
		d = b.state.diff(h.capture())
		if d != "" {
			problems = append(problems, "host differs from an uninterrupted run:\n"+d)
		}
	}
	killFigure.add(1, kills, repeated, b2i(hookLeft), b2i(d != ""))
	if len(problems) > 0 {
		t.Errorf("seed %d trial %d (%s, abort trial %v): %s\n%s", seed, i, b.args[0], abortTrial, strings.Join(problems, "\n"), strings.Join(outs, "\n"))
	}
}

// bootedSinceReboot reports whether the host has booted since the run's
// last reboot record: the reboot happened and the boot hook's resume was
// cut off before it journaled anything (the state still says
// rebooting). The operator then resumes by hand, as the hook's failure
// says, rather than reboot the host once more.
func (h *host) bootedSinceReboot() bool {
	last := ""
	for _, r := range h.journalRecordsLoose() {
		if r.Type == "reboot" {
			last = r.BootID
		}
	}
	cur, err := os.ReadFile(filepath.Join(h.root, "proc", "sys", "kernel", "random", "boot_id"))
	return last != "" && err == nil && strings.TrimSpace(string(cur)) != last
}

// journalRecordsLoose reads every line of the current run's journal
// that parses (the run may have been aborted, or be torn).
func (h *host) journalRecordsLoose() []record {
	st := h.status()
	data, err := os.ReadFile(st.Journal)
	if err != nil {
		return nil
	}
	var recs []record
	for _, line := range strings.Split(string(data), "\n") {
		var r record
		if json.Unmarshal([]byte(line), &r) == nil {
			recs = append(recs, r)
		}
	}
	return recs
}

// repeatedMutations returns the mutating calls of got beyond those of
// an uninterrupted run (want) and those of the attempts that a kill cut
// short (each program of such an attempt may run once more when the
// step runs again from its start), by xe command or program.
func repeatedMutations(want, got [][]string, recs []record) []string {
	key := func(argv []string) string {
		if prog(argv) == "xe" && len(argv) > 1 {
			return "xe " + argv[1]
		}
		return prog(argv)
	}
	count := map[string]int{}
	for _, a := range want {
		if mutating(a) {
			count[key(a)]++
		}
	}
	// Cut-short attempts: a started record whose step did not complete
	// or fail before the next session.
	open := false
	var progs []string
	for _, r := range recs {
		switch r.Type {
		case "started":
			progs, open = nil, true
			if r.Kind == "reboot_and_resume" {
				progs = append(progs, "reboot") // not journaled as a child
			}
		case "child":
			if open {
				p := r.Prog
				if !strings.HasPrefix(p, "xe ") {
					p, _, _ = strings.Cut(p, " ")
				}
				progs = append(progs, p)
			}
		case "completed", "failed":
			open = false
		case "session":
			if open {
				for _, p := range progs {
					count[p]++
				}
			}
			open = false
		}
	}
	if open {
		for _, p := range progs {
			count[p]++
		}
	}
	var extra []string
	for _, a := range got {
		if !mutating(a) {
			continue
		}
		k := key(a)
		if count[k] == 0 {
			extra = append(extra, k)
			continue
		}
		count[k]--
	}
	return extra
}
