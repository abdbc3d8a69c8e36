package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/runbook-dev/runbook/builtins"
)

// stepSkipped is the status of a step a dry run cannot run without
// acting (after a reboot it would make).
const stepSkipped = "skipped"

// DryRunReport is what `runbook run --dry-run --json` prints: the dry
// run as one JSON document, for fleet tools (the Ansible collection's
// check and diff modes). It is a stable interface: fields are only ever
// added. README "runbook run --dry-run --json" documents it.
type DryRunReport struct {
	Runbook string `json:"runbook"`
	// Origin is "shipped" or the path of the .star file.
	Origin string `json:"origin"`
	// DryRun is always true: the document of a dry run.
	DryRun bool            `json:"dry_run"`
	Params json.RawMessage `json:"params"`
	// State is how the dry run ended: "succeeded", "failed" (a step or
	// the runbook failed) or "refused" (the runbook's preflight refused
	// its inputs on this host, listing Problems).
	State string `json:"state"`
	// WouldChange is true when any step would change the host.
	WouldChange bool `json:"would_change"`
	// Steps are the steps in the order the runbook asked for them.
	Steps []DryRunStep `json:"steps"`
	// Output holds the lines of the runbook's print().
	Output []string `json:"output"`
	// Warnings holds the runbook's warn() messages.
	Warnings []string `json:"warnings"`
	// Problems are the refusal's problems, one per entry.
	Problems []string `json:"problems,omitempty"`
	// Error is the failure or refusal message, null on success.
	Error *string `json:"error"`
}

// DryRunStep is one step of a dry run.
type DryRunStep struct {
	Seq  int    `json:"seq"`
	Name string `json:"name"`
	// Kind is "step", a builtin's name, or "reboot_and_resume".
	Kind string `json:"kind"`
	Pos  string `json:"pos"`
	// Status is "ok" (it would change nothing), "would" (it would
	// change the host: see Actions) or "failed".
	Status string `json:"status"`
	// WouldChange is true when the step would change the host.
	WouldChange bool `json:"would_change"`
	// Actions are the mutating calls the step would make, in order:
	// programs with their argv (credentials redacted), files with the
	// unified diff of what would be written, links, the reboot.
	Actions []builtins.Would `json:"actions"`
	// Error is set on the failed step.
	Error string `json:"error,omitempty"`
}

// DryRunJSON runs rb without changing anything, as DryRun does, and
// returns the dry run as a report. The error is what DryRun would
// return (its exit status is the command's); the report is complete
// either way.
func (e *Engine) DryRunJSON(ctx context.Context, rb *Runbook, pv *ParamValues) (*DryRunReport, error) {
	o, stateDir, err := e.prepare()
	if err != nil {
		return nil, err
	}
	e.warnRefused(stateDir)
	r, err := e.newRunner(ctx, rb, pv, o, stateDir, true)
	if err != nil {
		return nil, err
	}
	rep := &DryRunReport{Runbook: rb.Name, Origin: rb.Origin, DryRun: true, Params: pv.JSON(),
		Steps: []DryRunStep{}, Output: []string{}, Warnings: []string{}}
	r.dryReport = rep
	err = r.execute()
	rep.finish(r, err)
	if len(r.secrets) > 0 {
		// Every field may quote a secret (an argv, a diff, a message):
		// mask the document as a whole, as the journal's lines are.
		b, merr := json.Marshal(rep)
		if merr != nil {
			return nil, merr
		}
		masked := &DryRunReport{}
		if merr := json.Unmarshal(maskJSON(b, r.secrets), masked); merr != nil {
			return nil, merr
		}
		rep = masked
	}
	return rep, maskErr(err, r.secrets)
}

// finish sets the outcome of the dry run from the runner's end.
func (rep *DryRunReport) finish(r *runner, err error) {
	for i := range rep.Steps {
		s := &rep.Steps[i]
		s.WouldChange = len(s.Actions) > 0
		if s.WouldChange {
			s.Status = "would"
			rep.WouldChange = true
		}
	}
	if err == nil {
		rep.State = StateSucceeded
		return
	}
	var refused *RefusedError
	msg := err.Error()
	if errors.As(err, &refused) {
		rep.State = "refused"
		rep.Problems = append([]string{}, refused.Problems...)
	} else {
		rep.State = StateFailed
		var se *StepError
		if errors.As(err, &se) {
			msg = errText(se.Err)
			if se.Step != "" {
				msg = fmt.Sprintf("step %q: %s", se.Step, msg)
			}
		}
	}
	rep.Error = &msg
	if r.failed != nil && len(rep.Steps) > 0 {
		// Steps do not nest and a failure ends the run: the failed step
		// is the last one asked for.
		last := &rep.Steps[len(rep.Steps)-1]
		if last.Name == r.failed.name && last.Pos == r.failed.pos {
			last.Status = StepFailed
			last.Error = errText(err)
			var se *StepError
			if errors.As(err, &se) {
				last.Error = errText(se.Err)
			}
		}
	}
}

// dryClaim records a step of a dry run as the runbook asks for it.
func (r *runner) dryClaim(seq int, spec *stepSpec) {
	if r.dryReport == nil {
		return
	}
	r.dryReport.Steps = append(r.dryReport.Steps, DryRunStep{Seq: seq, Name: spec.name, Kind: spec.kind, Pos: spec.pos, Status: StepOK, Actions: []builtins.Would{}})
}

// WouldDo records a mutating action a dry run skipped, as data for the
// report, and prints it as WouldRun does.
func (r *runner) WouldDo(w builtins.Would) {
	r.WouldRun(w.Text)
	if r.dryReport == nil || r.cur == nil || len(r.dryReport.Steps) == 0 {
		return
	}
	s := &r.dryReport.Steps[len(r.dryReport.Steps)-1]
	s.Actions = append(s.Actions, w)
}

// wouldReboot reports the reboot a dry run skips.
func (r *runner) wouldReboot(reason string) {
	r.e.Report.WouldRun(fmt.Sprintf("reboot the host (%s) and resume after the boot", reason))
	r.wouldSteps++
	r.counted("would")
	if r.dryReport == nil || len(r.dryReport.Steps) == 0 {
		return
	}
	s := &r.dryReport.Steps[len(r.dryReport.Steps)-1]
	s.Actions = append(s.Actions, builtins.Would{Kind: "reboot", Reason: reason, Text: "reboot the host (" + reason + ") and resume after the boot"})
}

// dryOutput keeps a line of print() or warn() for the report.
func (r *runner) dryOutput(msg string, warning bool) {
	if r.dryReport == nil {
		return
	}
	if warning {
		r.dryReport.Warnings = append(r.dryReport.Warnings, msg)
	} else {
		r.dryReport.Output = append(r.dryReport.Output, msg)
	}
}

var _ builtins.WouldRecorder = (*runner)(nil)

// warnRefused warns, before a dry run, when a real run would be refused
// because an unfinished run is waiting in the state dir (exit 3). The
// dry run itself goes on: its exit status stays its own.
func (e *Engine) warnRefused(stateDir string) {
	if _, err := os.Stat(stateDir); err != nil {
		return
	}
	st, err := e.current(stateDir)
	if err != nil || st == nil || !st.blocks() {
		return
	}
	e.Report.Warn(fmt.Sprintf("a real run would be refused (exit 3): %s", (&BusyError{StateDir: stateDir, Waiting: st}).Error()))
}
