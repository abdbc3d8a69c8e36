package ansibletest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPreflightRefusals: the rollout's preflight reports every problem
// of the pool at once (HA on, naming pool-ha-disable and how to re-enable
// it; a host disabled by someone else) and changes nothing; an inventory
// host that matches no xapi host is a clear error listing the pool's
// hosts.
func TestPreflightRefusals(t *testing.T) {
	need(t)
	t.Parallel()
	p := newPool(t, "pool_a")
	nfsBondParams(p)
	xe := filepath.Join(p.root("xen01"), "bin", "xe")
	uuid := strings.TrimSpace(string(mustOutput(t, execCommand(xe, "host-list", "name-label=xen03", "params=uuid", "--minimal"))))
	mustOutput(t, execCommand(xe, "host-disable", "uuid="+uuid))
	mustOutput(t, execCommand(xe, "pool-ha-enable", "heartbeat-sr-uuids=5f0b6f0e-sr"))
	before := p.snapshot(t).raw

	r := p.rollout(t, "nfs-bond")
	if r.code == 0 {
		t.Fatalf("the rollout ran with HA on and a disabled host:\n%s", r.out)
	}
	for _, want := range []string{
		"preflight of the pool",
		"2 problems, nothing was changed",
		"xen03 is disabled and has no unfinished run of nfs-bond: enable it (xe host-enable uuid=" + uuid + ")",
		"HA is enabled on the pool",
		"disable it first: xe pool-ha-disable",
		"xe pool-ha-enable heartbeat-sr-uuids=",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("the preflight's message lacks %q:\n%s", want, r.out)
		}
	}
	if strings.Contains(r.out, "Run nfs-bond on") {
		t.Errorf("a host was rolled out after the preflight failed:\n%s", r.out)
	}
	if after := p.snapshot(t).raw; after != before {
		t.Errorf("the refused rollout changed the pool")
	}
	for _, h := range p.hosts {
		if got := p.state(t, h); got != "none" {
			t.Errorf("%s: a run (%s) after the preflight refused", h, got)
		}
	}

	// An inventory host no xapi host matches.
	p.hosts = append(p.hosts, "xen09")
	p.vars["xen09"] = map[string]any{"runbook_root": p.root("xen01"), "runbook_xe": xe, "runbook_state_dir": filepath.Join(p.dir, "xen09-state"),
		"ansible_host": "192.168.10.99"}
	r = p.rollout(t, "nfs-bond")
	if r.code == 0 {
		t.Fatalf("the rollout ran with an inventory host that is not in the pool:\n%s", r.out)
	}
	for _, want := range []string{
		"3 problems, nothing was changed",
		"inventory host xen09 matches no host of the pool (by name-label or address xen09 or 192.168.10.99), " +
			"whose hosts are xen01 (192.168.10.11), xen02 (192.168.10.12), xen03 (192.168.10.13); set runbook_host_name to its name-label",
		"HA is enabled on the pool",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("the mismatch's message lacks %q:\n%s", want, r.out)
		}
	}
}

func mustOutput(t *testing.T, cmd *exec.Cmd) []byte {
	t.Helper()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
	return out
}

// TestPluginUtils runs the unit tests of the controller-side helpers and
// of runbook.xen.run's argument spec against its documentation
// (ansible/tests/unit) with the Python that runs Ansible.
func TestPluginUtils(t *testing.T) {
	need(t)
	t.Parallel()
	cmd := exec.Command(ansiblePython(t), "-m", "unittest", "-v",
		"ansible_collections.runbook.xen.tests.unit.plugins.plugin_utils.test_runbook",
		"ansible_collections.runbook.xen.tests.unit.plugins.action.test_run")
	cmd.Dir = collections
	cmd.Env = ansibleEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python unittest: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "\nOK") {
		t.Fatalf("python unittest did not say OK:\n%s", out)
	}
}

// ansiblePython is the interpreter of ansible-playbook's shebang.
func ansiblePython(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("ansible-playbook")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(strings.TrimPrefix(line, "#!"))
	switch {
	case len(fields) == 0:
		return "python3"
	case filepath.Base(fields[0]) == "env" && len(fields) > 1:
		return fields[len(fields)-1]
	}
	return fields[0]
}

// offlineSanity are the ansible-test sanity tests that need nothing
// installed: the others (ansible-doc, import, pep8, pylint,
// runtime-metadata, validate-modules, yamllint) install pinned
// requirements from the Python package index into virtual
// environments, bootstrapping pip by download, which an offline machine
// cannot do.
var offlineSanity = []string{
	"action-plugin-docs", "changelog", "compile", "empty-init", "future-import-boilerplate", "ignores",
	"line-endings", "metaclass-boilerplate", "no-assert", "no-basestring", "no-dict-iteritems",
	"no-dict-iterkeys", "no-dict-itervalues", "no-get-exception", "no-illegal-filenames",
	"no-main-display", "no-smart-quotes", "no-unicode-literals", "replace-urlopen", "shebang",
	"symlinks", "use-argspec-type-path", "use-compat-six",
}

