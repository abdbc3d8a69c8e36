package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/runbook-dev/runbook/sim"
)

// TestMain registers the real main under every name the binary answers
// to, so scripts run `runbook` and the simulated host's programs exactly
// as installed.
func TestMain(m *testing.M) {
	cmds := map[string]func(){"runbook": main}
	for _, p := range sim.Programs() {
		cmds[p] = main
	}
	testscript.Main(m, cmds)
}

// TestScripts runs the CLI scripts in testdata/script. Each script gets a
// fresh $WORK; RUNBOOK_STATE_DIR points into it and colour is off.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("..", "..", "testdata", "script"),
		UpdateScripts:       os.Getenv("UPDATE_SCRIPTS") != "",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("RUNBOOK_STATE_DIR", filepath.Join(env.WorkDir, "state"))
			env.Setenv("NO_COLOR", "1")
			return nil
		},
	})
}
