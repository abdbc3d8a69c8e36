package engine

import (
	"time"

	"github.com/runbook-dev/runbook/internal/journal"
)

// stepRun is one live attempt of a step. Every kind of step (step(),
// a host builtin called outside a step, reboot_and_resume) follows the
// same protocol through it: a started record, fsynced, before the step
// acts; then one completed or failed record; each reported once.
type stepRun struct {
	r       *runner
	spec    *stepSpec
	seq     int
	attempt int
	ls      *liveStep
	t0      time.Time
}

// startStep journals the start of an attempt. Nothing the step does may
// happen before it returns.
func (r *runner) startStep(spec *stepSpec, seq, attempt int) (*stepRun, error) {
	if max := r.e.maxRecords(); r.records+4 > max {
		return nil, misuse("step %q: the run has written %d journal records, the most a run may: a loop outside step() that calls a host builtin on every turn? Put the loop inside one step (a step's calls are not journaled one by one)", spec.name, r.records)
	}
	rec := &journal.Record{Type: journal.RecStarted, Seq: seq, Name: spec.name, Kind: spec.kind, Call: clip(spec.call, maxCallText), Key: spec.key(), Pos: spec.pos, Attempt: attempt}
	if err := r.append(rec, true); err != nil {
		return nil, err
	}
	r.e.Report.StepStarted(spec.name)
	return &stepRun{r: r, spec: spec, seq: seq, attempt: attempt, ls: &liveStep{seq: seq, name: spec.name, pos: spec.pos}, t0: time.Now()}, nil
}

// complete journals the step's result (sync: fsynced at once) and
// reports it.
func (s *stepRun) complete(status string, result []byte, sync bool) error {
	r := s.r
	if s.ls.changed {
		r.changedAny = true
	}
	if err := r.append(&journal.Record{Type: journal.RecCompleted, Seq: s.seq, Status: status, Changed: s.ls.changed, Result: result}, sync); err != nil {
		return err
	}
	shown := status
	if len(s.ls.would) > 0 {
		shown = "would"
		r.wouldSteps++
	}
	r.counted(shown)
	r.e.Report.Step(shown, s.spec.name, time.Since(s.t0))
	r.e.Report.Details(s.ls.would)
	return nil
}

// fail journals and reports the step's failure. A step whose mutating
// program was cut off is in doubt: it may have changed the host.
func (s *stepRun) fail(err error) {
	r := s.r
	if s.ls.changed || s.ls.inDoubt {
		r.changedAny = true
	}
	r.failed = s.spec
	msg := errText(err)
	r.append(&journal.Record{Type: journal.RecFailed, Seq: s.seq, Changed: s.ls.changed || s.ls.inDoubt, InDoubt: s.ls.inDoubt, Error: msg}, true)
	r.counted(StepFailed)
	r.e.Report.Step(StepFailed, s.spec.name, time.Since(s.t0))
	r.e.Report.Details(s.ls.would)
}
