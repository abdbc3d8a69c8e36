package main

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/runbook-dev/runbook/sim"
	"github.com/spf13/pflag"
)

// simCommand is `runbook sim`: the simulator's own control CLI
// (sim.Command), with the global options of runbook before or after any
// of its words. Its help texts are the simulator's (one source), shown
// in runbook's layout.
func simCommand() *command {
	return &command{
		name:    "sim",
		summary: "make and drive a simulated XenServer host for tests and CI",
		usage:   "SUBCOMMAND [options]",
	}
}

// exitStatus ends the command with a status whose message was already
// printed (by the simulator).
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func (c *cli) sim(args []string) error {
	fs := pflag.NewFlagSet("runbook sim", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	// The subcommands' own options pass through to the simulator.
	fs.ParseErrorsAllowlist.UnknownFlagsHandling = pflag.PassUnknownFlagToArgs
	help := fs.BoolP("help", "h", false, "show this help")
	c.globalFlags(fs)
	if err := fs.Parse(args); err != nil {
		return flagError(err, fs, "sim")
	}
	c.noteChanged(fs)
	rest := fs.Args()
	if n := fs.ArgsLenAtDash(); n >= 0 {
		rest = slices.Insert(slices.Clone(rest), n, "--")
	}
	if len(rest) > 0 && rest[0] == "help" {
		return c.simHelp(rest[1:])
	}
	if *help {
		return c.simHelp(rest[:min(len(rest), 1)])
	}
	if len(rest) == 0 {
		c.simHelpTo(c.stderr, nil)
		return &usageError{msg: "sim: no subcommand given", hint: "runbook sim --help"}
	}
	sub := rest[0]
	if err := checkSimArgs(sub, rest[1:]); err != nil {
		return err
	}
	getenv := func(key string) string {
		// sim's --root is the global --root: the flag wins over RUNBOOK_ROOT.
		if key == "RUNBOOK_ROOT" && c.changed["root"] {
			return c.root
		}
		return c.getenv(key)
	}
	if code := sim.Command(rest, getenv, c.stdout, c.stderr); code != 0 {
		return exitStatus(code)
	}
	return nil
}

// checkSimArgs refuses an unknown subcommand or option of sim before the
// simulator sees it, with a did-you-mean.
func checkSimArgs(sub string, args []string) error {
	subs := simSubcommands()
	if len(subs) == 0 {
		return nil // the simulator will say
	}
	if !slices.Contains(subs, sub) {
		msg := fmt.Sprintf("sim: unknown subcommand %q", sub)
		if near := nearest(sub, subs); near != "" {
			msg += fmt.Sprintf("; did you mean %s?", near)
		}
		return &usageError{msg: msg, hint: "runbook sim --help"}
	}
	doc := simSubHelp(sub)
	if doc == nil || len(doc.opts) == 0 {
		return nil
	}
	var known []string
	takes := map[string]bool{}
	for _, o := range doc.opts {
		known = append(known, o.name)
		takes[o.name] = o.value != ""
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "--") {
			continue
		}
		name, _, hasValue := strings.Cut(a[2:], "=")
		if !slices.Contains(known, name) {
			return unknownOption("sim "+sub+": ", name, append(known, globalNames()...), "runbook sim "+sub+" --help")
		}
		if takes[name] && !hasValue {
			i++
		}
	}
	return nil
}

// simHelp prints the help of sim, or of one of its subcommands.
func (c *cli) simHelp(args []string) error {
	if len(args) > 1 {
		return &usageError{msg: fmt.Sprintf("help: want at most one subcommand of sim, got %q", strings.Join(args, " ")), hint: "runbook sim --help"}
	}
	if len(args) == 1 {
		if subs := simSubcommands(); len(subs) > 0 && !slices.Contains(subs, args[0]) {
			return checkSimArgs(args[0], nil)
		}
	}
	c.simHelpTo(c.stdout, args)
	return nil
}

func (c *cli) simHelpTo(w io.Writer, args []string) {
	if len(args) == 0 {
		text := strings.TrimRight(simText("help"), "\n")
		fmt.Fprintf(w, "%s\n\n", upperUsage(text))
		globalOptionsHelp(w)
		return
	}
	doc := simSubHelp(args[0])
	if doc == nil {
		// Not in the expected layout: show it as the simulator wrote it.
		fmt.Fprintf(w, "%s\n\n", upperUsage(strings.TrimRight(simText(args[0], "--help"), "\n")))
		globalOptionsHelp(w)
		return
	}
	fmt.Fprintf(w, "%s\n\n%s\n\nOptions:\n", upperUsage(doc.usage), doc.help)
	var own []optDoc
	for _, o := range doc.opts {
		if !isGlobal(o.name) {
			own = append(own, o)
		}
	}
	own = append(own, optDoc{short: "h", name: "help", usage: "show this help"})
	writeOpts(w, own)
	fmt.Fprintln(w)
	globalOptionsHelp(w)
}

// simText is what the simulator's CLI prints for args.
func simText(args ...string) string {
	var out bytes.Buffer
	sim.Command(args, func(string) string { return "" }, &out, io.Discard)
	return out.String()
}

func upperUsage(s string) string {
	if rest, ok := strings.CutPrefix(s, "usage: "); ok {
		return "Usage: " + rest
	}
	return s
}

// simSubcommands lists sim's subcommands, read from its help.
func simSubcommands() []string {
	_, block, ok := strings.Cut(simText("help"), "Subcommands:\n")
	if !ok {
		return nil
	}
	var subs []string
	for _, line := range strings.Split(block, "\n") {
		if strings.TrimSpace(line) == "" {
			break
		}
		if strings.HasPrefix(line, "  ") && !strings.HasPrefix(line, "   ") {
			subs = append(subs, strings.Fields(line)[0])
		}
	}
	return subs
}

// simSub is the help of a subcommand of sim, as its CLI prints it.
type simSub struct {
	usage, help string
	opts        []optDoc
}

var simOptLine = regexp.MustCompile(`^\s+(?:-(\w), )?--([A-Za-z0-9][\w-]*)(\[=[^\]]*\])?(?: (\S+))?\s{2,}(.*)$`)

// simSubHelp reads the help of a subcommand of sim: its usage line, its
// text and its options. It returns nil when the text is not in that
// layout.
func simSubHelp(sub string) *simSub {
	text := simText(sub, "--help")
	head, opts, ok := strings.Cut(text, "\n\nOptions:\n")
	if !ok {
		return nil
	}
	usage, help, _ := strings.Cut(head, "\n\n")
	doc := &simSub{usage: usage, help: strings.TrimSpace(help)}
	for _, line := range strings.Split(strings.TrimRight(opts, "\n"), "\n") {
		m := simOptLine.FindStringSubmatch(line)
		if m == nil {
			if n := len(doc.opts); n > 0 && strings.TrimSpace(line) != "" {
				doc.opts[n-1].usage += " " + strings.TrimSpace(line)
			}
			continue
		}
		o := optDoc{short: m[1], name: m[2], usage: m[5]}
		if m[3] == "" && m[4] != "" {
			// The usage line names the value better than pflag's type.
			if v := regexp.MustCompile(`--` + regexp.QuoteMeta(o.name) + ` ([A-Z][A-Z0-9_]*)\b`).FindStringSubmatch(usage); v != nil {
				o.value = v[1]
			} else {
				o.value = valueName(m[4])
			}
		}
		doc.opts = append(doc.opts, o)
	}
	return doc
}
