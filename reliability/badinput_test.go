package reliability

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// star is the absolute path of a test runbook in testdata/runbooks.
func star(t testing.TB, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", "runbooks", name+".star"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Exit statuses the table expects.
const (
	exitFailed = 1 // a step failed after the run changed the host
	exitUsage  = 2 // nothing ran
	// exitNothingChanged is what a run gives when it stops on a bad input
	// before changing anything: a runbook misusing the language, a
	// missing program, a refusal. A program that ran and failed is a
	// failed step (exitFailed) even when nothing was changed.
	exitNothingChanged = 2
)

// badInput is a mistake an operator or a runbook author can make.
type badInput struct {
	name string
	// setup prepares the host (after a fresh `sim init` with init) and
	// returns the runbook command line; nil means args.
	setup func(t *testing.T, h *host) []string
	args  []string
	init  []string
	code  int
	// want must all appear in the output: the thing, the value, the fix.
	want []string
	// reads says that programs may have run (read-only ones, or the one
	// that failed); otherwise no program runs at all.
	reads bool
	// env is added to the environment of the failing command only.
	env []string
	// ignore lists host paths the failing command may change.
	ignore []string
}

func nfsBond(extra ...string) []string {
	return append([]string{"run", "nfs-bond", "-p", "ip=10.10.51.11", "-p", "netmask=255.255.255.0", "-p", "evacuate=true"}, extra...)
}

func storageNIC(extra ...string) []string {
	return append([]string{"run", "storage-nic", "-p", "device=eth1", "-p", "ip=10.10.52.11", "-p", "netmask=255.255.255.0"}, extra...)
}

func runStar(t testing.TB, name string, extra ...string) []string {
	return append([]string{"run", star(t, name)}, extra...)
}

// paramsFile writes a --params-file and returns its path.
func paramsFile(t testing.TB, h *host, text string) string {
	return writeFile(t, filepath.Join(h.dir, "params.json"), text)
}

func badInputs() []badInput {
	return []badInput{
		// Parameters.
		{name: "ip-three-octets", args: nfsBond("-p", "ip=10.10.51"), code: exitUsage,
			want: []string{"param ip", `"10.10.51"`, "want an IPv4 address such as"}},
		{name: "ip-octet-256", args: nfsBond("-p", "ip=10.10.51.256"), code: exitUsage,
			want: []string{"param ip", `"10.10.51.256"`, "want an IPv4 address"}},
		{name: "ip-word", args: storageNIC("-p", "ip=storage"), code: exitUsage,
			want: []string{"param ip", `"storage"`, "want an IPv4 address"}},
		{name: "ip-network-address", args: nfsBond("-p", "ip=10.10.51.0"), code: exitUsage, reads: true,
			want: []string{"param ip", "10.10.51.0", "network or broadcast", "want a host address"}},
		{name: "netmask-non-contiguous", args: nfsBond("-p", "netmask=255.0.255.0"), code: exitUsage,
			want: []string{"param netmask", `"255.0.255.0"`, "contiguous", "such as 255.255.255.0"}},
		{name: "netmask-low-bit", args: storageNIC("-p", "netmask=255.255.255.1"), code: exitUsage,
			want: []string{"param netmask", `"255.255.255.1"`, "contiguous"}},
		{name: "netmask-prefix-length", args: nfsBond("-p", "netmask=24"), code: exitUsage,
			want: []string{"param netmask", `"24"`, "255.255.255.0"}},
		{name: "mode-unknown-name", args: nfsBond("-p", "mode=balance-foo"), code: exitUsage,
			want: []string{"param mode", `"balance-foo"`, "active-backup", "802.3ad"}},
		{name: "mode-8", args: nfsBond("-p", "mode=8"), code: exitUsage,
			want: []string{"param mode", `"8"`, "balance-rr"}},
		{name: "slaves-duplicate", args: nfsBond("-p", "slaves=eth2,eth2"), code: exitUsage,
			want: []string{"param slaves", "eth2,eth2", "listed twice"}},
		{name: "slave-is-management", args: nfsBond("-p", "slaves=eth0,eth3"), code: exitUsage, reads: true,
			want: []string{"slave eth0", "management interface", "choose other NICs", "nothing was changed"}},
		{name: "slave-missing", args: nfsBond("-p", "slaves=eth2,eth9"), code: exitUsage, reads: true,
			want: []string{"slave eth9", "no PIF eth9", "eth0, eth1, eth2, eth3", "xe pif-scan"}},
		{name: "one-slave", args: nfsBond("-p", "slaves=eth2"), code: exitUsage, reads: true,
			want: []string{"param slaves", "eth2", "at least 2"}},
		{name: "bond-is-xapi-name", args: nfsBond("-p", "bond=bond0"), code: exitUsage, reads: true,
			want: []string{"param bond", "bond0", "such as bond51"}},
		{name: "bond-is-a-slave", args: nfsBond("-p", "bond=eth2"), code: exitUsage, reads: true,
			want: []string{"param bond", "eth2", "also listed in slaves"}},
		{name: "bond-with-space", args: nfsBond("-p", "bond=bond 51"), code: exitUsage,
			want: []string{"param bond", `"bond 51"`, "1-15 letters"}},
		{name: "storage-overlaps-management-nfs-bond", args: nfsBond("-p", "ip=192.168.10.50"), code: exitUsage, reads: true,
			want: []string{"param ip", "192.168.10.0/24", "management network", "own subnet"}},
		{name: "storage-overlaps-management-storage-nic", args: storageNIC("-p", "ip=192.168.10.60", "-p", "netmask=255.255.0.0"), code: exitUsage, reads: true,
			want: []string{"param ip", "192.168.0.0/16", "management network", "own subnet"}},
		{name: "device-is-management", args: storageNIC("-p", "device=eth0"), code: exitUsage, reads: true,
			want: []string{"param device", "eth0", "management interface", "choose another NIC"}},
		{name: "device-missing", args: storageNIC("-p", "device=eth7"), code: exitUsage, reads: true,
			want: []string{"param device", "no PIF eth7", "eth0, eth1"}},
		{name: "device-too-long", args: storageNIC("-p", "device=eth0123456789abcd"), code: exitUsage,
			want: []string{"param device", `"eth0123456789abcd"`, "1-15"}},
		{name: "gateway-without-routes", args: storageNIC("-p", "gateway=10.10.99.1"), code: exitUsage, reads: true,
			want: []string{"param gateway", "10.10.99.1", "only on the management interface", "--param routes="}},
		{name: "gateway-off-subnet", args: storageNIC("-p", "gateway=10.10.99.1", "-p", "routes=10.20.0.0/16"), code: exitUsage, reads: true,
			want: []string{"param gateway", "10.10.99.1", "10.10.52.0/24", "reachable"}},
		{name: "guests-running-no-evacuate", args: []string{"run", "nfs-bond", "-p", "ip=10.10.51.11", "-p", "netmask=255.255.255.0"}, code: exitUsage, reads: true,
			want: []string{"db01", "web01", "evacuate=true"}},
		{name: "unknown-host", args: nfsBond("-p", "host=xen09"), code: exitUsage, reads: true,
			want: []string{"xen09", "xen01"}},
		{name: "unknown-parameter", args: nfsBond("-p", "ipp=10.10.51.12"), code: exitUsage,
			want: []string{"param ipp", "unknown parameter", "did you mean ip?", "runbook show nfs-bond"}},
		{name: "missing-required", args: []string{"run", "nfs-bond", "-p", "netmask=255.255.255.0"}, code: exitUsage,
			want: []string{"param ip", "missing", "--param ip=10.10.51.11"}},
		{name: "every-problem-at-once", args: []string{"run", "storage-nic", "-p", "ip=1.2.3", "-p", "netmask=255.0.255.0", "-p", "colour=red"}, code: exitUsage,
			want: []string{"param device: missing", `param ip: got "1.2.3"`, `param netmask: got "255.0.255.0"`, "param colour: unknown parameter"}},
		{name: "int-not-a-number", args: nfsBond("-p", "miimon=fast"), code: exitUsage,
			want: []string{"param miimon", `"fast"`, "want an integer"}},
		{name: "miimon-zero", args: nfsBond("-p", "miimon=0"), code: exitUsage, reads: true,
			want: []string{"param miimon", "got 0", "positive interval", "such as 100"}},
		{name: "bool-maybe", args: nfsBond("-p", "evacuate=maybe"), code: exitUsage,
			want: []string{"param evacuate", `"maybe"`, "want true or false"}},
		{name: "layout-unknown", args: nfsBond("-p", "layout=modren"), code: exitUsage,
			want: []string{"param layout", `"modren"`, "modern", "legacy"}},
		{name: "newline-in-value", args: storageNIC("-p", "purpose=Storage\nIPADDR=10.0.0.9"), code: exitUsage,
			want: []string{"param purpose", `"Storage\nIPADDR=10.0.0.9"`, "without control characters"}},
		{name: "newline-in-host", args: nfsBond("-p", "host=xen01\nGATEWAY=10.0.0.1"), code: exitUsage,
			want: []string{"param host", `\nGATEWAY`, "without control characters"}},
		{name: "nul-in-value", code: exitUsage,
			setup: func(t *testing.T, h *host) []string {
				return storageNIC("--params-file", paramsFile(t, h, `{"purpose": "Stor\u0000age"}`))
			},
			want: []string{"param purpose", `\x00`, "without control characters"}},
		{name: "param-without-value", args: storageNIC("-p", "gateway"), code: exitUsage,
			want: []string{`"gateway"`, "want NAME=VALUE"}},
		{name: "params-file-not-json", code: exitUsage,
			setup: func(t *testing.T, h *host) []string {
				return storageNIC("--params-file", paramsFile(t, h, `{"purpose": "Storage",}`))
			},
			want: []string{"--params-file", "params.json", "line 1, column", "want a JSON object"}},
		{name: "params-file-wrong-type", code: exitUsage,
			setup: func(t *testing.T, h *host) []string {
				return nfsBond("--params-file", paramsFile(t, h, `{"slaves": 5}`))
			},
			want: []string{"param slaves", "got 5", "want a list"}},
		{name: "params-file-missing", code: exitUsage,
			setup: func(t *testing.T, h *host) []string {
				return storageNIC("--params-file", filepath.Join(h.dir, "nope.json"))
			},
			want: []string{"--params-file", "nope.json", "no such file"}},

		// Runbooks.
		{name: "syntax-error", code: exitUsage,
			setup: func(t *testing.T, h *host) []string { return runStar(t, "syntax_error") },
			want:  []string{"syntax_error.star:3:16:", "want ')'"}},
		{name: "undefined-builtin-did-you-mean", code: exitUsage,
			setup: func(t *testing.T, h *host) []string { return runStar(t, "undefined_name") },
			want:  []string{"undefined_name.star:6:1:", "undefined: steo", "did you mean step?"}},
		{name: "undefined-function-did-you-mean", code: exitUsage,
			setup: func(t *testing.T, h *host) []string { return runStar(t, "undefined_global") },
			want:  []string{"undefined_global.star:6:19:", "undefined: configur", "did you mean configure?"}},
		{name: "load-missing-file", code: exitUsage,
			setup: func(t *testing.T, h *host) []string { return runStar(t, "load_missing") },
			want:  []string{"load_missing.star:3:", "lib/missing.star", "no file"}},
		{name: "runbook-file-missing", code: exitUsage,
			setup: func(t *testing.T, h *host) []string {
				return []string{"run", filepath.Join(h.dir, "site", "nfs-bond.star")}
			},
			want: []string{"site/nfs-bond.star", "no such file", "runbook list"}},
		{name: "runbook-unknown-name", args: []string{"run", "nfs-bnd"}, code: exitUsage,
			want: []string{`"nfs-bnd"`, "nfs-bond", "storage-nic", ".star"}},
		{name: "param-not-constant", code: exitUsage,
			setup: func(t *testing.T, h *host) []string { return runStar(t, "nonconstant_param") },
			want:  []string{"nonconstant_param.star:4:", "constant"}},
		{name: "step-returns-function", code: exitNothingChanged,
			setup: func(t *testing.T, h *host) []string { return runStar(t, "returns_function") },
			want:  []string{`step "make a function"`, "got function", "want None, bool"}},
		{name: "step-not-a-function", code: exitNothingChanged,
			setup: func(t *testing.T, h *host) []string { return runStar(t, "step_not_function") },
			want:  []string{`step "configure"`, "got string", "want a function"}},
		{name: "nested-step", code: exitNothingChanged,
			setup: func(t *testing.T, h *host) []string { return runStar(t, "nested_step") },
			want:  []string{`"inner step"`, `"outer step"`, "nested_step.star:7:", "do not nest", "plain function"}},
		{name: "endless-loop-step-budget", code: exitNothingChanged,
			setup: func(t *testing.T, h *host) []string {
				return runStar(t, "endless_loop", "--max-steps", "200000")
			},
			want: []string{"endless_loop.star", "200000 Starlark steps", "--max-steps"}},

		// Programs.
		{name: "xe-not-on-path", code: exitNothingChanged,
			env:  []string{"RUNBOOK_XE=xe", "PATH=/nonexistent"},
			args: storageNIC(),
			want: []string{"xe pif-list host-uuid=", `"xe" was not found`, "--xe"}},
		{name: "xe-exits-1", code: exitFailed, reads: true,
			setup: func(t *testing.T, h *host) []string {
				h.fault("--call", "1", "--fail", "--stderr", "The server failed to handle your request, due to an internal error.")
				return storageNIC()
			},
			want: []string{"xe pif-list host-uuid=", "exit status 1", "The server failed to handle your request, due to an internal error.", "runbook resume"}},
		{name: "xe-hangs-past-call-timeout", code: exitFailed,
			setup: func(t *testing.T, h *host) []string {
				pidFile := filepath.Join(h.dir, "hang.pid")
				xe := writeExec(t, filepath.Join(h.dir, "hangxe"), "#!/bin/sh\necho $$ > "+pidFile+"\nexec sleep 60\n")
				h.setenv("RUNBOOK_XE", xe)
				t.Cleanup(func() {
					// The hanging program must be gone.
					b, _ := os.ReadFile(pidFile)
					if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && processAlive(pid) {
						t.Errorf("the hanging xe (pid %d) is still running after the timeout", pid)
						syscall.Kill(pid, syscall.SIGKILL)
					}
				})
				return storageNIC("--call-timeout", "300ms")
			},
			want: []string{"xe pif-list host-uuid=", "no answer within 300ms", "--call-timeout"}},
		{name: "xapi-not-back-after-reboot", code: exitFailed, init: []string{"--xapi-delay", "1000"}, reads: true,
			// The run failed, so it ended: the boot hook goes.
			ignore: []string{"etc/systemd/system/runbook-resume.service", "etc/systemd/system/multi-user.target.wants/runbook-resume.service"},
			setup: func(t *testing.T, h *host) []string {
				if r := h.run(nfsBond("--xapi-timeout", "1s")...); r.code != 0 {
					t.Fatalf("run to the reboot: %v", r)
				}
				// The boot runs the hook, whose resume waits for xapi in
				// vain; the operator's resume that follows, with xapi still
				// down, must fail as clearly and change nothing.
				if r := h.bootAndResume(); r.code != exitFailed {
					t.Fatalf("the boot hook's resume: got %v, want it failed", r)
				}
				return []string{"resume"}
			},
			want: []string{"xapi did not answer within 1s", "--xapi-timeout", "runbook resume"}},

		// State.
		{name: "state-dir-under-a-file", code: exitUsage,
			setup: func(t *testing.T, h *host) []string {
				f := writeFile(t, filepath.Join(h.dir, "afile"), "x")
				h.setenv("RUNBOOK_STATE_DIR", filepath.Join(f, "state"))
				return storageNIC()
			},
			want: []string{"afile/state", "not a directory", "--state-dir"}},
		{name: "state-dir-read-only", code: exitUsage,
			setup: func(t *testing.T, h *host) []string {
				ro := filepath.Join(h.dir, "ro")
				os.MkdirAll(ro, 0o700)
				if out, err := exec.Command("mount", "--bind", ro, ro).CombinedOutput(); err != nil {
					t.Skipf("cannot bind-mount (%v: %s): a read-only state dir needs root", err, out)
				}
				t.Cleanup(func() { exec.Command("umount", ro).Run() })
				if out, err := exec.Command("mount", "-o", "remount,bind,ro", ro).CombinedOutput(); err != nil {
					t.Skipf("cannot remount read-only (%v: %s)", err, out)
				}
				h.setenv("RUNBOOK_STATE_DIR", filepath.Join(ro, "state"))
				return storageNIC()
			},
			want: []string{"ro/state", "read-only file system", "--state-dir"}},
		{name: "root-missing", code: exitUsage,
			setup: func(t *testing.T, h *host) []string {
				return storageNIC("--root", filepath.Join(h.dir, "no-such-root"))
			},
			want: []string{"no-such-root", "no such file", "--root"}},
		{name: "root-is-a-file", code: exitUsage,
			setup: func(t *testing.T, h *host) []string {
				return storageNIC("--root", writeFile(t, filepath.Join(h.dir, "rootfile"), "x"))
			},
			want: []string{"rootfile", "not a directory", "--root"}},
		{name: "call-timeout-not-a-duration", args: storageNIC("--call-timeout", "soon"), code: exitUsage,
			want: []string{`"soon"`, "--call-timeout", `"30s"`}},
		{name: "xapi-timeout-env-not-a-duration", code: exitUsage,
			env: []string{"RUNBOOK_XAPI_TIMEOUT=ten minutes"}, args: storageNIC(),
			want: []string{"RUNBOOK_XAPI_TIMEOUT", `"ten minutes"`, "such as 10m"}},
	}
}

func processAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && len(s) > i+2 && s[i+2] != 'Z'
}

