package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/runbook-dev/runbook/builtins"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// stepSkipped is the status of a step a dry run cannot run without
// acting: after a reboot it would make, or needing the output of a
// mutating call it did not run.
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
	// Stopped is set when the dry run stopped following the runbook:
	// its top-level code failed on what skipped steps returned. Where
	// and why; the steps after it are not listed.
	Stopped *string `json:"stopped,omitempty"`
}

// DryRunStep is one step of a dry run.
type DryRunStep struct {
	Seq  int    `json:"seq"`
	Name string `json:"name"`
	// Kind is "step", a builtin's name, or "reboot_and_resume".
	Kind string `json:"kind"`
	Pos  string `json:"pos"`
	// Status is "ok" (it would change nothing), "would" (it would
	// change the host: see Actions), "skipped" (the dry run cannot run
	// it without acting: see Reason) or "failed".
	Status string `json:"status"`
	// Reason says why a skipped step was skipped.
	Reason string `json:"reason,omitempty"`
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
			// A skipped step keeps its status: it would change the host
			// with its actions, then meet what the dry run cannot tell.
			if s.Status != stepSkipped {
				s.Status = "would"
			}
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
	if w.Placeholder {
		r.drySt.producers = append(r.drySt.producers, r.mask(w.Text))
	}
	r.WouldRun(w.Lines())
	if r.dryReport == nil || r.cur == nil || len(r.dryReport.Steps) == 0 {
		return
	}
	s := &r.dryReport.Steps[len(r.dryReport.Steps)-1]
	s.Actions = append(s.Actions, w)
}

