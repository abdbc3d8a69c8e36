// Package sitetest is `runbook test`: a site's test scenarios of its
// runbooks, run with nothing but the runbook binary (no Go, no testscript
// command), against fresh simulated hosts.
//
// A scenario is a testscript file (.txtar), run by go-internal's
// testscript.RunT under a T of our own: its FailNow and Skip end the
// scenario's goroutine with runtime.Goexit, as testing's do, and the
// scenarios run in parallel, up to Options.Parallel at once (RunT leaves
// that to its caller). Each gets a fresh work directory $WORK and, in
// $WORK/host, a fresh simulated pool made by sim.InitPool from the
// options of the line "# sim: ..." in the comments at its top (parsed by
// sim.ParseInitOptions, so exactly what `runbook sim init` takes), in the
// manual boot model. In the scenario:
//
//   - runbook is this binary, a link in $WORK/.runbook/bin ($STUBS) to
//     Options.Binary, which dispatches on its name;
//   - the host's simulated programs (ROOT/bin) come first on PATH, then
//     $STUBS, then the PATH of the run;
//   - RUNBOOK_ROOT, RUNBOOK_STATE_DIR (ROOT/var/lib/runbook), RUNBOOK_XE,
//     RUNBOOK_IFUP and RUNBOOK_REBOOT point at the host (the first dom0
//     with --all-dom0s), and NO_COLOR is set;
//   - $WORK/site ($SITE) is a fresh copy of the site: the directory above
//     the scenario's (DIR for DIR/tests/x.txtar) or Options.Site, when it
//     has a *.star file at its top; hidden entries and the scenarios'
//     directory are left out, and the archive's own site/ files win.
//
// Besides testscript's commands, scenarios have boot (runbook sim boot),
// sim (runbook sim, but init), exits and json (ExitsCmd, JSONCmd, also
// used by the CLI's own scripts), and stub NAME EXIT [STDOUT]: a link
// $STUBS/NAME to the binary with $STUBS/NAME.stub beside it, which
// StubMain, called first by main, turns into a program that appends its
// argv to $STUBS/NAME.calls, prints STDOUT and exits EXIT. Conditions are
// testscript's that work outside go test ([exec:PROG], [unix], GOOS and
// GOARCH names) and [env:NAME], true when the run's environment has NAME;
// go test's [short] and [net] are refused before anything runs.
//
// Everything that can be checked before a scenario runs is (scenario
// files found, --run, "# sim:" lines, including a trial pool for the
// options only making one checks, conditions, the site, the JUnit path),
// and every problem is reported at once as a *UsageError. Run then prints
// a line per scenario in file order, as `go test` does (PASS/FAIL/SKIP
// NAME (TIME)), the log of a failing scenario up to its failing line
// (FAIL: FILE:LINE: ...), the scenario files Options.Update rewrote, and
// "N passed, M failed"; Options.JUnit gets a JUnit XML report with a
// testcase per scenario.
package sitetest