// TestBadInputs runs each mistake on a fresh host: a clear message with
// the thing, the value and the fix; the right exit status; nothing on the
// host changed by the failing command.
func TestBadInputs(t *testing.T) {
	t.Parallel()
	for _, tt := range badInputs() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHost(t, tt.init...)
			args := tt.args
			if tt.setup != nil {
				args = tt.setup(t, h)
			}
			before := h.capture()
			callsBefore := len(h.calls().Argv)
			r := h.runEnv(tt.env, args...)
			out := r.stdout + r.stderr
			var problems []string
			if r.code != tt.code || r.signal != 0 {
				problems = append(problems, fmt.Sprintf("exit %d (signal %d), want %d", r.code, int(r.signal), tt.code))
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					problems = append(problems, fmt.Sprintf("output does not say %q", w))
				}
			}
			if strings.Contains(out, "panic:") || strings.Contains(out, "goroutine ") {
				problems = append(problems, "output shows a Go panic")
			}
			after := h.capture()
			for _, p := range tt.ignore {
				delete(before.files, p)
				delete(after.files, p)
			}
			d := before.diff(after)
			if d != "" {
				problems = append(problems, "the host changed:\n"+d)
			}
			calls := h.calls().Argv[callsBefore:]
			for _, a := range calls {
				if mutating(a) {
					problems = append(problems, "a mutating program ran: "+callKey(a))
				}
			}
			if len(calls) > 0 && !tt.reads {
				problems = append(problems, fmt.Sprintf("%d programs ran, want none (first: %s)", len(calls), callKey(calls[0])))
			}
			badInputFigure.add(len(problems) == 0, d != "")
			if len(problems) > 0 {
				t.Errorf("runbook %s:\n%s\n%v", strings.Join(args, " "), strings.Join(problems, "\n"), r)
			}
		})
	}
}

