package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/gofrs/flock"

	"github.com/runbook-dev/runbook/internal/environ"
)

// The boot of a dom0, one model for `runbook sim boot`, `runbook
// simulate`, --boot auto and the in-process Host:
//
//  1. with the pool locked: a new boot id, the configured backend becomes
//     the running one, a fresh kernel, the guests still resident on the
//     host halted, then xapi's start of day: every managed PIF of the host
//     that is not a bond member and is physical, a bond master or has an
//     IP configuration is plugged, and the host is enabled again unless it
//     was disabled with auto-enable=false;
//  2. without the lock (units run programs that take it): the enabled
//     units, in systemd's order, each command either a simulated program
//     run in process or a real program exec'd with a minimal environment.
//     Their output goes to the journal, and to the console when the unit
//     says StandardOutput=...console.
//
// A unit that asks for a reboot stops the boot after it: the host is
// going down again.

const bootLockFile = stateDir + "/boot.lock"

// unitPath is the PATH systemd gives services.
const unitPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"

// BootOptions configure a boot.
type BootOptions struct {
	// Console receives what the boot shows on the console: systemd's
	// status lines and the output of units that send it there. Nil
	// discards it.
	Console io.Writer
	// Exec runs a unit's command that is not a simulated program. Nil
	// execs the program for real. Engine tests pass one that resumes
	// the engine in process.
	Exec func(ctx context.Context, c UnitCommand) (int, error)
	// Wait makes the boot wait for another boot of the same dom0 to
	// finish instead of failing.
	Wait bool
}

// UnitCommand is one command a unit runs.
type UnitCommand struct {
	Unit string
	Argv []string
	// Env is the environment systemd would give it.
	Env []string
	// Stdout receives the command's output (both streams), line by
	// line into the journal.
	Stdout io.Writer
}

// BootResult says how a boot went.
type BootResult struct {
	Host string
	Boot int
	// Kind is "reboot" when one was asked for, else "power-cycle".
	Kind  string
	Units []UnitResult
	// RebootAsked is set when a unit asked for a reboot: the host is
	// going down again.
	RebootAsked bool
}

// UnitResult is the outcome of one unit.
type UnitResult struct {
	Unit   string
	Result string // success, failed, skipped
	// Status is the exit status of the command that ended the unit,
	// 128+N when signal N killed it.
	Status int
	// Signal names the signal that killed it (KILL), if one did.
	Signal string
}

// Failed returns the units that failed.
func (r *BootResult) Failed() []UnitResult {
	var out []UnitResult
	for _, u := range r.Units {
		if u.Result == "failed" {
			out = append(out, u)
		}
	}
	return out
}

// ErrBootRunning is returned when another boot of the dom0 runs.
var ErrBootRunning = errors.New("another boot of this dom0 is running")

// Boot performs the boot of the dom0 in root: the boot after a reboot
// that was asked for, or a power cycle when none was.
func Boot(ctx context.Context, root string, opts BootOptions) (*BootResult, error) {
	if opts.Console == nil {
		opts.Console = io.Discard
	}
	if !isRoot(root) {
		return nil, fmt.Errorf("no simulated host in %s: make one with 'runbook sim init DIR'", root)
	}
	lock := flock.New(filepath.Join(root, bootLockFile))
	if opts.Wait {
		if err := lock.Lock(); err != nil {
			return nil, fmt.Errorf("lock %s: %w", lock.Path(), err)
		}
	} else if ok, err := lock.TryLock(); err != nil {
		return nil, fmt.Errorf("lock %s: %w", lock.Path(), err)
	} else if !ok {
		return nil, ErrBootRunning
	}
	defer lock.Unlock()

	res, err := startOfDay(root)
	if err != nil {
		return nil, err
	}
	b := &booter{root: root, opts: opts, res: res}
	runErr := b.runUnits(ctx)
	if err := b.finish(); err != nil && runErr == nil {
		runErr = err
	}
	return res, runErr
}

