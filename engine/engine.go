package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/runbook-dev/runbook/builtins"
	"github.com/runbook-dev/runbook/internal/environ"
	"github.com/runbook-dev/runbook/internal/journal"
	"github.com/runbook-dev/runbook/internal/version"
	"go.starlark.net/starlark"
)

// Options are the settings of a run; a run records them, so a resume
// needs only the state directory.
type Options struct {
	StateDir    string
	Root        string
	Xe          string
	Ifup        string
	Reboot      string
	XapiTimeout time.Duration
	CallTimeout time.Duration
	MaxSteps    uint64
}

// Defaults for Options.
const (
	DefaultStateDir    = "/var/lib/runbook"
	DefaultXapiTimeout = 10 * time.Minute
	DefaultCallTimeout = 10 * time.Minute
	DefaultMaxSteps    = 100_000_000
)

// Engine runs, resumes, aborts and reports runbook runs in one state
// directory.
type Engine struct {
	Options
	// Report prints progress; required.
	Report *Reporter
	// Shipped holds the runbooks embedded in the binary.
	Shipped fs.FS
	// Binary is the absolute path of this program, run by the boot hook.
	Binary string
	// Environ is the environment programs inherit (os.Environ if nil).
	Environ []string
	// NewHost builds the host for a run's recorded options; nil means
	// the real host (builtins.OSHost).
	NewHost func(o RecordedOptions) (builtins.Host, error)
	// XapiPoll is the first delay between xapi probes after a reboot.
	XapiPoll time.Duration
	// PollInterval is how often bonding_status(wait=) re-reads.
	PollInterval time.Duration
	// Now is the clock (time.Now if nil).
	Now func() time.Time
	// ResumeXapiTimeout and ResumeCallTimeout, when set, replace the
	// values a run recorded, for a resume given them explicitly.
	ResumeXapiTimeout time.Duration
	ResumeCallTimeout time.Duration
	// ResumeReload makes a resume continue with the runbook as it is now
	// at its origin, pinned again, when the steps done are unchanged
	// (resume --reload; reload.go).
	ResumeReload bool
	// ChildWait bounds the wait for a program that an earlier, dead,
	// process of the run left running (DefaultChildWait if 0).
	ChildWait time.Duration
	// MaxRecords and MaxCalls bound the journal lines and the programs
	// of one run (DefaultMaxRecords, DefaultMaxCalls if 0).
	MaxRecords int
	MaxCalls   int
	// MaxCallOutput bounds the bytes of program output that one run's
	// call records keep (DefaultMaxCallOutput if 0).
	MaxCallOutput int
	// WriteHook, when set, replaces every write to the state dir (tests:
	// a disk that fills up).
	WriteHook journal.WriteFunc

	// changed says the last run, resume or dry run of this engine
	// changed the host (or would): ChangedHost.
	changed bool

	// noSync skips fsync of the journal: benchmarks only, to show what
	// durability costs. Never set in the product.
	noSync bool
}

// ChangedHost reports whether the last Run or Resume changed the host
// (the whole run, earlier processes of it included), or the last dry run
// would change it: what --detailed-exitcode tells.
func (e *Engine) ChangedHost() bool { return e.changed }

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Engine) environ() []string {
	if e.Environ != nil {
		return e.Environ
	}
	return os.Environ()
}

