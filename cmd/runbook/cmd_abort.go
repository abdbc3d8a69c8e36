package main

import (
	"fmt"

	"github.com/runbook-dev/runbook/engine"

	"github.com/spf13/pflag"
)

func abortCommand() *command {
	return &command{
		name:    "abort",
		summary: "give up the unfinished run of the state dir",
		usage:   "[--state-dir DIR]",
		help: `
Gives up the unfinished run: it is marked aborted, so a new run may start, and
the boot hook is removed. Nothing on the host is undone; the journal, the
pinned runbook and the backups of replaced files stay in the run directory.`,
		setup: func(c *cli, fs *pflag.FlagSet) func([]string) error {
			return func(args []string) error {
				if len(args) != 0 {
					return &usageError{msg: "abort takes no arguments", hint: "runbook abort --help"}
				}
				st, err := c.engine().Abort()
				if err != nil {
					return err
				}
				if st.State == engine.StateNone {
					fmt.Fprintf(c.stdout, "removed run %s, which never started (its journal had no complete header)\n", st.ID)
					return nil
				}
				fmt.Fprintf(c.stdout, "aborted run %s of %s; its journal is kept in %s\n", st.ID, st.Runbook, st.RunDir)
				kept := false
				for _, b := range st.Backups {
					kept = kept || b.Existed
				}
				if kept {
					fmt.Fprintf(c.stdout, "previous contents of the files it replaced are in %s/backups (see 'runbook status')\n", st.RunDir)
				}
				return nil
			}
		},
	}
}
