package sitetest

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/runbook-dev/runbook/sim"
)

// A stub is a program a site runbook runs that the simulated host does
// not have. `stub NAME EXIT [STDOUT]` puts NAME in the scenario's bin
// directory: a link to this binary, with NAME.stub beside it saying what
// to print and how to exit. The binary, invoked under a name that has
// such a file beside it on PATH, is that stub (StubMain): it appends its
// argv to NAME.calls, prints STDOUT and exits EXIT. No shell is involved.

// stubSpec is the content of NAME.stub.
type stubSpec struct {
	Exit   int    `json:"exit"`
	Stdout string `json:"stdout"`
}

// Suffixes of the files beside a stub's link.
const (
	stubSuffix  = ".stub"
	callsSuffix = ".calls"
)

// stubCmd is the script command `stub NAME EXIT [STDOUT]`.
func (r *runner) stubCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("stub does not take !: give the exit status the stub returns")
	}
	if len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: stub NAME EXIT [STDOUT]")
	}
	name := args[0]
	var probs []string
	switch {
	case name == "" || strings.ContainsAny(name, "/\\") || name == "." || name == ".." || strings.HasPrefix(name, "."):
		probs = append(probs, fmt.Sprintf("stub: name %q: want a program name such as multipath, without a slash", name))
	case sim.IsProgram(name):
		probs = append(probs, fmt.Sprintf("stub: %s is a program of the simulated host, which comes first on PATH; make a call of it fail with: sim fault --match '^%s ' --fail --stderr TEXT", name, name))
	case strings.HasPrefix(name, "runbook"):
		probs = append(probs, fmt.Sprintf("stub: %s: names starting with runbook are this binary's own", name))
	}
	code, err := strconv.Atoi(args[1])
	if err != nil || code < 0 || code > 255 {
		probs = append(probs, fmt.Sprintf("stub: exit status %q: want a number 0-255", args[1]))
	}
	if len(probs) > 0 {
		ts.Fatalf("%s", strings.Join(probs, "\n"))
	}
	spec := stubSpec{Exit: code}
	if len(args) == 3 {
		spec.Stdout = args[2]
		if spec.Stdout != "" && !strings.HasSuffix(spec.Stdout, "\n") {
			spec.Stdout += "\n"
		}
	}
	dir := ts.Getenv(binEnv)
	data, err := json.Marshal(spec)
	ts.Check(err)
	ts.Check(os.WriteFile(filepath.Join(dir, name+stubSuffix), append(data, '\n'), 0o644))
	link := filepath.Join(dir, name)
	if _, err := os.Lstat(link); err != nil {
		ts.Check(os.Symlink(r.binary, link))
	}
}

// StubMain runs this binary as a stub made by the scenario command
// `stub`, when argv[0] names one: it records the call, prints what the
// stub was given and returns its exit status with ok true. When argv[0]
// is not a stub, it returns ok false at once; main calls it first.
func StubMain(argv []string, getenv func(string) string, stdout, stderr io.Writer) (code int, ok bool) {
	if len(argv) == 0 {
		return 0, false
	}
	name := filepath.Base(argv[0])
	if name == "" || strings.HasPrefix(name, "runbook") || sim.IsProgram(name) {
		return 0, false
	}
	spec, dir, found := findStub(argv[0], name, getenv)
	if !found {
		return 0, false
	}
	line := name
	for _, a := range argv[1:] {
		line += " " + quoteWord(a)
	}
	f, err := os.OpenFile(filepath.Join(dir, name+callsSuffix), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err == nil {
		_, err = io.WriteString(f, line+"\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s (stub): record the call: %v\n", name, err)
		return 1, true
	}
	io.WriteString(stdout, spec.Stdout)
	return spec.Exit, true
}

// findStub finds the stub's file: beside argv0 when it is a path, else
// beside the first NAME on PATH, as the exec that started us found it.
func findStub(argv0, name string, getenv func(string) string) (stubSpec, string, bool) {
	var dirs []string
	if strings.Contains(argv0, "/") {
		dirs = []string{filepath.Dir(argv0)}
	} else {
		for _, d := range filepath.SplitList(getenv("PATH")) {
			if fi, err := os.Stat(filepath.Join(d, name)); err == nil && !fi.IsDir() {
				dirs = []string{d}
				break
			}
		}
	}
	for _, d := range dirs {
		data, err := os.ReadFile(filepath.Join(d, name+stubSuffix))
		if err != nil {
			continue
		}
		var spec stubSpec
		if json.Unmarshal(data, &spec) != nil {
			continue
		}
		return spec, d, true
	}
	return stubSpec{}, "", false
}

// quoteWord quotes a word of a recorded call when a shell would need it,
// as `runbook sim calls` does.
func quoteWord(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`*?[]{}()<>|&;#~!") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
