package main

import (
	"fmt"

	"github.com/runbook-dev/runbook/engine"
	"github.com/spf13/pflag"
)

func checkCommand() *command {
	return &command{
		name:    "check",
		summary: "validate a runbook up to its first host call, touching nothing",
		usage:   "RUNBOOK [-p NAME=VALUE]... [--params-file FILE]",
		help: `
Parses the runbook and every file it loads, resolving every load(), and checks
the parameters; every problem is reported at once (exit 2). Then it runs the
runbook up to its first call that needs the host (a host builtin, or
reboot_and_resume), and says how far it got: what the runbook refuses from its
parameters alone before that call, check refuses as run would (exit 2). It
touches neither the host nor the state dir; dry_run is True and print() output
is not shown.`,
		setup: func(c *cli, fs *pflag.FlagSet) func([]string) error {
			var po paramOpts
			po.register(fs)
			var so secretOpts
			so.register(fs)
			return func(args []string) error {
				rb, err := c.openRunbook(args, "check")
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
				// Warnings go to stderr; the progress lines of the steps it
				// passes through are not shown.
				e := c.engine()
				e.Report = engine.NewReporter(discard{}, c.stderr, false)
				res, err := e.Check(c.ctx, rb, pv)
				if err != nil {
					return err
				}
				fmt.Fprintf(c.stdout, "%s: ok (%s, %s)\n", rb.Name, plural(len(rb.Files), "file"), plural(len(rb.Params), "parameter"))
				for _, n := range pv.Names {
					v := engine.ParamText(pv.Values[n])
					if _, secret := pv.Secrets[n]; secret {
						v = "<secret>"
					}
					fmt.Fprintf(c.stdout, "  %s=%s\n", n, v)
				}
				if res.Complete {
					fmt.Fprintf(c.stdout, "checked to the end: the runbook makes no host call\n")
				} else {
					fmt.Fprintf(c.stdout, "checked up to step %q (%s), the first that needs the host\n", res.Step, res.Pos)
				}
				return nil
			}
		},
	}
}
