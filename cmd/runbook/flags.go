package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

// Annotations that describe an option in help, beside its usage text.
const (
	annValue   = "runbook/value"   // what the value is: DIR, PROG, N
	annEnv     = "runbook/env"     // the environment variable behind it
	annDefault = "runbook/default" // the built-in default, as help shows it
)

// describe names an option's value, environment variable and built-in
// default for help; empty strings are left out.
func describe(fs *pflag.FlagSet, name, value, env, def string) {
	for _, a := range [][2]string{{annValue, value}, {annEnv, env}, {annDefault, def}} {
		if a[1] != "" {
			fs.SetAnnotation(name, a[0], []string{a[1]})
		}
	}
}

// globalFlags registers the options every command accepts; their values
// start from the environment (see defaults).
func (c *cli) globalFlags(fs *pflag.FlagSet) {
	fs.StringVar(&c.stateDir, "state-dir", c.stateDir, "where runs are journaled")
	describe(fs, "state-dir", "DIR", "RUNBOOK_STATE_DIR", "/var/lib/runbook")
	fs.StringVar(&c.root, "root", c.root, "every host path is taken under DIR")
	describe(fs, "root", "DIR", "RUNBOOK_ROOT", "/")
	fs.StringVar(&c.xe, "xe", c.xe, "the xe program")
	describe(fs, "xe", "PROG", "RUNBOOK_XE", "xe")
	fs.StringVar(&c.ifup, "ifup", c.ifup, "the ifup program")
	describe(fs, "ifup", "PROG", "RUNBOOK_IFUP", "ifup")
	fs.StringVar(&c.reboot, "reboot", c.reboot, "the reboot program")
	describe(fs, "reboot", "PROG", "RUNBOOK_REBOOT", "reboot")
	fs.DurationVar(&c.xapiTimeout, "xapi-timeout", c.xapiTimeout, "wait for xapi after a reboot")
	describe(fs, "xapi-timeout", "DUR", "RUNBOOK_XAPI_TIMEOUT", "10m")
	fs.DurationVar(&c.callTimeout, "call-timeout", c.callTimeout, "limit for each program a runbook runs, unless the call sets timeout=")
	describe(fs, "call-timeout", "DUR", "RUNBOOK_CALL_TIMEOUT", "10m")
	fs.BoolVar(&c.noColor, "no-color", c.noColor, "never colour the output")
	describe(fs, "no-color", "", "NO_COLOR", "")
}

// globalNames are the names of the global options, in help order.
func globalNames() []string {
	var names []string
	fs := pflag.NewFlagSet("", pflag.ContinueOnError)
	fs.SortFlags = false
	(&cli{}).globalFlags(fs)
	fs.VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
	return names
}

func isGlobal(name string) bool {
	for _, n := range globalNames() {
		if n == name {
			return true
		}
	}
	return false
}

// optDoc is one option as help shows it.
type optDoc struct {
	short, name, value, usage string
}

// optDocs lists the options of fs in definition order; global ones only
// if global, else only the others.
func optDocs(fs *pflag.FlagSet, global bool) []optDoc {
	var docs []optDoc
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden || isGlobal(f.Name) != global {
			return
		}
		d := optDoc{short: f.Shorthand, name: f.Name, usage: f.Usage}
		if v := f.Annotations[annValue]; len(v) > 0 {
			d.value = v[0]
		} else if f.Value.Type() != "bool" {
			d.value = valueName(f.Value.Type())
		}
		var extra []string
		if v := f.Annotations[annEnv]; len(v) > 0 {
			extra = append(extra, v[0])
		}
		if v := f.Annotations[annDefault]; len(v) > 0 {
			extra = append(extra, "default "+v[0])
		} else if !global && f.Value.Type() != "bool" && f.DefValue != "" && f.DefValue != "0" && f.DefValue != "[]" {
			extra = append(extra, "default "+f.DefValue)
		}
		if len(extra) > 0 {
			// Kept on one line when the text is wrapped.
			d.usage += " " + strings.ReplaceAll("("+strings.Join(extra, ", ")+")", " ", nbsp)
		}
		docs = append(docs, d)
	})
	return docs
}

// valueName is what help calls the value of an option of a pflag type.
func valueName(typ string) string {
	switch typ {
	case "int", "int64", "uint", "uint64":
		return "N"
	case "duration":
		return "DUR"
	}
	return "VALUE"
}

