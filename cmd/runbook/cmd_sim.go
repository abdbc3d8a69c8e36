package main

import (
	"github.com/runbook-dev/runbook/sim"
	"github.com/spf13/pflag"
)

func simCommand() *command {
	return &command{
		name:    "sim",
		summary: "make and drive a simulated XenServer host for tests and CI",
		usage:   "SUBCOMMAND [options]",
		help: `
Subcommands (each has --help):
  init DIR              create a simulated host in DIR: a three-host pool
                        xen01..xen03 (xen01 is this dom0) with eth0..eth3 each,
                        eth0 the management interface on a /24, and DIR/bin with
                        xe, ifup, reboot and xe-switch-network-backend
  link DEVICE up|down   set the carrier of a NIC of the local host
  fault ...             make the Nth program call fail, or kill its caller
  calls                 list the program calls made so far, with their argv
  show                  summarise the simulated pool and the local kernel state
  snapshot              print the canonical model dump

The others find the host with --root DIR or RUNBOOK_ROOT. To test a runbook
against it:
  runbook sim init /tmp/host
  runbook run --root /tmp/host --xe /tmp/host/bin/xe --ifup /tmp/host/bin/ifup \
      --reboot /tmp/host/bin/reboot --state-dir /tmp/state ./nfs-bond.star -p ...`,
		setup: func(c *cli, fs *pflag.FlagSet) func([]string) int {
			return func(args []string) int {
				return sim.Command(args, c.getenv, c.stdout, c.stderr)
			}
		},
	}
}
