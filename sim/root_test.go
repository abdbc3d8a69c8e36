package sim

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindRoot(t *testing.T) {
	root := newRoot(t)
	other := t.TempDir()
	// a directory that links to the root: the link's directory is
	// resolved, not the program.
	linked := filepath.Join(t.TempDir(), "linked")
	if err := os.Symlink(root, linked); err != nil {
		t.Fatal(err)
	}
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	tests := []struct {
		name   string
		argv0  string
		getenv func(string) string
		want   string
	}{
		{"RUNBOOK_ROOT", "xe", env("RUNBOOK_ROOT", root), root},
		{"RUNBOOK_ROOT wins over argv0", filepath.Join(other, "bin", "xe"), env("RUNBOOK_ROOT", root), root},
		{"RUNBOOK_ROOT without a host falls back to argv0", filepath.Join(root, "bin", "xe"), env("RUNBOOK_ROOT", other), root},
		{"argv0 in DIR/bin", filepath.Join(root, "bin", "ifup"), env(), root},
		{"argv0 through a linked directory", filepath.Join(linked, "bin", "xe"), env(), linked},
		{"PATH lookup", "xe", env("PATH", other+":"+filepath.Join(root, "bin")), root},
		{"not in a bin directory", filepath.Join(root, "xe"), env(), ""},
		{"nothing", "xe", env("PATH", other), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := findRoot(tt.argv0, filepath.Base(tt.argv0), tt.getenv)
			if ok != (tt.want != "") || got != tt.want {
				t.Errorf("got %q, %v, want %q", got, ok, tt.want)
			}
		})
	}
}

func TestMainWithoutRoot(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := Main([]string{"/nowhere/bin/ifup", "bond0"}, func(string) string { return "" }, nil, &stdout, &stderr)
	want := "ifup (simulated): no simulated host: set RUNBOOK_ROOT to a directory made by 'runbook sim init DIR'\n"
	if code != 1 || stderr.String() != want || stdout.Len() != 0 {
		t.Errorf("got %d %q %q", code, stdout.String(), stderr.String())
	}
	stderr.Reset()
	if code := Main([]string{"ls"}, func(string) string { return "" }, nil, &stdout, &stderr); code != 127 || !strings.Contains(stderr.String(), "not a simulated program") {
		t.Errorf("ls: got %d %q", code, stderr.String())
	}
	if !IsProgram("xe-switch-network-backend") || IsProgram("xe-switch") || len(Programs()) != 8 {
		t.Errorf("IsProgram/Programs disagree with the eight programs")
	}
}

func TestInitRefusesNonEmptyDir(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "x"), "")
	if err := Init(dir, InitOptions{}); err == nil || !strings.Contains(err.Error(), "is not empty") {
		t.Errorf("got %v", err)
	}
	if err := Init(filepath.Join(t.TempDir(), "h"), InitOptions{Release: "6.2"}); err == nil || !strings.Contains(err.Error(), "release") {
		t.Errorf("got %v", err)
	}
	if err := Init(filepath.Join(t.TempDir(), "h"), InitOptions{Binary: "relative/runbook"}); err == nil {
		t.Errorf("a relative binary was accepted")
	}
}

func TestInitFiles(t *testing.T) {
	root := filepath.Join(t.TempDir(), "h")
	if err := Init(root, InitOptions{Seed: 3, Release: "9", Binary: "/usr/bin/runbook"}); err != nil {
		t.Fatal(err)
	}
	st := loadModel(t, root)
	if st.Model.XapiDelay != DefaultXapiDelay || st.Book.Calls != 0 {
		t.Errorf("xapi delay %d, calls %d", st.Model.XapiDelay, st.Book.Calls)
	}
	files := map[string]string{
		"etc/xensource/network.conf":           "openvswitch\n",
		"etc/modprobe.d/blacklist-bridge.conf": "install bridge /bin/true\n",
		"etc/hostname":                         "xen01\n",
		"proc/sys/kernel/hostname":             "xen01\n",
		"proc/sys/kernel/random/boot_id":       st.Model.localHost().Dom0.BootID + "\n",
	}
	for name, want := range files {
		if got := readFile(t, filepath.Join(root, name)); got != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
	inv := readFile(t, filepath.Join(root, "etc/xensource-inventory"))
	for _, want := range []string{"INSTALLATION_UUID='" + st.Model.Pool.Master + "'\n", "MANAGEMENT_INTERFACE='xenbr0'\n", "PRODUCT_BRAND='XenServer'\n", "PRODUCT_VERSION='9.0.0'\n", "CONTROL_DOMAIN_UUID='"} {
		if !strings.Contains(inv, want) {
			t.Errorf("inventory lacks %q:\n%s", want, inv)
		}
	}
	for _, d := range []string{"proc/net/bonding", "etc/systemd/system/multi-user.target.wants"} {
		if fi, err := os.Stat(filepath.Join(root, d)); err != nil || !fi.IsDir() {
			t.Errorf("%s: %v", d, err)
		}
	}
	for _, p := range []string{"xe", "ifup", "reboot"} {
		if target, err := os.Readlink(filepath.Join(root, "bin", p)); err != nil || target != "/usr/bin/runbook" {
			t.Errorf("bin/%s: %q %v", p, target, err)
		}
	}
	if _, err := os.Lstat(filepath.Join(root, "bin", switchProg)); !os.IsNotExist(err) {
		t.Errorf("release 9 has bin/%s", switchProg)
	}
	fi, err := os.Stat(filepath.Join(root, "etc/hostname"))
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("etc/hostname mode %v %v", fi.Mode(), err)
	}
}
