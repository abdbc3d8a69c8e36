package main

import (
	"encoding/json"

	"github.com/runbook-dev/runbook/engine"
)

// dryRunJSON runs `run --dry-run --json`: the progress lines are not
// printed (stdout holds only the document), warnings and the error
// still go to stderr, and the exit status is the dry run's.
func (c *cli) dryRunJSON(e *engine.Engine, rb *engine.Runbook, pv *engine.ParamValues) error {
	e.Report = engine.NewReporter(discard{}, c.stderr, false)
	rep, err := e.DryRunJSON(c.ctx, rb, pv)
	if rep != nil {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if werr := enc.Encode(rep); werr != nil && err == nil {
			err = werr
		}
	}
	return err
}

// discard is an io.Writer that drops what it gets.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
