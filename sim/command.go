package sim

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Command is the control CLI of the simulator, behind `runbook sim`: it
// makes a simulated host and drives it from outside (link carriers,
// faults), and shows what happened. args exclude the command name. Usage
// errors exit 2, failures 1.
func Command(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	c := &simCLI{getenv: getenv, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		io.WriteString(stderr, simUsage)
		return 2
	}
	switch args[0] {
	case "help", "--help", "-h":
		io.WriteString(stdout, simUsage)
		return 0
	}
	for _, sc := range subcommands() {
		if sc.name == args[0] {
			return sc.run(c, args[1:])
		}
	}
	fmt.Fprintf(stderr, "sim: unknown subcommand %q\n\trunbook sim --help\n", args[0])
	return 2
}

const simUsage = `usage: runbook sim SUBCOMMAND [options]

Subcommands:
  init DIR [--hosts N] [--nics N] [--all-dom0s] [--member] [--boot manual|auto]
           [--filer IP]... [--vif VM:NIC]... [--memory-free MiB] [--sriov NIC]...
           [--seed N] [--release R] [--xapi-delay N]
                          make a simulated pool in DIR
  boot                    boot the dom0: after the reboot it asked for, or a
                          power cycle; runs its enabled units (the boot hook)
  wait [--timeout D]      wait until the dom0 is up (for --boot auto)
  vif VM:NIC              give a guest a VIF on the network of a NIC
  link DEVICE up|down     set the carrier of a NIC of the dom0
  fault --call N ...      arm a fault for the Nth program call, or
        --match REGEX ... for a call that matches
  calls [--json]          list the program calls made so far
  show                    summarise the pool, the dom0's kernel and boot log
  snapshot                print the canonical model dump

All but init find the dom0 with --root DIR or RUNBOOK_ROOT (the root of any
host of the pool). Run 'runbook sim SUBCOMMAND --help' for the options of each.

To test a runbook against it:
  eval "$(runbook sim init /tmp/host)"
  runbook run ./nfs-bond.star -p ...     # pauses for the reboot (exit 0)
  runbook sim boot                       # the boot runs the hook: resume
  /tmp/host/bin/journalctl -u runbook-resume.service -b
`

type simCLI struct {
	getenv         func(string) string
	stdout, stderr io.Writer
}

type subcommand struct {
	name  string
	usage string // after "runbook sim <name>"
	help  string
	run   func(c *simCLI, args []string) int
}

func subcommands() []subcommand {
	return []subcommand{
		{name: "init", usage: "DIR [--hosts N] [--nics N] [--all-dom0s] [--member] [--boot manual|auto] [--filer IP]... [--vif VM:NIC]... [--memory-free MiB] [--sriov NIC]... [--seed N] [--release R] [--xapi-delay N]", help: initHelp, run: (*simCLI).init},
		{name: "boot", usage: "[--root DIR]", help: bootHelp, run: (*simCLI).boot},
		{name: "wait", usage: "[--timeout D] [--root DIR]", help: waitHelp, run: (*simCLI).wait},
		{name: "vif", usage: "VM:NIC [--root DIR]", help: vifHelp, run: (*simCLI).vif},
		{name: "link", usage: "DEVICE up|down [--root DIR]", help: linkHelp, run: (*simCLI).link},
		{name: "fault", usage: "--call N | --match REGEX [--nth K] (--fail --stderr TEXT [--code C] | --kill-before | --kill-after | --delay DUR) [--root DIR]", help: faultHelp, run: (*simCLI).fault},
		{name: "calls", usage: "[--json] [--root DIR]", help: callsHelp, run: (*simCLI).calls},
		{name: "show", usage: "[--root DIR]", help: showHelp, run: (*simCLI).show},
		{name: "snapshot", usage: "[--root DIR]", help: snapshotHelp, run: (*simCLI).snapshot},
	}
}

