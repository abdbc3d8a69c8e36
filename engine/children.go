package engine

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/runbook-dev/runbook/builtins"
	"github.com/runbook-dev/runbook/internal/journal"
)

// Children of a dead engine. Killing the engine does not stop what it
// started: an xe call goes on (and xapi's task with it), so a later run
// or resume must not act while such a program still runs. Each program
// is journaled with its pid, its start time (against pid reuse) and the
// kernel's boot id before the engine waits for it; a later process
// waits for a live one up to Engine.ChildWait, then refuses (exit 3).
//
// The alternative, handing the lock's descriptor to every child so that
// the lock outlives the engine while a child runs, was not taken: the
// daemons a program leaves behind (ifup starts dhclient, for one) would
// hold the state dir's lock for as long as they live, and the reboot
// program must not hold it at all.

// DefaultChildWait is how long a run or resume waits for a program that
// an earlier, dead, process of the run started.
const DefaultChildWait = 5 * time.Minute

// DefaultMaxCalls bounds the programs one run may start.
const DefaultMaxCalls = 100_000

// trackingHost journals every program the run starts and bounds their
// number; it masks the run's secrets in their output and journals each
// call once it has ended (calls.go).
type trackingHost struct {
	builtins.Host
	r *runner
}

func (h *trackingHost) Exec(ctx context.Context, c builtins.Command) (builtins.Result, error) {
	r := h.r
	seq := 0
	if r.cur != nil {
		seq = r.cur.seq
	}
	if r.j != nil {
		if r.calls >= r.e.maxCalls() {
			return builtins.Result{}, fmt.Errorf("the run has started %d programs, the most a run may (a loop that never ends?); if it is legitimate, split the work into several runs", r.calls)
		}
		r.calls++
		prog := filepath.Base(c.Path)
		if len(c.Args) > 0 && !strings.HasPrefix(c.Args[0], "-") {
			prog += " " + clip(r.mask(builtins.Redact(c.Args[:1])[0]), 80)
		}
		// The program is journaled before it starts, with a token that
		// its environment carries: killed between the start and the
		// journaling of its pid, the engine leaves a child that a later
		// process finds by the token. Neither record is fsynced: a kill
		// of the engine leaves the page cache, a power cut takes the
		// child with it.
		token := fmt.Sprintf("%s/%d", r.id, r.calls)
		c.Env = append(append([]string(nil), c.Env...), childEnv+"="+token)
		if err := r.append(&journal.Record{Type: journal.RecChild, Seq: seq, Key: token, Prog: prog}, false); err != nil {
			return builtins.Result{}, err
		}
		c.Started = func(pid int) {
			r.append(&journal.Record{Type: journal.RecChild, Seq: seq, Key: token, BootID: realBootID(), PID: pid, Ticks: procStartTime(pid), Prog: prog}, false)
		}
	}
	t0 := time.Now()
	res, err := h.Host.Exec(ctx, c)
	took := time.Since(t0)
	if len(r.secrets) > 0 {
		res.Stdout = []byte(r.mask(string(res.Stdout)))
		res.Stderr = []byte(r.mask(string(res.Stderr)))
	}
	r.recordCall(seq, c, res, err, took)
	return res, err
}

// childEnv is the variable that carries a program's token.
const childEnv = "RUNBOOK_CALL"

// childAlive reports whether a journaled child is still the same live
// process of this boot. One journaled before it started but not since
// (the engine was killed in between) is looked for by its token.
func childAlive(c *Child) bool {
	if c.PID <= 0 {
		if c.token == "" {
			return false
		}
		pid := findToken(c.token)
		if pid == 0 {
			return false
		}
		c.PID, c.ticks, c.boot = pid, procStartTime(pid), realBootID()
	}
	if c.ticks == 0 || (c.boot != "" && c.boot != realBootID()) {
		return false
	}
	return procStartTime(c.PID) == c.ticks
}

// findToken returns a live process whose environment carries the token,
// 0 if there is none.
func findToken(token string) int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	want := []byte(childEnv + "=" + token + "\x00")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil {
			continue
		}
		if bytes.Contains(b, want) && procStartTime(pid) != 0 {
			return pid
		}
	}
	return 0
}

func (e *Engine) childWait() time.Duration {
	if e.ChildWait > 0 {
		return e.ChildWait
	}
	return DefaultChildWait
}

func (e *Engine) maxCalls() int {
	if e.MaxCalls > 0 {
		return e.MaxCalls
	}
	return DefaultMaxCalls
}

// waitChildren waits until the programs an earlier process of the run
// left running have ended, up to ChildWait; then it refuses.
func (e *Engine) waitChildren(ctx context.Context, st *Status, stateDir string) error {
	live := st.Children
	if len(live) == 0 {
		return nil
	}
	deadline := time.Now().Add(e.childWait())
	announced := false
	for {
		var still []Child
		for _, c := range live {
			if childAlive(&c) {
				still = append(still, c)
			}
		}
		if len(still) == 0 {
			if announced {
				e.Report.Note("the program has ended; going on")
			}
			return nil
		}
		c := still[0]
		if time.Now().After(deadline) {
			return &BusyError{StateDir: stateDir, Child: &c, Run: st}
		}
		if !announced {
			e.Report.Note("waiting for pid %d (%s), started by an earlier process of run %s that is gone, to end (up to %s): it may still be changing the host", c.PID, c.Prog, st.ID, e.childWait())
			announced = true
		}
		select {
		case <-ctx.Done():
			return &BusyError{StateDir: stateDir, Child: &c, Run: st}
		case <-time.After(50 * time.Millisecond):
		}
	}
}
