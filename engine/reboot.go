package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/runbook-dev/runbook/builtins"
	"github.com/runbook-dev/runbook/internal/journal"
	"go.starlark.net/starlark"
)

// Boot hook: a oneshot unit that runs `runbook resume` once the host is
// back, ordered after the network and xapi.
const (
	hookUnitPath = "/etc/systemd/system/runbook-resume.service"
	hookLinkPath = "/etc/systemd/system/multi-user.target.wants/runbook-resume.service"
	bootIDPath   = "/proc/sys/kernel/random/boot_id"

	// maxRebootAttempts bounds reboots of one step: no reboot loops.
	maxRebootAttempts = 2
)

// hookUnit renders the boot hook for a state directory.
func hookUnit(binary, stateDir string) string {
	return fmt.Sprintf(`# Written by runbook for the run in %[2]s; removed when that run ends.
[Unit]
Description=Resume the runbook run interrupted by a reboot (%[2]s)
Wants=network-online.target
After=network-online.target xapi.service xapi-init-complete.target

[Service]
Type=oneshot
ExecStart=%[1]s resume --state-dir %[3]s
TimeoutStartSec=0
StandardOutput=journal+console
StandardError=journal+console

[Install]
WantedBy=multi-user.target
`, systemdQuote(binary), stateDir, systemdQuote(stateDir))
}

// systemdQuote quotes one ExecStart word: specifiers (%) and variables
// ($) are doubled, and words with spaces or quotes are double-quoted.
func systemdQuote(s string) string {
	s = strings.ReplaceAll(s, "%", "%%")
	s = strings.ReplaceAll(s, "$", "$$")
	if s != "" && !strings.ContainsAny(s, " \t\"'\\;") {
		return s
	}
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `"`, `\"`)
	return `"` + s + `"`
}

// hostBootID reads the host's boot id. A host without one (a bare
// simulated root) has the empty boot id until a reboot writes one.
func (r *runner) hostBootID() (string, error) {
	b, err := r.host.ReadFile(bootIDPath)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read boot id: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// unitSafe refuses a path the boot unit would carry that has a control
// character: a newline would start a directive of its own.
func unitSafe(what, p string) error {
	for _, c := range p {
		if c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029 {
			return fmt.Errorf("%s %q has a control character, which the boot hook's unit cannot carry; use a path without one", what, p)
		}
	}
	return nil
}

func (r *runner) installHook() error {
	if err := unitSafe("the runbook binary's path", r.e.Binary); err != nil {
		return fmt.Errorf("install boot hook: %w", err)
	}
	if err := unitSafe("state dir", r.stateDir); err != nil {
		return fmt.Errorf("install boot hook: %w", err)
	}
	if err := r.host.WriteFile(hookUnitPath, []byte(hookUnit(r.e.Binary, r.stateDir)), 0o644); err != nil {
		return fmt.Errorf("install boot hook: %w", err)
	}
	if target, err := r.host.Readlink(hookLinkPath); err == nil && target == hookUnitPath {
		return nil
	}
	if _, err := r.host.Lstat(hookLinkPath); err == nil {
		if err := r.host.Remove(hookLinkPath); err != nil {
			return fmt.Errorf("install boot hook: %w", err)
		}
	}
	if err := r.host.Symlink(hookUnitPath, hookLinkPath); err != nil {
		return fmt.Errorf("install boot hook: %w", err)
	}
	return nil
}

// hookStateDir returns the state dir the installed boot hook's
// ExecStart names, "" if there is no hook or it names none.
func hookStateDir(host builtins.Host) string {
	b, err := host.ReadFile(hookUnitPath)
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		rest, ok := strings.CutPrefix(line, "ExecStart=")
		if !ok {
			continue
		}
		words := splitExecStart(rest)
		for i, w := range words {
			if w == "--state-dir" && i+1 < len(words) {
				return words[i+1]
			}
		}
	}
	return ""
}

