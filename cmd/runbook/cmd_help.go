package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

func helpCommand() *command {
	return &command{
		name:    "help",
		summary: "show help for runbook or a command",
		usage:   "[COMMAND [SUBCOMMAND]]",
		help: `
Shows the overview, or the usage and options of COMMAND; 'runbook help sim
fault' shows a subcommand of sim. 'runbook COMMAND --help' prints the same.`,
		setup: func(c *cli, fs *pflag.FlagSet) func([]string) error {
			return func(args []string) error {
				if len(args) == 0 {
					c.mainUsage(c.stdout)
					return nil
				}
				cmd := findCommand(args[0])
				if cmd == nil || cmd.hidden {
					return unknownCommand("help topic", args[0])
				}
				if cmd.name == "sim" {
					return c.simHelp(args[1:])
				}
				if len(args) > 1 {
					return &usageError{msg: fmt.Sprintf("help: %s has no subcommands", cmd.name), hint: "runbook help " + cmd.name}
				}
				cfs, _ := c.flagSet(cmd)
				commandUsage(c.stdout, cmd, cfs)
				return nil
			}
		},
	}
}

// mainUsage is the overview: what runbook is, its commands, the global
// options and the exit statuses.
func (c *cli) mainUsage(w io.Writer) {
	fmt.Fprint(w, `runbook runs Starlark runbooks on XenServer / XCP-ng hosts. Every step is
journaled, so a run survives a crash, a kill or a reboot and resumes where it
stopped.

Usage:
  runbook [global options] COMMAND [options] [arguments]

Commands:
`)
	width := 0
	for _, name := range commandNames() {
		width = max(width, len(name))
	}
	for _, cmd := range commands() {
		if !cmd.hidden {
			fmt.Fprintf(w, "  %-*s   %s\n", width, cmd.name, cmd.summary)
		}
	}
	fmt.Fprintln(w)
	globalOptionsHelp(w)
	fmt.Fprint(w, `
Exit status: 0 success (or paused for a reboot that resumes the run), 1 a step
failed, 2 usage, load or parameter error (nothing ran), 3 another run holds the
state dir or an unfinished run is waiting, 4 (run and resume with
--detailed-exitcode) changed the host, 130/143 interrupted by SIGINT/SIGTERM.

Run 'runbook help COMMAND' for a command's options.
`)
}

// commandUsage is the help of a command: usage line, text, its own
// options, then the global ones.
func commandUsage(w io.Writer, cmd *command, fs *pflag.FlagSet) {
	fmt.Fprintf(w, "Usage: runbook %s\n\n%s\n\nOptions:\n", strings.TrimSpace(cmd.name+" "+cmd.usage), strings.TrimSpace(cmd.help))
	writeOpts(w, optDocs(fs, false))
	fmt.Fprintln(w)
	globalOptionsHelp(w)
}
