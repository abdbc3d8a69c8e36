package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/runbook-dev/runbook/builtins"
	"github.com/runbook-dev/runbook/engine"
	"github.com/spf13/pflag"
)

func statusCommand() *command {
	return &command{
		name:    "status",
		summary: "show the current or last run, or any run by its id",
		usage:   "[RUN-ID] [--json] [-v] [--watch] [--state-dir DIR]",
		help: `
Shows the current or last run of the state directory, or the run RUN-ID (see
'runbook runs'): runbook, parameters, state, when it started and how long it
took (how long the current step has been running, while it runs), each step
with its status, the error if any, the backups of replaced files, and whether
the runbook on disk differs from the copy pinned when the run started. Times
are in the local zone, to the second. A run that ended refused shows state
"refused". -v also shows each program a step ran: its argv (credentials
redacted), exit status and duration. It works while a run is in progress.
With no run at all it says so and exits 0; an unknown RUN-ID is an error
(exit 2) that lists the nearest ids.

--watch follows the run (the current one, or RUN-ID): it re-reads the journal
every second and prints each step as its status changes, and each change of
state or of the process running it (the boot hook's resume takes over the same
run after a reboot), until the run has succeeded, failed, been aborted or been
interrupted; a run waiting for its reboot is followed through it. It exits with
the run's outcome: 0 succeeded, 1 failed or aborted, 2 refused without
changing the host, 130/143 interrupted by SIGINT/SIGTERM. Interrupting the
watch stops only the watch (exit 130); the run goes on.

--json prints a stable object for fleet tools (fields are only ever added):
  {"runbook": str, "id": str,
   "state": "running|rebooting|interrupted|failed|succeeded|aborted",
   "refused": true (a failed run that ended refused),
   "params": {...}, "steps": [{"seq": int, "name": str, "status":
   "ok|changed|failed|running|rebooted", "kind": str, "pos": str,
   "attempts": int, "changed": bool, "error": str (failed steps),
   "in_doubt": true (a failed step whose mutating program was cut off),
   "started": str, "ended": str (finished steps),
   "calls": [{"argv": [str], "exit": int (-1: did not exit), "duration_ms":
   int, "stdout": str, "stderr": str (their first 2 KiB), "truncated": bool,
   "error": str (a program cut off)}]}],
   "error": str|null, "changed_host": bool, "source_changed": bool,
   "origin": str, "run_dir": str, "journal": str, "log": str,
   "started": str, "updated": str, "ended": str (a run that ended),
   "duration": seconds, "version": str (of the binary that started it),
   "holder": {...} (running),
   "backups": [{"path": str, "backup": str, "existed": bool, "step": int}],
   "warnings": [str] (what the runbook's warn() said, in order)}
Times are RFC 3339, UTC. With no run: {"state": "none"}; with a journal that
has no complete header (the run never started): {"state": "none", "note":
str}. "children" lists programs a killed process left running: [{"pid",
"prog", "step"}]; "calls" at the top level lists the programs run outside
any step (the xapi probe after a boot).`,
		setup: func(c *cli, fs *pflag.FlagSet) func([]string) error {
			asJSON := fs.Bool("json", false, "print JSON")
			verbose := fs.BoolP("verbose", "v", false, "show the programs each step ran")
			watch := fs.Bool("watch", false, "follow the run until it ends; exit with its outcome")
			return func(args []string) error {
				if len(args) > 1 {
					return &usageError{msg: fmt.Sprintf("status takes at most one RUN-ID, got %s", plural(len(args), "argument")), hint: "runbook runs"}
				}
				var st *engine.Status
				var err error
				if len(args) == 1 {
					st, err = c.engine().StatusOf(args[0])
					var ue *engine.UnknownRunError
					if errors.As(err, &ue) {
						return unknownRun(ue)
					}
				} else {
					st, err = c.engine().Status()
				}
				if st == nil {
					return err
				}
				if *watch {
					if *asJSON {
						return &usageError{msg: "status: --watch prints lines as the run goes; --json prints one object: give one of them", hint: "runbook status --help"}
					}
					return c.watch(st)
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
					printStatus(c.stdout, st, *verbose, time.Now())
				}
				if err != nil {
					fmt.Fprintf(c.stderr, "runbook: %v\n", err)
				}
				return nil
			}
		},
	}
}

