package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/runbook-dev/runbook/internal/journal"
)

// TestMain registers the real main under every name the binary answers
// to, so scripts run `runbook` and the simulated host's programs exactly
// as installed.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"runbook":                   main,
		"xe":                        main,
		"ifup":                      main,
		"reboot":                    main,
		"xe-switch-network-backend": main,
	})
}

// TestScripts runs the CLI scripts in testdata/script. Each script gets a
// fresh $WORK; RUNBOOK_STATE_DIR points into it and colour is off.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("..", "..", "testdata", "script"),
		UpdateScripts:       os.Getenv("UPDATE_SCRIPTS") != "",
		RequireExplicitExec: true,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// reseal: recompute the checksums of the current run's
			// journal after a deliberate edit, as a forger who knows the
			// format would.
			"reseal": func(ts *testscript.TestScript, neg bool, args []string) {
				state := ts.Getenv("RUNBOOK_STATE_DIR")
				id, err := os.ReadFile(filepath.Join(state, "current"))
				ts.Check(err)
				p := filepath.Join(state, "runs", strings.TrimSpace(string(id)), "journal.jsonl")
				b, err := os.ReadFile(p)
				ts.Check(err)
				ts.Check(os.WriteFile(p, journal.Reseal(b), 0o600))
			},
		},
		Setup: func(env *testscript.Env) error {
			env.Setenv("RUNBOOK_STATE_DIR", filepath.Join(env.WorkDir, "state"))
			env.Setenv("NO_COLOR", "1")
			return nil
		},
	})
}
