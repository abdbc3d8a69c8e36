package sim

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestCommandExitCodes(t *testing.T) {
	root := newRoot(t)
	tests := []struct {
		args      string
		code      int
		stdout    string // substring
		stderr    string // substring
		rootInEnv bool
	}{
		{args: "", code: 2, stderr: "usage: runbook sim"},
		{args: "help", code: 0, stdout: "usage: runbook sim"},
		{args: "--help", code: 0, stdout: "Subcommands:"},
		{args: "bogus", code: 2, stderr: `sim: unknown subcommand "bogus"`},
		{args: "init", code: 2, stderr: "sim init: want one directory, got 0 arguments"},
		{args: "init --seed x DIR", code: 2, stderr: "sim init: invalid argument"},
		{args: "init --xapi-delay -1 DIR", code: 2, stderr: "--xapi-delay: got -1, want 0 or more"},
		{args: "init --help", code: 0, stdout: "--xapi-delay"},
		{args: "link eth2 down", code: 2, stderr: "no simulated host: give --root DIR or set RUNBOOK_ROOT"},
		{args: "link eth2", code: 2, rootInEnv: true, stderr: "want DEVICE up|down"},
		{args: "link --bogus eth2 up", code: 2, rootInEnv: true, stderr: "unknown flag: --bogus"},
		{args: "link eth2 down", code: 0, rootInEnv: true},
		{args: "fault --call 0 --kill-after", code: 2, rootInEnv: true, stderr: "--call: got 0"},
		{args: "fault --call 5 --kill-after --kill-before", code: 2, rootInEnv: true, stderr: "exactly one of"},
		{args: "fault --call 5 --kill-after --code 3", code: 2, rootInEnv: true, stderr: "--stderr and --code go with --fail"},
		{args: "fault --call 5 --fail --stderr x --code 300", code: 2, rootInEnv: true, stderr: "--code: got 300, want 1-255"},
		{args: "fault --call 5 --fail --stderr x", code: 0, rootInEnv: true},
		{args: "calls extra", code: 2, rootInEnv: true, stderr: "unexpected arguments"},
		{args: "calls", code: 0, rootInEnv: true, stdout: "0 calls\n"},
		{args: "show", code: 0, rootInEnv: true, stdout: "1 faults armed"},
		{args: "snapshot", code: 0, rootInEnv: true, stdout: `"boot_count": 1`},
		{args: "show --root " + filepath.Join(root, "nope"), code: 1, stderr: "no simulated host in"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "RUNBOOK_ROOT" && tt.rootInEnv {
					return root
				}
				return ""
			}
			var stdout, stderr strings.Builder
			code := Command(strings.Fields(tt.args), getenv, &stdout, &stderr)
			if code != tt.code || !strings.Contains(stdout.String(), tt.stdout) || !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("got %d\nstdout %q\nstderr %q\nwant %d, %q, %q", code, stdout.String(), stderr.String(), tt.code, tt.stdout, tt.stderr)
			}
		})
	}
}

func TestCommandInitAndCalls(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "h")
	var stdout, stderr strings.Builder
	noenv := func(string) string { return "" }
	if code := Command([]string{"init", dir, "--seed", "4", "--xapi-delay", "0"}, noenv, &stdout, &stderr); code != 0 {
		t.Fatalf("init: %d %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "\nexport RUNBOOK_XE='"+filepath.Join(dir, "bin", "xe")+"'\n") {
		t.Errorf("init output:\n%s", stdout.String())
	}
	if st := loadModel(t, dir); st.Model.XapiDelay != 0 || st.Model.Seed != 4 {
		t.Errorf("xapi delay %d, seed %d", st.Model.XapiDelay, st.Model.Seed)
	}
	mustRun(t, dir, "reboot")
	boot(t, dir)
	mustRun(t, dir, "xe", "host-list", "name-label=it's")
	stdout.Reset()
	if code := Command([]string{"calls", "--root", dir}, noenv, &stdout, &stderr); code != 0 {
		t.Fatal(stderr.String())
	}
	if want := "2 calls\n1: reboot\n2: xe host-list 'name-label=it'\\''s'\n"; stdout.String() != want {
		t.Errorf("calls: got %q, want %q", stdout.String(), want)
	}
	stdout.Reset()
	Command([]string{"calls", "--json", "--root", dir}, noenv, &stdout, &stderr)
	var got struct {
		Calls int
		Argv  [][]string
	}
	if err := json.Unmarshal([]byte(stdout.String()), &got); err != nil || got.Calls != 2 || got.Argv[1][2] != "name-label=it's" {
		t.Errorf("calls --json: %+v %v", got, err)
	}
}
