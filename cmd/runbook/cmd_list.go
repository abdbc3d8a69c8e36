package main

import (
	"fmt"

	"github.com/runbook-dev/runbook/engine"
	"github.com/runbook-dev/runbook/runbooks"
	"github.com/spf13/pflag"
)

func listCommand() *command {
	return &command{
		name:    "list",
		summary: "list the shipped runbooks",
		usage:   "",
		help: `
Lists the runbooks shipped in this binary with a one-line description. Run one
with 'runbook run NAME', read it with 'runbook show NAME', copy it for editing
with 'runbook export NAME DIR'.`,
		setup: func(c *cli, fs *pflag.FlagSet) func([]string) error {
			return func(args []string) error {
				if len(args) != 0 {
					return &usageError{msg: "list takes no arguments", hint: "runbook list --help"}
				}
				for _, name := range engine.ShippedNames(runbooks.FS) {
					rb, err := engine.Open(name, runbooks.FS)
					desc := ""
					if err != nil {
						desc = "(broken: " + err.Error() + ")"
					} else {
						desc = rb.Description()
					}
					fmt.Fprintf(c.stdout, "%-14s %s\n", name, desc)
				}
				return nil
			}
		},
	}
}
