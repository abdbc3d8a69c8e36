package main

import "github.com/spf13/pflag"

func resumeCommand() *command {
	return &command{
		name:    "resume",
		summary: "continue the interrupted run of the state dir",
		usage:   "[--reload] [--state-dir DIR] [--detailed-exitcode]",
		help: `
Continues the unfinished run of the state directory (interrupted, rebooting, or
failed and since fixed) with the options, parameters and pinned runbook it was
started with. The runbook runs again from the top: completed steps are not run
again but return their recorded results; the step that was in progress runs
again from its start; from there on execution is live. This is what the boot
hook runs after a reboot; its output also goes to the run's log file.

The other global options are those the run recorded; only --xapi-timeout and
--call-timeout, when given here, replace the recorded values.

With --reload, the run continues with the runbook as it is now where it came
from (its .star file, or for a shipped runbook this binary's copy), say with
the failed step fixed: the runbook is pinned again (the pin before is kept in
the run directory as pinned.1/, pinned.2/, ...) and the journal records it.
The steps the run completed must still be the same steps in the same order
(kind, name and call; their lines may have moved); only the step the run
stopped in may differ. Otherwise resume refuses (exit 2), naming the first
step that differs, and nothing is done. Plain resume says when the runbook on
disk differs from the pinned copy.

A program that an earlier, killed, process of the run started may still be
running (xe goes on without its parent): resume waits for it to end, up to
--child-wait, and otherwise refuses (exit 3), naming it.

With --detailed-exitcode a run that finished, or paused for another reboot,
exits 0 when it changed nothing and 4 when it changed the host, counting the
whole run (the processes before this one too).`,
		setup: func(c *cli, fs *pflag.FlagSet) func([]string) error {
			wait := childWait(c, fs)
			detailed := detailedExitcode(fs)
			reload := fs.Bool("reload", false, "continue with the runbook as it is now on disk, pinned again, if the steps done are unchanged")
			return func(args []string) error {
				if len(args) != 0 {
					return &usageError{msg: "resume takes no arguments", hint: "runbook resume --help"}
				}
				if c.envErr != nil {
					return c.envErr
				}
				e := c.engine()
				e.ChildWait = *wait
				e.ResumeReload = *reload
				if c.changed["xapi-timeout"] {
					e.ResumeXapiTimeout = c.xapiTimeout
				}
				if c.changed["call-timeout"] {
					e.ResumeCallTimeout = c.callTimeout
				}
				c.resumeBinaryWarning(e)
				return detailedExit(*detailed, e, e.Resume(c.ctx))
			}
		},
	}
}
