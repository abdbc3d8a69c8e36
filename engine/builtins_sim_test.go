package engine_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/builtins"
	"github.com/runbook-dev/runbook/engine"
	"github.com/runbook-dev/runbook/runbooks"
	"github.com/runbook-dev/runbook/sim"
)

// newSimEngine returns an engine acting, in process, on a fresh
// simulated host.
func newSimEngine(t *testing.T) (*engine.Engine, string, *bytes.Buffer) {
	t.Helper()
	dir := t.TempDir()
	root := filepath.Join(dir, "host")
	if err := sim.Init(root, sim.InitOptions{XapiDelay: sim.NoXapiDelay}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	e := &engine.Engine{
		Options: engine.Options{StateDir: filepath.Join(dir, "state"), Root: root, Xe: "xe", Ifup: "ifup", Reboot: "reboot"},
		Report:  engine.NewReporter(&out, &out, false),
		Shipped: runbooks.FS,
		Binary:  "/usr/local/bin/runbook",
		NewHost: func(o engine.RecordedOptions) (builtins.Host, error) { return sim.NewHost(o.Root) },
	}
	return e, root, &out
}

func runSource(t *testing.T, e *engine.Engine, src string, params ...string) error {
	t.Helper()
	p := filepath.Join(t.TempDir(), "t.star")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	rb, err := engine.Open(p, runbooks.FS)
	if err != nil {
		t.Fatal(err)
	}
	pv, err := engine.ResolveParams(rb, params, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e.Run(context.Background(), rb, pv)
}

// Every host builtin against the simulated host, through the engine:
// the runbook fails (and the test with it) on any unexpected value.
func TestHostBuiltinsOnSimulator(t *testing.T) {
	e, root, out := newSimEngine(t)
	src := `
def check(what, got, want):
    if got != want:
        fail("%s: got %r, want %r" % (what, got, want))

hosts = xe("host-list", params = "uuid,name-label,software-version")
check("hosts", sorted([h["name-label"] for h in hosts]), ["xen01", "xen02", "xen03"])
check("map field", type(hosts[0]["software-version"]), "dict")
check("backend", hosts[0]["software-version"]["network_backend"], "openvswitch")
h = [x for x in hosts if x["name-label"] == "xen01"][0]["uuid"]
pifs = xe("pif-list", host_uuid = h, params = "uuid,device,management,bond-master-of")
check("pifs", sorted([p["device"] for p in pifs]), ["eth0", "eth1", "eth2", "eth3"])
check("RO list field", pifs[0]["bond-master-of"], "")
check("set field", type(xe("pif-list", host_uuid = h, device = "eth0", params = "capabilities")[0]["capabilities"]), "list")
check("minimal", len(xe("pif-list", host_uuid = h, device = "eth2", params = "uuid", minimal = True)), 1)
check("no match", xe("pif-list", host_uuid = h, device = "eth9", minimal = True), [])
r = xe("pif-param-get", uuid = "nope", param_name = "MAC", check = False)
check("check=False code", r.code, 1)
check("check=False stderr", r.stderr, "The uuid you supplied was invalid.\ntype: PIF\nuuid: nope\n")
check("which", which("xe-switch-network-backend") != None, True)
check("which missing", which("no-such-program"), None)
check("exists", exists("/etc/xensource/network.conf"), True)
check("read_file", read_file("/etc/xensource/network.conf"), "openvswitch\n")
check("read_file default", read_file("/etc/nothing", default = "d"), "d")
check("write", file_write("/etc/t/a.conf", "x=1\n"), True)
check("write again", file_write("/etc/t/a.conf", "x=1\n"), False)
check("chmod", file_write("/etc/t/a.conf", "x=1\n", mode = 0o600), True)
check("link", symlink("/etc/t/a.conf", "/etc/t/b.conf"), True)
check("link again", symlink("/etc/t/a.conf", "/etc/t/b.conf"), False)
check("remove", remove_file("/etc/t/b.conf"), True)
check("remove again", remove_file("/etc/t/b.conf"), False)
run("xe-switch-network-backend", "bridge")
check("switched", read_file("/etc/xensource/network.conf"), "bridge\n")
file_write("/etc/sysconfig/network-scripts/ifcfg-bond9", "DEVICE=bond9\nBONDING_OPTS=\"mode=802.3ad miimon=100\"\nONBOOT=yes\nBOOTPROTO=none\n")
ifup("bond9")
b = bonding_status("bond9")
check("mode", b.mode, "IEEE 802.3ad Dynamic link aggregation")
check("mode_name", b.mode_name, "802.3ad")
check("miimon", b.miimon, 100)
check("no slaves", b.slaves, [])
`
	if err := runSource(t, e, src); err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	st, err := e.Status()
	if err != nil {
		t.Fatal(err)
	}
	if st.State != engine.StateSucceeded {
		t.Fatalf("got state %s, want succeeded", st.State)
	}
	var writes int
	for _, b := range st.Backups {
		if b.Path == "/etc/t/a.conf" {
			writes++
		}
	}
	if writes != 2 {
		t.Errorf("got %d backups of /etc/t/a.conf, want 2 (write, chmod): %+v", writes, st.Backups)
	}
	fi, err := os.Stat(filepath.Join(root, "etc", "t", "a.conf"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("a.conf: got %v %v, want mode 0600", fi.Mode(), err)
	}
	for _, s := range st.Steps {
		want := engine.StepOK
		switch {
		case strings.HasPrefix(s.Name, "file_write"), strings.HasPrefix(s.Name, "symlink"), strings.HasPrefix(s.Name, "remove_file"):
			if s.Changed {
				want = engine.StepChanged
			}
		case s.Name == "run xe-switch-network-backend", s.Name == "ifup bond9":
			want = engine.StepChanged
		}
		if s.Status != want {
			t.Errorf("step %q: got status %s, want %s", s.Name, s.Status, want)
		}
	}
}

// The reboot step on the simulator: the run pauses, the boot hook is in
// place, the boot runs the hook, whose resume completes the step once the
// boot id changed, and the hook is gone when the run ends.
func TestRebootAndResumeOnSimulator(t *testing.T) {
	e, root, out := newSimEngine(t)
	src := `
step("before", lambda: 1)
reboot_and_resume("test")
b = read_file("/proc/sys/kernel/random/boot_id")
print("after", len(b.strip()))
`
	bootBefore, _ := os.ReadFile(filepath.Join(root, "proc", "sys", "kernel", "random", "boot_id"))
	if err := runSource(t, e, src); err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	st, _ := e.Status()
	if st.State != engine.StateRebooting {
		t.Fatalf("got state %s, want rebooting\n%s", st.State, out)
	}
	unit, err := os.ReadFile(filepath.Join(root, "etc", "systemd", "system", "runbook-resume.service"))
	if err != nil || !bytes.Contains(unit, []byte("ExecStart=/usr/local/bin/runbook resume --state-dir "+e.StateDir)) {
		t.Fatalf("boot hook: %v\n%s", err, unit)
	}
	// The reboot is pending until the boot, which runs the boot hook: its
	// command is this engine's resume, in process.
	if b, _ := os.ReadFile(filepath.Join(root, "proc", "sys", "kernel", "random", "boot_id")); !bytes.Equal(b, bootBefore) {
		t.Fatalf("the boot id changed before the boot")
	}
	res := bootInProcess(t, e, root)
	if len(res.Units) != 1 || res.Units[0] != (sim.UnitResult{Unit: "runbook-resume.service", Result: "success"}) {
		t.Fatalf("boot ran %+v, want the boot hook, successful\n%s", res.Units, out)
	}
	st, _ = e.Status()
	if st.State != engine.StateSucceeded || st.Steps[1].Status != engine.StepRebooted {
		t.Fatalf("got %s with steps %+v, want succeeded with a rebooted step", st.State, st.Steps)
	}
	if _, err := os.Lstat(filepath.Join(root, "etc", "systemd", "system", "multi-user.target.wants", "runbook-resume.service")); !os.IsNotExist(err) {
		t.Errorf("boot hook link still there after the run ended: %v", err)
	}
	if !strings.Contains(out.String(), "after 36\n") {
		t.Errorf("output lacks the post-reboot print:\n%s", out)
	}
}

// bootInProcess boots the simulated host as `runbook sim boot` does; the
// boot hook's command (`/usr/local/bin/runbook resume --state-dir DIR`)
// resumes e in process.
func bootInProcess(t *testing.T, e *engine.Engine, root string) *sim.BootResult {
	t.Helper()
	h, err := sim.NewHost(root)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	res, err := h.Boot(context.Background(), sim.BootOptions{Exec: func(ctx context.Context, c sim.UnitCommand) (int, error) {
		want := []string{e.Binary, "resume", "--state-dir", e.StateDir}
		if strings.Join(c.Argv, " ") != strings.Join(want, " ") {
			t.Errorf("unit %s runs %q, want %q", c.Unit, c.Argv, want)
			return 1, nil
		}
		if err := e.Resume(ctx); err != nil {
			fmt.Fprintln(c.Stdout, err)
			return engine.ExitCode(err), nil
		}
		return 0, nil
	}})
	if err != nil {
		t.Fatalf("boot: %v", err)
	}
	return res
}