// TestSanity runs the offline part of ansible-test sanity on a copy of
// the collection (ansible-test wants a real ansible_collections/NS/NAME
// path, not a link).
func TestSanity(t *testing.T) {
	need(t)
	if _, err := exec.LookPath("ansible-test"); err != nil {
		t.Skip("ansible-test not found")
	}
	t.Parallel()
	dst := filepath.Join(t.TempDir(), "ansible_collections", "runbook", "xen")
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	mustOutput(t, exec.Command("cp", "-R", collectionDir, dst))
	os.RemoveAll(filepath.Join(dst, "tests", "output"))
	py := mustOutput(t, exec.Command(ansiblePython(t), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"))
	args := []string{"sanity", "--python", strings.TrimSpace(string(py))}
	for _, name := range offlineSanity {
		args = append(args, "--test", name)
	}
	cmd := exec.Command("ansible-test", args...)
	cmd.Dir = dst
	cmd.Env = ansibleEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ansible-test %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if strings.Contains(string(out), "ERROR") {
		t.Fatalf("ansible-test sanity reported errors:\n%s", out)
	}
}

// TestCollectionBuild builds the tarball as make ansible-collection does,
// installs it offline into a fresh path, and reads every plugin's and the
// role's documentation from the installed copy with ansible-doc.
func TestCollectionBuild(t *testing.T) {
	need(t)
	t.Parallel()
	dir := t.TempDir()
	run := func(env []string, name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	env := ansibleEnv()
	run(env, "ansible-galaxy", "collection", "build", "--force", "--output-path", dir, collectionDir)
	tarball := filepath.Join(dir, "runbook-xen-0.1.0.tar.gz")
	if !fileExists(tarball) {
		t.Fatalf("no %s after ansible-galaxy collection build", tarball)
	}
	installed := filepath.Join(dir, "installed")
	run(env, "ansible-galaxy", "collection", "install", "--offline", "-p", installed, tarball)
	env = append(ansibleEnv(), "ANSIBLE_COLLECTIONS_PATH="+installed)
	for _, plugin := range []string{"run", "status", "pool_info"} {
		out := run(env, "ansible-doc", "runbook.xen."+plugin)
		if !strings.Contains(out, filepath.Join(installed, "ansible_collections", "runbook", "xen")) || !strings.Contains(out, "EXAMPLES:") || !strings.Contains(out, "RETURN VALUES:") {
			t.Errorf("ansible-doc runbook.xen.%s: not the installed copy's full documentation:\n%s", plugin, out)
		}
	}
	if out := run(env, "ansible-doc", "-t", "role", "runbook.xen.rollout_host"); !strings.Contains(out, "runbook_name") {
		t.Errorf("ansible-doc -t role runbook.xen.rollout_host lacks its variables:\n%s", out)
	}
	if out := run(env, "ansible-doc", "-l", "runbook.xen"); strings.Count(out, "runbook.xen.") != 3 {
		t.Errorf("ansible-doc -l runbook.xen: want 3 plugins:\n%s", out)
	}
}

// TestPoolInfoWaitsForXapi: while the coordinator is down, xe on a member
// fails (HOST_STILL_BOOTING); pool_info keeps trying within its wait and
// answers once the coordinator is back. Without a wait it fails at once
// with xe's error.
func TestPoolInfoWaitsForXapi(t *testing.T) {
	need(t)
	t.Parallel()
	p := newPool(t, "pool_a")
	release := p.heldReboot(t, "xen01")
	inv := p.inventory(t)
	book, err := filepath.Abs(filepath.Join("testdata", "pool_info.yml"))
	if err != nil {
		t.Fatal(err)
	}
	reboot := execCommand(p.vars["xen01"]["runbook_reboot"].(string))
	reboot.Env = append(reboot.Env, "RUNBOOK_ROOT="+p.root("xen01"))
	mustOutput(t, reboot)

	r := playbook(t, p.dir, "-i", inv, book, "-e", "wait=0")
	if r.code == 0 || !strings.Contains(r.out, "The host toolstack is still initialising") {
		t.Fatalf("pool_info without a wait, the coordinator down: exit %d, want xe's error:\n%s", r.code, r.out)
	}
	if strings.Contains(r.out, "waited") {
		t.Errorf("pool_info without a wait says it waited:\n%s", r.out)
	}

	bg := startPlaybook(t, p.dir, "-i", inv, book, "-e", "wait=60")
	time.Sleep(time.Second)
	select {
	case <-bg.done:
		t.Fatalf("pool_info did not wait for the coordinator:\n%s", bg.output())
	default:
	}
	if err := os.WriteFile(release, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r = bg.wait(t, 60*time.Second)
	r.wantExit(t, 0)
}
