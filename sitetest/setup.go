package sitetest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/runbook-dev/runbook/sim"
)

// Where things are in a scenario's work directory ($WORK).
const (
	hostDir = "host"         // the simulated host (sim init DIR)
	binDir  = ".runbook/bin" // runbook and the stubs
	siteDir = "site"         // the copy of the site
	binEnv  = "STUBS"        // names binDir, for the stubs' .calls files
	selfCmd = "runbook"      // the name this binary has in binDir
	siteEnv = "SITE"         // names $WORK/site when there is one
)

// setup makes a scenario's world: a fresh simulated host from its
// "# sim:" line, runbook on PATH after the simulated programs, the copy
// of the site, and the environment that points runbook at the host.
func (r *runner) setup(env *testscript.Env) error {
	sc, err := scenarioOf(env)
	if err != nil {
		return err
	}
	work := env.WorkDir
	host := filepath.Join(work, hostDir)
	if _, err := os.Lstat(host); err == nil {
		return fmt.Errorf("%s: the archive has files under %s/, where the scenario's simulated host goes; rename them", sc.file, hostDir)
	}
	opts := sc.opts
	opts.Binary = r.binary
	lay, err := sim.InitPool(host, opts)
	if err != nil {
		return fmt.Errorf("%s: make the simulated host: %w", sc.file, err)
	}
	root := lay.Roots[0].Dir
	bin := filepath.Join(work, filepath.FromSlash(binDir))
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return err
	}
	if err := os.Symlink(r.binary, filepath.Join(bin, selfCmd)); err != nil {
		return err
	}
	if files := r.sites[sc.site]; files != nil {
		if err := copySite(sc.site, files, filepath.Join(work, siteDir)); err != nil {
			return fmt.Errorf("%s: %w", sc.file, err)
		}
		env.Setenv(siteEnv, filepath.Join(work, siteDir))
	}
	path := env.Getenv("PATH")
	env.Setenv("PATH", strings.Join([]string{filepath.Join(root, "bin"), bin, path}, string(os.PathListSeparator)))
	env.Setenv("RUNBOOK_ROOT", root)
	env.Setenv("RUNBOOK_XE", filepath.Join(root, "bin", "xe"))
	env.Setenv("RUNBOOK_IFUP", filepath.Join(root, "bin", "ifup"))
	env.Setenv("RUNBOOK_REBOOT", filepath.Join(root, "bin", "reboot"))
	env.Setenv("RUNBOOK_STATE_DIR", filepath.Join(root, "var", "lib", "runbook"))
	env.Setenv(binEnv, bin)
	env.Setenv("NO_COLOR", "1")
	return nil
}

// self is the path of runbook in a scenario.
func self(ts *testscript.TestScript) string {
	return filepath.Join(ts.Getenv(binEnv), selfCmd)
}

// bootCmd is the script command `boot [--root DIR]`: runbook sim boot
// on the scenario's host.
func (r *runner) bootCmd(ts *testscript.TestScript, neg bool, args []string) {
	r.execSelf(ts, neg, "boot", append([]string{"sim", "boot"}, args...))
}

// simCmd is the script command `sim SUBCOMMAND ...`: runbook sim on the
// scenario's host. Its host is made from the "# sim:" line, so init is
// refused.
func (r *runner) simCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: sim SUBCOMMAND [options]: fault, link, vif, show, snapshot, calls, boot")
	}
	if args[0] == "init" {
		ts.Fatalf("sim init: the scenario's host is made before it starts, from its %q line at the top (e.g. %s --nics 6); give the options there", simPrefix, simPrefix)
	}
	r.execSelf(ts, neg, "sim "+args[0], append([]string{"sim"}, args...))
}

// execSelf runs this binary in the scenario as exec would, keeping its
// output for stdout, stderr, cmp and json.
func (r *runner) execSelf(ts *testscript.TestScript, neg bool, what string, args []string) {
	err := ts.Exec(self(ts), args...)
	code, xerr := exitStatus(err)
	switch {
	case xerr != nil:
		ts.Fatalf("%s: %v", what, xerr)
	case code == 0 && neg:
		ts.Fatalf("%s: unexpected success", what)
	case code != 0 && !neg:
		ts.Fatalf("%s: exit status %d", what, code)
	}
}