// record turns the options into what a run keeps in its journal.
func (e *Engine) record() (RecordedOptions, error) {
	root := e.Root
	if root == "" {
		root = "/"
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return RecordedOptions{}, &StateError{Err: fmt.Errorf("root %s: %w", root, err)}
	}
	absProg := func(p string) string {
		if strings.Contains(p, "/") {
			if a, err := filepath.Abs(p); err == nil {
				return a
			}
		}
		return p
	}
	o := RecordedOptions{
		Root:        abs,
		Xe:          absProg(orDefault(e.Xe, "xe")),
		Ifup:        absProg(orDefault(e.Ifup, "ifup")),
		Reboot:      absProg(orDefault(e.Reboot, "reboot")),
		Path:        environ.Get(e.environ(), "PATH"),
		XapiTimeout: durOr(e.XapiTimeout, DefaultXapiTimeout).String(),
		CallTimeout: durOr(e.CallTimeout, DefaultCallTimeout).String(),
		MaxSteps:    e.MaxSteps,
	}
	if o.MaxSteps == 0 {
		o.MaxSteps = DefaultMaxSteps
	}
	return o, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func durOr(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func (e *Engine) stateDir() (string, error) {
	dir := orDefault(e.StateDir, DefaultStateDir)
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", &StateError{Err: fmt.Errorf("state dir %s: %w", dir, err)}
	}
	return abs, nil
}

// hostFor builds the host of a run.
func (e *Engine) hostFor(o RecordedOptions) (builtins.Host, error) {
	if e.NewHost != nil {
		return e.NewHost(o)
	}
	h, err := builtins.NewOSHost(o.Root)
	if err != nil {
		return nil, &StateError{Err: fmt.Errorf("%w; --root must be an existing directory (the host's / or a simulated host made by 'runbook sim init')", err)}
	}
	if strings.Contains(o.Xe, "/") {
		h.PathDirs = []string{filepath.Dir(o.Xe)}
	}
	h.FallbackDirs = []string{"/opt/xensource/bin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"}
	env := append([]string(nil), e.environ()...)
	env = append(env, "PATH="+o.Path)
	h.Environ = env
	return h, nil
}

// prepare returns the options a new run records and the state dir.
func (e *Engine) prepare() (RecordedOptions, string, error) {
	o, err := e.record()
	if err != nil {
		return o, "", err
	}
	stateDir, err := e.stateDir()
	return o, stateDir, err
}

// newRunner prepares a runner for a run's options (a dry run, or one
// journaled in a run directory set by the caller).
func (e *Engine) newRunner(ctx context.Context, rb *Runbook, pv *ParamValues, o RecordedOptions, stateDir string, dry bool) (*runner, error) {
	host, err := e.hostFor(o)
	if err != nil {
		return nil, err
	}
	r := &runner{e: e, rb: rb, opts: o, rawHost: host, stateDir: stateDir, params: pv, ctx: ctx, dry: dry, modules: map[string]*loadedModule{}, started: e.now()}
	r.host = &trackingHost{Host: host, r: r}
	r.secrets = secretValues(pv.Secrets)
	callTimeout, _ := time.ParseDuration(o.CallTimeout)
	r.env = &builtins.Env{
		Host: r.host, Xe: o.Xe, Ifup: o.Ifup,
		Environ:      []string{"RUNBOOK_ROOT=" + o.Root, "RUNBOOK_STATE_DIR=" + stateDir, "PATH=" + o.Path},
		CallTimeout:  callTimeout,
		DryRun:       dry,
		Effects:      r,
		Ctx:          ctx,
		PollInterval: e.PollInterval,
		Waiting:      e.Report.Waiting,
	}
	r.buildPredeclared()
	return r, nil
}

// current returns the status of the state dir's current run, read as a
// stream: nil when there is none, a Status of state "none" with a Note
// when its journal has no complete header (the run never started). A
// damaged journal gives what was read before the damage, and the error.
func (e *Engine) current(stateDir string) (*Status, error) {
	id, err := currentRun(stateDir)
	if err != nil || id == "" {
		return nil, err
	}
	return e.runStatus(stateDir, id, func() *Holder { return liveHolder(stateDir) })
}

// runStatus is current for the run id; holder finds the process that
// runs it (the state dir's holder runs only its current run).
func (e *Engine) runStatus(stateDir, id string, holder func() *Holder) (*Status, error) {
	dir := runDirOf(stateDir, id)
	if err := checkRunDir(dir); err != nil {
		return nil, err
	}
	st, err := scanStatus(dir, holder, e.Shipped)
	switch {
	case err == nil:
		return st, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case errors.Is(err, journal.ErrNoHeader):
		p := filepath.Join(dir, journalName)
		return &Status{State: StateNone, ID: id, RunDir: dir, Journal: p, Log: filepath.Join(dir, logName),
			Note: fmt.Sprintf("the journal %s has no complete header: the run never started (a crash or a full disk before its first line was on disk); a new run may start, and 'runbook abort' removes it", p)}, nil
	}
	var je *journal.Error
	if st == nil && errors.As(err, &je) {
		// The header itself is damaged: nothing of the run can be
		// trusted. It counts as failed after changing the host, so that
		// it blocks new runs until it is aborted.
		msg := je.Error()
		st = &Status{State: StateFailed, ID: id, RunDir: dir, Journal: filepath.Join(dir, journalName), Log: filepath.Join(dir, logName),
			Params: json.RawMessage("{}"), Steps: []StepStatus{}, Backups: []Backup{}, Error: &msg, ChangedHost: true}
	}
	return st, err
}

// readRun reads the current run's journal whole, once, for a resume.
func (e *Engine) readRun(stateDir string) (*Status, *journal.Data, error) {
	id, err := currentRun(stateDir)
	if err != nil || id == "" {
		return nil, nil, err
	}
	dir := runDirOf(stateDir, id)
	if err := checkRunDir(dir); err != nil {
		return nil, nil, err
	}
	jd, err := journal.Read(filepath.Join(dir, journalName))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil, nil
	case errors.Is(err, journal.ErrNoHeader):
		st, cerr := e.current(stateDir)
		return st, nil, cerr
	case err != nil:
		return nil, nil, err
	}
	return statusOf(dir, jd, liveHolder(stateDir), e.Shipped), jd, nil
}

