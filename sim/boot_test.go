package sim

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gofrs/flock"
)

// installUnit writes a unit and links it in multi-user.target.wants.
func installUnit(t *testing.T, root, name, body string) {
	t.Helper()
	file := filepath.Join(root, systemDir, name)
	writeFile(t, file, body)
	if err := os.Symlink("/"+systemDir+"/"+name, filepath.Join(root, wantsDir, name)); err != nil {
		t.Fatal(err)
	}
}

func TestBootInProcess(t *testing.T) {
	root := newRoot(t)
	h, err := NewHost(root)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	installUnit(t, root, "b-hook.service", "[Unit]\nAfter=xapi.service\n[Service]\nType=oneshot\nEnvironment=WHO=x\nExecStart=/usr/local/bin/runbook resume --state-dir \"/var/lib/run book\" ${WHO}\nStandardOutput=journal+console\n")
	installUnit(t, root, "a-bond.service", "[Unit]\nBefore=xapi.service\n[Service]\nExecStart=-/sbin/ifup bond9\n")
	mustRun(t, root, "reboot")
	bootID := readFile(t, filepath.Join(root, bootIDFile))

	var got [][]string
	var console strings.Builder
	res, err := h.Boot(context.Background(), BootOptions{Console: &console, Exec: func(ctx context.Context, c UnitCommand) (int, error) {
		got = append(got, c.Argv)
		// The environment is systemd's, not this process's.
		if strings.Join(c.Env, " ") != "PATH="+unitPath+" LANG=en_US.UTF-8 WHO=x" {
			t.Errorf("env %q", c.Env)
		}
		// xapi's start of day came first: xe answers (no xapi delay here).
		code := run(t, root, "xe", "host-list", "name-label=xen01", "params=host-metrics-live", "--minimal")
		c.Stdout.Write([]byte("hook says " + code.stdout))
		return 3, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || strings.Join(got[0], "|") != "/usr/local/bin/runbook|resume|--state-dir|/var/lib/run book|x" {
		t.Errorf("exec %q", got)
	}
	// a-bond's ifup fails (no ifcfg-bond9), ignored by "-": success.
	want := []UnitResult{{Unit: "a-bond.service", Result: "success"}, {Unit: "b-hook.service", Result: "failed", Status: 3}}
	if res.Kind != "reboot" || res.Boot != 2 || len(res.Units) != 2 || res.Units[0] != want[0] || res.Units[1] != want[1] {
		t.Errorf("result %+v, want boot 2 after a reboot with %+v", res, want)
	}
	if !strings.Contains(console.String(), "hook says true\n[FAILED] Failed to start b-hook.service.\n") {
		t.Errorf("console:\n%s", console.String())
	}
	if readFile(t, filepath.Join(root, bootIDFile)) == bootID {
		t.Error("the boot id did not change")
	}
	d := loadModel(t, root).Model.localHost().Dom0
	if d.RebootPending || d.Booting || len(d.Boots) != 1 || len(d.Boots[0].Units) != 2 {
		t.Errorf("dom0 after the boot: %+v", d)
	}
	// A boot without a pending reboot is a power cycle.
	res, err = h.Boot(context.Background(), BootOptions{Exec: func(context.Context, UnitCommand) (int, error) { return 0, nil }})
	if err != nil || res.Kind != "power-cycle" || res.Boot != 3 {
		t.Errorf("power cycle: %+v %v", res, err)
	}
}

// A unit that asks for a reboot ends the boot: the units after it do not
// run, and the reboot is pending.
func TestBootStopsAtAReboot(t *testing.T) {
	root := newRoot(t)
	installUnit(t, root, "a.service", "[Service]\nExecStart=/sbin/reboot\n")
	installUnit(t, root, "b.service", "[Service]\nExecStart=/usr/bin/false\n")
	res := boot(t, root)
	if !res.RebootAsked || len(res.Units) != 1 || res.Units[0].Unit != "a.service" {
		t.Errorf("got %+v, want the boot stopped after a.service", res)
	}
	d := loadModel(t, root).Model.localHost().Dom0
	if !d.RebootPending || !d.Boots[0].RebootAsked {
		t.Errorf("dom0: %+v", d)
	}
	if err := WaitBoot(context.Background(), root); err == nil || !strings.Contains(err.Error(), "nothing boots it") {
		t.Errorf("WaitBoot: %v", err)
	}
}

func TestBootRefusesASecondBoot(t *testing.T) {
	root := newRoot(t)
	l := flock.New(filepath.Join(root, bootLockFile))
	if err := l.Lock(); err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	if _, err := Boot(context.Background(), root, BootOptions{}); !errors.Is(err, ErrBootRunning) {
		t.Errorf("got %v, want ErrBootRunning", err)
	}
}

// The pool across a reboot, seen from xe: the local host while going
// down, and a member while the coordinator is down.
func TestXapiAcrossReboots(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	if err := Init(dir, InitOptions{Seed: 1, AllDom0s: true, XapiDelay: NoXapiDelay}); err != nil {
		t.Fatal(err)
	}
	x1, x2 := filepath.Join(dir, "xen01"), filepath.Join(dir, "xen02")
	mustRun(t, x2, "reboot")
	if r := run(t, x2, "xe", "host-list"); r.code != 1 || r.stderr != "Unable to contact server. Please check server and port settings.\n" {
		t.Errorf("xe on a host going down: %+v", r)
	}
	if got := mustRun(t, x1, "xe", "host-list", "name-label=xen02", "params=host-metrics-live", "--minimal"); got != "false" {
		t.Errorf("xen02 live: %q", got)
	}
	boot(t, x2)
	mustRun(t, x1, "reboot")
	if r := run(t, x2, "xe", "pif-list"); r.code != 1 || r.stderr != "The host toolstack is still initialising. Please wait.\n" {
		t.Errorf("xe on a member while the coordinator is down: %+v", r)
	}
	boot(t, x1)
	mustRun(t, x2, "xe", "pif-list")
}
