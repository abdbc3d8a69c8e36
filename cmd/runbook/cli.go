package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/runbook-dev/runbook/engine"
	"github.com/runbook-dev/runbook/runbooks"
	"github.com/spf13/pflag"
)

// cli is one invocation of the command: its streams, environment and
// global options.
type cli struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string

	stateDir    string
	root        string
	xe          string
	ifup        string
	reboot      string
	noColor     bool
	xapiTimeout time.Duration
	callTimeout time.Duration
	maxSteps    uint64
	envErr      error // a bad RUNBOOK_*_TIMEOUT, for the commands that run
}

// command is a subcommand: its help text lives beside its code.
type command struct {
	name    string
	summary string
	usage   string // after "runbook NAME"
	help    string // paragraphs after the usage line
	// setup registers the command's options and returns what runs it.
	setup func(c *cli, fs *pflag.FlagSet) func(args []string) int
}

func commands() []*command {
	return []*command{runCommand(), resumeCommand(), statusCommand(), abortCommand(), listCommand(), showCommand(), checkCommand(), exportCommand(), simulateCommand(), simCommand(), helpCommand(), versionCommand()}
}

func findCommand(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

// usageError is a command-line mistake: exit 2 with a hint.
type usageError struct {
	msg  string
	hint string
}

func (e *usageError) Error() string { return e.msg }

func (c *cli) envOr(key, def string) string {
	if v := c.getenv(key); v != "" {
		return v
	}
	return def
}

// globalFlags registers the options every command accepts; defaults come
// from the environment, then built-in values.
func (c *cli) globalFlags(fs *pflag.FlagSet) {
	fs.StringVar(&c.stateDir, "state-dir", c.stateDir, "where runs are journaled (env RUNBOOK_STATE_DIR)")
	fs.StringVar(&c.root, "root", c.root, "every host path is taken under this directory (env RUNBOOK_ROOT)")
	fs.StringVar(&c.xe, "xe", c.xe, "the xe program (env RUNBOOK_XE)")
	fs.StringVar(&c.ifup, "ifup", c.ifup, "the ifup program (env RUNBOOK_IFUP)")
	fs.StringVar(&c.reboot, "reboot", c.reboot, "the reboot program (env RUNBOOK_REBOOT)")
	fs.BoolVar(&c.noColor, "no-color", c.noColor, "never colour the output (env NO_COLOR)")
	fs.DurationVar(&c.xapiTimeout, "xapi-timeout", c.xapiTimeout, "how long to wait for xapi after a reboot (env RUNBOOK_XAPI_TIMEOUT)")
	fs.DurationVar(&c.callTimeout, "call-timeout", c.callTimeout, "limit for each program a runbook runs, unless the call sets timeout= (env RUNBOOK_CALL_TIMEOUT)")
}

// defaults fills the global options from the environment.
func (c *cli) defaults() error {
	c.stateDir = c.envOr("RUNBOOK_STATE_DIR", engine.DefaultStateDir)
	c.root = c.envOr("RUNBOOK_ROOT", "/")
	c.xe = c.envOr("RUNBOOK_XE", "xe")
	c.ifup = c.envOr("RUNBOOK_IFUP", "ifup")
	c.reboot = c.envOr("RUNBOOK_REBOOT", "reboot")
	c.noColor = c.getenv("NO_COLOR") != ""
	c.maxSteps = engine.DefaultMaxSteps
	// A bad duration in the environment must not stop status or abort:
	// it is reported by the commands that use it.
	var err error
	if c.xapiTimeout, err = envDuration(c.getenv, "RUNBOOK_XAPI_TIMEOUT", engine.DefaultXapiTimeout); err != nil {
		c.envErr = err
		c.xapiTimeout = engine.DefaultXapiTimeout
	}
	if c.callTimeout, err = envDuration(c.getenv, "RUNBOOK_CALL_TIMEOUT", engine.DefaultCallTimeout); err != nil {
		c.envErr = err
		c.callTimeout = engine.DefaultCallTimeout
	}
	return nil
}

func envDuration(getenv func(string) string, key string, def time.Duration) (time.Duration, error) {
	v := getenv(key)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, &usageError{msg: fmt.Sprintf("%s=%q: want a positive duration such as 10m or 90s", key, v)}
	}
	return d, nil
}

// useColor decides once, here, whether output is coloured: never when
// asked not to, or when stdout is not a terminal.
func (c *cli) useColor() bool {
	if c.noColor || c.getenv("NO_COLOR") != "" {
		return false
	}
	if f, ok := c.stdout.(*os.File); ok {
		return isatty.IsTerminal(f.Fd())
	}
	return false
}

// engine builds the engine from the global options.
func (c *cli) engine() *engine.Engine {
	bin := selfBinary()
	return &engine.Engine{
		Options: engine.Options{
			StateDir: c.stateDir, Root: c.root, Xe: c.xe, Ifup: c.ifup, Reboot: c.reboot,
			XapiTimeout: c.xapiTimeout, CallTimeout: c.callTimeout, MaxSteps: c.maxSteps,
		},
		Report:  engine.NewReporter(c.stdout, c.stderr, c.useColor()),
		Shipped: runbooks.FS,
		Binary:  bin,
	}
}

