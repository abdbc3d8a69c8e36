package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
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
	// changed holds the options given on the command line.
	changed map[string]bool
}

// command is a subcommand: its help text lives beside its code.
type command struct {
	name    string
	summary string
	usage   string // after "runbook NAME"
	help    string // paragraphs after the usage line
	hidden  bool   // left out of help and completion (__complete)
	// setup registers the command's options and returns what runs it.
	setup func(c *cli, fs *pflag.FlagSet) func(args []string) error
}

func commands() []*command {
	return []*command{runCommand(), resumeCommand(), statusCommand(), runsCommand(), abortCommand(), listCommand(), showCommand(), checkCommand(), exportCommand(), testCommand(), simulateCommand(), simCommand(), completionCommand(), helpCommand(), versionCommand(), completeCommand()}
}

func findCommand(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

// commandNames lists the commands people type.
func commandNames() []string {
	var names []string
	for _, c := range commands() {
		if !c.hidden {
			names = append(names, c.name)
		}
	}
	return names
}

// unknownCommand is the error for a command that does not exist.
func unknownCommand(what, name string) error {
	msg := fmt.Sprintf("unknown %s %q", what, name)
	if near := nearest(name, commandNames()); near != "" {
		msg += fmt.Sprintf("; did you mean %s?", near)
	}
	return &usageError{msg: msg, hint: "runbook help"}
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

// defaults fills the global options from the environment.
func (c *cli) defaults() {
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

// terminal says stdout is a terminal (a slow step's progress updates
// one line in place).
func (c *cli) terminal() bool {
	f, ok := c.stdout.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}

// reporter builds the run's reporter. RUNBOOK_PROGRESS_INTERVAL is not
// documented: tests set it (say 50ms) so that a step slowed by 'sim
// fault --delay' shows its elapsed-time lines without waiting 30 s.
func (c *cli) reporter() *engine.Reporter {
	rep := engine.NewReporter(c.stdout, c.stderr, c.useColor())
	rep.Terminal = c.terminal()
	if d, err := time.ParseDuration(c.getenv("RUNBOOK_PROGRESS_INTERVAL")); err == nil && d > 0 {
		rep.ProgressAfter, rep.ProgressEvery = d, d
	}
	return rep
}

// engine builds the engine from the global options.
func (c *cli) engine() *engine.Engine {
	bin := selfBinary()
	return &engine.Engine{
		Options: engine.Options{
			StateDir: c.stateDir, Root: c.root, Xe: c.xe, Ifup: c.ifup, Reboot: c.reboot,
			XapiTimeout: c.xapiTimeout, CallTimeout: c.callTimeout, MaxSteps: c.maxSteps,
		},
		Report:  c.reporter(),
		Shipped: runbooks.FS,
		Binary:  bin,
	}
}

// run is the whole command line: global options, a command, its
// options. Commands return an error; it is reported here, once.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	c := &cli{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, changed: map[string]bool{}}
	c.defaults()
	return c.fail(c.dispatch(args))
}

func (c *cli) dispatch(args []string) error {
	top := pflag.NewFlagSet("runbook", pflag.ContinueOnError)
	top.SetInterspersed(false)
	top.SetOutput(io.Discard)
	c.globalFlags(top)
	help := top.BoolP("help", "h", false, "show this help")
	version := top.Bool("version", false, "print the version")
	if err := top.Parse(args); err != nil {
		return flagError(err, top, "")
	}
	c.noteChanged(top)
	rest := top.Args()
	switch {
	case *version:
		return c.version()
	case *help:
		c.mainUsage(c.stdout)
		return nil
	case len(rest) == 0:
		c.mainUsage(c.stderr)
		return &usageError{msg: "no command given", hint: "runbook help"}
	}
	cmd := findCommand(rest[0])
	if cmd == nil {
		return unknownCommand("command", rest[0])
	}
	switch cmd.name {
	case "sim":
		return c.sim(rest[1:])
	case "__complete":
		// The words of an unfinished line: not parsed as options.
		c.completeArgs(rest[1:])
		return nil
	}
	fs, runCmd := c.flagSet(cmd)
	if err := fs.Parse(rest[1:]); err != nil {
		return flagError(err, fs, cmd.name)
	}
	c.noteChanged(fs)
	if h, _ := fs.GetBool("help"); h {
		commandUsage(c.stdout, cmd, fs)
		return nil
	}
	return runCmd(fs.Args())
}

// flagSet makes the options of a command: its own, then the global ones.
func (c *cli) flagSet(cmd *command) (*pflag.FlagSet, func([]string) error) {
	fs := pflag.NewFlagSet("runbook "+cmd.name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	runCmd := cmd.setup(c, fs)
	fs.BoolP("help", "h", false, "show this help")
	c.globalFlags(fs)
	return fs, runCmd
}

// noteChanged records which options the command line gave, before or
// after the command.
func (c *cli) noteChanged(fs *pflag.FlagSet) {
	fs.Visit(func(f *pflag.Flag) { c.changed[f.Name] = true })
}

// fail prints an error once, with the "runbook:" prefix, and returns the
// exit status it calls for.
func (c *cli) fail(err error) int {
	if err == nil {
		return engine.ExitOK
	}
	var (
		ue   *usageError
		code exitStatus
	)
	if errors.As(err, &code) {
		return int(code)
	}
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

// paramFlags adds --param/-p and --params-file to a command.
type paramOpts struct {
	params []string
	file   string
}

func (p *paramOpts) register(fs *pflag.FlagSet) {
	fs.StringArrayVarP(&p.params, "param", "p", nil, "set a parameter (repeatable; lists are comma-separated)")
	describe(fs, "param", "NAME=VALUE", "", "")
	fs.StringVar(&p.file, "params-file", "", "read parameters from a JSON object file (--param wins)")
	describe(fs, "params-file", "FILE", "", "")
}

// fileData reads the params file, if one was given, and checks that it
// is a JSON object; the engine checks each value against its parameter.
func (p *paramOpts) fileData() ([]byte, error) {
	if p.file == "" {
		return nil, nil
	}
	b, err := os.ReadFile(p.file)
	if err != nil {
		return nil, &usageError{msg: fmt.Sprintf("--params-file: %v", err)}
	}
	const want = `want a JSON object such as {"ip": "10.10.51.11"}`
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(b, se.Offset)
			return nil, &usageError{msg: fmt.Sprintf("--params-file %s: line %d, column %d: %v; %s", p.file, line, col, err, want)}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, &usageError{msg: fmt.Sprintf("--params-file %s: the file ends before its JSON value does; %s", p.file, want)}
		}
		return nil, &usageError{msg: fmt.Sprintf("--params-file %s: %v; %s", p.file, err, want)}
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, &usageError{msg: fmt.Sprintf("--params-file %s: got %s, %s", p.file, jsonKind(v), want)}
	}
	if dec.More() {
		return nil, &usageError{msg: fmt.Sprintf("--params-file %s: more than one JSON value; %s", p.file, want)}
	}
	return b, nil
}

// jsonKind names the JSON type of a decoded value, for messages.
func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "a JSON object"
	case []any:
		return "a JSON array"
	case string:
		return "a JSON string"
	case json.Number:
		return "a JSON number"
	case bool:
		return "a JSON boolean"
	}
	return "JSON null"
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
		return nil, &usageError{msg: fmt.Sprintf("%s: want exactly one RUNBOOK (a shipped name or a .star file), got %s", cmd, plural(len(args), "argument")), hint: "runbook list"}
	}
	return engine.Open(args[0], runbooks.FS)
}