// unknownRun is the error for a RUN-ID the state dir does not have: it
// names the id and lists the nearest ones there are.
func unknownRun(e *engine.UnknownRunError) error {
	msg := e.Error()
	if len(e.Known) == 0 {
		return &usageError{msg: msg + ": it has no runs", hint: "runbook runs"}
	}
	if near := nearest(e.ID, e.Known); near != "" {
		msg += fmt.Sprintf("; did you mean %s?", near)
	}
	ids := append([]string(nil), e.Known...)
	sort.SliceStable(ids, func(i, j int) bool { return editDistance(e.ID, ids[i]) < editDistance(e.ID, ids[j]) })
	if len(ids) > 3 {
		ids = ids[:3]
	}
	msg += "\nnearest runs there:\n  " + strings.Join(ids, "\n  ")
	return &usageError{msg: msg, hint: "runbook runs"}
}

// localTime shows an RFC 3339 time in the local zone, to the second.
func localTime(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.Local().Format("2006-01-02 15:04:05 MST")
}

// seconds shows a duration in seconds as the recap does: 1m42s, 0.3s.
func seconds(sec float64) string {
	return engine.HumanDuration(time.Duration(sec * float64(time.Second)))
}

// shownState is the state as the text of status and runs show it: a
// refused run reads "refused" (in JSON its state stays "failed").
func shownState(state string, refused bool) string {
	if refused && state == engine.StateFailed {
		return "refused"
	}
	return state
}

func printStatus(w io.Writer, st *engine.Status, verbose bool, now time.Time) {
	if st.State == engine.StateNone {
		fmt.Fprintln(w, "no run in this state dir")
		if st.Note != "" {
			fmt.Fprintf(w, "note:     %s\n", st.Note)
		}
		return
	}
	fmt.Fprintf(w, "runbook:  %s (%s)\n", st.Runbook, st.Origin)
	fmt.Fprintf(w, "run:      %s\n", st.ID)
	fmt.Fprintf(w, "state:    %s\n", shownState(st.State, st.Refused))
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
	fmt.Fprintf(w, "started:  %s\nupdated:  %s\n", localTime(st.Started), localTime(st.Updated))
	if st.Ended != "" {
		fmt.Fprintf(w, "ended:    %s\n", localTime(st.Ended))
	}
	took := seconds(st.Duration)
	switch st.State {
	case engine.StateRunning:
		took += " so far"
	case engine.StateRebooting, engine.StateInterrupted:
		took += " until its last record"
	}
	fmt.Fprintf(w, "duration: %s\n", took)
	if st.Version != "" {
		fmt.Fprintf(w, "binary:   runbook %s\n", st.Version)
	}
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
		if s.Status == engine.StepRunning && st.State == engine.StateRunning {
			if t, err := time.Parse(time.RFC3339Nano, s.Started); err == nil {
				extra += fmt.Sprintf("  (running for %s)", seconds(now.Sub(t).Seconds()))
			}
		}
		fmt.Fprintf(w, "  %-9s%s%s\n", s.Status, s.Name, extra)
		if s.Error != nil {
			fmt.Fprintf(w, "           %s\n", strings.ReplaceAll(*s.Error, "\n", "\n           "))
		}
		if verbose {
			printCalls(w, s.Calls)
		}
	}
	if verbose && len(st.Calls) > 0 {
		fmt.Fprintln(w, "outside steps:")
		printCalls(w, st.Calls)
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

// printCalls shows the programs of a step, one a line: argv, then its
// exit status (or why it did not exit) and duration.
func printCalls(w io.Writer, calls []engine.Call) {
	for _, c := range calls {
		end := fmt.Sprintf("exit %d", c.Exit)
		if c.Error != "" {
			end = c.Error
		}
		fmt.Fprintf(w, "           $ %s  (%s, %dms)\n", builtins.ShellJoin(c.Argv), end, c.DurationMs)
	}
}
