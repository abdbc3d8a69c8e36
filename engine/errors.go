package engine

import (
	"errors"
	"fmt"
	"strings"

	"go.starlark.net/starlark"
)

// Exit statuses of the runbook command, by outcome.
const (
	ExitOK     = 0 // succeeded, or paused for a reboot that resumes it
	ExitFailed = 1 // a step failed
	ExitUsage  = 2 // usage, load, parameter or state errors: nothing ran
	ExitBusy   = 3 // another run holds the state dir, or one is waiting
	// ExitChanged is --detailed-exitcode's status of a run that changed
	// the host (finished, or paused for a reboot); 0 then means it changed
	// nothing.
	ExitChanged     = 4
	ExitInterrupted = 130
	ExitTerminated  = 143
)

// ExitCode maps an error returned by the engine to the command's exit
// status. Errors of no known type are usage errors (nothing ran).
func ExitCode(err error) int {
	var (
		busy    *BusyError
		step    *StepError
		refused *RefusedError
		intr    *InterruptedError
	)
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &intr):
		if intr.Signal == "SIGTERM" {
			return ExitTerminated
		}
		return ExitInterrupted
	case errors.As(err, &busy):
		return ExitBusy
	case errors.As(err, &refused):
		if refused.Changed {
			return ExitFailed
		}
		return ExitUsage
	case errors.As(err, &step):
		if step.Kind != "" && !step.Changed {
			return ExitUsage
		}
		return ExitFailed
	}
	return ExitUsage
}

// Kinds of StepError other than a failed step.
const (
	// KindRunbook: the runbook misused the language (a nested step, a
	// result that is not data, the computation budget).
	KindRunbook = "runbook"
	// KindEnvironment: a program or the state dir was not usable.
	KindEnvironment = "environment"
)

// BusyError: the state directory is held by a live run, or an unfinished
// run is waiting for `runbook resume` or `runbook abort`.
type BusyError struct {
	StateDir string
	Holder   *Holder // the process holding the lock, if that is the cause
	Waiting  *Status // the unfinished run, if that is the cause
	// Child is a program an earlier process of Run left running.
	Child *Child
	Run   *Status
	// Claim is the host's claim by an unfinished run of another state dir.
	Claim *Claim
}

func (e *BusyError) Error() string {
	if e.Claim != nil {
		c := e.Claim
		return fmt.Sprintf("this host is claimed by an unfinished run of %s (run %s) in another state dir, %s: one run at a time per host\n  continue it: runbook resume --state-dir %s\n  or give it up: runbook abort --state-dir %s",
			c.Runbook, c.Run, c.StateDir, c.StateDir, c.StateDir)
	}
	if e.Child != nil {
		return fmt.Sprintf("a program started by an earlier process of run %s is still running: pid %d (%s), in step %d; it may still be changing the host, so nothing is done until it ends\n  wait for it to end, then run this command again (or wait longer with --child-wait)",
			e.Run.ID, e.Child.PID, e.Child.Prog, e.Child.Step)
	}
	if e.Waiting != nil {
		w := e.Waiting
		what := w.State
		if w.State == StateFailed {
			what = "failed after changing the host"
		}
		return fmt.Sprintf("an unfinished run of %s (%s, run %s) is waiting in %s:\n  continue it: runbook resume --state-dir %s\n  or give it up: runbook abort --state-dir %s",
			w.Runbook, what, w.ID, e.StateDir, e.StateDir, e.StateDir)
	}
	if e.Holder != nil {
		return fmt.Sprintf("another run holds %s: %s\n  follow it: runbook status --state-dir %s", e.StateDir, e.Holder, e.StateDir)
	}
	return fmt.Sprintf("another run holds %s\n  follow it: runbook status --state-dir %s", e.StateDir, e.StateDir)
}

// StateError: the state directory, root or journal cannot be used.
// Nothing ran.
type StateError struct{ Err error }

func (e *StateError) Error() string { return e.Err.Error() }
func (e *StateError) Unwrap() error { return e.Err }

