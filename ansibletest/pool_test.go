package ansibletest

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// A simulated pool in which every host is a dom0 of its own, booting by
// itself after a reboot (sim init --all-dom0s --boot auto), and the
// inventory that reaches each host with ansible_connection=local.
type pool struct {
	dir   string   // the test's directory: inventory, playbooks, pools
	sim   string   // the sim init directory
	hosts []string // xen01, xen02, ...
	// vars are the host vars of each inventory host, and group the vars
	// of the pool's group.
	vars  map[string]map[string]any
	group map[string]any
	name  string // the inventory group of the pool
}

// newPool makes a simulated pool of three hosts in a fresh directory;
// initArgs are more options of sim init (--member makes xen02 the
// coordinator).
func newPool(t *testing.T, name string, initArgs ...string) *pool {
	t.Helper()
	dir := t.TempDir()
	p := &pool{dir: dir, sim: filepath.Join(dir, name), name: name, vars: map[string]map[string]any{}}
	args := append([]string{"sim", "init", p.sim, "--all-dom0s", "--boot", "auto", "--xapi-delay", "0"}, initArgs...)
	runbookCmd(t, args...)
	entries, err := os.ReadDir(p.sim)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "xen") {
			p.hosts = append(p.hosts, e.Name())
		}
	}
	sort.Strings(p.hosts)
	p.group = map[string]any{
		"ansible_connection": "local",
		// Nothing may run Python on a dom0: a module run on a target
		// would fail on this interpreter.
		"ansible_python_interpreter": "/nonexistent/python-must-not-run-on-a-dom0",
		"runbook_binary":             runbookBin,
		"runbook_poll":               0.05,
		"runbook_xapi_wait":          60,
		"runbook_timeout":            120,
		"runbook_reboot_timeout":     60,
	}
	for i, h := range p.hosts {
		root := p.root(h)
		p.vars[h] = map[string]any{
			"runbook_root":      root,
			"runbook_xe":        filepath.Join(root, "bin", "xe"),
			"runbook_ifup":      filepath.Join(root, "bin", "ifup"),
			"runbook_reboot":    filepath.Join(root, "bin", "reboot"),
			"runbook_state_dir": p.stateDir(h),
			"storage_ip":        fmt.Sprintf("10.10.51.%d", 11+i),
		}
	}
	// No process of the pool outlives the test: wait for pending boots.
	t.Cleanup(func() {
		for _, h := range p.hosts {
			os.WriteFile(filepath.Join(p.root(h), "release-boot"), nil, 0o644)
		}
		for _, h := range p.hosts {
			runbookCmdQuiet("sim", "wait", "--timeout", "30s", "--root", p.root(h))
		}
	})
	return p
}

func (p *pool) root(h string) string     { return filepath.Join(p.sim, h) }
func (p *pool) stateDir(h string) string { return filepath.Join(p.root(h), "var", "lib", "runbook") }