const initHelp = `Make a simulated pool in DIR, which must be new or empty: hosts xen01,
xen02, ... (three by default) with NICs eth0, eth1, ... (four by default),
eth0 the management interface on 192.168.10.0/24, eth1 unplugged, and the
guests web01, db01 (running) and build01 (halted) on xen01, app02 on xen02.

Layout. By default DIR is the root of xen01's dom0: its files (etc/, proc/,
...), DIR/bin/<program> for every simulated program, and the pool database
in DIR/var/lib/xsim. With --all-dom0s every host has a root of its own,
DIR/<host> (its own kernel, files, boot id and bin/), and the pool database
is in DIR/pool: xe run in a host's root sees that host as the local one.

The coordinator is xen01, or xen02 with --member (xen01 is then a member).
--boot auto makes the reboot program boot the dom0 by itself once the
process that asked for the reboot has exited; by default (manual) the
reboot stays pending until 'runbook sim boot'. --filer IP adds a storage
target that answers ping on its subnet.

Guests web01 and db01 run on xen01, app02 on xen02, build01 is halted;
each has one VIF on the management network. --vif VM:NIC (repeatable)
adds a VIF on the network of that NIC, e.g. --vif db01:eth2; --memory-free
MiB leaves only that much memory free on the other hosts, so that an
evacuation can fail; --sriov NIC (repeatable) makes a NIC SR-IOV capable.

Releases (--release):
` + "{{releases}}" + `
Prints the environment that points a runbook at the (first) dom0, as lines
that eval "$(runbook sim init DIR)" accepts.`

const bootHelp = `Boot the dom0 of the root: the boot after the reboot it asked for, or a
power cycle when none was. A new boot id; the backend network.conf names
becomes the running one; guests still resident on the host are halted;
xapi's start of day plugs every managed physical PIF, bond master and PIF
with an IP configuration, and enables the host again unless it was disabled
with auto-enable=false; then the units enabled in
etc/systemd/system/*.target.wants/ run in systemd's order, the boot hook
runbook-resume.service among them (its 'runbook resume' runs to its end).
Units' output goes to the journal (see ROOT/bin/journalctl -u UNIT -b) and,
for units with StandardOutput=journal+console, to this command's stdout
with systemd's status lines. Exits 1 if a unit failed, naming it. If a unit
asks for a reboot, the boot stops there and that reboot is pending.`

const waitHelp = `Wait until the dom0 is up: no reboot pending, no boot running, no
automatic boot waiting to start (--boot auto). Fails at once when a reboot
is pending that nothing will perform (boot mode manual).`

const linkHelp = `Set the carrier of a NIC of the local host, as pulling or plugging a
cable would. Bonds that monitor links (miimon > 0) count the failure and
fail over.`

const faultHelp = `Arm a fault for the Nth program call (1-based, counted over every
simulated program run since init), or with --match for the next call whose
program and arguments, joined by single spaces, match a regular expression
(the program by its base name: --match '^xe pif-forget '), or with --nth K
its Kth matching call from now. It fires once; when two would fire at the
same call, the first armed does and the other waits for its next match.
  --fail --stderr TEXT [--code C]  print TEXT on stderr and exit C (1)
                                   without doing anything
  --kill-before                    kill the caller before doing anything
  --kill-after                     do the work, then kill the caller
  --delay DUR                      wait DUR (such as 2s), then do the call
                                   as usual: a slow program (the simulated
                                   host is held while it waits)`

const callsHelp = `Print the number of program calls so far and the argv of each.`

const showHelp = `Summarise the simulated pool (hosts with their state, live or not, PIFs,
bonds, networks, VMs), the kernel of the root's dom0 (links, bonds,
addresses, the default route, xapi) and its boot log: per boot, the units
that ran and how they ended.`

const snapshotHelp = `Print the canonical dump of the model, every host's dom0 with its kernel and
per boot the units that ran and their exit status: the same actions give the
same bytes (no times, no call log, no journal).`

