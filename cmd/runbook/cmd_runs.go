package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/runbook-dev/runbook/engine"
	"github.com/spf13/pflag"
)

func runsCommand() *command {
	return &command{
		name:    "runs",
		summary: "list the runs of the state dir, newest first",
		usage:   "[--json] [--state-dir DIR]",
		help: `
Lists every run the state directory keeps (runs/<id>/), newest first, as
'git log' lists commits: ID, RUNBOOK, STATE, STARTED (local time, to the
second), DURATION and CHANGED (whether the run changed the host). A run
that ended refused shows state "refused". A run whose journal cannot be read
is listed with state "damaged", and its reason after the table; it does not
stop the listing. 'runbook status RUN-ID' shows one run in full.

--json prints an array, newest first, of objects (fields are only ever
added):
  {"id": str, "runbook": str,
   "state": "running|rebooting|interrupted|failed|succeeded|aborted|none|damaged",
   "refused": true (a failed run that ended refused), "started": str (RFC
   3339, UTC), "duration": seconds, "changed": bool, "current": true (the
   run 'runbook status' shows), "reason": str (damaged, or never started)}
With no run: [].`,
		setup: func(c *cli, fs *pflag.FlagSet) func([]string) error {
			asJSON := fs.Bool("json", false, "print JSON")
			return func(args []string) error {
				if len(args) != 0 {
					return &usageError{msg: "runs takes no arguments", hint: "runbook status RUN-ID"}
				}
				runs, err := c.engine().Runs()
				if err != nil {
					return err
				}
				if *asJSON {
					b, _ := json.MarshalIndent(runs, "", "  ")
					fmt.Fprintf(c.stdout, "%s\n", b)
					return nil
				}
				printRuns(c.stdout, runs)
				return nil
			}
		},
	}
}

func printRuns(w io.Writer, runs []engine.RunSummary) {
	if len(runs) == 0 {
		fmt.Fprintln(w, "no run in this state dir")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRUNBOOK\tSTATE\tSTARTED\tDURATION\tCHANGED")
	for _, r := range runs {
		started, took, changed := "-", "-", "no"
		if r.Started != "" {
			started, took = localTime(r.Started), seconds(r.Duration)
		}
		if r.Changed {
			changed = "yes"
		}
		runbook := r.Runbook
		if runbook == "" {
			runbook = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, runbook, shownState(r.State, r.Refused), started, took, changed)
	}
	tw.Flush()
	for _, r := range runs {
		if r.Reason != "" {
			fmt.Fprintf(w, "%s: %s\n", r.ID, strings.ReplaceAll(r.Reason, "\n", "\n  "))
		}
	}
}
