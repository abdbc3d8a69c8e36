package main

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"

	"github.com/runbook-dev/runbook/engine"
	"github.com/runbook-dev/runbook/runbooks"
	"github.com/spf13/pflag"
)

//go:embed completion.bash
var bashCompletion string

//go:embed completion.zsh
var zshCompletion string

func completionCommand() *command {
	return &command{
		name:    "completion",
		summary: "print a shell completion script (bash or zsh)",
		usage:   "bash|zsh",
		help: `
Prints a script that makes the shell complete runbook's commands, options,
shipped runbook names and the parameter names of the runbook on the line
(after -p). Load it in the current shell, or from ~/.bashrc or ~/.zshrc:
  source <(runbook completion bash)
  source <(runbook completion zsh)      # after compinit
The script asks this binary what fits ('runbook __complete WORDS...').`,
		setup: func(c *cli, fs *pflag.FlagSet) func([]string) error {
			return func(args []string) error {
				if len(args) != 1 {
					return &usageError{msg: fmt.Sprintf("completion: want a shell, bash or zsh, got %s", plural(len(args), "argument")), hint: "runbook completion --help"}
				}
				switch args[0] {
				case "bash":
					fmt.Fprint(c.stdout, bashCompletion)
				case "zsh":
					fmt.Fprint(c.stdout, zshCompletion)
				default:
					return &usageError{msg: fmt.Sprintf("completion: shell %q: want bash or zsh", args[0]), hint: "runbook completion --help"}
				}
				return nil
			}
		},
	}
}

// completeCommand is what the completion scripts run: the words after
// "runbook" up to the one being completed (possibly empty). It prints a
// directive line (":words", ":files" or ":dirs": what the shell adds to
// the candidates), then one candidate per line. It never fails: a line it
// cannot read gets no candidates.
func completeCommand() *command {
	return &command{
		name:   "__complete",
		hidden: true,
		usage:  "WORD...",
		help:   `Prints the completions of the last WORD, for the completion scripts.`,
		// dispatch hands the words to completeArgs before any parsing.
		setup: func(c *cli, fs *pflag.FlagSet) func([]string) error {
			return func([]string) error { return nil }
		},
	}
}

// completeArgs answers __complete; it runs before any option parsing, as
// the words are those of an unfinished command line.
func (c *cli) completeArgs(words []string) {
	if len(words) == 0 {
		words = []string{""}
	}
	directive, cands := complete(words[:len(words)-1], words[len(words)-1])
	fmt.Fprintln(c.stdout, directive)
	for _, s := range cands {
		fmt.Fprintln(c.stdout, s)
	}
}

// lineState is what the words before the one being completed say.
type lineState struct {
	cmd     *command
	sub     string   // sim's subcommand
	args    []string // positional arguments of the command
	pending string   // an option whose value is the word being completed
	flags   *pflag.FlagSet
	subOpts []optDoc // the options of sim's subcommand
	unknown bool     // the command is not one: nothing fits
}

// complete returns the directive and the candidates for cur.
func complete(before []string, cur string) (string, []string) {
	st := readLine(before)
	if st.unknown {
		return ":words", nil
	}
	if st.pending != "" {
		return completeValue(st, st.pending, cur)
	}
	if strings.HasPrefix(cur, "-") {
		if strings.Contains(cur, "=") {
			name, val, _ := strings.Cut(strings.TrimLeft(cur, "-"), "=")
			dir, vals := completeValue(st, name, val)
			for i := range vals {
				vals[i] = "--" + name + "=" + vals[i]
			}
			return dir, vals
		}
		return ":words", matching(cur, optionWords(st))
	}
	switch {
	case st.cmd == nil:
		return ":words", matching(cur, commandNames())
	case st.cmd.name == "help":
		switch {
		case len(st.args) == 0:
			return ":words", matching(cur, commandNames())
		case len(st.args) == 1 && st.args[0] == "sim":
			return ":words", matching(cur, simSubcommands())
		}
	case st.cmd.name == "completion":
		if len(st.args) == 0 {
			return ":words", matching(cur, []string{"bash", "zsh"})
		}
	case st.cmd.name == "sim":
		switch {
		case st.sub == "":
			return ":words", matching(cur, simSubcommands())
		case st.sub == "init" && len(st.args) == 0:
			return ":dirs", nil
		case st.sub == "link" && len(st.args) == 1:
			return ":words", matching(cur, []string{"up", "down"})
		}
	case slices.Contains([]string{"run", "check", "show", "simulate", "export"}, st.cmd.name):
		switch {
		case len(st.args) == 0:
			return ":files", matching(cur, engine.ShippedNames(runbooks.FS))
		case st.cmd.name == "export" && len(st.args) == 1:
			return ":dirs", nil
		}
	}
	return ":words", nil
}