// StepError: the run stopped on a failure. Step is empty when the error
// happened outside any step. Kind is empty for a step that failed on the
// host, or KindRunbook / KindEnvironment: those exit 2 (like a usage
// error) when nothing had been changed on the host.
type StepError struct {
	Kind      string
	Runbook   string
	Step      string
	Pos       string
	Err       error
	Backtrace string
	StateDir  string
	// Changed says whether the run had changed the host.
	Changed bool
}

func (e *StepError) Error() string {
	var b strings.Builder
	switch {
	case e.Backtrace != "" && e.Step != "":
		// The backtrace ends with the error itself.
		fmt.Fprintf(&b, "%s: step %q failed\n%s", e.Runbook, e.Step, strings.TrimRight(e.Backtrace, "\n"))
	case e.Backtrace != "":
		fmt.Fprintf(&b, "%s: failed\n%s", e.Runbook, strings.TrimRight(e.Backtrace, "\n"))
	case e.Step != "":
		fmt.Fprintf(&b, "%s: step %q failed: %v", e.Runbook, e.Step, rootCause(e.Err))
	default:
		fmt.Fprintf(&b, "%s: %v", e.Runbook, rootCause(e.Err))
	}
	switch {
	case e.StateDir != "" && e.Changed:
		fmt.Fprintf(&b, "\nthe host was changed and the run is kept: fix the cause, then: runbook resume --state-dir %s\n  or give it up: runbook abort --state-dir %s", e.StateDir, e.StateDir)
	case e.StateDir != "":
		fmt.Fprintf(&b, "\nnothing was changed on the host: fix the cause, then run again (or: runbook resume --state-dir %s)", e.StateDir)
	}
	return b.String()
}

func (e *StepError) Unwrap() error { return e.Err }

// rootCause strips Starlark's evaluation wrapper, whose message repeats
// the backtrace printed separately.
func rootCause(err error) error {
	var ee *starlark.EvalError
	if errors.As(err, &ee) && ee.Unwrap() != nil {
		return ee.Unwrap()
	}
	if errors.As(err, &ee) {
		return errors.New(ee.Msg)
	}
	return err
}

// RefusedError: the runbook's preflight found problems with its inputs
// on this host and refused to go on. Changed says whether anything had
// been changed on the host before (then it counts as a failed step).
type RefusedError struct {
	Runbook  string
	Problems []string
	Changed  bool
}

func (e *RefusedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: refused, nothing was changed on the host:", e.Runbook)
	if e.Changed {
		b.Reset()
		fmt.Fprintf(&b, "%s: refused:", e.Runbook)
	}
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(strings.ReplaceAll(p, "\n", "\n    "))
	}
	return b.String()
}

// DivergenceError: on resume, the runbook asked for a different step
// than the journal holds at that point. Nothing live was done.
type DivergenceError struct {
	Runbook string
	Seq     int
	Pos     string
	Want    string // what the journal recorded
	Got     string // what the runbook asked for
	// Reload: the runbook is the one on disk (resume --reload), which
	// the run keeps from using.
	Reload bool
}

func (e *DivergenceError) Error() string {
	if e.Reload {
		return fmt.Sprintf("%s: %s: resume --reload: the runbook on disk no longer makes the steps the run has done, at step %d:\n  was: %s\n  now: %s\nnothing was done and the run keeps its pinned copy: make the steps done so far the same again, or resume without --reload, or give the run up with 'runbook abort'",
			e.Runbook, e.Pos, e.Seq, e.Want, e.Got)
	}
	return fmt.Sprintf("%s: %s: the runbook no longer matches its journal at step %d:\n  journal: %s\n  runbook: %s\nnothing was done; the run cannot continue from this journal: give it up with 'runbook abort'",
		e.Runbook, e.Pos, e.Seq, e.Want, e.Got)
}

// InterruptedError: a signal stopped the run; it can be resumed.
type InterruptedError struct {
	Signal   string
	StateDir string
}

func (e *InterruptedError) Error() string {
	return fmt.Sprintf("interrupted by %s; the journal is complete and the run can be continued: runbook resume --state-dir %s", e.Signal, e.StateDir)
}

// errPaused unwinds the runbook after the reboot program was started.
var errPaused = errors.New("paused for a reboot")