// openStateDir resolves and checks the state dir; create makes it.
func (e *Engine) openStateDir(create bool) (string, error) {
	stateDir, err := e.stateDir()
	if err != nil {
		return "", err
	}
	if err := unitSafe("state dir", stateDir); err != nil {
		return "", &StateError{Err: err}
	}
	if create {
		if err := ensureStateDir(stateDir); err != nil {
			return "", err
		}
	}
	if err := checkStateDir(stateDir); err != nil {
		return "", err
	}
	return stateDir, nil
}

// Status returns the current or last run of the state dir, or a Status
// whose State is StateNone.
func (e *Engine) Status() (*Status, error) {
	stateDir, err := e.stateDir()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(stateDir); errors.Is(err, fs.ErrNotExist) {
		return &Status{State: StateNone}, nil
	}
	if err := checkStateDir(stateDir); err != nil {
		return nil, err
	}
	st, err := e.current(stateDir)
	if st == nil && err == nil {
		return &Status{State: StateNone}, nil
	}
	return st, err
}

// tidy is what every command that finds no unfinished run does: remove
// a boot hook and a host claim that point at this state dir, left by a
// crash between a run's end and their removal.
func (e *Engine) tidy(root, stateDir string) {
	if host, err := e.hostFor(RecordedOptions{Root: root}); err == nil {
		removeHookOf(host, stateDir, e.Report)
	}
	releaseClaim(root, stateDir)
}

