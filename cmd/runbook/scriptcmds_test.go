package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/runbook-dev/runbook/internal/journal"
)

// scriptCmds are the commands the CLI scripts have beyond testscript's:
//
//	exits N PROGRAM [ARGS...]
//	    runs PROGRAM like exec and fails unless it exits with status N
//	    (N may list alternatives: 2|3); its stdout and stderr are kept for
//	    the next stdout, stderr, cmp and json commands.
//	json PATH [WANT]
//	    reads the stdout of the last command as one JSON value and checks
//	    the value at PATH: dot-separated object keys and list positions,
//	    counted from 1 like step seqs (steps.3.status). A string value must
//	    equal WANT as it is; any other value must equal WANT as compact
//	    JSON (true, 2, null, ["eth2","eth3"]). Without WANT, PATH must
//	    exist. With !, the value differs from WANT (or PATH is absent).
func scriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"exits":  cmdExits,
		"json":   cmdJSON,
		"reseal": cmdReseal,
	}
}

// cmdReseal recomputes the checksums of the current run's journal after
// a deliberate edit, as a forger who knows the format would.
func cmdReseal(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: reseal")
	}
	state := ts.Getenv("RUNBOOK_STATE_DIR")
	id, err := os.ReadFile(filepath.Join(state, "current"))
	ts.Check(err)
	p := filepath.Join(state, "runs", strings.TrimSpace(string(id)), "journal.jsonl")
	b, err := os.ReadFile(p)
	ts.Check(err)
	ts.Check(os.WriteFile(p, journal.Reseal(b), 0o600))
}

func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("exits does not take !: give the exit status wanted")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: exits N PROGRAM [ARGS...]")
	}
	var want []int
	for _, s := range strings.Split(args[0], "|") {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 255 {
			ts.Fatalf("exits: status %q: want a number 0-255 (or alternatives such as 2|3)", args[0])
		}
		want = append(want, n)
	}
	err := ts.Exec(args[1], args[2:]...)
	got := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
		// Killed by a signal: the status a shell reports (137 for SIGKILL).
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			got = 128 + int(ws.Signal())
		}
	}
	if !slices.Contains(want, got) {
		ts.Fatalf("exit status %d, want %s", got, args[0])
	}
}

func cmdJSON(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: json PATH [WANT]")
	}
	out := ts.ReadFile("stdout")
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		ts.Fatalf("json: the last command's stdout is not JSON: %v", err)
	}
	got, found, err := jsonAt(v, args[0])
	if err != nil {
		ts.Fatalf("json %s: %v", args[0], err)
	}
	if len(args) == 1 {
		switch {
		case found && neg:
			ts.Fatalf("json %s: present (%s), want it absent", args[0], got)
		case !found && !neg:
			ts.Fatalf("json %s: absent", args[0])
		}
		return
	}
	match := found && got == args[1]
	switch {
	case match && neg:
		ts.Fatalf("json %s: got %s, want anything else", args[0], got)
	case !match && !neg && !found:
		ts.Fatalf("json %s: absent, want %s", args[0], args[1])
	case !match && !neg:
		ts.Fatalf("json %s: got %s, want %s", args[0], got, args[1])
	}
}

// jsonAt finds the value at path and renders it for comparison: a string
// as it is, anything else as compact JSON.
func jsonAt(v any, path string) (string, bool, error) {
	for _, key := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			next, ok := x[key]
			if !ok {
				return "", false, nil
			}
			v = next
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 1 {
				return "", false, errors.New("list position " + strconv.Quote(key) + ": want a number from 1")
			}
			if i > len(x) {
				return "", false, nil
			}
			v = x[i-1]
		default:
			return "", false, nil
		}
	}
	if s, ok := v.(string); ok {
		return s, true, nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n"), true, nil
}