// TestModeSevenWarns: bond mode 7 (balance-slb) is accepted with a
// warning that it gives failover but no load spreading.
func TestModeSevenWarns(t *testing.T) {
	t.Parallel()
	h := newHost(t)
	before := h.capture()
	r := h.run(nfsBond("-p", "mode=7", "--dry-run")...)
	out := r.stdout + r.stderr
	var problems []string
	if r.code != 0 {
		problems = append(problems, fmt.Sprintf("exit %d, want 0 (accepted)", r.code))
	}
	for _, w := range []string{"warning:", "mode 7", "balance-slb", "no load spreading", "active-backup"} {
		if !strings.Contains(out, w) {
			problems = append(problems, fmt.Sprintf("warning does not say %q", w))
		}
	}
	d := before.diff(h.capture())
	if d != "" {
		problems = append(problems, "a dry run changed the host:\n"+d)
	}
	badInputFigure.add(len(problems) == 0, d != "")
	if len(problems) > 0 {
		t.Errorf("%s\n%v", strings.Join(problems, "\n"), r)
	}
}

// TestXapiWaitAfterFailedWait: a resume after xapi did not answer in
// time must wait for xapi again, not run the next step against a
// toolstack that is still starting.
func TestXapiWaitAfterFailedWait(t *testing.T) {
	t.Parallel()
	h := newHost(t, "--xapi-delay", "1000")
	if r := h.run(nfsBond("--xapi-timeout", "1s")...); r.code != 0 {
		t.Fatalf("run to the reboot: %v", r)
	}
	// The boot runs the hook, whose resume times out waiting for xapi.
	if r := h.bootAndResume(); r.code != exitFailed || !strings.Contains(r.stdout, "xapi did not answer") {
		t.Fatalf("the boot hook's resume: got %v, want the xapi timeout", r)
	}
	before := h.capture()
	r := h.run("resume")
	good := strings.Contains(r.stderr, "xapi did not answer within 1s") && strings.Contains(r.stdout, "waiting for xapi")
	d := before.diff(h.capture())
	badInputFigure.add(good && d == "", d != "")
	if !good {
		t.Errorf("second resume with xapi still down: want it to wait for xapi again and say so; got\n%v", r)
	}
	if d != "" {
		t.Errorf("the host changed:\n%s", d)
	}
}