// Run starts a new run of rb with resolved parameters. It refuses (a
// *BusyError) while another run holds the state dir, an unfinished run
// is waiting, or the host is claimed by an unfinished run of another
// state dir.
func (e *Engine) Run(ctx context.Context, rb *Runbook, pv *ParamValues) (err error) {
	defer func() { err = maskErr(err, secretValues(pv.Secrets)) }()
	o, err := e.record()
	if err != nil {
		return err
	}
	stateDir, err := e.openStateDir(true)
	if err != nil {
		return err
	}
	lk, err := acquireLock(stateDir, "run "+rb.Name, e.now(), e.WriteHook)
	if err != nil {
		return err
	}
	defer lk.release()
	st, err := e.current(stateDir)
	if err != nil {
		return &StateError{Err: fmt.Errorf("%w\n  a run cannot start until the last one is resumed or aborted", err)}
	}
	if st != nil {
		// An unfinished run refuses at once: no need to wait for anything.
		if st.blocks() {
			return &BusyError{StateDir: stateDir, Waiting: st}
		}
		// A program a dead process of the last run started (even of one
		// aborted since) may still be changing the host.
		if err := e.waitChildren(ctx, st, stateDir); err != nil {
			return err
		}
	}
	r, err := e.newRunner(ctx, rb, pv, o, stateDir, false)
	if err != nil {
		return err
	}
	// The host claim, the run dir and the journal's header are made
	// under the claim's lock, so that two state dirs cannot both start.
	cl, err := claimLock(o.Root)
	if err != nil {
		return err
	}
	claimed := false
	defer func() {
		if !claimed {
			cl.Unlock()
		}
	}()
	if other, err := e.otherClaim(o.Root, stateDir); err != nil {
		return err
	} else if other != nil {
		return &BusyError{StateDir: stateDir, Claim: other}
	}
	removeHookOf(r.rawHost, stateDir, e.Report) // nothing unfinished here
	id, dir, err := newRunDir(stateDir, rb.Name, e.now())
	if err != nil {
		return err
	}
	files, err := rb.pin(filepath.Join(dir, pinnedDir), e)
	if err != nil {
		return &StateError{Err: err}
	}
	if err := e.writeSecrets(dir, pv.Secrets); err != nil {
		return &StateError{Err: err}
	}
	h := &journal.Header{Type: journal.RecRun, V: journal.Version, ID: id, Runbook: rb.Name, Origin: rb.Origin, Main: rb.Main, Files: files, Params: pv.JSON(), Options: o, Time: e.now().UTC().Format(time.RFC3339Nano), Secrets: pv.SecretNames(), Version: version.String()}
	j, err := journal.Create(filepath.Join(dir, journalName), h, e.journalOptions())
	if err != nil {
		return &StateError{Err: err}
	}
	defer j.Close()
	if err := setCurrent(stateDir, id, e); err != nil {
		return err
	}
	if err := e.writeClaim(o.Root, Claim{StateDir: stateDir, Run: id, Runbook: rb.Name, Time: e.now().UTC().Format(time.RFC3339)}); err != nil {
		return err
	}
	claimed = true
	cl.Unlock()
	r.j, r.runDir, r.id, r.records = j, dir, id, 1
	r.bootID, _ = r.hostBootID()
	r.e.Report.Info("%s: run %s", rb.Name, id)
	return r.execute()
}

// DryRun runs rb without changing anything: read-only builtins run,
// mutating ones are printed. Nothing is journaled.
func (e *Engine) DryRun(ctx context.Context, rb *Runbook, pv *ParamValues) error {
	o, stateDir, err := e.prepare()
	if err != nil {
		return err
	}
	r, err := e.newRunner(ctx, rb, pv, o, stateDir, true)
	if err != nil {
		return err
	}
	r.e.Report.Info("%s: dry run: nothing will be changed", rb.Name)
	e.warnRefused(stateDir)
	return maskErr(r.execute(), r.secrets)
}

