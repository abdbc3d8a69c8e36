package sim

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

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
  init DIR [--seed N] [--release R] [--xapi-delay N] [--vif VM:NIC]...
       [--memory-free MiB] [--sriov NIC]...
                          make a simulated host in DIR
  vif VM:NIC              give a guest a VIF on the network of a NIC
  link DEVICE up|down     set the carrier of a NIC of the local host
  fault --call N ...      arm a fault for the Nth program call
  calls [--json]          list the program calls made so far
  show                    summarise the pool and the local kernel
  snapshot                print the canonical model dump

All but init find the host with --root DIR or RUNBOOK_ROOT.
Run 'runbook sim SUBCOMMAND --help' for the options of each.
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
		{name: "init", usage: "DIR [--seed N] [--release R] [--xapi-delay N] [--vif VM:NIC]... [--memory-free MiB] [--sriov NIC]...", help: initHelp, run: (*simCLI).init},
		{name: "vif", usage: "VM:NIC [--root DIR]", help: vifHelp, run: (*simCLI).vif},
		{name: "link", usage: "DEVICE up|down [--root DIR]", help: linkHelp, run: (*simCLI).link},
		{name: "fault", usage: "--call N (--fail --stderr TEXT [--code C] | --kill-before | --kill-after) [--root DIR]", help: faultHelp, run: (*simCLI).fault},
		{name: "calls", usage: "[--json] [--root DIR]", help: callsHelp, run: (*simCLI).calls},
		{name: "show", usage: "[--root DIR]", help: showHelp, run: (*simCLI).show},
		{name: "snapshot", usage: "[--root DIR]", help: snapshotHelp, run: (*simCLI).snapshot},
	}
}

const initHelp = `Make a simulated host in DIR, which must be new or empty: a pool of
three hosts xen01..xen03 (xen01 is the local dom0), eth0..eth3 on each,
eth0 the management interface, and DIR/bin with the simulated programs.
Guests web01 and db01 run on xen01, app02 on xen02, build01 is halted;
each has one VIF on the management network. --vif VM:NIC (repeatable)
adds a VIF on the network of that NIC, e.g. --vif db01:eth2; --memory-free
MiB leaves only that much memory free on the other hosts, so that an
evacuation can fail; --sriov NIC (repeatable) makes a NIC SR-IOV capable.
Prints the environment that points a runbook at it.`

const linkHelp = `Set the carrier of a NIC of the local host, as pulling or plugging a
cable would. Bonds that monitor links (miimon > 0) count the failure and
fail over.`

const faultHelp = `Arm a fault for the Nth program call (1-based, counted over every
simulated program run since init). It fires once.
  --fail --stderr TEXT [--code C]  print TEXT on stderr and exit C (1)
                                   without doing anything
  --kill-before                    kill the caller before doing anything
  --kill-after                     do the work, then kill the caller`

const callsHelp = `Print the number of program calls so far and the argv of each.`

const showHelp = `Summarise the simulated pool (hosts, PIFs, bonds, networks, VMs) and
the local kernel (bonds, NIC carriers, addresses).`

