package main

import (
	"github.com/runbook-dev/runbook/engine"
	"github.com/spf13/pflag"
)

func runCommand() *command {
	return &command{
		name:    "run",
		summary: "start a run of a runbook",
		usage:   "RUNBOOK [-p NAME=VALUE]... [--params-file FILE] [--dry-run [--json]] [--detailed-exitcode]",
		help: `
RUNBOOK is a shipped runbook's name (see 'runbook list') or the path of a .star
file. Parameters are checked before anything runs; every problem is reported at
once. The runbook and the files it loads are pinned into the run directory, so
editing them on disk never derails a run in flight.

Each step prints one line as it completes: ok (changed nothing), changed,
failed, or rebooted. A step that fails stops the run; fix the cause, then
'runbook resume', or give it up with 'runbook abort'. A new run is refused
(exit 3) while an unfinished run is waiting.

A parameter of type secret (a password) is given with --secret NAME=FILE or
the environment variable RUNBOOK_SECRET_<NAME>, never with -p or a params
file, where others could read it. Its value is never journaled, shown or
logged; a resume reads it from the run directory (0600) until the run ends.

With --dry-run, read-only calls run for real and mutating ones are printed
(argv, or the file and a diff) instead; nothing is changed or journaled.
With --dry-run --json the dry run prints one JSON document instead: each
step, whether it would change the host, the argv of the programs it would
run and the diff of each file it would write (README: "runbook run
--dry-run --json"); the exit status is the dry run's.

With --detailed-exitcode (Terraform's meaning) a run that finished exits 0 only
when it changed nothing, and 4 when it changed the host (finished, or paused
for a reboot); a dry run exits 4 when it would change the host. Every other
exit status keeps its meaning.`,
		setup: func(c *cli, fs *pflag.FlagSet) func([]string) error {
			var po paramOpts
			po.register(fs)
			var so secretOpts
			so.register(fs)
			wait := childWait(c, fs)
			dryRun := fs.Bool("dry-run", false, "print what would change; change nothing")
			asJSON := fs.Bool("json", false, "with --dry-run: print the dry run as one JSON document")
			fs.Uint64Var(&c.maxSteps, "max-steps", c.maxSteps, "Starlark computation budget of the run, which stops endless loops")
			detailed := detailedExitcode(fs)
			return func(args []string) error {
				if c.envErr != nil {
					return c.envErr
				}
				if *asJSON && !*dryRun {
					return &usageError{msg: "run: --json needs --dry-run (a run's outcome is in 'runbook status --json')", hint: "runbook help run"}
				}
				rb, err := c.openRunbook(args, "run")
				if err != nil {
					return err
				}
				file, err := po.fileData()
				if err != nil {
					return err
				}
				secrets, err := so.values(c, rb)
				if err != nil {
					return err
				}
				pv, err := engine.Resolve(rb, engine.ParamInput{Flags: po.params, File: file, Secrets: secrets})
				if err != nil {
					return err
				}
				e := c.engine()
				c.tempBinaryWarning(e.Binary, c.root, rb.Files)
				e.ChildWait = *wait
				if *dryRun && *asJSON {
					return detailedExit(*detailed, e, c.dryRunJSON(e, rb, pv))
				}
				if *dryRun {
					return detailedExit(*detailed, e, e.DryRun(c.ctx, rb, pv))
				}
				return detailedExit(*detailed, e, e.Run(c.ctx, rb, pv))
			}
		},
	}
}

// detailedExitcode registers --detailed-exitcode (run and resume).
func detailedExitcode(fs *pflag.FlagSet) *bool {
	return fs.Bool("detailed-exitcode", false, "exit 0 when the run changed nothing, 4 when it changed the host")
}

// detailedExit turns the outcome of a run that ended well into exit 4
// when it changed the host (or a dry run would) and --detailed-exitcode
// asked for it; any other outcome is err.
func detailedExit(detailed bool, e *engine.Engine, err error) error {
	if err == nil && detailed && e.ChangedHost() {
		return exitStatus(engine.ExitChanged)
	}
	return err
}
