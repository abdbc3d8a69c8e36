package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/runbook-dev/runbook/builtins"
	"github.com/runbook-dev/runbook/internal/journal"
	starjson "go.starlark.net/lib/json"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// Step kinds other than a builtin's name.
const (
	kindStep   = "step"
	kindReboot = "reboot_and_resume"
)

// engineNames are the predeclared names the engine itself provides.
var engineNames = []string{"step", "param", "refuse", "reboot_and_resume", "warn", "dry_run", "struct", "json", "net", "sleep", "wait_until", "attempt"}

// predeclaredSet is the fixed set of predeclared names, for compiling.
var predeclaredSet = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, n := range engineNames {
		m[n] = true
	}
	for _, f := range builtins.Funcs() {
		m[f.Name] = true
	}
	return m
})

func isPredeclared(name string) bool { return predeclaredSet()[name] }

// stepSpec identifies a step: the journal and the runbook must agree on
// it, position by position, for a resume to replay.
type stepSpec struct {
	name, kind, call, pos string
}

func (s *stepSpec) key() string {
	h := sha256.New()
	for _, part := range []string{s.kind, s.name, s.call, s.pos} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// maxCallText bounds the call text kept in the journal; the key hashes
// the whole call.
const maxCallText = 300

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

type liveStep struct {
	seq     int
	name    string
	pos     string
	attempt int // 1 the first time the step runs
	changed bool
	would   []string // dry run: what the step would do
	// inDoubt: a mutating program was cut off after it started.
	inDoubt     bool
	inDoubtWhat string
}

type loadedModule struct {
	globals starlark.StringDict
	err     error
	loading bool
}

// runner executes one runbook in one process: a fresh run, a resume, or
// a dry run. Steps up to the journal's end are replayed (their recorded
// results returned), the rest run live.
type runner struct {
	e        *Engine
	rb       *Runbook
	opts     RecordedOptions
	host     builtins.Host // rawHost, with the run's programs journaled
	rawHost  builtins.Host
	env      *builtins.Env
	j        *journal.Writer // nil in a dry run
	runDir   string
	stateDir string
	id       string
	dry      bool
	resume   bool
	params   *ParamValues
	ctx      context.Context

	replay     []*stepState
	cursor     int
	cur        *liveStep
	changedAny bool
	needXapi   bool
	session    bool
	bootID     string
	backups    int
	wouldSteps int
	// counts are this process's steps by how they ended, and started when
	// the run began: the recap (recap.go).
	counts  map[string]int
	started time.Time

	failed   *stepSpec
	refused  *RefusedError
	diverged *DivergenceError
	// reload is a resume --reload's new pin, journaled before the
	// resume's first record (reload.go).
	reload *reloadPlan
	// reloading: this process resumes with --reload, so completed steps
	// are matched by kind, name and call, wherever their call now is.
	reloading bool
	paused    bool
	// budgetHit: the computation budget stopped the runbook.
	budgetHit bool

	thread      *starlark.Thread
	predeclared starlark.StringDict
	modules     map[string]*loadedModule

	// secrets are the values masked wherever they could surface.
	secrets []string
	// records counts the journal's lines; calls the programs started.
	records int
	calls   int
	// callBytes counts the output excerpts the run's call records keep.
	callBytes int
	// dryReport collects a dry run as data (--dry-run --json): dryrun.go.
	dryReport *DryRunReport
	// drySt is what a dry run knows of the calls it did not run.
	drySt dryState
	// checking: `runbook check`, which stops at the first host call and
	// records where in checkAt (check.go).
	checking bool
	checkAt  *CheckResult
}

func callerPos(thread *starlark.Thread) string {
	if thread.CallStackDepth() < 2 {
		return ""
	}
	return thread.CallFrame(1).Pos.String()
}

func (r *runner) buildPredeclared() {
	d := starlark.StringDict{
		"step":              starlark.NewBuiltin("step", r.stepBuiltin),
		"param":             starlark.NewBuiltin("param", r.paramBuiltin),
		"refuse":            starlark.NewBuiltin("refuse", r.refuseBuiltin),
		"reboot_and_resume": starlark.NewBuiltin("reboot_and_resume", r.rebootBuiltin),
		"warn":              starlark.NewBuiltin("warn", r.warnBuiltin),
		"dry_run":           starlark.Bool(r.dry),
		"struct":            starlark.NewBuiltin("struct", starlarkstruct.Make),
		"json":              starjson.Module,
		"net":               builtins.NetModule(),
		"sleep":             starlark.NewBuiltin("sleep", r.sleepBuiltin),
		"wait_until":        starlark.NewBuiltin("wait_until", r.waitUntilBuiltin),
		"attempt":           starlark.NewBuiltin("attempt", r.attemptBuiltin),
	}
	for _, f := range builtins.Funcs() {
		d[f.Name] = r.hostBuiltin(f)
	}
	r.predeclared = d
}

// hostBuiltin wraps a host builtin: inside a step it is part of that
// (live) step; outside, it is a step of its own.
func (r *runner) hostBuiltin(f builtins.Func) *starlark.Builtin {
	return starlark.NewBuiltin(f.Name, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if r.checking {
			return nil, r.checkStop(r.mask(builtins.ShortName(f.Name, args)), callerPos(thread))
		}
		if r.cur != nil {
			if why := r.dryBlocked(args, kwargs); why != "" {
				return nil, &drySkip{reason: why}
			}
			return f.Call(r.env, thread, args, kwargs)
		}
		spec := stepSpec{name: r.mask(builtins.ShortName(f.Name, args)), kind: f.Name, call: r.mask(f.Render(args, kwargs)), pos: callerPos(thread)}
		return r.runStep(spec, args, kwargs, func() (starlark.Value, error) {
			return f.Call(r.env, thread, args, kwargs)
		})
	})
}