const snapshotHelp = `Print the canonical dump of the model: the same actions give the same
bytes.`

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
		fmt.Fprintf(c.stdout, "usage: runbook sim %s %s\n\n%s\n\nOptions:\n%s", name, sc.usage, sc.help, fs.FlagUsages())
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
	seed := fs.Int64("seed", 0, "seed of the UUIDs, MACs and boot ids")
	rel := fs.String("release", "8.3", "dom0 release: "+releaseNames())
	delay := fs.Int("xapi-delay", DefaultXapiDelay, "xe calls that fail after each reboot")
	vifs := fs.StringArray("vif", nil, "VM:NIC: add a VIF of guest VM on the network of NIC (repeatable)")
	memFree := fs.Int64("memory-free", 0, "MiB left free on every host but the local one")
	sriov := fs.StringArray("sriov", nil, "a NIC that is SR-IOV capable on every host (repeatable)")
	if code, done := c.parse("init", fs, args); done {
		return code
	}
	if fs.NArg() != 1 {
		return c.usageErr("init", "want one directory, got %d arguments", fs.NArg())
	}
	if _, err := lookupRelease(*rel); err != nil {
		return c.usageErr("init", "%v", err)
	}
	if *delay < 0 {
		return c.usageErr("init", "--xapi-delay: got %d, want 0 or more", *delay)
	}
	dir, err := filepath.Abs(fs.Arg(0))
	if err != nil {
		return c.fail("init", err)
	}
	d := *delay
	if d == 0 {
		d = NoXapiDelay
	}
	opts := InitOptions{Seed: *seed, Release: *rel, XapiDelay: d, VIFs: *vifs, SRIOV: *sriov}
	if fs.Changed("memory-free") {
		opts.MemoryFree = memFree
	}
	if err := Init(dir, opts); err != nil {
		fmt.Fprintln(c.stderr, err)
		if errors.As(err, new(*OptionsError)) {
			fmt.Fprintf(c.stderr, "\trunbook sim init %s\n", c.sub("init").usage)
			return 2
		}
		return 1
	}
	r := releases[*rel]
	fmt.Fprintf(c.stdout, "simulated %s %s pool xen01..xen03 in %s; this dom0 is xen01\n", r.Brand, r.ProductVersion, dir)
	fmt.Fprintf(c.stdout, "RUNBOOK_ROOT=%s\n", dir)
	fmt.Fprintf(c.stdout, "RUNBOOK_XE=%s\n", filepath.Join(dir, "bin", xeProg))
	fmt.Fprintf(c.stdout, "RUNBOOK_IFUP=%s\n", filepath.Join(dir, "bin", ifupProg))
	fmt.Fprintf(c.stdout, "RUNBOOK_REBOOT=%s\n", filepath.Join(dir, "bin", rebootProg))
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
	m.setCarrier(n, fs.Arg(1) == "up")
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
	fail := fs.Bool("fail", false, "make the call fail without effect")
	text := fs.String("stderr", "", "what the failing call prints on stderr")
	exit := fs.Int("code", 1, "the exit status of the failing call")
	before := fs.Bool("kill-before", false, "kill the caller before the call has any effect")
	after := fs.Bool("kill-after", false, "kill the caller after the call took effect")
	if code, done := c.parse("fault", fs, args); done {
		return code
	}
	if fs.NArg() != 0 {
		return c.usageErr("fault", "unexpected arguments %q", strings.Join(fs.Args(), " "))
	}
	if *call < 1 {
		return c.usageErr("fault", "--call: got %d, want a call number from 1", *call)
	}
	n := 0
	f := fault{Call: *call}
	for _, k := range []struct {
		set  bool
		kind string
	}{{*fail, faultFail}, {*before, faultKillBefore}, {*after, faultKillAfter}} {
		if k.set {
			n++
			f.Kind = k.kind
		}
	}
	if n != 1 {
		return c.usageErr("fault", "want exactly one of --fail, --kill-before and --kill-after")
	}
	if f.Kind == faultFail {
		if !fs.Changed("stderr") {
			return c.usageErr("fault", "--fail needs --stderr TEXT")
		}
		if *exit < 1 || *exit > 255 {
			return c.usageErr("fault", "--code: got %d, want 1-255", *exit)
		}
		f.Stderr, f.Code = *text, *exit
	} else if fs.Changed("stderr") || fs.Changed("code") {
		return c.usageErr("fault", "--stderr and --code go with --fail")
	}
	s, code := c.open("fault", root())
	if s == nil {
		return code
	}
	defer s.close()
	if f.Call <= s.st.Book.Calls {
		return c.fail("fault", fmt.Errorf("call %d has already happened (%d calls so far)", f.Call, s.st.Book.Calls))
	}
	for _, g := range s.st.Book.Faults {
		if g.Call == f.Call {
			return c.fail("fault", fmt.Errorf("call %d already has a fault armed (%s)", f.Call, g.Kind))
		}
	}
	s.st.Book.Faults = append(s.st.Book.Faults, f)
	if err := s.save(); err != nil {
		return c.fail("fault", err)
	}
	return 0
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
	argvs, err := readCallLog(s.root)
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
	fmt.Fprintf(c.stdout, "%d calls\n", n)
	for i, argv := range argvs {
		q := make([]string, len(argv))
		for j, a := range argv {
			q[j] = shellQuote(a)
		}
		fmt.Fprintf(c.stdout, "%d: %s\n", i+1, strings.Join(q, " "))
	}
	return 0
}

// readCallLog reads the argv of every call from calls.log.
func readCallLog(root string) ([][]string, error) {
	f, err := os.Open(filepath.Join(root, callsFile))
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
