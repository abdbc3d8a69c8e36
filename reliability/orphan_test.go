package reliability

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// slowProgram writes a program that logs its start and end (pid, time)
// and sleeps secs in between; mark appears once it runs.
func slowProgram(t *testing.T, h *host, secs int) (prog, log, mark string) {
	log, mark = filepath.Join(h.dir, "slow.log"), filepath.Join(h.dir, "slow.mark")
	prog = writeExec(t, filepath.Join(h.dir, "slow.sh"), fmt.Sprintf(`#!/bin/sh
echo "start $$ $(date +%%s%%N)" >> %[1]s
: > %[2]s
sleep %[3]d
echo "end $$ $(date +%%s%%N)" >> %[1]s
`, log, mark, secs))
	return prog, log, mark
}

// killDuringChild starts the run, waits until the slow program runs and
// kills the engine with SIGKILL: the program goes on, orphaned.
func killDuringChild(t *testing.T, h *host, prog, mark string) {
	cmd, stdout, stderr := h.start("run", star(t, "orphan"), "-p", "prog="+prog)
	waitFile(t, mark)
	os.Remove(mark)
	cmd.Process.Kill()
	if r := h.wait(cmd, stdout, stderr); !r.killed() {
		t.Fatalf("the run was not killed: %v", r)
	}
}

type span struct {
	pid        int
	start, end int64
}

func readSpans(t *testing.T, log string) []span {
	b, _ := os.ReadFile(log)
	byPid := map[int]*span{}
	var out []*span
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		pid, _ := strconv.Atoi(f[1])
		ts, _ := strconv.ParseInt(f[2], 10, 64)
		if f[0] == "start" {
			s := &span{pid: pid, start: ts}
			byPid[pid] = s
			out = append(out, s)
		} else if s := byPid[pid]; s != nil {
			s.end = ts
		}
	}
	var spans []span
	for _, s := range out {
		spans = append(spans, *s)
	}
	return spans
}

// TestOrphanedChild: the engine is killed while a program of a step
// runs; the program goes on (as xe and xapi's task would). An immediate
// resume waits for it to end before it runs the step again, so the two
// never overlap; past --child-wait, resume and run refuse with exit 3
// naming the program's pid, and status lists it.
func TestOrphanedChild(t *testing.T) {
	t.Parallel()
	t.Run("waited-for", func(t *testing.T) {
		t.Parallel()
		h := newHost(t, crashInit...)
		prog, log, mark := slowProgram(t, h, 2)
		killDuringChild(t, h, prog, mark)
		r := h.recover()
		spans := readSpans(t, log)
		var problems []string
		if r.code != 0 || !strings.Contains(r.stdout, "waiting for pid") {
			problems = append(problems, fmt.Sprintf("resume: want it to wait for the program, then succeed: %v", r))
		}
		overlap := len(spans) != 2 || spans[0].end == 0 || spans[1].start < spans[0].end
		if overlap {
			problems = append(problems, fmt.Sprintf("the program ran %d times, overlapping: %+v", len(spans), spans))
		}
		orphanFigure.add(len(problems) == 0, overlap)
		if len(problems) > 0 {
			t.Error(strings.Join(problems, "\n"))
		}
	})
	t.Run("refused-past-the-bound", func(t *testing.T) {
		t.Parallel()
		h := newHost(t, crashInit...)
		prog, log, mark := slowProgram(t, h, 30)
		killDuringChild(t, h, prog, mark)
		spans := readSpans(t, log)
		if len(spans) != 1 {
			t.Fatalf("spans %+v", spans)
		}
		pid := spans[0].pid
		t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
		var problems []string
		st := h.status()
		if !strings.Contains(st.raw, fmt.Sprintf(`"pid": %d`, pid)) || !strings.Contains(st.raw, `"children"`) {
			problems = append(problems, "status --json does not list the running program:\n"+st.raw)
		}
		start := time.Now()
		r := h.run("resume", "--child-wait", "1s")
		if r.code != 3 || !strings.Contains(r.stderr, fmt.Sprintf("pid %d (slow.sh", pid)) || time.Since(start) > 20*time.Second {
			problems = append(problems, fmt.Sprintf("resume: want exit 3 naming pid %d: %v", pid, r))
		}
		if r := h.run("abort"); r.code != 0 {
			problems = append(problems, fmt.Sprintf("abort: %v", r))
		}
		r = h.runEnv([]string{"RUNBOOK_CHILD_WAIT=1s"}, "run", star(t, "orphan"), "-p", "prog="+prog)
		if r.code != 3 || !strings.Contains(r.stderr, fmt.Sprintf("pid %d", pid)) {
			problems = append(problems, fmt.Sprintf("a new run after the abort, with the program still running: want exit 3: %v", r))
		}
		overlap := len(readSpans(t, log)) != 1
		if overlap {
			problems = append(problems, "the program ran again while the first still ran")
		}
		orphanFigure.add(len(problems) == 0, overlap)
		if len(problems) > 0 {
			t.Error(strings.Join(problems, "\n"))
		}
	})
}