// splitExecStart splits an ExecStart line as systemdQuote writes it.
func splitExecStart(s string) []string {
	var words []string
	var cur strings.Builder
	inWord, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted && c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case c == '"':
			quoted, inWord = !quoted, true
		case !quoted && (c == ' ' || c == '\t'):
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	for i, w := range words {
		w = strings.ReplaceAll(w, "%%", "%")
		words[i] = strings.ReplaceAll(w, "$$", "$")
	}
	return words
}

// removeHook removes the boot hook if it is this state dir's: its
// ExecStart names the state dir. Another state dir's hook is never
// touched. It is idempotent: every command that finds no unfinished
// run calls it, so a hook left by a crash between the run's end and
// the removal does not outlive the next command.
func removeHookOf(host builtins.Host, stateDir string, rep *Reporter) {
	if _, err := host.Lstat(hookUnitPath); err != nil {
		return
	}
	if hookStateDir(host) != stateDir {
		return
	}
	for _, p := range []string{hookLinkPath, hookUnitPath} {
		if _, err := host.Lstat(p); err == nil {
			if err := host.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				rep.Warn(fmt.Sprintf("remove boot hook %s: %v; remove it by hand", p, err))
			}
		}
	}
}

func (r *runner) removeHook() { removeHookOf(r.host, r.stateDir, r.e.Report) }

// rebootBuiltin implements reboot_and_resume(reason), a step of its own:
// journal the intent with the boot id (fsynced), install the boot hook,
// run the reboot program and stop; on resume the step completes only if
// the boot id changed.
func (r *runner) rebootBuiltin(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var reason string
	if err := starlark.UnpackArgs("reboot_and_resume", args, kwargs, "reason", &reason); err != nil {
		return nil, err
	}
	if strings.TrimSpace(reason) == "" || strings.ContainsAny(reason, "\n\r") {
		return nil, errors.New("reboot_and_resume: reason: want a one-line reason, e.g. \"switch the network backend\"")
	}
	if r.cur != nil {
		return nil, misuse("reboot_and_resume: called inside step %q; call it at the top level, between steps", r.cur.name)
	}
	if r.checking {
		return nil, r.checkStop(r.mask("reboot: "+reason), callerPos(thread))
	}
	spec := stepSpec{name: r.mask("reboot: " + reason), kind: kindReboot, call: r.mask(builtins.DescribeCall("reboot_and_resume", args, kwargs)), pos: callerPos(thread)}
	seq, rec, err := r.claim(&spec)
	if err != nil {
		return nil, err
	}
	if rec != nil && rec.Done {
		return starlark.None, nil
	}
	if r.dry {
		if why := r.afterReboot(); why != "" {
			r.skipStep(&spec, why, why, nil)
			return starlark.None, nil
		}
		r.wouldReboot(reason)
		return starlark.None, nil
	}
	r.beginSession()
	attempt := 1
	if rec != nil {
		attempt = rec.Attempts + 1
		if n := len(rec.Reboots); n > 0 {
			before := rec.Reboots[n-1].BootID
			if r.bootID != before {
				// The attempt journaled before the reboot completes now.
				// Not fsynced: if lost, the next resume sees the new boot
				// id again.
				s := &stepRun{r: r, spec: &spec, seq: seq, attempt: rec.Attempts, ls: &liveStep{seq: seq, name: spec.name, changed: true}, t0: time.Now()}
				if err := s.complete(StepRebooted, []byte("null"), false); err != nil {
					return nil, err
				}
				r.needXapi = true
				return starlark.None, nil
			}
			if n >= maxRebootAttempts {
				err := fmt.Errorf("reboot_and_resume: the host did not reboot: the boot id is still %s after %d reboot attempts; reboot it by hand and run 'runbook resume', or give the run up with 'runbook abort'", before, n)
				if s, serr := r.startStep(&spec, seq, attempt); serr == nil {
					s.fail(err)
				}
				return nil, err
			}
		}
	}
	s, err := r.startStep(&spec, seq, attempt)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (starlark.Value, error) {
		s.fail(err)
		return nil, err
	}
	bootID, err := r.hostBootID()
	if err != nil {
		return fail(fmt.Errorf("reboot_and_resume: %w", err))
	}
	nReboots := 0
	if rec != nil {
		nReboots = len(rec.Reboots)
	}
	// The hook first, then the intent: a journaled reboot always has its
	// hook in place, so whatever boots the host next resumes the run. A
	// kill between the two leaves the step started without a reboot
	// record: the next resume runs it again (the hook is written again,
	// the same), and a boot before that resumes the run through the hook.
	if err := r.installHook(); err != nil {
		return fail(fmt.Errorf("reboot_and_resume: %w", err))
	}
	if err := r.append(&journal.Record{Type: journal.RecReboot, Seq: seq, BootID: bootID, Reason: reason, Attempt: nReboots + 1}, true); err != nil {
		return nil, err
	}
	r.e.Report.Info("rebooting the host: %s", reason)
	r.e.Report.Note("the run resumes by itself after the boot (%s); follow it with: runbook status --state-dir %s", strings.TrimPrefix(hookUnitPath, "/etc/systemd/system/"), r.stateDir)
	// The reboot program runs without the engine's child tracking: what
	// it starts is the shutdown, which no later process should wait for.
	cmd := builtins.Command{Path: r.opts.Reboot, Env: r.env.Environ, Timeout: time.Minute}
	t0 := time.Now()
	res, err := r.rawHost.Exec(r.ctx, cmd)
	r.recordCall(seq, cmd, res, err, time.Since(t0))
	if err != nil {
		if r.ctx.Err() != nil {
			return nil, err
		}
		return fail(fmt.Errorf("reboot_and_resume: run %s: %v", r.opts.Reboot, err))
	}
	if res.ExitCode != 0 {
		return fail(fmt.Errorf("reboot_and_resume: %s: exit status %d: %s", r.opts.Reboot, res.ExitCode, strings.TrimSpace(string(res.Stderr)+string(res.Stdout))))
	}
	r.paused = true
	return nil, errPaused
}