// inventory writes the inventory (JSON, which the YAML inventory plugin
// reads) and returns its path; extra groups of other pools may be given.
func (p *pool) inventory(t *testing.T, others ...*pool) string {
	t.Helper()
	children := map[string]any{}
	for _, q := range append([]*pool{p}, others...) {
		hosts := map[string]any{}
		for _, h := range q.hosts {
			name := h
			if q != p || len(others) > 0 {
				name = q.name + "-" + h
			}
			v := q.vars[h]
			if name != h {
				v["runbook_host_name"] = h
			}
			hosts[name] = v
		}
		children[q.name] = map[string]any{"hosts": hosts, "vars": q.group}
	}
	inv := map[string]any{"all": map[string]any{"children": map[string]any{"xen_pools": map[string]any{"children": children}}}}
	b, err := json.MarshalIndent(inv, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(p.dir, "inventory.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeFile writes a file of the test (a playbook) and returns its path.
func (p *pool) writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// rollout runs the pool rollout of runbook over the pool.
func (p *pool) rollout(t *testing.T, runbook string, extra ...string) play {
	t.Helper()
	inv := p.inventory(t)
	args := append([]string{"-i", inv, "runbook.xen.pool_rollout", "-e", "runbook_hosts=" + p.name, "-e", "runbook_name=" + runbook}, extra...)
	return playbook(t, p.dir, args...)
}

// status is a host's `runbook status --json`.
func (p *pool) status(t *testing.T, h string) map[string]any {
	t.Helper()
	var st map[string]any
	decodeJSON(t, "status of "+h, runbookCmd(t, "status", "--json", "--state-dir", p.stateDir(h)), &st)
	return st
}

func (p *pool) state(t *testing.T, h string) string {
	t.Helper()
	s, _ := p.status(t, h)["state"].(string)
	return s
}

// snapshot is the part of `runbook sim snapshot` the tests read.
type snapshot struct {
	Pool struct {
		Master string `json:"master"`
	} `json:"pool"`
	Hosts []struct {
		UUID            string `json:"uuid"`
		NameLabel       string `json:"name_label"`
		Enabled         bool   `json:"enabled"`
		SoftwareVersion []struct {
			K string `json:"k"`
			V string `json:"v"`
		} `json:"software_version"`
		Dom0 struct {
			BootCount int `json:"boot_count"`
		} `json:"dom0"`
	} `json:"hosts"`
	raw string
}

func (p *pool) snapshot(t *testing.T) snapshot {
	t.Helper()
	out := runbookCmd(t, "sim", "snapshot", "--root", p.root(p.hosts[0]))
	var s snapshot
	decodeJSON(t, "sim snapshot", out, &s)
	s.raw = out
	return s
}

// host is what the snapshot says of one host: its running backend, boot
// count and whether it is enabled.
func (s snapshot) host(name string) (backend string, boots int, enabled bool) {
	for _, h := range s.Hosts {
		if h.NameLabel != name {
			continue
		}
		for _, kv := range h.SoftwareVersion {
			if kv.K == "network_backend" {
				backend = kv.V
			}
		}
		return backend, h.Dom0.BootCount, h.Enabled
	}
	return "", 0, false
}

// bonded reports whether the host's kernel has the NFS bond up.
func (p *pool) bonded(h string) bool {
	b, err := os.ReadFile(filepath.Join(p.root(h), "proc", "net", "bonding", "bond51"))
	return err == nil && strings.Contains(string(b), "Slave Interface: eth2") && strings.Contains(string(b), "Slave Interface: eth3")
}

// heldReboot makes h's reboot program the simulated one whose boot waits
// until the file release-boot exists in h's root: the simulated boot
// starts once the process that asked for the reboot has exited, and that
// process is a detached shell that waits for the file (at most a
// minute). It returns the file to create.
func (p *pool) heldReboot(t *testing.T, h string) string {
	t.Helper()
	root := p.root(h)
	release := filepath.Join(root, "release-boot")
	script := fmt.Sprintf(`#!/bin/sh
# The simulated reboot of %[1]s, whose boot waits for %[3]s.
d=$(mktemp -d)
setsid sh -c '"$1"; echo $? >"$2/rc"; n=0; while [ ! -e "$3" ] && [ $n -lt 1200 ]; do sleep 0.05; n=$((n+1)); done' sh %[2]q "$d" %[3]q </dev/null >/dev/null 2>&1 &
while [ ! -s "$d/rc" ]; do sleep 0.02; done
rc=$(cat "$d/rc")
rm -rf "$d"
exit "$rc"
`, h, filepath.Join(root, "bin", "reboot"), release)
	path := filepath.Join(root, "reboot-held")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	p.vars[h]["runbook_reboot"] = path
	return release
}

// brokenReboot makes h's reboot program one that fails as a dom0 whose
// init does not answer, and returns fix, which makes it the simulated
// reboot again (the program stays at the same path: the run recorded it).
func (p *pool) brokenReboot(t *testing.T, h string) (fix func()) {
	t.Helper()
	path := filepath.Join(p.root(h), "reboot-wrapper")
	write := func(body string) {
		if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write("echo 'Failed to talk to init daemon.' >&2\nexit 1\n")
	p.vars[h]["runbook_reboot"] = path
	return func() { write(fmt.Sprintf("exec %q \"$@\"\n", filepath.Join(p.root(h), "bin", "reboot"))) }
}

// runbookCmdQuiet runs the runbook binary, ignoring the outcome.
func runbookCmdQuiet(args ...string) {
	cmd := execCommand(runbookBin, args...)
	cmd.Run()
}

// started and ended are a run's RFC 3339 times, parsed.
func runTimes(t *testing.T, st map[string]any) (time.Time, time.Time) {
	t.Helper()
	parse := func(k string) time.Time {
		s, _ := st[k].(string)
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatalf("status %s: %q: %v", k, s, err)
		}
		return v
	}
	return parse("started"), parse("updated")
}

func execCommand(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = ansibleEnv()
	return cmd
}
