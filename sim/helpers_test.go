package sim

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// newRoot makes a simulated host with seed 1 and no xapi delay.
func newRoot(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "host")
	if err := Init(root, InitOptions{Seed: 1, XapiDelay: NoXapiDelay}); err != nil {
		t.Fatal(err)
	}
	return root
}

// result is the outcome of one in-process program run.
type result struct {
	stdout, stderr string
	code           int
}

// run runs a simulated program in process against root.
func run(t *testing.T, root string, argv ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string {
		if k == "RUNBOOK_ROOT" {
			return root
		}
		return ""
	}
	code := Main(argv, getenv, strings.NewReader(""), &stdout, &stderr)
	return result{stdout.String(), stderr.String(), code}
}

// mustRun runs a program that must succeed and returns its stdout
// without the final newline.
func mustRun(t *testing.T, root string, argv ...string) string {
	t.Helper()
	r := run(t, root, argv...)
	if r.code != 0 {
		t.Fatalf("%s: exit %d, stderr %q", strings.Join(argv, " "), r.code, r.stderr)
	}
	return strings.TrimSuffix(r.stdout, "\n")
}

// loadModel reads the state of root.
func loadModel(t *testing.T, root string) *state {
	t.Helper()
	s, err := openStore(root)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	st := s.st
	return &st
}

func writeFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// boot performs the boot of root, in process, and fails the test on an
// error or a failed unit.
func boot(t *testing.T, root string) *BootResult {
	t.Helper()
	res, err := Boot(context.Background(), root, BootOptions{})
	if err != nil {
		t.Fatalf("boot: %v", err)
	}
	if f := res.Failed(); len(f) > 0 {
		t.Fatalf("boot: units failed: %+v", f)
	}
	return res
}

// poolOf is the pool directory of a root of the default layout.
func poolOf(root string) string { return filepath.Join(root, stateDir) }