// TestDiskFullOnJournalAppend puts the state dir on a small tmpfs and
// fills it while a step runs: the run stops at the first journal append
// that does not fit, with a clear error, and once there is space again
// the resume finishes the job as if nothing had happened. (Where the
// append fails depends on the slack in the journal's last page, so the
// step in flight may have acted: the started record was on disk first,
// and the resume runs that step again.)
func TestDiskFullOnJournalAppend(t *testing.T) {
	t.Parallel()
	base := runBaseline(t, storageNICArgs)
	h := newHost(t, crashInit...)
	mnt := filepath.Join(h.dir, "tmpfs")
	os.MkdirAll(mnt, 0o700)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs (%v: %s): disk full needs root", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", mnt).Run() })
	h.setenv("RUNBOOK_STATE_DIR", filepath.Join(mnt, "state"))
	h.state = filepath.Join(mnt, "state")
	fill := filepath.Join(mnt, "filler")
	// The second xe call (inside "list the PIFs") fills the disk before it
	// answers.
	count := filepath.Join(h.dir, "count")
	xe := writeExec(t, filepath.Join(h.dir, "fillxe"), fmt.Sprintf(`#!/bin/sh
n=$(cat %[1]s 2>/dev/null || echo 0); n=$((n+1)); echo $n > %[1]s
if [ $n -eq 2 ]; then cat /dev/zero > %[2]s 2>/dev/null; fi
exec %[3]s "$@"
`, count, fill, filepath.Join(h.root, "bin", "xe")))
	h.setenv("RUNBOOK_XE", xe)
	r := h.run(storageNIC()...)
	var problems []string
	if r.code == 0 {
		problems = append(problems, "the run succeeded on a full disk")
	}
	for _, w := range []string{"journal.jsonl", "no space left on device", "runbook resume"} {
		if !strings.Contains(r.stderr, w) {
			problems = append(problems, fmt.Sprintf("error does not say %q", w))
		}
	}
	if strings.Contains(r.stdout+r.stderr, "panic:") {
		problems = append(problems, "a Go panic")
	}
	st := h.status() // a torn last line is not an error
	running := 0
	for _, s := range st.Steps {
		if s.Status == "running" {
			running = s.Seq
		}
	}
	if err := os.Remove(fill); err != nil {
		t.Fatal(err)
	}
	h.finish(3)
	final := h.status()
	if final.State != "succeeded" {
		problems = append(problems, fmt.Sprintf("after freeing space, the resumed run is %s, want succeeded", final.State))
	}
	d := base.state.diff(h.capture())
	if d != "" {
		problems = append(problems, "host differs from an uninterrupted run:\n"+d)
	}
	for _, s := range final.Steps {
		if s.Seq == running && s.Attempts != 2 {
			problems = append(problems, fmt.Sprintf("step %d %q was in flight at the full disk and has %d attempts, want 2", s.Seq, s.Name, s.Attempts))
		}
	}
	h.journal() // every line parses: the torn one was cut
	badInputFigure.add(len(problems) == 0, d != "")
	if len(problems) > 0 {
		t.Errorf("%s\nrun: %v", strings.Join(problems, "\n"), r)
	}
}