// readLine walks the finished words: the command, sim's subcommand, the
// positional arguments, and an option still waiting for its value.
func readLine(words []string) lineState {
	var st lineState
	st.flags = topFlags()
	dash := false
	for _, w := range words {
		switch {
		case st.pending != "":
			st.pending = ""
		case !dash && w == "--":
			dash = true
		case !dash && strings.HasPrefix(w, "-") && len(w) > 1:
			if !strings.Contains(w, "=") && takesValue(st, w) {
				st.pending = strings.TrimLeft(w, "-")
				if f := shortFlag(st.flags, w); f != nil {
					st.pending = f.Name
				}
			}
		case st.cmd == nil:
			st.cmd = findCommand(w)
			if st.cmd == nil || st.cmd.hidden {
				return lineState{flags: topFlags(), unknown: true}
			}
			if st.cmd.name == "sim" {
				st.flags = simFlags()
			} else {
				st.flags, _ = (&cli{changed: map[string]bool{}}).flagSet(st.cmd)
			}
		case st.cmd.name == "sim" && st.sub == "":
			st.sub = w
			if doc := simSubHelp(w); doc != nil {
				st.subOpts = doc.opts
			}
		default:
			st.args = append(st.args, w)
		}
	}
	return st
}

func topFlags() *pflag.FlagSet {
	fs := pflag.NewFlagSet("runbook", pflag.ContinueOnError)
	fs.SortFlags = false
	(&cli{}).globalFlags(fs)
	fs.BoolP("help", "h", false, "")
	fs.Bool("version", false, "")
	return fs
}

func simFlags() *pflag.FlagSet {
	fs := pflag.NewFlagSet("runbook sim", pflag.ContinueOnError)
	fs.SortFlags = false
	(&cli{}).globalFlags(fs)
	fs.BoolP("help", "h", false, "")
	return fs
}

func shortFlag(fs *pflag.FlagSet, w string) *pflag.Flag {
	if strings.HasPrefix(w, "--") || len(w) != 2 {
		return nil
	}
	return fs.ShorthandLookup(w[1:])
}

// takesValue reports whether the option w needs a value (the next word).
func takesValue(st lineState, w string) bool {
	f := shortFlag(st.flags, w)
	if f == nil && strings.HasPrefix(w, "--") {
		f = st.flags.Lookup(w[2:])
	}
	if f != nil {
		return f.Value.Type() != "bool"
	}
	for _, o := range st.subOpts {
		if "--"+o.name == w {
			return o.value != ""
		}
	}
	return false
}

// optionWords lists the options that fit where the line is.
func optionWords(st lineState) []string {
	var out []string
	st.flags.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			out = append(out, "--"+f.Name)
		}
	})
	for _, o := range st.subOpts {
		if !slices.Contains(out, "--"+o.name) {
			out = append(out, "--"+o.name)
		}
	}
	return out
}

// completeValue completes the value of option name.
func completeValue(st lineState, name, cur string) (string, []string) {
	switch name {
	case "param", "p":
		return ":words", paramWords(st, cur)
	case "params-file", "xe", "ifup", "reboot":
		return ":files", nil
	case "state-dir", "root", "dir":
		return ":dirs", nil
	}
	return ":words", nil
}

// paramWords completes -p NAME=VALUE from the declarations of the
// runbook on the line: "NAME=" first, then the values of a bool or of a
// parameter with choices.
func paramWords(st lineState, cur string) []string {
	if len(st.args) == 0 {
		return nil
	}
	rb, err := engine.Open(st.args[0], runbooks.FS)
	if err != nil {
		return nil
	}
	name, _, hasValue := strings.Cut(cur, "=")
	if !hasValue {
		var out []string
		for _, p := range rb.Params {
			out = append(out, p.Name+"=")
		}
		return matching(cur, out)
	}
	p := rb.Param(name)
	if p == nil {
		return nil
	}
	vals := p.Choices
	if p.Type == "bool" {
		vals = []string{"true", "false"}
	}
	var out []string
	for _, v := range vals {
		out = append(out, name+"="+v)
	}
	return matching(cur, out)
}

// matching keeps the candidates that start with prefix.
func matching(prefix string, cands []string) []string {
	var out []string
	for _, c := range cands {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}
