package sitetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/rogpeppe/go-internal/testscript"
)

// ExitsCmd is the script command
//
//	exits N PROGRAM [ARGS...]
//
// It runs PROGRAM like exec and fails unless it exits with status N (N
// may list alternatives: 2|3; a program killed by a signal has the
// status a shell reports, 128 + the signal). Its stdout and stderr are
// kept for the next stdout, stderr, cmp and json commands. It does not
// take !: the status wanted says it all.
func ExitsCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("exits does not take !: give the exit status wanted")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: exits N PROGRAM [ARGS...]")
	}
	want, err := parseStatuses(args[0])
	if err != nil {
		ts.Fatalf("exits: %v", err)
	}
	got, err := exitStatus(ts.Exec(args[1], args[2:]...))
	if err != nil {
		ts.Fatalf("exits: %v", err)
	}
	if !slices.Contains(want, got) {
		ts.Fatalf("exit status %d, want %s", got, args[0])
	}
}

// parseStatuses reads N or N|M|... of exits.
func parseStatuses(s string) ([]int, error) {
	var want []int
	for _, f := range strings.Split(s, "|") {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 || n > 255 {
			return nil, errors.New("status " + strconv.Quote(s) + ": want a number 0-255 (or alternatives such as 2|3)")
		}
		want = append(want, n)
	}
	return want, nil
}

// exitStatus is the status of a finished program as a shell reports it.
// An error that is not an exit status (the program was not found) is
// returned as it is.
func exitStatus(err error) (int, error) {
	if err == nil {
		return 0, nil
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return 0, err
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal()), nil
	}
	return ee.ExitCode(), nil
}

// JSONCmd is the script command
//
//	json PATH [WANT]
//
// It reads the stdout of the last command as one JSON value and checks
// the value at PATH: dot-separated object keys and list positions,
// counted from 1 like step seqs (steps.3.status). A string value must
// equal WANT as it is; any other value must equal WANT as compact JSON
// (true, 2, null, ["eth2","eth3"]). Without WANT, PATH must exist. With
// !, the value differs from WANT (or PATH is absent).
func JSONCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: json PATH [WANT]")
	}
	got, found, err := JSONValue(ts.ReadFile("stdout"), args[0])
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

// JSONValue finds the value at path in the JSON text doc, as JSONCmd
// does, and renders it for comparison: a string as it is, anything else
// as compact JSON. found is false when path leads nowhere; err is set
// when doc is not JSON or a list position is not a number from 1.
func JSONValue(doc, path string) (value string, found bool, err error) {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", false, errors.New("the last command's stdout is not JSON: " + err.Error())
	}
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
