package engine

import (
	"context"
	"errors"
	"io/fs"
	"strings"

	"github.com/runbook-dev/runbook/builtins"
)

// errCheckStop stops a check at its first host call.
var errCheckStop = errors.New("check: stopped at the first call that needs the host")

// CheckResult is how far `runbook check` ran a runbook.
type CheckResult struct {
	// Complete: the runbook ran to its end without a host call.
	Complete bool
	// Step and Pos are the step (or host builtin) the check stopped at,
	// the first that needs the host, and where the runbook asks for it
	// (file:line).
	Step string
	Pos  string
}

// Check runs rb up to its first host builtin, touching nothing: no state
// dir, and a host stand-in that stops the run at the first call that
// would reach it. What the runbook decides from its parameters alone is
// checked as a run would check it: a refusal or a failure before the
// first host call is returned as Run would return it (its exit status is
// the command's). dry_run is True, print() is not shown.
func (e *Engine) Check(ctx context.Context, rb *Runbook, pv *ParamValues) (*CheckResult, error) {
	o, err := e.record()
	if err != nil {
		return nil, err
	}
	ce := *e
	var r *runner
	ce.NewHost = func(RecordedOptions) (builtins.Host, error) {
		return checkHost{stop: func() error { return r.checkStop("") }}, nil
	}
	r, err = ce.newRunner(ctx, rb, pv, o, "", true)
	if err != nil {
		return nil, err
	}
	r.checking = true
	err = maskErr(r.execute(), r.secrets)
	switch {
	case r.checkAt != nil:
		return r.checkAt, nil
	case err != nil:
		return nil, err
	}
	return &CheckResult{Complete: true}, nil
}

// checkStop records where a check stopped: the step in progress, or the
// host builtin call about to be a step of its own (name, at pos).
func (r *runner) checkStop(name string, pos ...string) error {
	if r.checkAt == nil {
		at := &CheckResult{Step: name}
		if len(pos) > 0 {
			at.Pos = pos[0]
		}
		if r.cur != nil {
			at.Step, at.Pos = r.cur.name, r.cur.pos
		}
		at.Pos = lineOnly(at.Pos)
		r.checkAt = at
	}
	if r.thread != nil {
		r.thread.Cancel(errCheckStop.Error())
	}
	return errCheckStop
}

// lineOnly cuts the column off a position: "nfs-bond.star:93:14" gives
// "nfs-bond.star:93".
func lineOnly(pos string) string {
	if i := strings.LastIndexByte(pos, ':'); i > 0 && strings.Count(pos, ":") >= 2 {
		return pos[:i]
	}
	return pos
}

// checkHost is the host of a check: every call stops the check.
type checkHost struct{ stop func() error }

func (h checkHost) Exec(context.Context, builtins.Command) (builtins.Result, error) {
	return builtins.Result{}, h.stop()
}
func (h checkHost) LookPath(string) (string, error)             { return "", h.stop() }
func (h checkHost) ReadFile(string) ([]byte, error)             { return nil, h.stop() }
func (h checkHost) WriteFile(string, []byte, fs.FileMode) error { return h.stop() }
func (h checkHost) Lstat(string) (fs.FileInfo, error)           { return nil, h.stop() }
func (h checkHost) Readlink(string) (string, error)             { return "", h.stop() }
func (h checkHost) Symlink(string, string) error                { return h.stop() }
func (h checkHost) Remove(string) error                         { return h.stop() }

var _ builtins.Host = checkHost{}
