package main

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/runbook-dev/runbook/engine"
	"github.com/runbook-dev/runbook/sitetest"
	"github.com/spf13/pflag"
)

// testCommand is `runbook test`: a site's scenarios of its runbooks,
// run against fresh simulated hosts with nothing but this binary.
func testCommand() *command {
	return &command{
		name:    "test",
		summary: "run a site's test scenarios of its runbooks on simulated hosts",
		usage:   "[PATH...] [--run REGEX] [--junit FILE] [-v] [--update] [--keep]",
		help: `
Runs testscript scenarios (.txtar files; PATH is a file or a directory of
them, default tests/) in parallel, each in a fresh work directory $WORK with
a fresh simulated pool in $WORK/host: the default one, or made with the
'runbook sim init' options on a line '# sim: --nics 6 --vif db01:eth2' in
the comments at the top of the scenario. Boots are manual: the scenario's
boot command performs the reboot a run asked for.

In a scenario, runbook is this binary, the simulated programs (xe, ifup,
ifdown, reboot, xe-switch-network-backend, ip, ping, journalctl) come first
on PATH, and RUNBOOK_ROOT, RUNBOOK_STATE_DIR, RUNBOOK_XE, RUNBOOK_IFUP and
RUNBOOK_REBOOT point at the simulated host. $WORK/site ($SITE) is a fresh
copy of the site: the directory above the scenario's (DIR for
DIR/tests/x.txtar), or --site DIR. So 'exec runbook run site/nfs-bond.star
-p ...' runs the site's runbook.

The language is testscript's (exec, !, stdout, stderr, cmp, exists, env,
archive files, [exec:PROG], [unix], [linux], [env:NAME]) with:
  boot                 the boot (runbook sim boot): the boot hook resumes
                       the run to its end; returns when the boot is over
  sim SUBCOMMAND ...   runbook sim on the scenario's host: fault, link, vif,
                       show, snapshot, calls
  exits N CMD ...      run CMD like exec, wanting exit status N (2|3: either)
  json PATH [WANT]     a value of the last command's JSON stdout:
                       json state succeeded, json steps.3.status changed
                       (steps counted from 1); ! json: anything else
  stub NAME EXIT [OUT] a program NAME on PATH that prints OUT and exits EXIT;
                       its calls are appended to $STUBS/NAME.calls

Prints PASS or FAIL per scenario, the log of a failing one up to the failing
line (file:line), and 'N passed, M failed'. Exit status 0 when all pass, 1
when any fails, 2 for a usage error (no scenarios found is one).`,
		setup: func(c *cli, fs *pflag.FlagSet) func([]string) error {
			run := fs.String("run", "", "run only the scenarios whose name matches REGEX")
			describe(fs, "run", "REGEX", "", "")
			junit := fs.String("junit", "", "write a JUnit XML report to FILE (GitLab, Jenkins, GitHub Actions)")
			describe(fs, "junit", "FILE", "", "")
			verbose := fs.BoolP("verbose", "v", false, "print every scenario's log")
			update := fs.Bool("update", false, "rewrite the archive files that cmp compares with, instead of failing")
			keep := fs.Bool("keep", false, "keep the work directories and print where they are")
			site := fs.String("site", "", "copy DIR to $WORK/site (default: the directory above each scenario's)")
			describe(fs, "site", "DIR", "", "")
			parallel := fs.Int("parallel", 0, "scenarios run at once (default: the number of CPUs)")
			describe(fs, "parallel", "N", "", "")
			timeout := fs.Duration("timeout", 30*time.Minute, "stop the whole run after DUR: what still runs fails")
			describe(fs, "timeout", "DUR", "", "30m")
			return func(args []string) error {
				if err := c.refuseGiven("test", "every scenario gets its own simulated host and state dir", "state-dir", "root", "xe", "ifup", "reboot", "xapi-timeout", "call-timeout"); err != nil {
					return err
				}
				var probs []string
				opts := sitetest.Options{
					Paths: args, JUnit: *junit, Verbose: *verbose, Update: *update, Keep: *keep,
					Site: *site, Parallel: *parallel, Timeout: *timeout,
					Getenv: c.getenv, Stdout: c.stdout,
				}
				if *run != "" {
					re, err := regexp.Compile(*run)
					if err != nil {
						probs = append(probs, fmt.Sprintf("test: --run %q: %v; want a regular expression over scenario names, such as 'nfs|storage'", *run, err))
					}
					opts.Run = re
				}
				if *parallel < 0 {
					probs = append(probs, fmt.Sprintf("test: --parallel: got %d, want 1 or more (0: the number of CPUs)", *parallel))
				}
				if *timeout <= 0 {
					probs = append(probs, fmt.Sprintf("test: --timeout: got %s, want a positive duration such as 30m", *timeout))
				}
				if len(probs) > 0 {
					return &usageError{msg: strings.Join(probs, "\n"), hint: "runbook test --help"}
				}
				bin, err := os.Executable()
				if err != nil {
					return fmt.Errorf("test: find this binary: %w", err)
				}
				opts.Binary = bin
				opts.Context = c.ctx
				sum, err := sitetest.Run(opts)
				var (
					ue  *sitetest.UsageError
					sig *engine.SignalCause
				)
				switch {
				case errors.As(err, &ue):
					msg := make([]string, len(ue.Problems))
					for i, p := range ue.Problems {
						msg[i] = "test: " + p
					}
					return &usageError{msg: strings.Join(msg, "\n"), hint: ue.Hint}
				case errors.As(err, &sig):
					fmt.Fprintf(c.stderr, "runbook: test: %v\n", err)
					if sig.Signal == "SIGTERM" {
						return exitStatus(engine.ExitTerminated)
					}
					return exitStatus(engine.ExitInterrupted)
				case err != nil:
					// The scenarios ran; what failed is the report.
					fmt.Fprintf(c.stderr, "runbook: test: %v\n", err)
					return exitStatus(engine.ExitFailed)
				case sum.Failed > 0:
					return exitStatus(engine.ExitFailed)
				}
				return nil
			}
		},
	}
}