// flags makes the flag set of a subcommand.
func (c *simCLI) flags(name string) *pflag.FlagSet {
	fs := pflag.NewFlagSet("sim "+name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses args; done is true when the caller must return code.
func (c *simCLI) parse(name string, fs *pflag.FlagSet, args []string) (code int, done bool) {
	err := fs.Parse(args)
	if err == nil {
		return 0, false
	}
	sc := c.sub(name)
	if errors.Is(err, pflag.ErrHelp) {
		fmt.Fprintf(c.stdout, "usage: runbook sim %s %s\n\n%s\n\nOptions:\n%s", name, sc.usage, strings.ReplaceAll(sc.help, "{{releases}}", ReleaseHelp()), fs.FlagUsages())
		return 0, true
	}
	return c.usageErr(name, "%v", err), true
}

func (c *simCLI) sub(name string) subcommand {
	for _, sc := range subcommands() {
		if sc.name == name {
			return sc
		}
	}
	return subcommand{}
}

func (c *simCLI) usageErr(name, format string, args ...any) int {
	fmt.Fprintf(c.stderr, "sim %s: %s\n\trunbook sim %s %s\n", name, fmt.Sprintf(format, args...), name, c.sub(name).usage)
	return 2
}

func (c *simCLI) fail(name string, err error) int {
	fmt.Fprintf(c.stderr, "sim %s: %v\n", name, err)
	return 1
}

// rootFlag adds --root and returns a function that resolves the root
// after parsing.
func (c *simCLI) rootFlag(fs *pflag.FlagSet) func() string {
	root := fs.String("root", "", "the simulated host (default $RUNBOOK_ROOT)")
	return func() string {
		if *root != "" {
			return *root
		}
		return c.getenv("RUNBOOK_ROOT")
	}
}

func (c *simCLI) init(args []string) int {
	fs := c.flags("init")
	opts := initFlags(fs)
	if code, done := c.parse("init", fs, args); done {
		return code
	}
	o, probs := opts()
	if fs.NArg() != 1 {
		probs = append([]string{fmt.Sprintf("want one directory, got %d arguments", fs.NArg())}, probs...)
	}
	if len(probs) > 0 {
		return c.usageErr("init", "%s", strings.Join(probs, "\n\t"))
	}
	return c.initPool(fs.Arg(0), o)
}

// initFlags registers the options of `sim init` on fs and returns what
// reads them after parsing: the options, and every problem with them.
func initFlags(fs *pflag.FlagSet) func() (InitOptions, []string) {
	seed := fs.Int64("seed", 0, "seed of the UUIDs, MACs and boot ids")
	rel := fs.String("release", DefaultRelease, "dom0 release: "+releaseNames())
	delay := fs.Int("xapi-delay", DefaultXapiDelay, "xe calls that fail after each boot")
	hosts := fs.Int("hosts", 3, "hosts in the pool, 1-16")
	nics := fs.Int("nics", 4, "NICs of each host, 1-16")
	all := fs.Bool("all-dom0s", false, "lay out a dom0 root for every host (DIR/<host>, pool database in DIR/pool)")
	member := fs.Bool("member", false, "make the local host xen01 a pool member; xen02 is the coordinator")
	boot := fs.String("boot", bootManual, "manual (sim boot performs each boot) or auto (the reboot boots by itself)")
	filers := fs.StringArray("filer", nil, "a storage target that answers ping (repeatable)")
	vifs := fs.StringArray("vif", nil, "VM:NIC: add a VIF of guest VM on the network of NIC (repeatable)")
	memFree := fs.Int64("memory-free", 0, "MiB left free on every host but the local one")
	sriov := fs.StringArray("sriov", nil, "a NIC that is SR-IOV capable on every host (repeatable)")
	return func() (InitOptions, []string) {
		var probs []string
		if *delay < 0 {
			probs = append(probs, fmt.Sprintf("--xapi-delay: got %d, want 0 or more", *delay))
		}
		d := *delay
		if d == 0 {
			d = NoXapiDelay
		}
		opts := InitOptions{Seed: *seed, Release: *rel, XapiDelay: d, Hosts: *hosts, NICs: *nics, AllDom0s: *all, Member: *member, Boot: *boot, Filers: *filers, VIFs: *vifs, SRIOV: *sriov}
		if fs.Changed("memory-free") {
			opts.MemoryFree = memFree
		}
		for _, p := range opts.check() {
			probs = append(probs, "--"+p)
		}
		return opts, probs
	}
}

// ParseInitOptions reads the options of `runbook sim init` from args
// (without the subcommand and without DIR), with the same parser and
// checks as sim init, so that a tool taking init options elsewhere (a
// test scenario's "# sim:" line) accepts exactly what sim init does. It
// returns the options and every problem with them; some problems (a VIF
// naming a guest the pool lacks) only InitPool finds, as an
// *OptionsError.
func ParseInitOptions(args []string) (InitOptions, []string) {
	fs := pflag.NewFlagSet("sim init", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	opts := initFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			err = errors.New("--help: not an option here")
		}
		return InitOptions{}, []string{err.Error()}
	}
	o, probs := opts()
	if fs.NArg() > 0 {
		probs = append([]string{fmt.Sprintf("unexpected arguments %q: want options only", strings.Join(fs.Args(), " "))}, probs...)
	}
	return o, probs
}

// initPool makes the pool of `sim init` and prints its environment.
func (c *simCLI) initPool(arg string, opts InitOptions) int {
	dir, err := filepath.Abs(arg)
	if err != nil {
		return c.fail("init", err)
	}
	lay, err := InitPool(dir, opts)
	if err != nil {
		fmt.Fprintln(c.stderr, err)
		if errors.As(err, new(*OptionsError)) {
			fmt.Fprintf(c.stderr, "\trunbook sim init %s\n", c.sub("init").usage)
			return 2
		}
		return 1
	}
	local := lay.Roots[0]
	role := "the coordinator"
	if lay.Coordinator != local.Host {
		role = "a member; the coordinator is " + lay.Coordinator
	}
	fmt.Fprintf(c.stdout, "# simulated %s %s pool %s in %s; this dom0 is %s (%s), boot %s\n",
		lay.Brand, lay.Version, strings.Join(lay.Hosts, ", "), dir, local.Host, role, opts.Boot)
	for _, r := range lay.Roots[1:] {
		fmt.Fprintf(c.stdout, "# the dom0 of %s: %s\n", r.Host, r.Dir)
	}
	for _, kv := range [][2]string{
		{"RUNBOOK_ROOT", local.Dir},
		{"RUNBOOK_XE", filepath.Join(local.Dir, "bin", xeProg)},
		{"RUNBOOK_IFUP", filepath.Join(local.Dir, "bin", ifupProg)},
		{"RUNBOOK_REBOOT", filepath.Join(local.Dir, "bin", rebootProg)},
		{"RUNBOOK_STATE_DIR", filepath.Join(local.Dir, "var", "lib", "runbook")},
	} {
		fmt.Fprintf(c.stdout, "export %s=%s\n", kv[0], shQuote(kv[1]))
	}
	return 0
}

// shQuote quotes a value for a POSIX shell, always.
func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func (c *simCLI) boot(args []string) int {
	fs := c.flags("boot")
	root := c.rootFlag(fs)
	if code, done := c.parse("boot", fs, args); done {
		return code
	}
	if fs.NArg() != 0 {
		return c.usageErr("boot", "unexpected arguments %q", strings.Join(fs.Args(), " "))
	}
	r := root()
	if r == "" {
		return c.usageErr("boot", "no simulated host: give --root DIR or set RUNBOOK_ROOT")
	}
	res, err := Boot(context.Background(), r, BootOptions{Console: c.stdout})
	if err != nil {
		if errors.Is(err, ErrBootRunning) {
			return c.fail("boot", fmt.Errorf("%s: %w; wait for it with 'runbook sim wait --root %s'", r, err, r))
		}
		return c.fail("boot", err)
	}
	code := 0
	for _, u := range res.Failed() {
		fmt.Fprintf(c.stderr, "sim boot: %s: unit %s failed (exit status %d)\n\tsee: %s -u %s -b\n", res.Host, u.Unit, u.Status, filepath.Join(r, "bin", journalctlProg), u.Unit)
		code = 1
	}
	if res.RebootAsked {
		s, err := openStore(r)
		auto := err == nil && s.st.Model.BootMode == bootAuto
		if err == nil {
			s.close()
		}
		if auto {
			fmt.Fprintf(c.stderr, "sim boot: a unit asked for a reboot: %s boots again by itself\n", res.Host)
		} else {
			fmt.Fprintf(c.stderr, "sim boot: a unit asked for a reboot: %s is going down; boot it with 'runbook sim boot --root %s'\n", res.Host, r)
		}
	}
	return code
}

func (c *simCLI) wait(args []string) int {
	fs := c.flags("wait")
	root := c.rootFlag(fs)
	timeout := fs.Duration("timeout", 5*time.Minute, "how long to wait")
	if code, done := c.parse("wait", fs, args); done {
		return code
	}
	if fs.NArg() != 0 {
		return c.usageErr("wait", "unexpected arguments %q", strings.Join(fs.Args(), " "))
	}
	r := root()
	if r == "" {
		return c.usageErr("wait", "no simulated host: give --root DIR or set RUNBOOK_ROOT")
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := WaitBoot(ctx, r); err != nil {
		return c.fail("wait", err)
	}
	return 0
}

// open resolves the root of a subcommand and opens its store.
func (c *simCLI) open(name, root string) (*store, int) {
	if root == "" {
		return nil, c.usageErr(name, "no simulated host: give --root DIR or set RUNBOOK_ROOT")
	}
	s, err := openStore(root)
	if err != nil {
		return nil, c.fail(name, err)
	}
	return s, 0
}

func (c *simCLI) link(args []string) int {
	fs := c.flags("link")
	root := c.rootFlag(fs)
	if code, done := c.parse("link", fs, args); done {
		return code
	}
	if fs.NArg() != 2 || fs.Arg(1) != "up" && fs.Arg(1) != "down" {
		return c.usageErr("link", "want DEVICE up|down, got %q", strings.Join(fs.Args(), " "))
	}
	s, code := c.open("link", root())
	if s == nil {
		return code
	}
	defer s.close()
	m := &s.st.Model
	local := m.localHost()
	n := local.nic(fs.Arg(0))
	if n == nil {
		var devs []string
		for _, n := range local.NICs {
			devs = append(devs, n.Device)
		}
		return c.usageErr("link", "device: got %q, want a NIC of %s: %s", fs.Arg(0), local.NameLabel, strings.Join(devs, ", "))
	}
	m.setCarrier(local, n, fs.Arg(1) == "up")
	p := &proc{s: s, m: m, stdout: c.stdout, stderr: c.stderr}
	if err := p.syncProc(); err != nil {
		return c.fail("link", err)
	}
	if err := s.save(); err != nil {
		return c.fail("link", err)
	}
	return 0
}

func (c *simCLI) fault(args []string) int {
	fs := c.flags("fault")
	root := c.rootFlag(fs)
	call := fs.Int("call", 0, "the program call to act on (1-based)")
	match := fs.String("match", "", "act on a call whose program and arguments, joined by spaces, match this regular expression")
	nth := fs.Int("nth", 1, "with --match: act on the Kth matching call from now")
	fail := fs.Bool("fail", false, "make the call fail without effect")
	text := fs.String("stderr", "", "what the failing call prints on stderr")
	exit := fs.Int("code", 1, "the exit status of the failing call")
	before := fs.Bool("kill-before", false, "kill the caller before the call has any effect")
	after := fs.Bool("kill-after", false, "kill the caller after the call took effect")
	delay := fs.Duration("delay", 0, "wait this long, then do the call as usual")
	if code, done := c.parse("fault", fs, args); done {
		return code
	}
	f, probs := faultOptions(fs, *call, *match, *nth, *fail, *before, *after, *text, *exit)
	if fs.Changed("delay") {
		if *delay <= 0 || *delay > time.Hour {
			probs = append(probs, fmt.Sprintf("--delay: got %s, want a duration from 1ms to 1h, such as 2s", *delay))
		}
		f.Delay = delay.String()
	}
	if fs.NArg() != 0 {
		probs = append([]string{fmt.Sprintf("unexpected arguments %q", strings.Join(fs.Args(), " "))}, probs...)
	}
	if len(probs) > 0 {
		return c.usageErr("fault", "%s", strings.Join(probs, "\n\t"))
	}
	s, code := c.open("fault", root())
	if s == nil {
		return code
	}
	defer s.close()
	if f.Match == "" {
		if f.Call <= s.st.Book.Calls {
			return c.fail("fault", fmt.Errorf("call %d has already happened (%d calls so far)", f.Call, s.st.Book.Calls))
		}
		for _, g := range s.st.Book.Faults {
			if g.Match == "" && g.Call == f.Call {
				return c.fail("fault", fmt.Errorf("call %d already has a fault armed (%s)", f.Call, g.Kind))
			}
		}
	}
	s.st.Book.Faults = append(s.st.Book.Faults, f)
	if err := s.save(); err != nil {
		return c.fail("fault", err)
	}
	return 0
}

// faultOptions checks the options of `sim fault` and returns the fault
// they arm, or every problem with them.
func faultOptions(fs *pflag.FlagSet, call int, match string, nth int, fail, before, after bool, text string, exit int) (fault, []string) {
	var probs []string
	f := fault{Call: call}
	switch {
	case fs.Changed("call") && fs.Changed("match"):
		probs = append(probs, "--call and --match: want one of them, got both")
	case fs.Changed("match"):
		f = fault{Match: match, Nth: nth}
		if match == "" {
			probs = append(probs, `--match: empty; want a regular expression such as 'xe pif-forget'`)
		} else if _, err := regexp.Compile(match); err != nil {
			probs = append(probs, fmt.Sprintf("--match %q: %v; want a regular expression such as 'xe pif-forget'", match, err))
		}
		if nth < 1 {
			probs = append(probs, fmt.Sprintf("--nth: got %d, want a count from 1", nth))
		}
	case !fs.Changed("call"):
		probs = append(probs, "want --call N or --match REGEX: which program call to act on")
	case call < 1:
		probs = append(probs, fmt.Sprintf("--call: got %d, want a call number from 1", call))
	}
	if fs.Changed("nth") && !fs.Changed("match") {
		probs = append(probs, "--nth goes with --match")
	}
	n := 0
	for _, k := range []struct {
		set  bool
		kind string
	}{{fail, faultFail}, {before, faultKillBefore}, {after, faultKillAfter}, {fs.Changed("delay"), faultDelay}} {
		if k.set {
			n++
			f.Kind = k.kind
		}
	}
	if n != 1 {
		probs = append(probs, "want exactly one of --fail, --kill-before, --kill-after and --delay")
	}
	if f.Kind == faultFail {
		if !fs.Changed("stderr") {
			probs = append(probs, "--fail needs --stderr TEXT")
		}
		if exit < 1 || exit > 255 {
			probs = append(probs, fmt.Sprintf("--code: got %d, want 1-255", exit))
		}
		f.Stderr, f.Code = text, exit
	} else if n == 1 && (fs.Changed("stderr") || fs.Changed("code")) {
		probs = append(probs, "--stderr and --code go with --fail")
	}
	return f, probs
}

func (c *simCLI) calls(args []string) int {
	fs := c.flags("calls")
	root := c.rootFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON: {\"calls\": N, \"argv\": [[...], ...]}")
	if code, done := c.parse("calls", fs, args); done {
		return code
	}
	if fs.NArg() != 0 {
		return c.usageErr("calls", "unexpected arguments %q", strings.Join(fs.Args(), " "))
	}
	s, code := c.open("calls", root())
	if s == nil {
		return code
	}
	n := s.st.Book.Calls
	argvs, err := readCallLog(s.pool)
	s.close()
	if err != nil {
		return c.fail("calls", err)
	}
	if *asJSON {
		data, _ := json.Marshal(struct {
			Calls int        `json:"calls"`
			Argv  [][]string `json:"argv"`
		}{n, argvs})
		fmt.Fprintf(c.stdout, "%s\n", data)
		return 0
	}
	if n == 1 {
		fmt.Fprintln(c.stdout, "1 call")
	} else {
		fmt.Fprintf(c.stdout, "%d calls\n", n)
	}
	for i, argv := range argvs {
		q := make([]string, len(argv))
		for j, a := range argv {
			q[j] = shellQuote(a)
		}
		fmt.Fprintf(c.stdout, "%d: %s\n", i+1, strings.Join(q, " "))
	}
	return 0
}

// readCallLog reads the argv of every call from the calls.log of a pool
// directory.
func readCallLog(pool string) ([][]string, error) {
	f, err := os.Open(filepath.Join(pool, callsFile))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	argvs := [][]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var argv []string
		if err := json.Unmarshal(sc.Bytes(), &argv); err != nil {
			return nil, fmt.Errorf("%s: %w", callsFile, err)
		}
		argvs = append(argvs, argv)
	}
	return argvs, sc.Err()
}

// shellQuote quotes a word for display when the shell would need it.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`*?[]{}()<>|&;#~!") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func (c *simCLI) snapshot(args []string) int {
	fs := c.flags("snapshot")
	root := c.rootFlag(fs)
	if code, done := c.parse("snapshot", fs, args); done {
		return code
	}
	if fs.NArg() != 0 {
		return c.usageErr("snapshot", "unexpected arguments %q", strings.Join(fs.Args(), " "))
	}
	r := root()
	if r == "" {
		return c.usageErr("snapshot", "no simulated host: give --root DIR or set RUNBOOK_ROOT")
	}
	data, err := Snapshot(r)
	if err != nil {
		fmt.Fprintf(c.stderr, "sim %v\n", err)
		return 1
	}
	c.stdout.Write(data)
	return 0
}
