package main

import (
	"fmt"

	"github.com/runbook-dev/runbook/engine"
	"github.com/spf13/pflag"
)

func checkCommand() *command {
	return &command{
		name:    "check",
		summary: "parse a runbook and validate parameters, touching nothing",
		usage:   "RUNBOOK [-p NAME=VALUE]... [--params-file FILE]",
		help: `
Parses the runbook and every file it loads, and checks the parameters, without
touching the host or the state dir. Every problem is reported at once (exit 2).`,
		setup: func(c *cli, fs *pflag.FlagSet) func([]string) error {
			var po paramOpts
			po.register(fs)
			return func(args []string) error {
				rb, err := c.openRunbook(args, "check")
				if err != nil {
					return err
				}
				file, err := po.fileData()
				if err != nil {
					return err
				}
				pv, err := engine.ResolveParams(rb, po.params, file)
				if err != nil {
					return err
				}
				fmt.Fprintf(c.stdout, "%s: ok (%s, %s)\n", rb.Name, plural(len(rb.Files), "file"), plural(len(rb.Params), "parameter"))
				for _, n := range pv.Names {
					fmt.Fprintf(c.stdout, "  %s=%s\n", n, engine.ParamText(pv.Values[n]))
				}
				return nil
			}
		},
	}
}
