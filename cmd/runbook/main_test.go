package main

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/runbook-dev/runbook/sim"
	"github.com/runbook-dev/runbook/sitetest"
)

// update rewrites golden files instead of comparing with them: the
// `cmp` targets inside the scripts of testdata/script, as every golden
// file of the module is regenerated, with -update.
var update = flag.Bool("update", false, "rewrite golden files")

// TestMain registers the real main under every name the binary answers
// to, so scripts run `runbook` and the simulated host's programs exactly
// as installed.
func TestMain(m *testing.M) {
	// A program stubbed by a `runbook test` scenario has a name of its
	// own; main is not called under it.
	if code, ok := sitetest.StubMain(os.Args, os.Getenv, os.Stdout, os.Stderr); ok {
		os.Exit(code)
	}
	cmds := map[string]func(){"runbook": main}
	for _, p := range sim.Programs() {
		cmds[p] = main
	}
	testscript.Main(m, cmds)
}

// TestScripts runs the CLI scripts in testdata/script. Each script gets a
// fresh $WORK; RUNBOOK_STATE_DIR points into it and colour is off. Besides
// testscript's own commands, scripts have `exits` and `json` (see
// scriptCmds).
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("..", "..", "testdata", "script"),
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		Cmds:                scriptCmds(),
		Setup: func(env *testscript.Env) error {
			env.Setenv("RUNBOOK_STATE_DIR", filepath.Join(env.WorkDir, "state"))
			env.Setenv("NO_COLOR", "1")
			return nil
		},
	})
	if t.Failed() && !*update {
		t.Log("if a golden file in testdata/script is stale, regenerate it with: go test ./cmd/runbook -run TestScripts -update")
	}
}