// Resume continues the unfinished run of the state dir from its journal,
// with its recorded options and parameters and its pinned runbook.
func (e *Engine) Resume(ctx context.Context) (err error) {
	stateDir, err := e.stateDir()
	if err != nil {
		return err
	}
	if _, err := os.Stat(stateDir); err != nil {
		return &StateError{Err: fmt.Errorf("nothing to resume: no state dir %s", stateDir)}
	}
	if stateDir, err = e.openStateDir(false); err != nil {
		return err
	}
	lk, err := acquireLock(stateDir, "resume", e.now(), e.WriteHook)
	if err != nil {
		return err
	}
	defer lk.release()
	st, jd, err := e.readRun(stateDir)
	if err != nil {
		return err
	}
	if st == nil || st.State == StateNone {
		e.tidyFromStatus(stateDir)
		return &StateError{Err: fmt.Errorf("nothing to resume: no run in %s", stateDir)}
	}
	if !st.resumable() {
		if !st.blocks() {
			e.tidy(jd.Header.Options.Root, stateDir)
		}
		return &StateError{Err: fmt.Errorf("nothing to resume: the last run (%s of %s) %s", st.ID, st.Runbook, st.State)}
	}
	if err := e.waitChildren(ctx, st, stateDir); err != nil {
		return err
	}
	root := jd.Header.Options.Root
	cl, err := claimLock(root)
	if err != nil {
		return err
	}
	other, err := e.otherClaim(root, stateDir)
	if err == nil && other == nil {
		if c, _ := readClaim(root); c == nil || c.StateDir != stateDir || c.Run != st.ID {
			err = e.writeClaim(root, Claim{StateDir: stateDir, Run: st.ID, Runbook: st.Runbook, Time: e.now().UTC().Format(time.RFC3339)})
		}
	}
	cl.Unlock()
	if err != nil {
		return err
	}
	if other != nil {
		return &BusyError{StateDir: stateDir, Claim: other}
	}
	if err := recoverPin(st); err != nil {
		return err
	}
	rb, err := openPinned(filepath.Join(st.RunDir, pinnedDir), &jd.Header, st.files)
	if err != nil {
		return err
	}
	var reload *reloadPlan
	if e.ResumeReload {
		if rb, reload, err = e.reloadFor(st, &jd.Header, jd.Header.V); err != nil {
			return err
		}
	}
	secrets, err := readSecrets(st.RunDir, jd.Header.Secrets)
	if err != nil {
		return err
	}
	pv, err := Resolve(rb, ParamInput{File: jd.Header.Params, Secrets: secrets})
	if err != nil && reload != nil {
		return &StateError{Err: fmt.Errorf("resume --reload: the runbook at %s does not take the run's recorded parameters: %w\n  nothing was done; resume without --reload to use the run's pinned copy", rb.Origin, err)}
	}
	if err != nil {
		return &StateError{Err: fmt.Errorf("recorded parameters: %w", err)}
	}
	defer func() { err = maskErr(err, secretValues(secrets)) }()
	opts := jd.Header.Options
	if e.ResumeXapiTimeout > 0 {
		opts.XapiTimeout = e.ResumeXapiTimeout.String()
	}
	if e.ResumeCallTimeout > 0 {
		opts.CallTimeout = e.ResumeCallTimeout.String()
	}
	r, err := e.newRunner(ctx, rb, pv, opts, stateDir, false)
	if err != nil {
		return err
	}
	j, err := journal.Open(filepath.Join(st.RunDir, journalName), e.journalOptions())
	if err != nil {
		return &StateError{Err: err}
	}
	defer j.Close()
	r.j, r.runDir, r.id, r.resume, r.reload = j, st.RunDir, st.ID, true, reload
	r.reloading = reload != nil
	r.started = recapStart(jd.Header.Time, r.started)
	r.replay = st.steps
	r.records, r.calls, r.callBytes = st.records, st.calls, st.callBytes
	firstBoot := ""
	ready := map[string]bool{}
	for _, rec := range jd.Records {
		switch rec.Type {
		case journal.RecSession:
			if firstBoot == "" {
				firstBoot = rec.BootID
			}
		case journal.RecXapi:
			ready[rec.BootID] = true
		case journal.RecBackup:
			r.backups++
		}
	}
	r.changedAny = st.ChangedHost
	r.bootID, _ = r.hostBootID()
	// In a boot other than the one the run started in, xapi may still be
	// starting: wait for it once per boot, until it has answered.
	r.needXapi = firstBoot != "" && r.bootID != "" && r.bootID != firstBoot && !ready[r.bootID]
	r.e.Report.Info("%s: resuming run %s", rb.Name, st.ID)
	if st.SourceChanged && !e.ResumeReload {
		r.e.Report.Note("%s", st.SourceNote)
	}
	if n := len(r.replay); n > 0 {
		last := r.replay[n-1]
		switch {
		case last.Failed:
			r.e.Report.Note("step %d %q failed last time and runs again", last.Seq, last.Name)
		case !last.Done && last.Kind != kindReboot:
			r.e.Report.Note("step %d %q was interrupted and runs again from its start", last.Seq, last.Name)
		}
	}
	return r.execute()
}

// tidyFromStatus tidies with the root of the last run that recorded one,
// when the current run cannot say (no run, or no header).
func (e *Engine) tidyFromStatus(stateDir string) {
	if o, err := e.record(); err == nil {
		e.tidy(o.Root, stateDir)
	}
}

