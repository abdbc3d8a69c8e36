package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/runbook-dev/runbook/internal/journal"
	"github.com/runbook-dev/runbook/sitetest"
)

// scriptCmds are the commands the CLI scripts have beyond testscript's,
// the same code as in `runbook test` scenarios (see package sitetest):
//
//	exits N PROGRAM [ARGS...]
//	    runs PROGRAM like exec and fails unless it exits with status N
//	    (N may list alternatives: 2|3); its stdout and stderr are kept for
//	    the next stdout, stderr, cmp and json commands.
//	json PATH [WANT]
//	    checks the value at PATH of the last command's JSON stdout: dot-
//	    separated keys and list positions counted from 1 (steps.3.status);
//	    without WANT, PATH must exist; ! negates.
//	reseal
//	    recomputes the checksums of the current run's journal after a
//	    deliberate edit, as a forger who knows the format would.
//	untime FILE
//	    replaces the run's duration in FILE's recap line ("NAME: succeeded
//	    in 1.2s: ...") with DUR, so a golden file can hold the recap.
func scriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"exits":  sitetest.ExitsCmd,
		"json":   sitetest.JSONCmd,
		"reseal": cmdReseal,
		"untime": cmdUntime,
	}
}

func cmdReseal(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: reseal")
	}
	state := ts.Getenv("RUNBOOK_STATE_DIR")
	id, err := os.ReadFile(filepath.Join(state, "current"))
	ts.Check(err)
	p := filepath.Join(state, "runs", strings.TrimSpace(string(id)), "journal.jsonl")
	b, err := os.ReadFile(p)
	ts.Check(err)
	ts.Check(os.WriteFile(p, journal.Reseal(b), 0o600))
}

// recapDuration is the duration in a recap line.
var recapDuration = regexp.MustCompile(`(?m)^(\S+: (?:succeeded|failed|refused|dry run(?: failed| refused)?) in |\S+: (?:paused for a reboot|interrupted by \S+) after )[0-9.hms]+: `)

func cmdUntime(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: untime FILE")
	}
	p := ts.MkAbs(args[0])
	b, err := os.ReadFile(p)
	ts.Check(err)
	ts.Check(os.WriteFile(p, recapDuration.ReplaceAll(b, []byte("${1}DUR: ")), 0o644))
}