// startOfDay is phase 1 of a boot, under the pool lock.
func startOfDay(root string) (*BootResult, error) {
	s, err := openStore(root)
	if err != nil {
		return nil, err
	}
	defer s.close()
	m := &s.st.Model
	h := m.localHost()
	rel := releases[m.Release]
	d := &h.Dom0
	res := &BootResult{Host: h.NameLabel, Kind: "power-cycle"}
	if d.RebootPending {
		res.Kind = "reboot"
	}
	d.BootCount++
	d.BootID = m.newBootID(h)
	res.Boot = d.BootCount
	if err := s.writeHostFile(bootIDFile, []byte(d.BootID+"\n")); err != nil {
		return nil, err
	}
	p := &proc{s: s, m: m, rel: rel, stdout: io.Discard, stderr: io.Discard}
	backend := p.configuredBackend()
	if rel.ForceOVS {
		backend = "openvswitch"
	}
	for i := range h.SoftwareVersion {
		if h.SoftwareVersion[i].K == "network_backend" {
			h.SoftwareVersion[i].V = backend
		}
	}
	for _, v := range m.VMs {
		if v.ResidentOn == h.UUID && !v.IsControlDomain && v.PowerState == "running" {
			v.PowerState, v.ResidentOn, v.DomID = "halted", "", -1
		}
	}
	d.Kernel = freshKernel(h)
	if backend == "openvswitch" {
		d.Kernel.addLink(linkOVS, linkOVS, m.derivedMAC("ovs", h, d.BootCount))
	}
	d.RebootPending = false
	d.Booting = true
	// xapi's start of day (xapi_pif.ml start_of_day_best_effort_bring_up).
	for _, pif := range m.PIFs {
		if pif.Host == h.UUID {
			pif.Attached = false
		}
	}
	for _, pif := range m.PIFs {
		if pif.Host == h.UUID && pif.Managed && pif.BondSlaveOf == "" &&
			(pif.Physical || len(m.bondMasterOf(pif.UUID)) > 0 || pif.IPMode != "None" || pif.IPv6Mode != "None") {
			m.bringUp(pif)
		}
	}
	// consider_enabling_host (xapi_host_helpers.ml): on system boot the
	// host is enabled unless host_auto_enable is false.
	if d.AutoEnable {
		h.Enabled = true
	}
	s.st.Book.setXapiDown(h.UUID, m.XapiDelay)
	d.Boots = append(d.Boots, bootRec{Boot: d.BootCount, Kind: res.Kind})
	if err := p.syncProc(); err != nil {
		return nil, err
	}
	if err := s.save(); err != nil {
		return nil, err
	}
	return res, nil
}

type booter struct {
	root string
	opts BootOptions
	res  *BootResult
}

// journal appends systemd's own line about a unit.
func (b *booter) systemd(unit, format string, args ...any) {
	appendJournal(b.root, journalEntry{Boot: b.res.Boot, BootID: b.bootID(), Unit: unit, Ident: "systemd", PID: 1, Msg: fmt.Sprintf(format, args...)})
}

func (b *booter) bootID() string {
	data, _ := os.ReadFile(filepath.Join(b.root, bootIDFile))
	return strings.TrimSpace(string(data))
}

