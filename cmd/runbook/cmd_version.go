package main

import (
	"fmt"
	"runtime"

	"github.com/runbook-dev/runbook/internal/version"
	"github.com/spf13/pflag"
)

func versionCommand() *command {
	return &command{
		name:    "version",
		summary: "print the version",
		usage:   "",
		help: `
Prints the version of this binary and the Go release it was built with:
"runbook VERSION GO OS/ARCH". VERSION is the module version, followed by the
VCS revision it was built from (12 hex digits, "+dirty" when the work tree had
changes) when the version does not already carry it, or "(devel)" when the
build recorded none. The header of every run's journal records the same
VERSION ("version" in 'runbook status --json').`,
		setup: func(c *cli, fs *pflag.FlagSet) func([]string) error {
			return func(args []string) error {
				if len(args) != 0 {
					return &usageError{msg: "version takes no arguments", hint: "runbook version --help"}
				}
				return c.version()
			}
		},
	}
}

func (c *cli) version() error {
	fmt.Fprintf(c.stdout, "runbook %s %s %s/%s\n", version.String(), version.Go(), runtime.GOOS, runtime.GOARCH)
	return nil
}