// Abort gives up the unfinished run of the state dir. Its journal is
// kept in the run directory; the boot hook and the host claim are
// removed. A journal with no complete header (a run that never started)
// is removed with its run directory. A damaged journal can be aborted:
// the abort is appended after the damage and is the journal's last word.
func (e *Engine) Abort() (*Status, error) {
	stateDir, err := e.stateDir()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(stateDir); err != nil {
		return nil, &StateError{Err: fmt.Errorf("nothing to abort: no state dir %s", stateDir)}
	}
	if stateDir, err = e.openStateDir(false); err != nil {
		return nil, err
	}
	lk, err := acquireLock(stateDir, "abort", e.now(), e.WriteHook)
	if err != nil {
		return nil, err
	}
	defer lk.release()
	id, err := currentRun(stateDir)
	if err != nil {
		return nil, err
	}
	if id == "" {
		e.tidyFromStatus(stateDir)
		return nil, &StateError{Err: fmt.Errorf("nothing to abort: no run in %s", stateDir)}
	}
	dir := runDirOf(stateDir, id)
	if err := checkRunDir(dir); err != nil {
		return nil, err
	}
	jpath := filepath.Join(dir, journalName)
	st, serr := e.current(stateDir)
	switch {
	case st != nil && st.State == StateNone:
		// Never started: nothing to keep.
		if err := os.RemoveAll(dir); err != nil {
			return nil, &StateError{Err: fmt.Errorf("remove the run that never started: %w", err)}
		}
		os.Remove(filepath.Join(stateDir, "current"))
		syncDir(filepath.Join(stateDir, "runs"))
		syncDir(stateDir)
		e.tidyFromStatus(stateDir)
		return st, nil
	case serr == nil && st != nil && (st.State == StateSucceeded || st.State == StateAborted):
		e.tidy(runRoot(st, e), stateDir)
		return nil, &StateError{Err: fmt.Errorf("nothing to abort: the last run (%s of %s) %s", st.ID, st.Runbook, st.State)}
	case serr == nil && st == nil:
		e.tidyFromStatus(stateDir)
		return nil, &StateError{Err: fmt.Errorf("nothing to abort: no run in %s", stateDir)}
	}
	// The hook goes before the abort is journaled, for the reason r.end
	// gives.
	if host, err := e.hostFor(RecordedOptions{Root: runRoot(st, e)}); err == nil {
		removeHookOf(host, stateDir, e.Report)
	}
	if err := journal.AppendAbort(jpath, e.journalOptions()); err != nil {
		return nil, &StateError{Err: err}
	}
	removeSecrets(dir)
	st, err = e.current(stateDir)
	if st != nil {
		e.tidy(runRoot(st, e), stateDir)
	}
	return st, err
}

// runRoot is the host root a run recorded, or this command's.
func runRoot(st *Status, e *Engine) string {
	if st != nil && st.root != "" {
		return st.root
	}
	o, _ := e.record()
	return o.Root
}

// execute runs the runbook's main file and turns the outcome into the
// journal's last word and an error for the command. Everything printed,
// and the final error, also go to the run's log file: a resume at boot
// has no terminal.
func (r *runner) execute() error {
	r.e.Report.setMask(r.mask)
	if r.j == nil {
		return r.exec()
	}
	f, err := os.OpenFile(filepath.Join(r.runDir, logName), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return &StateError{Err: fmt.Errorf("open run log: %w", err)}
	}
	defer f.Close()
	mode := "run"
	if r.resume {
		mode = "resume"
	}
	r.e.Report.setLog(&logWriter{e: r.e, f: f})
	r.e.Report.LogOnly("--- %s (pid %d)", mode, os.Getpid())
	err = r.exec()
	if err != nil {
		r.e.Report.LogOnly("runbook: %v", maskErr(err, r.secrets))
	}
	r.e.Report.setLog(nil)
	return err
}