// waitXapi waits, after a reboot, until xapi answers a harmless read
// (or --xapi-timeout passes), showing that it is waiting.
func (r *runner) waitXapi() error {
	timeout, _ := time.ParseDuration(r.opts.XapiTimeout)
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	start := time.Now()
	delay := r.e.XapiPoll
	if delay <= 0 {
		delay = 500 * time.Millisecond
	}
	announced := time.Time{}
	for {
		res, err := r.host.Exec(r.ctx, builtins.Command{Path: r.opts.Xe, Args: []string{"pool-list", "params=uuid", "--minimal"}, Env: r.env.Environ, Timeout: time.Minute})
		if err == nil && res.ExitCode == 0 {
			if !announced.IsZero() {
				r.e.Report.Note("xapi answered after %s", time.Since(start).Round(time.Second))
			}
			return r.append(&journal.Record{Type: journal.RecXapi, BootID: r.bootID}, false)
		}
		if r.ctx.Err() != nil {
			return r.ctx.Err()
		}
		last := ""
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || strings.Contains(err.Error(), "executable file not found") {
				return fmt.Errorf("waiting for xapi after the reboot: %v", err)
			}
			last = err.Error()
		} else {
			last = strings.TrimSpace(string(res.Stderr))
			if i := strings.IndexByte(last, '\n'); i >= 0 {
				last = last[:i]
			}
		}
		waited := time.Since(start)
		if waited >= timeout {
			return fmt.Errorf("xapi did not answer within %s after the reboot (last answer: %s); check it with 'systemctl status xapi', then continue with 'runbook resume' (or 'runbook resume --xapi-timeout 30m' if it is just slow)", timeout, last)
		}
		if announced.IsZero() {
			r.e.Report.Note("waiting for xapi to answer after the reboot (%s so far, up to %s): %s", waited.Round(time.Second), timeout, last)
			announced = time.Now()
			// From here the reporter shows how long it has waited.
			r.e.Report.Activity("xapi after the reboot", "")
			defer r.e.Report.EndProgress()
		}
		r.e.Report.Waiting("waiting for xapi to answer (up to " + HumanDuration(timeout) + "): " + last)
		select {
		case <-r.ctx.Done():
			return r.ctx.Err()
		case <-time.After(min(delay, timeout-waited)):
		}
		delay = min(delay*2, 5*time.Second)
	}
}