// wouldReboot reports the reboot a dry run skips.
func (r *runner) wouldReboot(reason string) {
	r.e.Report.WouldRun(fmt.Sprintf("reboot the host (%s) and resume after the boot", reason))
	r.drySt.rebooted = reason
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

// What a dry run cannot run without acting (issue "dry run lists every
// step"): the steps after a reboot it would make, and the calls whose
// inputs hold the output of a mutating call it did not run. Both are
// shown as skipped, with the reason, instead of being computed from a
// host that is not the one they would meet, or from a placeholder.

// dryState is what a dry run knows of the calls it did not run.
type dryState struct {
	// rebooted is the reason of the reboot the dry run would make, ""
	// before it: every step after it is skipped.
	rebooted string
	// producers are the mutating calls (redacted) that returned
	// builtins.Placeholder to the runbook, in order.
	producers []string
	// skipped counts the steps skipped so far.
	skipped int
}

// drySkip unwinds a step whose call a dry run cannot make: the step is
// then reported as skipped with reason, not as failed.
type drySkip struct{ reason string }

func (e *drySkip) Error() string { return "skipped (dry run): " + e.reason }

// dryBlocked returns why a dry run cannot make a call (a step, or a
// host builtin inside one) with these inputs, "" when it can: they hold
// the placeholder of a mutating call it did not run.
func (r *runner) dryBlocked(args starlark.Tuple, kwargs []starlark.Tuple) string {
	if !r.dry {
		return ""
	}
	for _, v := range args {
		if hasPlaceholder(v, 0) {
			return r.placeholderReason()
		}
	}
	for _, kv := range kwargs {
		if hasPlaceholder(kv[1], 0) {
			return r.placeholderReason()
		}
	}
	return ""
}

// placeholderReason names the call whose output a later call needs: the
// last mutating call that returned a placeholder (the placeholder does
// not say which one it stands for, so with several it says so).
func (r *runner) placeholderReason() string {
	n := len(r.drySt.producers)
	if n == 0 {
		return "needs the output of a call the dry run did not run"
	}
	msg := "needs the output of " + r.drySt.producers[n-1] + ", which the dry run did not run"
	switch {
	case n == 2:
		msg += " (or of an earlier such call)"
	case n > 2:
		msg += fmt.Sprintf(" (or of one of %d earlier such calls)", n-1)
	}
	return msg
}

// maxPlaceholderDepth bounds the walk through nested values.
const maxPlaceholderDepth = 16

// hasPlaceholder reports whether v holds builtins.Placeholder in a
// string, at any depth of lists, tuples, dicts, sets and structs.
func hasPlaceholder(v starlark.Value, depth int) bool {
	if depth > maxPlaceholderDepth {
		return false
	}
	switch x := v.(type) {
	case starlark.String:
		return strings.Contains(string(x), builtins.Placeholder)
	case *starlark.Dict:
		for _, kv := range x.Items() {
			if hasPlaceholder(kv[0], depth+1) || hasPlaceholder(kv[1], depth+1) {
				return true
			}
		}
		return false
	case *starlarkstruct.Struct:
		for _, name := range x.AttrNames() {
			if f, err := x.Attr(name); err == nil && hasPlaceholder(f, depth+1) {
				return true
			}
		}
		return false
	case starlark.Iterable:
		if _, ok := v.(starlark.Callable); ok {
			return false
		}
		it := x.Iterate()
		defer it.Done()
		var e starlark.Value
		for it.Next(&e) {
			if hasPlaceholder(e, depth+1) {
				return true
			}
		}
	}
	return false
}

// afterReboot is the reason of a step that a dry run reaches after a
// reboot it would make, "" before it.
func (r *runner) afterReboot() string {
	if !r.dry || r.drySt.rebooted == "" {
		return ""
	}
	return "after the reboot (" + r.mask(r.drySt.rebooted) + ")"
}

// previewed ends a step that a dry run ran after a reboot it would make.
// The step is skipped: the real run meets the host as it is after the
// boot. Its body ran anyway, against the host as it is now, for a
// preview: what it would do is listed (fleet tools show it, as Ansible's
// check mode runs the tasks after a reboot), and if it failed, the
// failure is part of the reason, not the dry run's. The value returned
// is the body's, or the placeholder when it failed.
func (r *runner) previewed(spec *stepSpec, reason string, v starlark.Value, err error, would []string) (starlark.Value, error) {
	var mu *misuseError
	if err != nil && (r.stopping(err) || errors.As(err, &mu) || r.budgetHit) {
		return nil, err
	}
	shown := reason
	switch {
	case err != nil:
		reason += "; on the host as it is now it fails: " + r.mask(errText(err))
		shown = reason
	case len(would) > 0:
		shown += "; from the host as it is now it would:"
	}
	skipped := r.skipStep(spec, reason, shown, would)
	if err != nil {
		return skipped, nil
	}
	return v, nil
}

// skipStep reports a step of a dry run as skipped, with what it would
// have done before it had to stop (would), and returns what the step
// returns to the runbook: the placeholder, so that a later step that
// needs it is skipped too. shown is the reason as the line shows it.
func (r *runner) skipStep(spec *stepSpec, reason, shown string, would []string) starlark.Value {
	r.drySt.skipped++
	r.counted(stepSkipped)
	if len(would) > 0 {
		// It would still have changed the host before the call it
		// could not make.
		r.wouldSteps++
	}
	r.e.Report.Step(stepSkipped, spec.name+" (dry run): "+shown, 0)
	r.e.Report.Details(would)
	if r.dryReport != nil && len(r.dryReport.Steps) > 0 {
		s := &r.dryReport.Steps[len(r.dryReport.Steps)-1]
		s.Status, s.Reason = stepSkipped, reason
	}
	return starlark.String(builtins.Placeholder)
}

// dryFollowed ends a dry run that cannot follow the runbook any further
// without acting: code at the top level failed on what skipped steps
// returned (a placeholder where it wants a record, say). The real run
// would have the real values, so this is not the runbook's failure: the
// rest of it is reported as skipped and the dry run ends there. Any other
// error, and any error before a step was skipped, is returned as it is.
func (r *runner) dryFollowed(err error) error {
	var ee *starlark.EvalError
	if !r.dry || err == nil || r.drySt.skipped == 0 || r.failed != nil || r.refused != nil ||
		r.diverged != nil || r.budgetHit || r.ctx.Err() != nil || !errors.As(err, &ee) {
		return err
	}
	var mu *misuseError
	if errors.As(err, &mu) {
		return err
	}
	where := ""
	for i := len(ee.CallStack) - 1; i >= 0; i-- {
		if pos := ee.CallStack[i].Pos; pos.Filename() != "" && pos.Filename() != "<builtin>" {
			where = pos.String() + ": "
			break
		}
	}
	reason := r.mask(where + "uses what the skipped steps returned: " + errText(err))
	r.e.Report.Step(stepSkipped, "the rest of "+r.rb.Main+" (dry run): "+reason, 0)
	if r.dryReport != nil {
		r.dryReport.Stopped = &reason
	}
	return nil
}