// stepBuiltin implements step(name, fn, *args, **kwargs).
func (r *runner) stepBuiltin(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) < 2 {
		return nil, misuse("step: got %d positional arguments, want step(name, fn, *args, **kwargs)", len(args))
	}
	name, ok := starlark.AsString(args[0])
	if !ok {
		return nil, misuse("step: name: got %s, want str", args[0].Type())
	}
	if strings.TrimSpace(name) == "" || strings.ContainsAny(name, "\n\r") || len(name) > 200 {
		return nil, misuse("step: name %q: want a short, one-line, non-empty name", clip(name, 60))
	}
	fn, ok := args[1].(starlark.Callable)
	if !ok {
		return nil, misuse("step %q: fn: got %s, want a function", name, args[1].Type())
	}
	rest := args[2:]
	spec := stepSpec{name: r.mask(name), kind: kindStep, call: r.mask(builtins.DescribeCall(fn.Name(), rest, kwargs)), pos: callerPos(thread)}
	return r.runStep(spec, rest, kwargs, func() (starlark.Value, error) {
		return starlark.Call(thread, fn, rest, kwargs)
	})
}

// claim takes the next step position and checks it against the journal.
// It returns the journal's record of the step, or nil past its end.
func (r *runner) claim(spec *stepSpec) (int, *stepState, error) {
	if r.cur != nil {
		return 0, nil, misuse("step %q cannot run inside step %q (%s): steps do not nest; call it after the outer step, or make it a plain function", spec.name, r.cur.name, r.cur.pos)
	}
	r.cursor++
	seq := r.cursor
	r.dryClaim(seq, spec)
	if seq > len(r.replay) {
		return seq, nil, nil
	}
	rec := r.replay[seq-1]
	if rec.Key != spec.key() && !r.sameMovedStep(rec, spec) && !r.reloadMayChange(seq, rec) {
		r.diverged = &DivergenceError{
			Runbook: r.rb.Name, Seq: seq, Pos: spec.pos, Reload: r.reloading,
			Want: fmt.Sprintf("step %q: %s at %s", rec.Name, rec.Call, rec.Pos),
			Got:  fmt.Sprintf("step %q: %s at %s", spec.name, clip(spec.call, maxCallText), spec.pos),
		}
		return seq, nil, r.diverged
	}
	return seq, rec, nil
}

