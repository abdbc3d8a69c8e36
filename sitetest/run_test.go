package sitetest

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestMain makes the test binary a stub when a scenario runs it under a
// stubbed name, as main does in the runbook binary.
func TestMain(m *testing.M) {
	if code, ok := StubMain(os.Args, os.Getenv, os.Stdout, os.Stderr); ok {
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// runIn runs the scenarios of dir/tests in process. The scenarios use
// testscript's own commands and the stubs, not runbook (the test binary
// is not runbook).
func runIn(t *testing.T, dir string, opts Options) (*Summary, string, error) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	opts.Binary, opts.Stdout = exe, &out
	if opts.Paths == nil {
		opts.Paths = []string{filepath.Join(dir, "tests")}
	}
	sum, err := Run(opts)
	return sum, out.String(), err
}

func TestRunReport(t *testing.T) {
	dir := t.TempDir()
	tests := filepath.Join(dir, "tests")
	writeFile(t, filepath.Join(tests, "a-pass.txtar"), `# the host and the environment
exists $RUNBOOK_ROOT/etc/hostname $RUNBOOK_XE $RUNBOOK_IFUP $RUNBOOK_REBOOT
env RUNBOOK_STATE_DIR
exec cat $RUNBOOK_ROOT/etc/hostname
stdout '^xen01$'
[env:SITETEST_SET] exists $WORK/set
[!env:SITETEST_UNSET] exists $WORK/set
-- set --
`)
	writeFile(t, filepath.Join(tests, "b-fail.txtar"), `# fails at line 3, and stops there
exec cat $RUNBOOK_ROOT/etc/hostname
stdout '^xen02$'
mkdir $WORK/after-the-failure
`)
	writeFile(t, filepath.Join(tests, "c-skip.txtar"), "skip 'no multipath here'\n")
	getenv := func(k string) string {
		if k == "SITETEST_SET" {
			return "1"
		}
		return ""
	}
	junit := filepath.Join(dir, "report.xml")
	sum, out, err := runIn(t, dir, Options{Keep: true, JUnit: junit, Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(sum.WorkDir)
	if sum.Passed != 1 || sum.Failed != 1 || sum.Skipped != 1 {
		t.Errorf("summary %+v, want 1 passed, 1 failed, 1 skipped\n%s", sum, out)
	}
	want := `(?s)\APASS a-pass \([0-9.]+s\)\nFAIL b-fail \([0-9.]+s\)\n    WORK=[^\n]+\n    # fails at line 3, and stops there .*` +
		`    FAIL: [^\n]*tests/b-fail.txtar:3: no match for ` + "`\\^xen02\\$`" + ` found in stdout\n` +
		`SKIP c-skip \([0-9.]+s\)\n    no multipath here\n` +
		`1 passed, 1 failed, 1 skipped\nwork directories kept in [^\n]+\n\z`
	if !regexp.MustCompile(want).MatchString(out) {
		t.Errorf("output:\n%s\nwant it to match %s", out, want)
	}
	if _, err := os.Stat(filepath.Join(sum.WorkDir, "script-b-fail", "after-the-failure")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the line after the failure ran: %v", err)
	}
	if _, err := os.Stat(filepath.Join(sum.WorkDir, "script-a-pass", "host", "etc", "hostname")); err != nil {
		t.Errorf("--keep: %v", err)
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var rep junitSuites
	if err := xml.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Tests != 3 || rep.Failures != 1 || rep.Skipped != 1 || len(rep.Suites) != 1 || len(rep.Suites[0].Cases) != 3 {
		t.Fatalf("report: %+v", rep)
	}
	c := rep.Suites[0].Cases
	if c[0].Name != "a-pass" || c[0].Failure != nil || c[1].Failure == nil || c[2].Skipped == nil {
		t.Errorf("testcases: %+v", c)
	}
	if m := c[1].Failure.Message; !strings.HasSuffix(m, "tests/b-fail.txtar:3: no match for `^xen02$` found in stdout") {
		t.Errorf("failure message: %q", m)
	}
	if !strings.Contains(c[1].Failure.Text, "> stdout '^xen02$'") {
		t.Errorf("failure text: %q", c[1].Failure.Text)
	}
}

func TestRunStubsAndRefusals(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "tests", "stub.txtar"), `# a stub prints, exits and records its calls
stub multipath 3 'mpatha dm-0'
exits 3 multipath -ll 'a b'
stdout '^mpatha dm-0$'
exec cat $STUBS/multipath.calls
stdout '^multipath -ll ''a b''$'
stub multipath 0
exec multipath
! stdout .
`)
	writeFile(t, filepath.Join(dir, "tests", "xe.txtar"), "stub xe 0\n")
	writeFile(t, filepath.Join(dir, "tests", "init.txtar"), "sim init $WORK/other\n")
	writeFile(t, filepath.Join(dir, "tests", "cond.txtar"), "[bogus] exec true\n")
	sum, out, err := runIn(t, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Passed != 1 || sum.Failed != 3 {
		t.Errorf("summary %+v, want 1 passed, 3 failed\n%s", sum, out)
	}
	for _, want := range []string{
		"PASS stub ",
		"stub: xe is a program of the simulated host, which comes first on PATH; make a call of it fail with: sim fault --match '^xe ' --fail --stderr TEXT",
		`sim init: the scenario's host is made before it starts, from its "# sim:" line at the top`,
		`bad condition "bogus": unknown condition; runbook test has [unix], [linux], [exec:PROGRAM], [env:NAME]`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestRunUsageErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "tests", "a.txtar"), "exec true\n")
	writeFile(t, filepath.Join(dir, "tests", "b.txtar"), "# sim: --nics 99\n-- --\n")
	for _, tt := range []struct {
		name string
		opts Options
		want []string
	}{
		{"bad files", Options{}, []string{"b.txtar:2: \"-- --\": a file marker without a name"}},
		{"no such dir", Options{Paths: []string{filepath.Join(dir, "none")}}, []string{"none: no such file or directory"}},
		{"run matches none", Options{Paths: []string{filepath.Join(dir, "tests", "a.txtar")}, Run: regexp.MustCompile("^z")}, []string{`--run "^z": matches none of the scenarios: a`}},
		{"junit dir", Options{Paths: []string{filepath.Join(dir, "tests", "a.txtar")}, JUnit: filepath.Join(dir, "no", "r.xml")}, []string{"--junit " + filepath.Join(dir, "no", "r.xml") + ": its directory"}},
		{"site", Options{Paths: []string{filepath.Join(dir, "tests", "a.txtar")}, Site: filepath.Join(dir, "nosite")}, []string{"--site " + filepath.Join(dir, "nosite") + ": not a directory"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, out, err := runIn(t, dir, tt.opts)
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("got %v, want a usage error", err)
			}
			if out != "" {
				t.Errorf("something ran: %s", out)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestRunSameNames: scenarios of the same name in two directories are
// told apart as testscript names them, x and x#1.
func TestRunSameNames(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "one", "x.txtar"), "exec true\n")
	writeFile(t, filepath.Join(dir, "two", "x.txtar"), "exec false\n")
	_, out, err := runIn(t, dir, Options{Paths: []string{filepath.Join(dir, "one"), filepath.Join(dir, "two")}})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?s)\APASS x \(.*\nFAIL x#1 \(.*two/x.txtar:1: unexpected command failure\n1 passed, 1 failed\n\z`).MatchString(out) {
		t.Errorf("output:\n%s", out)
	}
}

// TestRunCancelledRemovesWorkDirs: a run cut short by a signal (its
// context cancelled) leaves no work directories behind, unless kept.
func TestRunCancelledRemovesWorkDirs(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "tests", "slow.txtar"), "mkdir $WORK/started\nexec sleep 5\n")
	ctx, cancel := context.WithCancelCause(context.Background())
	go func() {
		// Cancel once the scenario runs, as a SIGTERM would.
		for {
			if m, _ := filepath.Glob(filepath.Join(tmp, "runbook-test-*", "*", "started")); len(m) > 0 {
				cancel(errors.New("terminated"))
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	_, _, err := runIn(t, dir, Options{Context: ctx})
	if err == nil || !strings.Contains(err.Error(), "terminated") {
		t.Fatalf("Run: %v, want the cancellation's cause", err)
	}
	if m, _ := filepath.Glob(filepath.Join(tmp, "runbook-test-*")); len(m) > 0 {
		t.Errorf("work directories left after the cancellation: %q", m)
	}
}
