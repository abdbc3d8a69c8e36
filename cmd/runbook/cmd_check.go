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
				fmt.Fprintf(c.stdout, "%s: ok (%s, %s)\n", rb.Name, plural(len(rb.Files), "file"), plural(len(rb.Params), "parameter"))
				for _, n := range pv.Names {
					v := engine.ParamText(pv.Values[n])
					if _, secret := pv.Secrets[n]; secret {
						v = "<secret>"
					}
					fmt.Fprintf(c.stdout, "  %s=%s\n", n, v)
				}
				return nil
			}
		},
	}
}