// runStep runs one step: replayed if the journal completed it, otherwise
// live, journaled before (durably) and after. args and kwargs are
// the step's arguments: a dry run skips the step when they hold the
// placeholder of a call it did not run (dryrun.go).
func (r *runner) runStep(spec stepSpec, args starlark.Tuple, kwargs []starlark.Tuple, body func() (starlark.Value, error)) (starlark.Value, error) {
	seq, rec, err := r.claim(&spec)
	if err != nil {
		return nil, err
	}
	attempt := 1
	if rec != nil {
		if rec.Done {
			v, err := journal.DecodeValue(rec.Result)
			if err != nil {
				return nil, &journal.Error{Path: filepath.Join(r.runDir, journalName), Err: fmt.Errorf("step %d %q: recorded result: %v", seq, spec.name, err)}
			}
			return v, nil
		}
		attempt = rec.Attempts + 1
	}
	if err := r.beforeLive(); err != nil {
		return nil, err
	}
	if why := r.dryBlocked(args, kwargs); why != "" {
		return r.skipStep(&spec, why, why, nil), nil
	}
	s, err := r.startStep(&spec, seq, attempt)
	if err != nil {
		return nil, err
	}
	r.cur = s.ls
	s.ls.attempt = attempt
	v, err := body()
	r.cur = nil
	var skip *drySkip
	if r.dry && errors.As(err, &skip) {
		return r.skipStep(&spec, skip.reason, skip.reason, s.ls.would), nil
	}
	if why := r.afterReboot(); why != "" {
		return r.previewed(&spec, why, v, err, s.ls.would)
	}
	if err == nil {
		var res []byte
		res, err = journal.AppendValue(nil, v)
		switch {
		case err != nil:
			err = misuse("step %q returned a value the journal cannot keep: %v", spec.name, err)
		case len(res) > journal.MaxResult:
			err = misuse("step %q returned %d bytes, more than the %d MiB a step may record: return only what later steps need (for xe, narrow the read with params= and filters such as host-uuid=)", spec.name, len(res), journal.MaxResult>>20)
		default:
			if len(r.secrets) > 0 {
				res = maskJSON(res, r.secrets)
			}
			status := StepOK
			if s.ls.changed {
				status = StepChanged
			}
			if err := s.complete(status, res, false); err != nil {
				return nil, err
			}
			return v, nil
		}
	}
	if r.stopping(err) {
		if s.ls.changed {
			r.changedAny = true
		}
		return nil, err
	}
	s.fail(err)
	return nil, err
}

// misuseError is a runbook using the language wrongly (a nested step, a
// result that is not data, ...): a bug in the runbook, not on the host.
type misuseError struct{ msg string }

func (e *misuseError) Error() string { return e.msg }

func misuse(format string, args ...any) error {
	return &misuseError{msg: fmt.Sprintf(format, args...)}
}

// stopping reports errors that end the process without failing the step:
// a signal, a reboot, a divergence, a refusal, an unusable journal.
func (r *runner) stopping(err error) bool {
	var je *journal.Error
	return r.ctx.Err() != nil || r.paused || r.diverged != nil || r.refused != nil ||
		errors.Is(err, errPaused) || errors.As(err, &je)
}

// errText is an error's message without Starlark's wrapping: fail()'s
// "fail: " prefix says nothing to the reader.
func errText(err error) string {
	var ee *starlark.EvalError
	msg := err.Error()
	if errors.As(err, &ee) {
		msg = ee.Msg
	}
	return strings.TrimPrefix(msg, "fail: ")
}

// backtrace renders a Starlark backtrace without doubled prefixes:
// "Error in fail: fail: ..." reads "Error: ...", and a builtin's message
// that starts with its own name is not prefixed by it twice.
func backtrace(ee *starlark.EvalError) string {
	bt := strings.Replace(ee.Backtrace(), "Error in fail: fail: ", "Error: ", 1)
	return doubledName.ReplaceAllStringFunc(bt, func(m string) string {
		sub := doubledName.FindStringSubmatch(m)
		if sub[1] != sub[2] {
			return m
		}
		return "Error in " + sub[1] + ": "
	})
}

