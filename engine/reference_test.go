package engine

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