func (r *runner) exec() error {
	if !r.resume {
		r.beginSession()
	}
	thread := &starlark.Thread{Name: r.rb.Name, Print: r.print, Load: r.load}
	thread.SetMaxExecutionSteps(r.opts.MaxSteps)
	thread.OnMaxSteps = func(th *starlark.Thread) {
		r.budgetHit = true
		th.Cancel(fmt.Sprintf("the runbook computed for %d Starlark steps without finishing (an endless loop?); raise the budget with --max-steps if it is legitimate", r.opts.MaxSteps))
	}
	r.thread = thread
	stop := context.AfterFunc(r.ctx, func() {
		thread.Cancel(interruptReason(r.ctx))
	})
	defer stop()
	r.modules[r.rb.Main] = &loadedModule{loading: true}
	_, err := r.rb.progs[r.rb.Main].Init(thread, r.predeclared)
	err = r.dryFollowed(err)

	r.e.Report.EndProgress()
	r.e.changed = r.changedAny || r.wouldSteps > 0

	var je *journal.Error
	switch {
	case r.paused:
		r.recap("paused for a reboot", "after")
		return nil
	case r.ctx.Err() != nil:
		sig := interruptReason(r.ctx)
		r.recap("interrupted by "+sig, "after")
		if r.j != nil {
			r.j.Append(&journal.Record{Type: journal.RecInterrupted, Signal: sig}, true)
		}
		return &InterruptedError{Signal: sig, StateDir: r.stateDir}
	case r.diverged != nil:
		return r.diverged
	case errors.As(err, &je):
		se := &StepError{Runbook: r.rb.Name, Kind: KindEnvironment, StateDir: r.stateDir, Changed: r.changedAny,
			Err: fmt.Errorf("%w\n  make room or fix the state dir, then: runbook resume --state-dir %s", je, r.stateDir)}
		if r.failed != nil {
			se.Step, se.Pos = r.failed.name, r.failed.pos
		}
		return se
	case err == nil && r.cursor < len(r.replay) && !r.reloadMayChange(r.cursor+1, r.replay[r.cursor]):
		next := r.replay[r.cursor]
		return &DivergenceError{Runbook: r.rb.Name, Seq: next.Seq, Pos: "end of " + r.rb.Main, Reload: r.reloading,
			Want: fmt.Sprintf("step %q: %s at %s", next.Name, next.Call, next.Pos), Got: "the end of the runbook"}
	case r.refused != nil:
		r.refused.Changed = r.changedAny
		r.end(StateFailed, "refused", strings.Join(r.refused.Problems, "\n"))
		r.recap("refused", "in")
		return r.refused
	case err != nil:
		se := &StepError{Runbook: r.rb.Name, Err: err, StateDir: r.stateDir, Changed: r.changedAny}
		var mu *misuseError
		switch {
		case errors.As(err, &mu) || r.budgetHit:
			se.Kind = KindRunbook
		case errors.Is(err, exec.ErrNotFound):
			se.Kind = KindEnvironment
		}
		if r.failed != nil {
			se.Step, se.Pos = r.failed.name, r.failed.pos
		}
		var ee *starlark.EvalError
		if errors.As(err, &ee) {
			se.Backtrace = backtrace(ee)
		}
		msg := errText(err)
		if se.Step != "" {
			msg = fmt.Sprintf("step %q: %s", se.Step, msg)
		}
		r.end(StateFailed, "", msg)
		r.recap(StateFailed, "in")
		if r.dry {
			se.StateDir = ""
		}
		return se
	}
	r.end(StateSucceeded, "", "")
	r.recap(StateSucceeded, "in")
	return nil
}

// end writes the run's last journal record and removes the boot hook.
func (r *runner) end(state, status, msg string) {
	if r.j == nil {
		return
	}
	// The hook goes first: killed in between, the run is left unfinished
	// (resume ends it) rather than ended with a hook that resumes nothing.
	r.removeHook()
	r.append(&journal.Record{Type: journal.RecEnd, State: state, Status: status, Error: msg, Changed: r.changedAny}, true)
	removeSecrets(r.runDir)
	if state != StateFailed || !r.changedAny {
		// The run no longer needs the host: a failed run that changed it
		// keeps its claim until it is resumed or aborted.
		releaseClaim(r.opts.Root, r.stateDir)
	}
}

// SignalCause is the cancellation cause the command gives the context
// when a signal arrives.
type SignalCause struct{ Signal string }

func (s *SignalCause) Error() string { return "interrupted by " + s.Signal }

func interruptReason(ctx context.Context) string {
	var sc *SignalCause
	if errors.As(context.Cause(ctx), &sc) {
		return sc.Signal
	}
	return "cancellation"
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
