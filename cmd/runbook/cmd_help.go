package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/spf13/pflag"
)

func helpCommand() *command {
	return &command{
		name:    "help",
		summary: "show help for runbook or a command",
		usage:   "[COMMAND]",
		help:    `Shows the overview, or the usage and options of COMMAND.`,
		setup: func(c *cli, fs *pflag.FlagSet) func([]string) int {
			return func(args []string) int {
				if len(args) == 0 {
					c.mainUsage(c.stdout)
					return 0
				}
				cmd := findCommand(args[0])
				if cmd == nil {
					return c.fail(&usageError{msg: fmt.Sprintf("help: unknown command %q", args[0]), hint: "runbook help"})
				}
				cfs := pflag.NewFlagSet(cmd.name, pflag.ContinueOnError)
				cfs.SetOutput(io.Discard)
				cfs.SortFlags = false
				cfs.BoolP("help", "h", false, "show this help")
				cmd.setup(c, cfs)
				if cmd.name != "sim" {
					c.globalFlags(cfs)
				}
				commandUsage(c.stdout, cmd, cfs)
				return 0
			}
		},
	}
}

func versionCommand() *command {
	return &command{
		name:    "version",
		summary: "print the version",
		usage:   "",
		help:    `Prints the version of this binary.`,
		setup: func(c *cli, fs *pflag.FlagSet) func([]string) int {
			return func([]string) int { return c.version() }
		},
	}
}

func (c *cli) version() int {
	v := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		v = bi.Main.Version
	}
	fmt.Fprintf(c.stdout, "runbook %s\n", v)
	return 0
}
