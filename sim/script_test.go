package sim

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain makes the test binary a multi-call binary: the four simulated
// programs, the control CLI as xsim, and simparent, a helper that runs
// one command as its child (the victim of kill faults).
func TestMain(m *testing.M) {
	prog := func() { os.Exit(Main(os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)) }
	testscript.Main(m, map[string]func(){
		xeProg:     prog,
		ifupProg:   prog,
		rebootProg: prog,
		switchProg: prog,
		"xsim":     func() { os.Exit(Command(os.Args[1:], os.Getenv, os.Stdout, os.Stderr)) },
		"simparent": func() {
			cmd := exec.Command(os.Args[1], os.Args[2:]...)
			cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
			if err := cmd.Run(); err != nil {
				if ee, ok := err.(*exec.ExitError); ok {
					os.Exit(ee.ExitCode())
				}
				os.Exit(99)
			}
			os.Exit(0)
		},
	})
}

// update rewrites the golden files of the scripts that cmp compares with:
// go test ./sim -run TestScripts -update.
var update = flag.Bool("update", false, "rewrite the golden files in testdata/script")

// TestScripts runs testdata/script/*.txtar. Each starts with a host made
// with seed 1 in $WORK/host, named by RUNBOOK_ROOT.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		UpdateScripts:       *update,
		Setup: func(env *testscript.Env) error {
			root := filepath.Join(env.WorkDir, "host")
			if err := Init(root, InitOptions{Seed: 1}); err != nil {
				return err
			}
			env.Setenv("RUNBOOK_ROOT", root)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// setenv-stdout NAME sets NAME to the stdout of the last
			// command, without its final newline.
			"setenv-stdout": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 1 {
					ts.Fatalf("usage: setenv-stdout NAME")
				}
				ts.Setenv(args[0], strings.TrimSuffix(ts.ReadFile("stdout"), "\n"))
			},
		},
	})
}
