package sim

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain makes the test binary a multi-call binary: the four simulated
// programs, the control CLI as xsim, and simparent, a helper that runs
// one command as its child (the victim of kill faults).
func TestMain(m *testing.M) {
	prog := func() { os.Exit(Main(os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)) }
	cmds := map[string]func(){
		"xsim": func() { os.Exit(Command(os.Args[1:], os.Getenv, os.Stdout, os.Stderr)) },
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
		// unitcmd is a program a test unit runs: it prints its
		// arguments and exits with the status $UNITCMD_EXIT, or 0.
		"unitcmd": func() {
			fmt.Println("unitcmd:", strings.Join(os.Args[1:], " "))
			fmt.Fprintln(os.Stderr, "unitcmd on stderr")
			code, _ := strconv.Atoi(os.Getenv("UNITCMD_EXIT"))
			os.Exit(code)
		},
		// askreboot runs reboot as its child, then, still running, checks
		// that the boot has not happened yet: with --boot auto it waits
		// for the process that asked.
		"askreboot": func() {
			idFile := filepath.Join(os.Getenv("RUNBOOK_ROOT"), bootIDFile)
			before, _ := os.ReadFile(idFile)
			cmd := exec.Command("reboot")
			cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
			if err := cmd.Run(); err != nil {
				fmt.Fprintln(os.Stderr, "reboot:", err)
				os.Exit(1)
			}
			time.Sleep(300 * time.Millisecond)
			if now, _ := os.ReadFile(idFile); string(now) == string(before) {
				fmt.Println("the boot id is unchanged while the asking process runs")
			} else {
				fmt.Println("the host booted before the asking process exited")
			}
		},
	}
	for _, p := range Programs() {
		cmds[p] = prog
	}
	testscript.Main(m, cmds)
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
			// BIN is where the registered commands are, for unit files.
			if p, err := exec.LookPath("unitcmd"); err == nil {
				env.Setenv("BIN", filepath.Dir(p))
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// cpenv SRC DST copies a file, replacing $BIN.
			"cpenv": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 2 {
					ts.Fatalf("usage: cpenv SRC DST")
				}
				dst := ts.MkAbs(args[1])
				ts.Check(os.MkdirAll(filepath.Dir(dst), 0o755))
				ts.Check(os.WriteFile(dst, []byte(strings.ReplaceAll(ts.ReadFile(args[0]), "$BIN", ts.Getenv("BIN"))), 0o644))
			},
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
