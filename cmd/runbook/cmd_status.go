package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/runbook-dev/runbook/engine"
	"github.com/spf13/pflag"
)

func statusCommand() *command {
	return &command{
		name:    "status",
		summary: "show the current or last run",
		usage:   "[--json] [--state-dir DIR]",
		help: `
Shows the current or last run of the state directory: runbook, parameters,
state, each step with its status, the error if any, the backups of replaced
files, and whether the runbook on disk differs from the copy pinned when the
run started. It works while a run is in progress. With no run at all it says
so and exits 0.

--json prints a stable object for fleet tools (fields are only ever added):
  {"runbook": str, "id": str,
   "state": "running|rebooting|interrupted|failed|succeeded|aborted",
   "params": {...}, "steps": [{"seq": int, "name": str, "status":
   "ok|changed|failed|running|rebooted", "kind": str, "pos": str,
   "attempts": int, "changed": bool, "error": str (failed steps),
   "in_doubt": true (a failed step whose mutating program was cut off)}],
   "error": str|null, "changed_host": bool, "source_changed": bool,
   "origin": str, "run_dir": str, "journal": str, "log": str,
   "started": str, "updated": str, "holder": {...} (running),
   "backups": [{"path": str, "backup": str, "existed": bool, "step": int}],
   "warnings": [str] (what the runbook's warn() said, in order)}
With no run: {"state": "none"}; with a journal that has no complete header
(the run never started): {"state": "none", "note": str}. "children" lists
programs a killed process left running: [{"pid", "prog", "step"}].`,
		setup: func(c *cli, fs *pflag.FlagSet) func([]string) error {
			asJSON := fs.Bool("json", false, "print JSON")
			return func(args []string) error {
				if len(args) != 0 {
					return &usageError{msg: "status takes no arguments", hint: "runbook status --help"}
				}
				st, err := c.engine().Status()
				if st == nil {
					return err
				}
				if *asJSON {
					var b []byte
					if st.State == engine.StateNone {
						b, _ = json.Marshal(struct {
							State string `json:"state"`
							Note  string `json:"note,omitempty"`
						}{st.State, st.Note})
					} else {
						b, _ = json.MarshalIndent(st, "", "  ")
					}
					fmt.Fprintf(c.stdout, "%s\n", b)
				} else {
					printStatus(c.stdout, st)
				}
				if err != nil {
					fmt.Fprintf(c.stderr, "runbook: %v\n", err)
				}
				return nil
			}
		},
	}
}

func printStatus(w io.Writer, st *engine.Status) {
	if st.State == engine.StateNone {
		fmt.Fprintln(w, "no run in this state dir")
		if st.Note != "" {
			fmt.Fprintf(w, "note:     %s\n", st.Note)
		}
		return
	}
	fmt.Fprintf(w, "runbook:  %s (%s)\n", st.Runbook, st.Origin)
	fmt.Fprintf(w, "run:      %s\n", st.ID)
	fmt.Fprintf(w, "state:    %s\n", st.State)
	if st.Holder != nil {
		fmt.Fprintf(w, "held by:  %s\n", st.Holder)
	}
	var params map[string]any
	if json.Unmarshal(st.Params, &params) == nil && len(params) > 0 {
		var parts []string
		dec := json.NewDecoder(strings.NewReader(string(st.Params)))
		dec.Token()
		for dec.More() {
			k, _ := dec.Token()
			var v any
			dec.Decode(&v)
			parts = append(parts, fmt.Sprintf("%v=%s", k, paramString(v)))
		}
		fmt.Fprintf(w, "params:   %s\n", strings.Join(parts, " "))
	}
	fmt.Fprintf(w, "started:  %s\nupdated:  %s\n", st.Started, st.Updated)
	if st.SourceChanged {
		fmt.Fprintf(w, "source:   %s\n", st.SourceNote)
	} else {
		fmt.Fprintln(w, "source:   unchanged since the run started")
	}
	fmt.Fprintln(w, "steps:")
	for _, s := range st.Steps {
		extra := ""
		if s.Attempts > 1 {
			extra = fmt.Sprintf("  (%d attempts)", s.Attempts)
		}
		if s.InDoubt {
			extra += "  (in doubt: the host may have changed)"
		}
		fmt.Fprintf(w, "  %-9s%s%s\n", s.Status, s.Name, extra)
		if s.Error != nil {
			fmt.Fprintf(w, "           %s\n", strings.ReplaceAll(*s.Error, "\n", "\n           "))
		}
	}
	if st.Error != nil {
		fmt.Fprintf(w, "error:    %s\n", strings.ReplaceAll(*st.Error, "\n", "\n          "))
	}
	if st.Interrupted != "" && st.State == engine.StateInterrupted {
		fmt.Fprintf(w, "stopped:  by %s; continue with 'runbook resume'\n", st.Interrupted)
	}
	for _, ch := range st.Children {
		fmt.Fprintf(w, "child:    pid %d (%s) of step %d is still running, started by a process that is gone\n", ch.PID, ch.Prog, ch.Step)
	}
	if len(st.Warnings) > 0 {
		fmt.Fprintln(w, "warnings:")
		for _, m := range st.Warnings {
			fmt.Fprintf(w, "  %s\n", strings.ReplaceAll(m, "\n", "\n  "))
		}
	}
	if len(st.Backups) > 0 {
		fmt.Fprintln(w, "backups:")
		for _, b := range st.Backups {
			if b.Existed {
				fmt.Fprintf(w, "  %s  (previous content: %s)\n", b.Path, b.Backup)
			} else {
				fmt.Fprintf(w, "  %s  (did not exist before)\n", b.Path)
			}
		}
	}
	fmt.Fprintf(w, "journal:  %s\nlog:      %s\n", st.Journal, st.Log)
}

func paramString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case []any:
		parts := make([]string, len(x))
		for i, it := range x {
			parts[i] = fmt.Sprint(it)
		}
		return strings.Join(parts, ",")
	case string:
		if x == "" || strings.ContainsAny(x, " \t") {
			return fmt.Sprintf("%q", x)
		}
		return x
	}
	return fmt.Sprint(v)
}
