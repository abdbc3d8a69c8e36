package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/runbook-dev/runbook/engine"
	"github.com/runbook-dev/runbook/sim"
	"github.com/spf13/pflag"
)

func simulateCommand() *command {
	return &command{
		name:    "simulate",
		summary: "rehearse a runbook on a fresh simulated host, reboot included",
		usage:   "RUNBOOK [-p NAME=VALUE]... [--params-file FILE] [--dir DIR] [--keep]",
		help: `
Creates a fresh simulated host (see 'runbook sim'), runs the runbook on it
through the same engine and programs a real host would use, boots the host
after each reboot as 'runbook sim boot' does (the boot hook's 'runbook
resume' runs then, and its output is printed), then prints the bonds and the
files the run wrote. Parameters not given take the example value the runbook
declares, if any, else their default. The simulated host is removed afterwards unless --dir or
--keep is given.`,
		setup: func(c *cli, fs *pflag.FlagSet) func([]string) error {
			var po paramOpts
			po.register(fs)
			dir := fs.String("dir", "", "make the simulated host and state dir in DIR (kept)")
			describe(fs, "dir", "DIR", "", "")
			keep := fs.Bool("keep", false, "keep the temporary directory")
			return func(args []string) error {
				if err := c.refuseGiven("simulate", "it makes its own simulated host and state dir; choose where with --dir DIR", "state-dir", "root", "xe", "ifup", "reboot"); err != nil {
					return err
				}
				if c.envErr != nil {
					return c.envErr
				}
				rb, err := c.openRunbook(args, "simulate")
				if err != nil {
					return err
				}
				file, err := po.fileData()
				if err != nil {
					return err
				}
				given := map[string]json.RawMessage{}
				if file != nil {
					json.Unmarshal(file, &given) // checked by fileData
				}
				for _, p := range po.params {
					name, _, _ := strings.Cut(p, "=")
					given[name] = nil
				}
				params := append([]string(nil), po.params...)
				for _, d := range rb.Params {
					if _, ok := given[d.Name]; !ok && d.Example != "" {
						params = append(params, d.Name+"="+d.Example)
					}
				}
				pv, err := engine.ResolveParams(rb, params, file)
				if err != nil {
					return err
				}
				base := *dir
				if base == "" {
					base, err = os.MkdirTemp("", "runbook-simulate-")
					if err != nil {
						return err
					}
					if !*keep {
						defer os.RemoveAll(base)
					}
				}
				host := filepath.Join(base, "host")
				if err := sim.Init(host, sim.InitOptions{}); err != nil {
					return &usageError{msg: fmt.Sprintf("simulate: %v", err)}
				}
				c.root, c.stateDir = host, filepath.Join(base, "state")
				c.xe, c.ifup, c.reboot = filepath.Join(host, "bin", "xe"), filepath.Join(host, "bin", "ifup"), filepath.Join(host, "bin", "reboot")
				e := c.engine()
				e.XapiPoll = 100 * time.Millisecond
				e.PollInterval = 200 * time.Millisecond
				e.Report.Info("simulated host in %s: pool xen01..xen03, this dom0 is xen01", host)
				err = e.Run(c.ctx, rb, pv)
				// Each reboot pauses the run; the boot (as `runbook sim
				// boot` performs it) runs the boot hook, whose resume
				// runs in a process of its own and prints here.
				for i := 0; err == nil && i < 5; i++ {
					st, serr := e.Status()
					if serr != nil || st.State != engine.StateRebooting {
						break
					}
					e.Report.Info("--- the simulated host reboots: runbook sim boot --root %s", host)
					res, berr := sim.Boot(c.ctx, host, sim.BootOptions{Console: c.stdout})
					switch {
					case berr != nil:
						err = fmt.Errorf("simulate: boot: %w", berr)
					case len(res.Failed()) > 0:
						err = fmt.Errorf("simulate: the boot hook failed: see %s -u runbook-resume.service -b", filepath.Join(host, "bin", "journalctl"))
					}
				}
				if err == nil {
					if st, serr := e.Status(); serr == nil && st.State != engine.StateSucceeded {
						err = fmt.Errorf("simulate: the run ended %s after the boot: see runbook status --state-dir %s", st.State, c.stateDir)
					}
				}
				if err != nil {
					if *dir == "" && !*keep {
						fmt.Fprintf(c.stderr, "runbook: the simulated host is removed; keep it with --keep to inspect it\n")
					}
					return err
				}
				showSimResult(c, e, host)
				if *dir != "" || *keep {
					fmt.Fprintf(c.stdout, "\nsimulated host kept in %s (state dir %s)\n", host, c.stateDir)
				}
				return nil
			}
		},
	}
}

// showSimResult prints the bonds of the simulated dom0 and every file the
// run wrote, as they are now; for a run that wrote none, the pool as
// 'runbook sim show' prints it.
func showSimResult(c *cli, e *engine.Engine, host string) {
	st, err := e.Status()
	if err != nil || st == nil {
		return
	}
	seen := map[string]bool{}
	var files []string
	for _, b := range st.Backups {
		if !seen[b.Path] {
			seen[b.Path] = true
			files = append(files, b.Path)
		}
	}
	bonds, _ := filepath.Glob(filepath.Join(host, "proc", "net", "bonding", "*"))
	sort.Strings(bonds)
	for _, p := range bonds {
		files = append(files, "/"+filepath.ToSlash(strings.TrimPrefix(p, host+string(filepath.Separator))))
	}
	fmt.Fprintln(c.stdout, "\nResult on the simulated host:")
	if len(files) == 0 {
		// A runbook that works through xapi alone (storage-bond) writes no
		// files: the pool as xapi now has it is its result.
		fmt.Fprintln(c.stdout)
		sim.Command([]string{"show", "--root", host}, func(string) string { return "" }, c.stdout, c.stderr)
		return
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(host, filepath.FromSlash(f)))
		switch {
		case errors.Is(err, os.ErrNotExist):
			fmt.Fprintf(c.stdout, "\n--- %s (removed)\n", f)
		case err != nil:
			fmt.Fprintf(c.stdout, "\n--- %s: %v\n", f, err)
		default:
			fmt.Fprintf(c.stdout, "\n--- %s\n%s", f, b)
			if len(b) > 0 && b[len(b)-1] != '\n' {
				fmt.Fprintln(c.stdout)
			}
		}
	}
}
