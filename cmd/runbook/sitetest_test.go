package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/engine"
	"github.com/runbook-dev/runbook/runbooks"
)

// runbookIn runs the runbook binary (the test binary, put on PATH by
// testscript.Main) in dir and returns its output and exit status.
func runbookIn(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	bin, err := exec.LookPath("runbook")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

// TestStarterScenarios exports every shipped runbook into one site
// directory, as a site starts, and runs `runbook test` there: every
// shipped runbook has starter scenarios, and they all pass as exported,
// with a JUnit report of one passing testcase each.
func TestStarterScenarios(t *testing.T) {
	t.Parallel()
	site := t.TempDir()
	names := engine.ShippedNames(runbooks.FS)
	if len(names) == 0 {
		t.Fatal("no shipped runbooks")
	}
	for _, n := range names {
		if _, err := runbooks.Tests.ReadFile(path.Join("tests", n+".txtar")); err != nil {
			t.Errorf("shipped runbook %s has no starter scenarios: add runbooks/tests/%s.txtar", n, n)
		}
		if out, errOut, code := runbookIn(t, site, "export", n, "."); code != 0 {
			t.Fatalf("export %s: exit %d\n%s%s", n, code, out, errOut)
		}
	}
	out, errOut, code := runbookIn(t, site, "test", "--junit", "report.xml")
	if code != 0 {
		t.Fatalf("runbook test: exit %d\n%s%s", code, out, errOut)
	}
	for _, n := range names {
		if !regexp.MustCompile(`(?m)^PASS ` + regexp.QuoteMeta(n) + ` \(`).MatchString(out) {
			t.Errorf("no PASS line for %s:\n%s", n, out)
		}
	}
	if want := fmt.Sprintf("%d passed, 0 failed\n", len(names)); !strings.HasSuffix(out, want) {
		t.Errorf("last line: got %q, want %q", out, want)
	}
	data, err := os.ReadFile(filepath.Join(site, "report.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &rep); err != nil {
		t.Fatalf("report.xml: %v", err)
	}
	if rep.Tests != len(names) || rep.Failures != 0 || len(rep.Suites) != 1 || len(rep.Suites[0].Cases) != len(names) {
		t.Errorf("report.xml: %d tests, %d failures, suites %+v; want %d passing testcases in one suite", rep.Tests, rep.Failures, rep.Suites, len(names))
	}
}

// TestParallelScenarios runs two scenarios that can only finish when
// both run at the same time (each waits for the other to reach a
// barrier) and that change their hosts differently: each sees only its
// own host, with its own root and state dir.
func TestParallelScenarios(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	barrier := filepath.Join(dir, "barrier")
	// limit bounds the wait at the barrier, in steps of 50 ms.
	setBarrier := func(limit int) {
		os.RemoveAll(barrier)
		if err := os.Mkdir(barrier, 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(barrier, "limit"), []byte(fmt.Sprint(limit)), 0o644)
	}
	setBarrier(400)
	scenario := func(me, other, link string) string {
		return fmt.Sprintf(`# %[1]s: pulls the cable of eth3 %[3]s, and sees its own host only
exec runbook sim link eth3 %[3]s
exec runbook run storage-nic -p device=eth2 -p ip=10.10.52.%[4]d -p netmask=255.255.255.0
stdout '^storage-nic: succeeded in \S+: '
exec sh -c 'echo "$RUNBOOK_ROOT $RUNBOOK_STATE_DIR" > "$1/%[1]s"; n=$(cat "$1/limit"); i=0; while [ ! -e "$1/%[2]s" ]; do i=$((i+1)); [ $i -lt $n ] || exit 1; sleep 0.05; done' sh %[5]s
exec runbook sim show
stdout '^  eth3 +[0-9a-f:]+ +%[7]s +up mtu '
exec ip -o -4 addr show
stdout ' inet 10\.10\.52\.%[4]d/24 '
! stdout ' inet 10\.10\.52\.%[6]d/24 '
exec runbook status --json
json params.ip 10.10.52.%[4]d
`, me, other, link, map[string]int{"a": 11, "b": 12}[me], barrier, map[string]int{"a": 12, "b": 11}[me], map[string]string{"down": "no carrier", "up": "carrier"}[link])
	}
	tests := filepath.Join(dir, "tests")
	os.Mkdir(tests, 0o755)
	os.WriteFile(filepath.Join(tests, "a.txtar"), []byte(scenario("a", "b", "down")), 0o644)
	os.WriteFile(filepath.Join(tests, "b.txtar"), []byte(scenario("b", "a", "up")), 0o644)
	out, errOut, code := runbookIn(t, dir, "test", "--parallel", "2")
	if code != 0 {
		t.Fatalf("runbook test: exit %d\n%s%s", code, out, errOut)
	}
	a, _ := os.ReadFile(filepath.Join(barrier, "a"))
	b, _ := os.ReadFile(filepath.Join(barrier, "b"))
	ra, rb := strings.Fields(string(a)), strings.Fields(string(b))
	if len(ra) != 2 || len(rb) != 2 || ra[0] == rb[0] || ra[1] == rb[1] {
		t.Errorf("the scenarios shared a host or a state dir: a %q, b %q", a, b)
	}
	// One at a time, they cannot both pass the barrier.
	setBarrier(10)
	out, _, code = runbookIn(t, dir, "test", "--parallel", "1")
	if code != 1 || !strings.Contains(out, "FAIL a ") {
		t.Errorf("one at a time: exit %d, want 1 with a failing\n%s", code, out)
	}
}

// TestInterruptedRun: SIGTERM (a CI job cancelled) stops runbook test at
// once with the status of a terminated run, 143, saying what had not
// finished.
func TestInterruptedRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	started := filepath.Join(dir, "started")
	os.Mkdir(filepath.Join(dir, "tests"), 0o755)
	os.WriteFile(filepath.Join(dir, "tests", "slow.txtar"), []byte("exec sh -c 'touch \"$1\"; sleep 3' sh "+started+"\n"), 0o644)
	bin, err := exec.LookPath("runbook")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "test")
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if _, err := os.Stat(started); err == nil {
			break
		}
		if i > 400 {
			cmd.Process.Kill()
			t.Fatal("the scenario did not start")
		}
		time.Sleep(25 * time.Millisecond)
	}
	begin := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 143 {
		t.Fatalf("got %v, want exit status 143\n%s%s", err, stdout.String(), stderr.String())
	}
	if took := time.Since(begin); took > 2*time.Second {
		t.Errorf("it took %s to stop, want at once", took)
	}
	if got, want := stdout.String(), "0 passed, 0 failed, 1 not finished\n"; got != want {
		t.Errorf("stdout: got %q, want %q", got, want)
	}
	if got, want := stderr.String(), "runbook: test: interrupted by SIGTERM\n"; got != want {
		t.Errorf("stderr: got %q, want %q", got, want)
	}
}
