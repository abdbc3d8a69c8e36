package main

import (
	"fmt"
	"time"

	"github.com/runbook-dev/runbook/engine"
)

// defaultWatchInterval is how often `status --watch` re-reads the
// journal. The undocumented RUNBOOK_WATCH_INTERVAL replaces it, for
// tests only, so that they do not wait a second per look.
const defaultWatchInterval = time.Second

// watch follows the run id, re-reading its journal every interval and
// printing each step as its status changes and each change of state or
// holder (the boot hook's resume takes over the same run), until the run
// succeeded, failed, was aborted or interrupted. It returns the run's
// outcome as an exit status: see watchExit.
func (c *cli) watch(st *engine.Status) error {
	interval := defaultWatchInterval
	if v := c.getenv("RUNBOOK_WATCH_INTERVAL"); v != "" {
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			interval = d
		}
	}
	if st.State == engine.StateNone {
		fmt.Fprintln(c.stdout, "no run in this state dir")
		return nil
	}
	id := st.ID
	fmt.Fprintf(c.stdout, "watching run %s of %s (every %s; interrupt to stop watching: the run goes on)\n", id, st.Runbook, interval)
	shown := map[int]string{}
	lastState, lastHolder := "", 0
	eng := c.engine()
	for {
		for _, s := range st.Steps {
			if shown[s.Seq] == s.Status {
				continue
			}
			shown[s.Seq] = s.Status
			extra := ""
			if t0, err := time.Parse(time.RFC3339Nano, s.Started); err == nil && s.Ended != "" {
				if t1, err := time.Parse(time.RFC3339Nano, s.Ended); err == nil {
					extra = "  " + seconds(t1.Sub(t0).Seconds())
				}
			}
			fmt.Fprintf(c.stdout, "  %-9s%s%s\n", s.Status, s.Name, extra)
		}
		state := shownState(st.State, st.Refused)
		holder := 0
		if st.Holder != nil {
			holder = st.Holder.PID
		}
		if state != lastState || holder != lastHolder {
			line := "state: " + state
			if st.Holder != nil {
				line += fmt.Sprintf(" (pid %d: %s)", st.Holder.PID, st.Holder.Command)
			}
			fmt.Fprintf(c.stdout, "%s  %s\n", localTime(st.Updated), line)
			lastState, lastHolder = state, holder
		}
		if code, done := watchExit(st); done {
			msg := fmt.Sprintf("%s: %s in %s", st.Runbook, state, seconds(st.Duration))
			if st.Error != nil {
				msg += ": " + *st.Error
			}
			fmt.Fprintln(c.stdout, msg)
			if code == engine.ExitOK {
				return nil
			}
			return exitStatus(code)
		}
		select {
		case <-c.ctx.Done():
			return exitStatus(engine.ExitInterrupted)
		case <-time.After(interval):
		}
		next, err := eng.StatusOf(id)
		if err != nil || next == nil {
			return err
		}
		st = next
	}
}

// watchExit is the exit status a watch ends with, and whether the run
// is over: 0 succeeded; 1 failed (or aborted); 2 refused without
// changing the host, as run exits; 130 or 143 interrupted by SIGINT or
// SIGTERM, as the interrupted process did. A run that is running or
// waits for its reboot is not over.
func watchExit(st *engine.Status) (int, bool) {
	switch st.State {
	case engine.StateSucceeded:
		return engine.ExitOK, true
	case engine.StateFailed:
		if st.Refused && !st.ChangedHost {
			return engine.ExitUsage, true
		}
		return engine.ExitFailed, true
	case engine.StateAborted:
		return engine.ExitFailed, true
	case engine.StateInterrupted:
		if st.Interrupted == "SIGTERM" {
			return engine.ExitTerminated, true
		}
		return engine.ExitInterrupted, true
	}
	return 0, false
}
