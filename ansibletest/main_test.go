package ansibletest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The programs and paths every test shares, set up once by TestMain.
var (
	// skip says why the tests cannot run (no ansible-playbook); empty
	// when they can.
	skip string
	// runbookBin is the runbook binary under test.
	runbookBin string
	// collections is an ANSIBLE_COLLECTIONS_PATH whose
	// ansible_collections/runbook/xen is the repository's ansible/.
	collections string
	// collectionDir is the repository's ansible/ directory.
	collectionDir string
	// work holds Ansible's own temporary files and configuration.
	work string
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	if _, err := exec.LookPath("ansible-playbook"); err != nil {
		skip = "ansible-playbook not found: the Ansible tests need ansible-core (.ci/run installs it: apt-get install ansible-core)"
		fmt.Println("ansibletest: " + skip)
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "runbook-ansibletest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	work = dir
	runbookBin = filepath.Join(dir, "runbook")
	gobin := "go"
	if root := os.Getenv("GOROOT"); root != "" {
		if p := filepath.Join(root, "bin", "go"); fileExists(p) {
			gobin = p
		}
	}
	build := exec.Command(gobin, "build", "-o", runbookBin, "github.com/runbook-dev/runbook/cmd/runbook")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "build runbook: %v\n", err)
		return 1
	}
	collectionDir, err = filepath.Abs(filepath.Join("..", "ansible"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	collections = filepath.Join(dir, "collections")
	ns := filepath.Join(collections, "ansible_collections", "runbook")
	if err := os.MkdirAll(ns, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := os.Symlink(collectionDir, filepath.Join(ns, "xen")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// An empty configuration: nothing of the machine's own applies.
	if err := os.WriteFile(filepath.Join(dir, "ansible.cfg"), []byte("[defaults]\n"), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

func need(t *testing.T) {
	t.Helper()
	if skip != "" {
		t.Skip(skip)
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// ansibleEnv is the environment of every Ansible command: the collection
// under test and nothing else, no colour, no configuration or
// temporary files of the machine, no byte code written into the
// repository, and no RUNBOOK_ variable of the caller.
func ansibleEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "RUNBOOK_") || strings.HasPrefix(kv, "ANSIBLE_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"ANSIBLE_CONFIG="+filepath.Join(work, "ansible.cfg"),
		"ANSIBLE_COLLECTIONS_PATH="+collections,
		"ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false",
		"ANSIBLE_HOME="+filepath.Join(work, "home"),
		"ANSIBLE_LOCAL_TEMP="+filepath.Join(work, "tmp"),
		"ANSIBLE_REMOTE_TEMP="+filepath.Join(work, "remote-tmp"),
		"ANSIBLE_NOCOLOR=1",
		"ANSIBLE_FORCE_COLOR=0",
		"ANSIBLE_RETRY_FILES_ENABLED=false",
		"ANSIBLE_HOST_KEY_CHECKING=false",
		"ANSIBLE_STDOUT_CALLBACK=default",
		"PYTHONDONTWRITEBYTECODE=1",
	)
}

// A run of ansible-playbook: its output (stdout and stderr together) and
// exit status.
type play struct {
	out  string
	code int
}

// playbook runs ansible-playbook in dir with args.
func playbook(t *testing.T, dir string, args ...string) play {
	t.Helper()
	cmd := exec.Command("ansible-playbook", args...)
	cmd.Dir = dir
	cmd.Env = ansibleEnv()
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("ansible-playbook %s: %v", strings.Join(args, " "), err)
	}
	t.Logf("ansible-playbook %s: exit status %d", strings.Join(args, " "), code)
	if os.Getenv("ANSIBLETEST_OUTPUT") != "" {
		t.Logf("output:\n%s", out)
	}
	return play{out: string(out), code: code}
}

// A background run of ansible-playbook, in a process group of its own
// (so that the whole controller can be killed), whose output is read as
// it comes.
type bgPlay struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
	code int
}

func startPlaybook(t *testing.T, dir string, args ...string) *bgPlay {
	t.Helper()
	cmd := exec.Command("ansible-playbook", args...)
	cmd.Dir = dir
	cmd.Env = ansibleEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatalf("start ansible-playbook: %v", err)
	}
	b := &bgPlay{cmd: cmd, done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			b.mu.Lock()
			b.out.WriteString(sc.Text() + "\n")
			b.mu.Unlock()
		}
	}()
	go func() {
		err := cmd.Wait()
		pw.Close()
		if ee, ok := err.(*exec.ExitError); ok {
			b.code = ee.ExitCode()
		}
		close(b.done)
	}()
	t.Cleanup(func() { b.kill() })
	return b
}

func (b *bgPlay) output() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.out.String()
}

// kill kills the whole controller: ansible-playbook and its workers.
func (b *bgPlay) kill() {
	select {
	case <-b.done:
		return
	default:
	}
	syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
	<-b.done
}

// wait waits for the run to end and returns it.
func (b *bgPlay) wait(t *testing.T, timeout time.Duration) play {
	t.Helper()
	select {
	case <-b.done:
	case <-time.After(timeout):
		b.kill()
		t.Fatalf("ansible-playbook did not finish within %s:\n%s", timeout, b.output())
	}
	time.Sleep(20 * time.Millisecond) // the reader's last lines
	if os.Getenv("ANSIBLETEST_OUTPUT") != "" {
		t.Logf("output:\n%s", b.output())
	}
	return play{out: b.output(), code: b.code}
}

// waitFor polls cond every 20 ms until it holds, or fails the test.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// recap is one host's line of the PLAY RECAP.
type recap struct {
	ok, changed, unreachable, failed, skipped int
}

var recapLine = regexp.MustCompile(`(?m)^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)`)

func (p play) recap(t *testing.T) map[string]recap {
	t.Helper()
	i := strings.LastIndex(p.out, "PLAY RECAP")
	if i < 0 {
		t.Fatalf("no PLAY RECAP in the output:\n%s", p.out)
	}
	got := map[string]recap{}
	for _, m := range recapLine.FindAllStringSubmatch(p.out[i:], -1) {
		n := func(k int) int { v, _ := strconv.Atoi(m[k]); return v }
		got[m[1]] = recap{ok: n(2), changed: n(3), unreachable: n(4), failed: n(5), skipped: n(6)}
	}
	return got
}

// wantExit fails the test, with the output, when the exit status is not
// want.
func (p play) wantExit(t *testing.T, want int) {
	t.Helper()
	if p.code != want {
		t.Fatalf("ansible-playbook: exit status %d, want %d:\n%s", p.code, want, p.out)
	}
}

// runbookCmd runs the runbook binary and returns its stdout.
func runbookCmd(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(runbookBin, args...)
	cmd.Env = ansibleEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("runbook %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

func decodeJSON(t *testing.T, what, text string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(text), v); err != nil {
		t.Fatalf("%s: %v:\n%s", what, err, text)
	}
}
