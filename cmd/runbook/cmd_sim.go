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
  init DIR              create a simulated pool in DIR: hosts xen01, xen02, ...
                        (--hosts N, default 3) with eth0, eth1, ... each
                        (--nics N, default 4), eth0 the management interface.
                        By default DIR is the root of xen01's dom0, with
                        DIR/bin/<program> for xe, ifup, ifdown, reboot, ip,
                        ping, journalctl and xe-switch-network-backend, and
                        the pool database in DIR/var/lib/xsim; --all-dom0s
                        gives every host its root, DIR/<host>, and puts the
                        pool database in DIR/pool. --member makes xen01 a
                        member (xen02 the coordinator); --boot auto makes
                        reboot boot the host by itself once its caller has
                        exited; --filer IP adds a storage target that answers
                        ping; --release picks the release (7.1, 7.6, 8.2, 8,
                        8.3, 9). It prints the environment, for eval.
  boot                  boot the dom0: after the reboot it asked for (reboot
                        only asks), or a power cycle; xapi's start of day,
                        then the enabled units, the boot hook among them
  wait                  wait until the dom0 is up (for --boot auto)
  link DEVICE up|down   set the carrier of a NIC of the dom0
  fault ...             make the Nth program call fail, or kill its caller
  calls                 list the program calls made so far, with their argv
  show                  summarise the pool, the dom0's kernel and boot log
  snapshot              print the canonical model dump

The others find the dom0 with --root DIR or RUNBOOK_ROOT (any host's root).
To test a runbook against it:
  eval "$(runbook sim init /tmp/host)"
  runbook run ./nfs-bond.star -p ...     # pauses for the reboot (exit 0)
  runbook sim boot                       # the boot runs the hook: resume
  /tmp/host/bin/journalctl -u runbook-resume.service -b`,
		setup: func(c *cli, fs *pflag.FlagSet) func([]string) int {
			return func(args []string) int {
				return sim.Command(args, c.getenv, c.stdout, c.stderr)
			}
		},
	}
}
