package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/runbook-dev/runbook/engine"
	"github.com/spf13/pflag"
)

func showCommand() *command {
	return &command{
		name:    "show",
		summary: "print a runbook's parameters and source",
		usage:   "RUNBOOK [--no-source]",
		help: `
Prints the runbook's description, its parameters (name, type, default or
required, doc) and its source, with every file it loads.`,
		setup: func(c *cli, fs *pflag.FlagSet) func([]string) error {
			noSource := fs.Bool("no-source", false, "print only the description and parameters")
			return func(args []string) error {
				rb, err := c.openRunbook(args, "show")
				if err != nil {
					return err
				}
				printParams(c.stdout, rb)
				if !*noSource {
					names := make([]string, 0, len(rb.Files))
					for n := range rb.Files {
						if n != rb.Main {
							names = append(names, n)
						}
					}
					sort.Strings(names)
					for _, n := range append([]string{rb.Main}, names...) {
						fmt.Fprintf(c.stdout, "\n--- %s\n%s", n, rb.Files[n])
						if !strings.HasSuffix(string(rb.Files[n]), "\n") {
							fmt.Fprintln(c.stdout)
						}
					}
				}
				return nil
			}
		},
	}
}

func printParams(w io.Writer, rb *engine.Runbook) {
	fmt.Fprintf(w, "%s: %s\n", rb.Name, strings.TrimSpace(rb.Doc))
	if len(rb.Params) == 0 {
		fmt.Fprintln(w, "\nNo parameters.")
		return
	}
	fmt.Fprintln(w, "\nParameters:")
	for _, p := range rb.Params {
		def := "required"
		if !p.Required() {
			def = "default " + engine.ParamText(p.Default)
			if engine.ParamText(p.Default) == "" {
				def = "default empty"
			}
		}
		fmt.Fprintf(w, "  %-13s %-12s %s\n", p.Name, p.Type, def)
		doc := p.Doc
		if len(p.Choices) > 0 {
			doc += " (one of: " + strings.Join(p.Choices, ", ") + ")"
		}
		if p.Example != "" {
			doc += " (example: " + p.Example + ")"
		}
		if doc != "" {
			fmt.Fprintf(w, "      %s\n", doc)
		}
	}
}