func (b *booter) runUnits(ctx context.Context) error {
	units := enabledUnits(b.root)
	byName := map[string]*unit{}
	for _, u := range units {
		byName[u.Name] = u
	}
	order, notes := orderUnits(units)
	for _, n := range notes {
		b.systemd("", "%s", n)
	}
	for _, name := range order {
		if name == xapiUnit {
			continue // start of day, done
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		u := byName[name]
		r := b.runUnit(ctx, u)
		b.res.Units = append(b.res.Units, r)
		asked, err := b.record(r)
		if err != nil {
			return err
		}
		if asked {
			b.res.RebootAsked = true
			return nil
		}
	}
	return nil
}

// record stores a unit's outcome in the model and reports whether a
// reboot was asked for.
func (b *booter) record(r UnitResult) (bool, error) {
	s, err := openStore(b.root)
	if err != nil {
		return false, err
	}
	defer s.close()
	d := &s.st.Model.localHost().Dom0
	if n := len(d.Boots); n > 0 {
		d.Boots[n-1].Units = append(d.Boots[n-1].Units, unitRun{Unit: r.Unit, Result: r.Result, Status: r.Status, Signal: r.Signal})
		if d.RebootPending {
			d.Boots[n-1].RebootAsked = true
		}
	}
	return d.RebootPending, s.save()
}

func (b *booter) finish() error {
	s, err := openStore(b.root)
	if err != nil {
		return err
	}
	defer s.close()
	s.st.Model.localHost().Dom0.Booting = false
	return s.save()
}

// conditionsMet checks ConditionPathExists= under the root.
func (b *booter) conditionsMet(u *unit) bool {
	for _, c := range u.Conditions {
		neg := strings.HasPrefix(c, "!")
		p := strings.TrimPrefix(strings.TrimPrefix(c, "|"), "!")
		_, err := os.Lstat(filepath.Join(b.root, p))
		if (err == nil) == neg {
			return false
		}
	}
	return true
}

func (b *booter) runUnit(ctx context.Context, u *unit) UnitResult {
	r := UnitResult{Unit: u.Name, Result: "success"}
	if u.LoadErr != "" {
		r.Result, r.Status = "failed", 1
		b.systemd(u.Name, "Cannot add dependency job for unit %s, ignoring: Unit not found.", u.Name)
		return r
	}
	if !b.conditionsMet(u) {
		r.Result = "skipped"
		return r
	}
	b.systemd(u.Name, "Starting %s...", u.Description)
	for _, argv := range u.ExecStart {
		ignore := strings.HasPrefix(argv[0], "-")
		words := make([]string, len(argv))
		for i, w := range argv {
			words[i] = expandEnv(w, u.Env)
		}
		words[0] = strings.TrimPrefix(words[0], "-")
		if !path.IsAbs(words[0]) {
			b.systemd(u.Name, "[%s] Executable path is not absolute, ignoring: %s", u.Name, strings.Join(words, " "))
			r.Result, r.Status = "failed", 203
			break
		}
		code, killed := b.exec(ctx, u, words)
		if code != 0 && !ignore {
			r.Result, r.Status = "failed", code
			if killed {
				r.Signal = signalName(code - 128)
			}
			break
		}
	}
	if r.Result == "success" {
		b.systemd(u.Name, "Started %s.", u.Description)
		fmt.Fprintf(b.opts.Console, "[  OK  ] Started %s.\n", u.Description)
		return r
	}
	if r.Signal != "" {
		b.systemd(u.Name, "%s: main process exited, code=killed, status=%d/%s", u.Name, r.Status-128, r.Signal)
	} else {
		b.systemd(u.Name, "%s: main process exited, code=exited, status=%d/%s", u.Name, r.Status, statusName(r.Status))
	}
	b.systemd(u.Name, "Failed to start %s.", u.Description)
	b.systemd(u.Name, "Unit %s entered failed state.", u.Name)
	b.systemd(u.Name, "%s failed.", u.Name)
	fmt.Fprintf(b.opts.Console, "[FAILED] Failed to start %s.\nSee 'systemctl status %s' for details.\n", u.Description, u.Name)
	return r
}

// statusName is how systemd names an exit status.
func statusName(code int) string {
	switch code {
	case 1:
		return "FAILURE"
	case 2:
		return "INVALIDARGUMENT"
	case 3:
		return "NOTIMPLEMENTED"
	case 4:
		return "NOPERMISSION"
	case 5:
		return "NOTINSTALLED"
	case 6:
		return "NOTCONFIGURED"
	case 7:
		return "NOTRUNNING"
	case 203:
		return "EXEC"
	}
	return "n/a"
}

// signalName is the name systemd gives a signal.
func signalName(n int) string { return strings.TrimPrefix(unix2name(n), "SIG") }

func unix2name(n int) string {
	switch syscall.Signal(n) {
	case syscall.SIGKILL:
		return "SIGKILL"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGSEGV:
		return "SIGSEGV"
	case syscall.SIGABRT:
		return "SIGABRT"
	}
	return fmt.Sprintf("SIG%d", n)
}

// exec runs one command of a unit and returns its exit status, 128+N
// and true when signal N killed it.
func (b *booter) exec(ctx context.Context, u *unit, argv []string) (int, bool) {
	ident := path.Base(argv[0])
	out := &journalWriter{b: b, unit: u.Name, ident: ident}
	if u.Console {
		out.console = b.opts.Console
	}
	defer out.Close()
	env := append([]string{"PATH=" + unitPath, "LANG=en_US.UTF-8"}, u.Env...)
	if IsProgram(ident) {
		out.pid = os.Getpid()
		getenv := func(k string) string {
			if k == "RUNBOOK_ROOT" {
				return b.root
			}
			return environ.Get(env, k)
		}
		killed := false
		inv := invocation{argv: argv, getenv: getenv, stdout: out, stderr: out, kill: func() { killed = true }}
		code := inv.run()
		if killed {
			return killedStatus, true
		}
		return code, false
	}
	run := b.opts.Exec
	if run == nil {
		run = execUnitCommand(out)
	}
	code, err := run(ctx, UnitCommand{Unit: u.Name, Argv: argv, Env: env, Stdout: out})
	if err != nil {
		b.systemd(u.Name, "Failed at step EXEC spawning %s: %v", argv[0], err)
		return 203, false
	}
	return code, code > 128 && b.opts.Exec == nil
}

// execUnitCommand execs a unit's command for real, no shell.
func execUnitCommand(out *journalWriter) func(ctx context.Context, c UnitCommand) (int, error) {
	return func(ctx context.Context, c UnitCommand) (int, error) {
		cmd := exec.CommandContext(ctx, c.Argv[0], c.Argv[1:]...)
		cmd.Env = c.Env
		cmd.Dir = "/"
		cmd.Stdout, cmd.Stderr = c.Stdout, c.Stdout
		if err := cmd.Start(); err != nil {
			return 0, err
		}
		out.setPID(cmd.Process.Pid)
		err := cmd.Wait()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				return 128 + int(ws.Signal()), nil
			}
			return ee.ExitCode(), nil
		}
		return 0, err
	}
}

// journalWriter turns a unit's output into journal lines, and copies it
// to the console when the unit sends it there.
type journalWriter struct {
	b       *booter
	unit    string
	ident   string
	console io.Writer
	mu      sync.Mutex
	pid     int
	buf     []byte
}

func (w *journalWriter) setPID(pid int) {
	w.mu.Lock()
	w.pid = pid
	w.mu.Unlock()
}

func (w *journalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.console != nil {
		w.console.Write(p)
	}
	w.buf = append(w.buf, p...)
	for {
		i := strings.IndexByte(string(w.buf), '\n')
		if i < 0 {
			break
		}
		w.line(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
	return len(p), nil
}

func (w *journalWriter) line(s string) {
	appendJournal(w.b.root, journalEntry{Boot: w.b.res.Boot, BootID: w.b.bootID(), Unit: w.unit, Ident: w.ident, PID: w.pid, Msg: s})
}

// Close writes a last line without its newline.
func (w *journalWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.line(string(w.buf))
		w.buf = nil
	}
	return nil
}