var doubledName = regexp.MustCompile(`Error in ([a-z_]+): ([a-z_]+): `)

// beforeLive runs before the first live action of this process: it opens
// the session in the journal and, after a reboot, waits for xapi.
func (r *runner) beforeLive() error {
	r.beginSession()
	if err := r.repin(); err != nil {
		return err
	}
	if r.needXapi {
		r.needXapi = false
		return r.waitXapi()
	}
	return nil
}

func (r *runner) beginSession() {
	if r.session || r.j == nil {
		return
	}
	r.session = true
	mode := "run"
	if r.resume {
		mode = "resume"
		done := 0
		for _, s := range r.replay {
			if s.Done {
				done++
			}
		}
		if r.cursor <= len(r.replay) && done > 0 {
			r.e.Report.Note("(%s done before, replayed from the journal)", plural(done, "step"))
		}
	}
	if r.j.Append(&journal.Record{Type: journal.RecSession, PID: os.Getpid(), BootID: r.bootID, Mode: mode}, false) == nil {
		r.records++
	}
}

// append writes a journal record (nothing in a dry run), with the run's
// secrets masked and long texts cut to the journal's cap.
func (r *runner) append(rec *journal.Record, sync bool) error {
	if r.j == nil {
		return nil
	}
	r.beginSession()
	if rec.Type != journal.RecRepin {
		if err := r.repin(); err != nil {
			return err
		}
	}
	if len(r.secrets) > 0 {
		rec.Name, rec.Call, rec.Error, rec.Msg, rec.Reason = r.mask(rec.Name), r.mask(rec.Call), r.mask(rec.Error), r.mask(rec.Msg), r.mask(rec.Reason)
	}
	rec.Error, rec.Msg = clipText(rec.Error), clipText(rec.Msg)
	if err := r.j.Append(rec, sync); err != nil {
		return &journal.Error{Path: r.j.Path(), Err: err}
	}
	r.records++
	return nil
}

// clipText cuts a text to what a record may carry.
func clipText(s string) string {
	if len(s) <= journal.MaxText {
		return s
	}
	cut := journal.MaxText - 40
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("... (%d bytes cut)", len(s)-cut)
}

// replaying reports whether execution is still before the journal's end.
func (r *runner) replaying() bool { return r.cursor < len(r.replay) }

func (r *runner) print(_ *starlark.Thread, msg string) {
	if r.replaying() {
		return
	}
	r.e.Report.Print(msg)
	r.dryOutput(msg, false)
	seq := 0
	if r.cur != nil {
		seq = r.cur.seq
	}
	r.append(&journal.Record{Type: journal.RecPrint, Seq: seq, Msg: msg}, false)
}

func (r *runner) warnBuiltin(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var msg string
	if err := starlark.UnpackPositionalArgs("warn", args, kwargs, 1, &msg); err != nil {
		return nil, err
	}
	if r.replaying() {
		return starlark.None, nil
	}
	r.e.Report.Warn(msg)
	r.dryOutput(msg, true)
	seq := 0
	if r.cur != nil {
		seq = r.cur.seq
	}
	r.append(&journal.Record{Type: journal.RecPrint, Seq: seq, Kind: "warning", Msg: msg}, false)
	return starlark.None, nil
}

// paramBuiltin returns the value of a parameter declared at the top
// level of the main file (all were resolved before the run began).
func (r *runner) paramBuiltin(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	d, err := unpackParam("param", args, kwargs)
	if err != nil {
		return nil, err
	}
	v, ok := r.params.Values[d.Name]
	if !ok || thread.CallStackDepth() != 2 || thread.CallFrame(1).Pos.Filename() != r.rb.Main {
		return nil, misuse("param %s: declare parameters at the top level of %s, with constant arguments", d.Name, r.rb.Main)
	}
	return v, nil
}

