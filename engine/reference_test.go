package engine

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/builtins"
	"go.starlark.net/starlark"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestReference keeps docs/builtins.md in step with the builtins.
func TestReference(t *testing.T) {
	path := filepath.Join("..", "docs", "builtins.md")
	want := Reference()
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != want {
		t.Fatalf("docs/builtins.md is stale; regenerate it with: go test ./engine -run TestReference -update")
	}
	for name := range predeclaredSet() {
		if !strings.Contains(want, "`"+name) && !strings.Contains(want, ", "+name) {
			t.Errorf("predeclared %s is not documented in the reference", name)
		}
	}
}

// TestReferenceExamples compiles the example of every builtin, so an
// example cannot use a name that does not exist or bad syntax.
func TestReferenceExamples(t *testing.T) {
	docs := append([]BuiltinDoc(nil), engineDocs...)
	for _, f := range builtins.Funcs() {
		docs = append(docs, BuiltinDoc{Sig: f.Sig, Doc: f.Doc, Example: f.Example})
	}
	for _, d := range docs {
		if d.Example == "" {
			t.Errorf("%s: no example", d.Sig)
			continue
		}
		if _, _, err := starlark.SourceProgramOptions(fileOptions, "example.star", d.Example, isPredeclared); err != nil {
			t.Errorf("%s: example does not compile: %v", d.Sig, err)
		}
	}
}

// TestReadmeListsXenLibrary keeps the README's table of lib/xen.star in
// step with the library: every public function has a row.
func TestReadmeListsXenLibrary(t *testing.T) {
	lib, err := os.ReadFile(filepath.Join("..", "runbooks", "lib", "xen.star"))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range regexp.MustCompile(`(?m)^def ([a-z][a-z0-9_]*)\(`).FindAllStringSubmatch(string(lib), -1) {
		n++
		if !strings.Contains(string(readme), "| `"+m[1]+"(") {
			t.Errorf("README.md: lib/xen.star's %s has no row in the table of lib/xen.star functions", m[1])
		}
	}
	if n < 10 {
		t.Fatalf("found %d functions in lib/xen.star, want the library's (at least 10)", n)
	}
}