// run is the whole command line: global options, a command, its options.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	c := &cli{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	if err := c.defaults(); err != nil {
		return c.fail(err)
	}
	top := pflag.NewFlagSet("runbook", pflag.ContinueOnError)
	top.SetInterspersed(false)
	top.SetOutput(io.Discard)
	c.globalFlags(top)
	help := top.BoolP("help", "h", false, "")
	version := top.Bool("version", false, "")
	if err := top.Parse(args); err != nil {
		return c.fail(&usageError{msg: err.Error(), hint: "runbook help"})
	}
	rest := top.Args()
	switch {
	case *version:
		return c.version()
	case *help || len(rest) == 0:
		c.mainUsage(c.stdout)
		if len(rest) == 0 && !*help {
			return engine.ExitUsage
		}
		return engine.ExitOK
	}
	cmd := findCommand(rest[0])
	if cmd == nil {
		return c.fail(&usageError{msg: fmt.Sprintf("unknown command %q", rest[0]), hint: "runbook help"})
	}
	fs := pflag.NewFlagSet("runbook "+cmd.name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	wantHelp := fs.BoolP("help", "h", false, "show this help")
	runCmd := cmd.setup(c, fs)
	if cmd.name != "sim" {
		c.globalFlags(fs)
	} else {
		fs.SetInterspersed(false)
	}
	if err := fs.Parse(rest[1:]); err != nil {
		return c.fail(&usageError{msg: err.Error(), hint: "runbook " + cmd.name + " --help"})
	}
	if *wantHelp {
		commandUsage(c.stdout, cmd, fs)
		return engine.ExitOK
	}
	return runCmd(fs.Args())
}

// fail prints an error once, with the "runbook:" prefix, and returns the
// exit status it calls for.
func (c *cli) fail(err error) int {
	if err == nil {
		return engine.ExitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(c.stderr, "runbook: %s\n", ue.msg)
		if ue.hint != "" {
			fmt.Fprintf(c.stderr, "  see: %s\n", ue.hint)
		}
		return engine.ExitUsage
	}
	fmt.Fprintf(c.stderr, "runbook: %s\n", err)
	return engine.ExitCode(err)
}

func (c *cli) mainUsage(w io.Writer) {
	fmt.Fprint(w, `runbook runs Starlark runbooks on XenServer / XCP-ng hosts. Every step is
journaled, so a run survives a crash, a kill or a reboot and resumes where it
stopped.

Usage:
  runbook [global options] COMMAND [options] [arguments]

Commands:
`)
	for _, cmd := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprint(w, `
Global options (also accepted after the command; each has an environment variable):
  --state-dir DIR      where runs are journaled (RUNBOOK_STATE_DIR, default /var/lib/runbook)
  --root DIR           every host path is taken under DIR (RUNBOOK_ROOT, default /)
  --xe PROG            the xe program (RUNBOOK_XE, default xe)
  --ifup PROG          the ifup program (RUNBOOK_IFUP, default ifup)
  --reboot PROG        the reboot program (RUNBOOK_REBOOT, default reboot)
  --xapi-timeout DUR   wait for xapi after a reboot (RUNBOOK_XAPI_TIMEOUT, default 10m)
  --call-timeout DUR   limit for each program a runbook runs (RUNBOOK_CALL_TIMEOUT, default 10m)
  --no-color           never colour the output (NO_COLOR)

Exit status: 0 success (or paused for a reboot that resumes the run), 1 a step
failed, 2 usage, load or parameter error (nothing ran), 3 another run holds the
state dir or an unfinished run is waiting, 130/143 interrupted by SIGINT/SIGTERM.

Run 'runbook help COMMAND' for a command's options.
`)
}

func commandUsage(w io.Writer, cmd *command, fs *pflag.FlagSet) {
	fmt.Fprintf(w, "Usage: runbook %s %s\n\n%s\n", cmd.name, cmd.usage, strings.TrimSpace(cmd.help))
	if fs != nil && cmd.name != "sim" {
		fmt.Fprintf(w, "\nOptions:\n%s", fs.FlagUsages())
	}
}

// paramFlags adds --param/-p and --params-file to a command.
type paramOpts struct {
	params []string
	file   string
}

func (p *paramOpts) register(fs *pflag.FlagSet) {
	fs.StringArrayVarP(&p.params, "param", "p", nil, "set a parameter: NAME=VALUE (repeatable; lists are comma-separated)")
	fs.StringVar(&p.file, "params-file", "", "read parameters from a JSON object file (--param wins)")
}

func (p *paramOpts) fileData() ([]byte, error) {
	if p.file == "" {
		return nil, nil
	}
	b, err := os.ReadFile(p.file)
	if err != nil {
		return nil, &usageError{msg: fmt.Sprintf("--params-file: %v", err)}
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		where := ""
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(b, se.Offset)
			where = fmt.Sprintf(" line %d, column %d:", line, col)
		}
		return nil, &usageError{msg: fmt.Sprintf("--params-file %s:%s %v; want a JSON object such as {\"ip\": \"10.10.51.11\"}", p.file, where, err)}
	}
	return b, nil
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(b []byte, off int64) (int, int) {
	line, col := 1, 1
	for i := int64(0); i < off-1 && i < int64(len(b)); i++ {
		if b[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// openRunbook loads a runbook named on the command line.
func (c *cli) openRunbook(args []string, cmd string) (*engine.Runbook, error) {
	if len(args) != 1 {
		return nil, &usageError{msg: fmt.Sprintf("%s: want exactly one RUNBOOK (a shipped name or a .star file), got %d arguments", cmd, len(args)), hint: "runbook list"}
	}
	return engine.Open(args[0], runbooks.FS)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func itoa(n int) string { return strconv.Itoa(n) }