// refuseBuiltin implements refuse(problems): stop before changing the
// host because the inputs do not fit it, reporting every problem.
func (r *runner) refuseBuiltin(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(kwargs) > 0 {
		return nil, fmt.Errorf("refuse: unexpected keyword argument %s", kwargs[0][0])
	}
	var problems []string
	var add func(v starlark.Value) error
	add = func(v starlark.Value) error {
		switch v := v.(type) {
		case starlark.String:
			problems = append(problems, string(v))
		case *starlark.List, starlark.Tuple:
			it := starlark.Iterate(v)
			defer it.Done()
			var x starlark.Value
			for it.Next(&x) {
				if err := add(x); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("refuse: got %s, want str or list of str", v.Type())
		}
		return nil
	}
	for _, a := range args {
		if err := add(a); err != nil {
			return nil, err
		}
	}
	if len(problems) == 0 {
		return nil, errors.New("refuse: no problem given; call refuse(problems) only when problems is not empty")
	}
	changed := r.changedAny || (r.cur != nil && r.cur.changed)
	r.refused = &RefusedError{Runbook: r.rb.Name, Problems: problems, Changed: changed}
	return nil, r.refused
}

// load implements load(): files resolve relative to the loading file,
// inside the runbook's directory (or its pinned copy); each runs once.
func (r *runner) load(thread *starlark.Thread, module string) (starlark.StringDict, error) {
	from := r.rb.Main
	if thread.CallStackDepth() > 0 {
		from = thread.CallFrame(0).Pos.Filename()
	}
	target, err := resolveLoad(from, module)
	if err != nil {
		return nil, err
	}
	if m := r.modules[target]; m != nil {
		if m.loading {
			return nil, misuse("load %q: cycle: %s loads itself through other files", module, target)
		}
		return m.globals, m.err
	}
	prog := r.rb.progs[target]
	if prog == nil {
		return nil, fmt.Errorf("load %q: no file %s next to the runbook", module, target)
	}
	m := &loadedModule{loading: true}
	r.modules[target] = m
	g, err := prog.Init(thread, r.predeclared)
	g.Freeze()
	m.globals, m.err, m.loading = g, err, false
	return g, err
}

// Effects: what the builtins report to the engine.

func (r *runner) Changed() {
	if r.cur != nil {
		r.cur.changed = true
	}
	r.changedAny = true
}

func (r *runner) InDoubt(what string) {
	if r.cur != nil {
		r.cur.inDoubt, r.cur.inDoubtWhat = true, r.mask(what)
		r.cur.changed = true
	}
	r.changedAny = true
}

func (r *runner) WouldRun(what string) {
	if r.cur != nil {
		r.cur.would = append(r.cur.would, what)
		return
	}
	r.e.Report.WouldRun(what)
}

// Backup keeps a file's previous content in the run directory before it
// is replaced, durably, and journals where it is.
func (r *runner) Backup(name string, old []byte, mode fs.FileMode, existed bool) error {
	if r.j == nil {
		return nil
	}
	r.backups++
	rel := ""
	if existed {
		rel = filepath.Join(backupsDir, fmt.Sprintf("%04d%s", r.backups, strings.ReplaceAll(name, "/", "_")))
		dir := filepath.Join(r.runDir, backupsDir)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("back up %s: %w", name, err)
		}
		if err := r.e.writeFileSync(filepath.Join(r.runDir, rel), old, 0o600); err != nil {
			return fmt.Errorf("back up %s: %w", name, err)
		}
		if err := syncDir(dir); err != nil {
			return fmt.Errorf("back up %s: %w", name, err)
		}
	}
	seq := 0
	if r.cur != nil {
		seq = r.cur.seq
	}
	// The previous content must be safe before the file is replaced; a
	// file that did not exist has nothing to lose.
	return r.append(&journal.Record{Type: journal.RecBackup, Seq: seq, Path: name, File: rel, Existed: existed}, existed)
}

var _ builtins.Effects = (*runner)(nil)
