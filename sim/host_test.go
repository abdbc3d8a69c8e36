package sim

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/builtins"
)

var _ builtins.Host = (*Host)(nil)

func TestHostExec(t *testing.T) {
	root := newRoot(t)
	h, err := NewHost(root)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx := context.Background()
	res, err := h.Exec(ctx, builtins.Command{Path: "xe", Args: []string{"host-list", "name-label=xen01", "--minimal"}})
	if err != nil || res.ExitCode != 0 || string(res.Stdout) != "7e0ad264-b029-1427-9e8d-60443f1300e8\n" {
		t.Errorf("xe: %+v %v", res, err)
	}
	// a failing program is a result, not an error.
	res, err = h.Exec(ctx, builtins.Command{Path: filepath.Join(root, "bin", "xe"), Args: []string{"pif-lsit"}})
	if err != nil || res.ExitCode != 1 || !strings.HasPrefix(string(res.Stderr), "Unknown command: pif-lsit\n") {
		t.Errorf("xe pif-lsit: %+v %v", res, err)
	}
	// argv[0] is logged as given.
	argvs, err := readCallLog(poolOf(root))
	if err != nil || len(argvs) != 2 || argvs[0][0] != "xe" || argvs[1][0] != filepath.Join(root, "bin", "xe") {
		t.Errorf("call log: %q %v", argvs, err)
	}
	// other programs are not simulated.
	_, err = h.Exec(ctx, builtins.Command{Path: "/usr/bin/systemctl", Args: []string{"enable", "x"}})
	if !errors.Is(err, exec.ErrNotFound) || !strings.Contains(err.Error(), "/usr/bin/systemctl: not a simulated program") {
		t.Errorf("systemctl: %v", err)
	}
	// a cancelled context runs nothing.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := h.Exec(cctx, builtins.Command{Path: "reboot"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if st := loadModel(t, root); st.Book.Calls != 2 {
		t.Errorf("calls: %d, want 2", st.Book.Calls)
	}
}

func TestHostLookPath(t *testing.T) {
	root := newRoot(t)
	h, err := NewHost(root)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := h.LookPath("ifup"); err != nil || p != filepath.Join(root, "bin", "ifup") {
		t.Errorf("ifup: %q %v", p, err)
	}
	if p, err := h.LookPath("/sbin/ifup"); err != nil || p != "/sbin/ifup" {
		t.Errorf("/sbin/ifup: %q %v", p, err)
	}
	for _, prog := range Programs() {
		if p, err := h.LookPath(prog); err != nil || p != filepath.Join(root, "bin", prog) {
			t.Errorf("%s: %q %v", prog, p, err)
		}
	}
	if _, err := h.LookPath("/usr/bin/systemctl"); !errors.Is(err, exec.ErrNotFound) {
		t.Errorf("systemctl: %v", err)
	}
	// release 9 has no xe-switch-network-backend.
	root9 := filepath.Join(t.TempDir(), "h9")
	if err := Init(root9, InitOptions{Release: "9"}); err != nil {
		t.Fatal(err)
	}
	h9, err := NewHost(root9)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h9.Exec(context.Background(), builtins.Command{Path: switchProg, Args: []string{"bridge"}}); !errors.Is(err, exec.ErrNotFound) {
		t.Errorf("release 9 switch: %v", err)
	}
	if _, err := NewHost(t.TempDir()); err == nil {
		t.Errorf("NewHost of an empty directory succeeded")
	}
}

func TestHostFiles(t *testing.T) {
	root := newRoot(t)
	h, err := NewHost(root)
	if err != nil {
		t.Fatal(err)
	}
	if data, err := h.ReadFile("/etc/xensource/network.conf"); err != nil || string(data) != "openvswitch\n" {
		t.Errorf("read: %q %v", data, err)
	}
	if err := h.WriteFile("/etc/sysconfig/network-scripts/ifcfg-eth2", []byte("DEVICE=eth2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(root, "etc/sysconfig/network-scripts/ifcfg-eth2")); got != "DEVICE=eth2\n" {
		t.Errorf("written: %q", got)
	}
	if err := h.Symlink("/etc/systemd/system/x.service", "/etc/systemd/system/multi-user.target.wants/x.service"); err != nil {
		t.Fatal(err)
	}
	if target, err := h.Readlink("/etc/systemd/system/multi-user.target.wants/x.service"); err != nil || target != "/etc/systemd/system/x.service" {
		t.Errorf("readlink: %q %v", target, err)
	}
	if fi, err := h.Lstat("/etc/systemd/system/multi-user.target.wants/x.service"); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("lstat: %v %v", fi, err)
	}
	if err := h.Remove("/etc/sysconfig/network-scripts/ifcfg-eth2"); err != nil {
		t.Error(err)
	}
	if _, err := h.ReadFile("/etc/../../outside"); err == nil {
		t.Errorf("read outside the root succeeded")
	}
	// the simulated programs see what the host wrote.
	if err := h.WriteFile("/etc/sysconfig/network-scripts/ifcfg-bond9", []byte("DEVICE=bond9\nBONDING_OPTS=mode=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if res, err := h.Exec(context.Background(), builtins.Command{Path: "ifup", Args: []string{"bond9"}}); err != nil || res.ExitCode != 0 {
		t.Fatalf("ifup: %+v %v", res, err)
	}
	if data, err := h.ReadFile("/proc/net/bonding/bond9"); err != nil || !strings.Contains(string(data), "Bonding Mode: fault-tolerance (active-backup)\n") {
		t.Errorf("proc: %q %v", data, err)
	}
}
