package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/runbook-dev/runbook/engine"
	"github.com/runbook-dev/runbook/runbooks"
	"github.com/spf13/pflag"
)

func exportCommand() *command {
	return &command{
		name:    "export",
		summary: "write an editable copy of a runbook and the files it loads",
		usage:   "RUNBOOK DIR [--force]",
		help: `
Writes the runbook and every library file it loads into DIR, keeping their
relative paths, so the copy runs unchanged: 'runbook run DIR/NAME.star'. For
a shipped runbook it also writes starter test scenarios, DIR/tests/NAME.txtar,
that pass as they are: 'cd DIR && runbook test' (see 'runbook test --help').
A scenario file that exists is kept.

Several runbooks can be exported into one DIR: a file that is already there
with the same content is left as it is. One that differs (a library file the
site edited, say) stops the export before anything is written, unless
--force is given: the file is then replaced, and the one that was there is
kept as FILE.orig.`,
		setup: func(c *cli, fs *pflag.FlagSet) func([]string) error {
			force := fs.Bool("force", false, "replace files that differ, keeping each as FILE.orig")
			return func(args []string) error {
				if len(args) != 2 {
					return &usageError{msg: fmt.Sprintf("export: want RUNBOOK DIR, got %s", plural(len(args), "argument")), hint: "runbook export --help"}
				}
				rb, err := c.openRunbook(args[:1], "export")
				if err != nil {
					return err
				}
				return c.export(rb, args[1], *force)
			}
		},
	}
}

// exportFile is one file export writes.
type exportFile struct {
	path    string // in DIR
	data    []byte
	starter bool // a starter scenario: kept when it exists
}

// exportPlan is what export does with each file, decided before anything
// is written.
type exportPlan struct {
	write, same, keep, replace []exportFile
}

func (c *cli) export(rb *engine.Runbook, dir string, force bool) error {
	names := make([]string, 0, len(rb.Files))
	for n := range rb.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	var files []exportFile
	for _, n := range names {
		files = append(files, exportFile{path: filepath.Join(dir, filepath.FromSlash(n)), data: rb.Files[n]})
	}
	if starter, ok := starterTests(rb); ok {
		files = append(files, exportFile{path: filepath.Join(dir, "tests", rb.Name+".txtar"), data: starter, starter: true})
	}
	plan, err := planExport(files, rb.Name, force)
	if err != nil {
		return err
	}
	for _, f := range plan.replace {
		orig, err := keepOrig(f.path)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if err := writeExport(f); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "replaced %s (the one that was there is %s)\n", f.path, orig)
	}
	for _, f := range plan.write {
		if err := writeExport(f); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "wrote %s\n", f.path)
	}
	for _, f := range plan.same {
		fmt.Fprintf(c.stdout, "unchanged %s (the same as %s's)\n", f.path, rb.Name)
	}
	for _, f := range plan.keep {
		fmt.Fprintf(c.stdout, "kept %s (it exists)\n", f.path)
	}
	fmt.Fprintf(c.stdout, "run it with: runbook run %s\n", filepath.Join(dir, rb.Main))
	if _, ok := starterTests(rb); ok {
		fmt.Fprintf(c.stdout, "test it with: cd %s && runbook test\n", dir)
	}
	return nil
}

// planExport sorts the files by what export does with them, or returns
// every file that stops it.
func planExport(files []exportFile, name string, force bool) (*exportPlan, error) {
	plan := &exportPlan{}
	var probs []string
	for _, f := range files {
		fi, err := os.Lstat(f.path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			plan.write = append(plan.write, f)
			continue
		case err != nil:
			probs = append(probs, fmt.Sprintf("export: %v", err))
			continue
		case f.starter:
			plan.keep = append(plan.keep, f)
			continue
		case !fi.Mode().IsRegular():
			probs = append(probs, fmt.Sprintf("export: %s exists and is not a file; move it away, or export into another directory", f.path))
			continue
		}
		have, err := os.ReadFile(f.path)
		switch {
		case err != nil:
			probs = append(probs, fmt.Sprintf("export: %v", err))
		case bytes.Equal(have, f.data):
			plan.same = append(plan.same, f)
		case force:
			plan.replace = append(plan.replace, f)
		default:
			probs = append(probs, fmt.Sprintf("export: %s exists and differs from %s's; keep it by exporting into another directory, or pass --force to replace it (it is then kept as %s.orig)", f.path, name, f.path))
		}
	}
	if len(probs) > 0 {
		return nil, &usageError{msg: strings.Join(probs, "\n"), hint: "runbook export --help"}
	}
	return plan, nil
}

// keepOrig renames a file that export replaces to FILE.orig, or
// FILE.orig.N when that exists, and returns the new name.
func keepOrig(p string) (string, error) {
	for i := 0; ; i++ {
		orig := p + ".orig"
		if i > 0 {
			orig = fmt.Sprintf("%s.orig.%d", p, i)
		}
		if _, err := os.Lstat(orig); errors.Is(err, fs.ErrNotExist) {
			return orig, os.Rename(p, orig)
		}
	}
}

func writeExport(f exportFile) error {
	if err := os.MkdirAll(filepath.Dir(f.path), 0o755); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := os.WriteFile(f.path, f.data, 0o644); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// starterTests returns the starter scenarios of a shipped runbook.
func starterTests(rb *engine.Runbook) ([]byte, bool) {
	if rb.Origin != engine.ShippedOrigin {
		return nil, false
	}
	data, err := runbooks.Tests.ReadFile(path.Join("tests", rb.Name+".txtar"))
	return data, err == nil
}
