package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/runbook-dev/runbook/builtins"
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

func (r *runner) installHook() error {
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

// removeHook removes the boot hook when the run ends, however it ends.
func (r *runner) removeHook() {
	for _, p := range []string{hookLinkPath, hookUnitPath} {
		if _, err := r.host.Lstat(p); err == nil {
			if err := r.host.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				r.e.Report.Warn(fmt.Sprintf("remove boot hook %s: %v; remove it by hand", p, err))
			}
		}
	}
}

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
	spec := stepSpec{name: "reboot: " + reason, kind: kindReboot, call: builtins.DescribeCall("reboot_and_resume", args, kwargs), pos: callerPos(thread)}
	seq, rec, err := r.claim(&spec)
	if err != nil {
		return nil, err
	}
	if rec != nil && rec.Done {
		return starlark.None, nil
	}
	if r.dry {
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
				// Not fsynced: if lost, the next resume sees the new boot id again.
				if err := r.append(&Record{Type: RecCompleted, Seq: seq, Status: StepRebooted, Changed: true, Result: []byte("null")}, false); err != nil {
					return nil, err
				}
				r.changedAny = true
				r.needXapi = true
				r.e.Report.Step(StepRebooted, spec.name, 0)
				return starlark.None, nil
			}
			if n >= maxRebootAttempts {
				err := fmt.Errorf("reboot_and_resume: the host did not reboot: the boot id is still %s after %d reboot attempts; reboot it by hand and run 'runbook resume', or give the run up with 'runbook abort'", before, n)
				r.failed = &spec
				r.append(&Record{Type: RecStarted, Seq: seq, Name: spec.name, Kind: spec.kind, Call: spec.call, Key: spec.key(), Pos: spec.pos, Attempt: attempt}, true)
				r.append(&Record{Type: RecFailed, Seq: seq, Error: err.Error()}, true)
				r.e.Report.Step(StepFailed, spec.name, 0)
				return nil, err
			}
		}
	}
	if err := r.append(&Record{Type: RecStarted, Seq: seq, Name: spec.name, Kind: spec.kind, Call: spec.call, Key: spec.key(), Pos: spec.pos, Attempt: attempt}, true); err != nil {
		return nil, err
	}
	fail := func(err error) (starlark.Value, error) {
		r.failed = &spec
		r.append(&Record{Type: RecFailed, Seq: seq, Error: err.Error()}, true)
		r.e.Report.Step(StepFailed, spec.name, 0)
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
	if err := r.append(&Record{Type: RecReboot, Seq: seq, BootID: bootID, Reason: reason, Attempt: nReboots + 1}, true); err != nil {
		return nil, err
	}
	if err := r.installHook(); err != nil {
		return fail(fmt.Errorf("reboot_and_resume: %w", err))
	}
	r.e.Report.Info("rebooting the host: %s", reason)
	r.e.Report.Note("the run resumes by itself after the boot (%s); follow it with: runbook status --state-dir %s", strings.TrimPrefix(hookUnitPath, "/etc/systemd/system/"), r.stateDir)
	res, err := r.host.Exec(r.ctx, builtins.Command{Path: r.opts.Reboot, Env: r.env.Environ, Timeout: time.Minute})
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
			return r.append(&Record{Type: RecXapi, BootID: r.bootID}, false)
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
		if announced.IsZero() || time.Since(announced) >= 30*time.Second {
			r.e.Report.Note("waiting for xapi to answer after the reboot (%s so far, up to %s): %s", waited.Round(time.Second), timeout, last)
			announced = time.Now()
		}
		select {
		case <-r.ctx.Done():
			return r.ctx.Err()
		case <-time.After(min(delay, timeout-waited)):
		}
		delay = min(delay*2, 5*time.Second)
	}
}