// writeOpts prints options in two columns. The short-option column is
// there only when one of them has a short form.
func writeOpts(w io.Writer, docs []optDoc) {
	shorts := false
	for _, d := range docs {
		shorts = shorts || d.short != ""
	}
	left := make([]string, len(docs))
	width := 0
	for i, d := range docs {
		s := "--" + d.name
		if d.value != "" {
			s += " " + d.value
		}
		switch {
		case d.short != "":
			s = "-" + d.short + ", " + s
		case shorts:
			s = "    " + s
		}
		left[i] = s
		if len(s) <= 26 {
			width = max(width, len(s))
		}
	}
	for i, d := range docs {
		lines := wrap(d.usage, helpWidth-2-width-3)
		if len(left[i]) > width {
			fmt.Fprintf(w, "  %s\n", left[i])
		} else {
			fmt.Fprintf(w, "  %-*s   %s\n", width, left[i], strings.ReplaceAll(lines[0], nbsp, " "))
			lines = lines[1:]
		}
		for _, l := range lines {
			fmt.Fprintf(w, "  %*s   %s\n", width, "", strings.ReplaceAll(l, nbsp, " "))
		}
	}
}

// nbsp joins words that wrap keeps on one line; it prints as a space.
const nbsp = "\x00"

// helpWidth is the width help text is wrapped to.
const helpWidth = 80

// wrap breaks s into lines of at most n bytes, at spaces (a longer word
// gets a line of its own).
func wrap(s string, n int) []string {
	n = max(n, 20)
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case len(line)+1+len(word) <= n:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	return append(lines, line)
}

// globalOptionsHelp is the block of global options in every help text,
// generated from the flag set.
func globalOptionsHelp(w io.Writer) {
	fs := pflag.NewFlagSet("", pflag.ContinueOnError)
	fs.SortFlags = false
	(&cli{}).globalFlags(fs)
	fmt.Fprintln(w, "Global options (before or after any command; each has an environment variable):")
	writeOpts(w, optDocs(fs, true))
}

// flagError turns a parse error of pflag into a usage error that names
// the option, the value and what is wanted, with a did-you-mean for a
// misspelt option. cmd is the command ("run", "sim fault") or "".
func flagError(err error, fs *pflag.FlagSet, cmd string) error {
	prefix, hint := "", "runbook help"
	if cmd != "" {
		prefix, hint = cmd+": ", "runbook "+cmd+" --help"
	}
	var (
		notExist *pflag.NotExistError
		noValue  *pflag.ValueRequiredError
		invalid  *pflag.InvalidValueError
	)
	switch {
	case errors.As(err, &notExist):
		if s := notExist.GetSpecifiedShortnames(); s != "" {
			return &usageError{msg: fmt.Sprintf("%sunknown option -%s (in -%s)", prefix, notExist.GetSpecifiedName(), s), hint: hint}
		}
		return unknownOption(prefix, notExist.GetSpecifiedName(), flagNames(fs), hint)
	case errors.As(err, &noValue):
		f := noValue.GetFlag()
		return &usageError{msg: fmt.Sprintf("%s--%s needs a value: --%s %s", prefix, f.Name, f.Name, optValue(f)), hint: hint}
	case errors.As(err, &invalid):
		f := invalid.GetFlag()
		return &usageError{msg: fmt.Sprintf("%s--%s: got %q, want %s", prefix, f.Name, invalid.GetValue(), wantOf(f)), hint: hint}
	}
	return &usageError{msg: prefix + err.Error(), hint: hint}
}

// unknownOption is the error for --name, which is not an option here.
func unknownOption(prefix, name string, known []string, hint string) error {
	msg := fmt.Sprintf("%sunknown option --%s", prefix, name)
	if near := nearest(name, known); near != "" {
		msg += fmt.Sprintf("; did you mean --%s?", near)
	}
	return &usageError{msg: msg, hint: hint}
}

func flagNames(fs *pflag.FlagSet) []string {
	var names []string
	fs.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
		}
	})
	return names
}

func optValue(f *pflag.Flag) string {
	if v := f.Annotations[annValue]; len(v) > 0 {
		return v[0]
	}
	return valueName(f.Value.Type())
}

// wantOf says what values an option takes.
func wantOf(f *pflag.Flag) string {
	switch f.Value.Type() {
	case "bool":
		return "true or false"
	case "duration":
		return `a duration such as "30s" or "10m"`
	case "uint", "uint64":
		return "a whole number such as " + f.DefValue
	case "int", "int64":
		return "a whole number"
	}
	return "a " + strings.ToLower(optValue(f))
}

// plural is "1 file", "2 files".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// refuseGiven refuses the named options if the command line gave any of
// them (before or after the command), naming them all: a command that
// sets them itself would otherwise ignore them silently.
func (c *cli) refuseGiven(cmd, why string, names ...string) error {
	var given []string
	for _, n := range names {
		if c.changed[n] {
			given = append(given, "--"+n)
		}
	}
	if len(given) == 0 {
		return nil
	}
	verb := "is"
	if len(given) > 1 {
		verb = "are"
	}
	return &usageError{msg: fmt.Sprintf("%s: %s %s not for %s: %s", cmd, andList(given), verb, cmd, why), hint: "runbook " + cmd + " --help"}
}

// andList is "a", "a and b", "a, b and c".
func andList(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
