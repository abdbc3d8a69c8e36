package ansibletest

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSecrets: runbook.xen.run delivers a secret parameter (testdata/
// secret.star's token) in a file, never on a command line. The run gets
// the value (it reaches the simulated xe), in a run, a dry run and through
// the rollout role; the asserts of testdata/secrets.yml find no trace of
// it in any registered result (a success, a dry run, runbook's refusal
// after the files were written, the task's own refusal, a failed run);
// and it is in no file left by the plugin, runbook or Ansible (the
// remote temporary directories are kept, ANSIBLE_KEEP_REMOTE_FILES, so
// the plugin's own removal of the secret files shows), nor in the
// play's output at -vvv, which shows every command the plugin ran and,
// with display_args_to_stdout, every task's arguments.
func TestSecrets(t *testing.T) {
	need(t)
	t.Parallel()
	p := newPool(t, "pool_a")
	// A distinctive part, found whatever quoting the rest gets, and a
	// quote and letters that JSON may escape.
	core := fmt.Sprintf("s3cr3t-%d", time.Now().UnixNano())
	token := core + ` "quoted" ünï`
	testdata, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	remoteTmp := filepath.Join(p.dir, "remote-tmp")
	localTmp := filepath.Join(p.dir, "local-tmp")
	cmd := exec.Command("ansible-playbook", "-vvv", "-i", p.inventory(t), filepath.Join(testdata, "secrets.yml"),
		"-e", "star="+filepath.Join(testdata, "secret.star"))
	cmd.Dir = p.dir
	cmd.Env = append(ansibleEnv(),
		"SITE_TOKEN="+token,
		"ANSIBLE_KEEP_REMOTE_FILES=1",
		// The task banners show the arguments as written, before
		// templating: the playbook takes the value from a variable.
		"ANSIBLE_DISPLAY_ARGS_TO_STDOUT=true",
		"ANSIBLE_REMOTE_TEMP="+remoteTmp,
		"ANSIBLE_LOCAL_TEMP="+localTmp,
	)
	b, err := cmd.CombinedOutput()
	out := string(b)
	if os.Getenv("ANSIBLETEST_OUTPUT") != "" {
		t.Logf("output:\n%s", out)
	}
	if err != nil {
		t.Fatalf("ansible-playbook: %v:\n%s", err, out)
	}
	for h, c := range (play{out: out}).recap(t) {
		if c.failed != 0 || c.unreachable != 0 {
			t.Errorf("%s: %+v: an assert failed:\n%s", h, c, out)
		}
	}

	// The value reached xe: set on xen01 by the first run, on xen02 by
	// the role; the dry run did not set it.
	calls := runbookCmd(t, "sim", "calls", "--root", p.root("xen01"))
	if n := strings.Count(calls, "other-config:site-token="+token); n != 2 {
		t.Errorf("xe pif-param-set with the token: %d calls, want 2 (xen01's run, xen02's role):\n%s", n, calls)
	}
	// Delivered by a file in the task's temporary directory.
	if !strings.Contains(out, "--secret token="+remoteTmp+"/") {
		t.Errorf("no --secret token=%s/... in the commands the plugin ran (-vvv):\n%s", remoteTmp, out)
	}
	if strings.Contains(out, core) {
		t.Errorf("the secret's value is in the output of ansible-playbook -vvv:\n%s", grepLines(out, core))
	}

	// No file holds it but the simulated xapi's database and call log
	// (the host the run was asked to give it to).
	pool := filepath.Join(p.sim, "pool") + string(filepath.Separator)
	for _, dir := range []string{p.dir, work} {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() || strings.HasPrefix(path, pool) {
				return nil
			}
			if b, err := os.ReadFile(path); err == nil && bytes.Contains(b, []byte(core)) {
				t.Errorf("%s holds the secret's value", path)
			}
			return nil
		})
	}
	if !fileHolds(t, pool, core) {
		t.Errorf("the simulated pool's database (%s) does not hold the token: the test does not see where it went", pool)
	}

	// The plugin removed its files itself: Ansible kept the temporary
	// directories, and none holds a secret file.
	kept := 0
	filepath.WalkDir(remoteTmp, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), "ansible-tmp-") {
			kept++
		}
		if strings.HasPrefix(d.Name(), "secret-") {
			t.Errorf("%s: a secret file the plugin left", path)
		}
		return nil
	})
	if kept == 0 {
		t.Errorf("no temporary directory kept in %s: the test does not see the plugin's files", remoteTmp)
	}
	// runbook keeps a run's secrets only until the run ends.
	for _, h := range []string{"xen01", "xen02"} {
		left, _ := filepath.Glob(filepath.Join(p.stateDir(h), "runs", "*", "secrets"))
		if len(left) > 0 {
			t.Errorf("%s: runbook kept %v after the runs ended", h, left)
		}
	}
}

// fileHolds says whether some file under dir contains s.
func fileHolds(t *testing.T, dir, s string) bool {
	t.Helper()
	found := false
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if b, err := os.ReadFile(path); err == nil && bytes.Contains(b, []byte(s)) {
				found = true
			}
		}
		return nil
	})
	return found
}

// grepLines is the lines of text that contain s.
func grepLines(text, s string) string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, s) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