// blockingXe writes an xe that, at its nth call, marks mark and sleeps
// (writing its pid next to mark) instead of running; every other call
// runs the simulated xe.
func blockingXe(t *testing.T, h *host, n int, mark string) string {
	t.Helper()
	count := filepath.Join(h.dir, "xe-count")
	return writeExec(t, filepath.Join(h.dir, "blockxe"), fmt.Sprintf(`#!/bin/sh
n=$(cat %[1]s 2>/dev/null || echo 0); n=$((n+1)); echo $n > %[1]s
if [ $n -eq %[2]d ]; then echo $$ > %[3]s.pid; : > %[3]s; exec sleep 60; fi
exec %[4]s "$@"
`, count, n, mark, filepath.Join(h.root, "bin", "xe")))
}

// TestSignals: SIGINT and SIGTERM stop a run between journal records,
// leave it resumable and exit 130/143; the resume finishes the job.
func TestSignals(t *testing.T) {
	t.Parallel()
	base := runBaseline(t, storageNICArgs)
	for _, tt := range []struct {
		sig  syscall.Signal
		name string
		code int
		call int // the xe call during which the signal comes
	}{
		{syscall.SIGINT, "SIGINT", 130, 4},   // pif-param-set
		{syscall.SIGTERM, "SIGTERM", 143, 6}, // pif-plug
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHost(t, crashInit...)
			mark := filepath.Join(h.dir, "blocked")
			h.setenv("RUNBOOK_XE", blockingXe(t, h, tt.call, mark))
			cmd, stdout, stderr := h.start(storageNIC()...)
			waitFile(t, mark)
			cmd.Process.Signal(tt.sig)
			r := h.wait(cmd, stdout, stderr)
			var problems []string
			lost := false
			if r.code != tt.code {
				problems = append(problems, fmt.Sprintf("exit %d, want %d", r.code, tt.code))
			}
			for _, w := range []string{tt.name, "runbook resume"} {
				if !strings.Contains(r.stderr, w) {
					problems = append(problems, fmt.Sprintf("message does not say %q", w))
				}
			}
			if b, err := os.ReadFile(mark + ".pid"); err == nil {
				pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
				time.Sleep(50 * time.Millisecond)
				if pid > 0 && processAlive(pid) {
					problems = append(problems, "the program in flight was left running")
					syscall.Kill(pid, syscall.SIGKILL)
				}
			}
			recs := h.journal() // every line parses
			last := recs[len(recs)-1]
			if last.Type != "interrupted" || last.Signal != tt.name {
				problems = append(problems, fmt.Sprintf("journal ends with %s %q, want interrupted %s", last.Type, last.Signal, tt.name))
				lost = true
			}
			st := h.status()
			if st.State != "interrupted" || st.Interrupted != tt.name {
				problems = append(problems, fmt.Sprintf("status %s (interrupted %q), want interrupted by %s", st.State, st.Interrupted, tt.name))
			}
			if n := len(st.Steps); n == 0 || st.Steps[n-1].Status != "running" {
				problems = append(problems, "status: the step in flight is not left running")
			}
			h.finish(3)
			if st := h.status(); st.State != "succeeded" {
				problems = append(problems, fmt.Sprintf("after resume: %s, want succeeded", st.State))
			}
			if d := base.state.diff(h.capture()); d != "" {
				problems = append(problems, "host differs from an uninterrupted run:\n"+d)
				lost = true
			}
			signalFigure.add(len(problems) == 0, lost)
			if len(problems) > 0 {
				t.Errorf("%s\n%v", strings.Join(problems, "\n"), r)
			}
		})
	}

	t.Run("endless-loop-SIGTERM", func(t *testing.T) {
		t.Parallel()
		h := newHost(t)
		cmd, stdout, stderr := h.start(runStar(t, "endless_loop")...)
		// Wait until the run is journaled, then stop it.
		deadline := time.Now().Add(20 * time.Second)
		for {
			if m, _ := filepath.Glob(filepath.Join(h.state, "runs", "*", "journal.jsonl")); len(m) > 0 {
				if b, _ := os.ReadFile(m[0]); strings.Contains(string(b), `"session"`) {
					break
				}
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatal("the run never started")
			}
			time.Sleep(10 * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGTERM)
		r := h.wait(cmd, stdout, stderr)
		recs := h.journal()
		good := r.code == 143 && strings.Contains(r.stderr, "SIGTERM") && recs[len(recs)-1].Type == "interrupted"
		signalFigure.add(good, recs[len(recs)-1].Type != "interrupted")
		if !good {
			t.Errorf("endless loop stopped by SIGTERM: want exit 143, a message naming SIGTERM and an interrupted record; got %v\nlast record %s", r, recs[len(recs)-1].Type)
		}
	})
}
