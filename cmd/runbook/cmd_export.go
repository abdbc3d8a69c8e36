package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/spf13/pflag"
)

func exportCommand() *command {
	return &command{
		name:    "export",
		summary: "write an editable copy of a runbook and the files it loads",
		usage:   "RUNBOOK DIR [--force]",
		help: `
Writes the runbook and every library file it loads into DIR, keeping their
relative paths, so the copy runs unchanged: 'runbook run DIR/NAME.star'.
Existing files are not overwritten unless --force is given.`,
		setup: func(c *cli, fs *pflag.FlagSet) func([]string) error {
			force := fs.Bool("force", false, "overwrite existing files")
			return func(args []string) error {
				if len(args) != 2 {
					return &usageError{msg: fmt.Sprintf("export: want RUNBOOK DIR, got %s", plural(len(args), "argument")), hint: "runbook export --help"}
				}
				rb, err := c.openRunbook(args[:1], "export")
				if err != nil {
					return err
				}
				dir := args[1]
				names := make([]string, 0, len(rb.Files))
				for n := range rb.Files {
					names = append(names, n)
				}
				sort.Strings(names)
				if !*force {
					for _, n := range names {
						p := filepath.Join(dir, filepath.FromSlash(n))
						if _, err := os.Stat(p); err == nil {
							return &usageError{msg: fmt.Sprintf("export: %s exists; choose an empty directory or pass --force", p)}
						} else if !errors.Is(err, os.ErrNotExist) {
							return err
						}
					}
				}
				for _, n := range names {
					p := filepath.Join(dir, filepath.FromSlash(n))
					if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
						return fmt.Errorf("export: %w", err)
					}
					if err := os.WriteFile(p, rb.Files[n], 0o644); err != nil {
						return fmt.Errorf("export: %w", err)
					}
					fmt.Fprintf(c.stdout, "wrote %s\n", p)
				}
				fmt.Fprintf(c.stdout, "run it with: runbook run %s\n", filepath.Join(dir, rb.Main))
				return nil
			}
		},
	}
}
