package sitetest

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func writeFile(t testing.TB, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestParseScenario(t *testing.T) {
	for _, tt := range []struct {
		name  string
		text  string
		nics  int
		probs []string // each a substring of one problem, in order
	}{
		{name: "no sim line", text: "exec true\n", nics: 0},
		{name: "sim line", text: "# comment\n# sim: --nics 6 --vif db01:eth2\n\nexec true\n", nics: 6},
		{name: "indented sim line", text: "  # sim: --nics 5\nexec true\n", nics: 5},
		{name: "late", text: "exec true\n# sim: --nics 6\n", probs: []string{`x.txtar:2: the "# sim:" line must be in the comments at the top`}},
		{name: "twice", text: "# sim: --nics 6\n# sim: --hosts 2\n", nics: 6, probs: []string{`x.txtar:2: a second "# sim:" line (the first is line 1)`}},
		{name: "bad options at once", text: "# sim: --nics 0 --hosts 20\n", probs: []string{"x.txtar:1: # sim: --nics 0 --hosts 20: --hosts: got 20, want 1-16", "x.txtar:1: # sim: --nics 0 --hosts 20: --nics: got 0, want 1-16"}},
		{name: "unknown option", text: "# sim: --nix 6\n", probs: []string{"x.txtar:1: # sim: --nix 6: unknown flag: --nix"}},
		{name: "positional", text: "# sim: /tmp/host\n", probs: []string{`x.txtar:1: # sim: /tmp/host: unexpected arguments "/tmp/host": want options only`}},
		{name: "quotes", text: "# sim: --filer '10.0.0.1'\n", probs: []string{`the line is split at spaces, without quotes or variables`}},
		{name: "boot auto", text: "# sim: --boot auto\n", probs: []string{"--boot auto: scenarios use the manual boot model"}},
		{name: "short", text: "exec true\n[short] skip\n  [!net] [unix] exec true\n[unix] exec true\n", probs: []string{"x.txtar:2: condition [short] is go test's", "x.txtar:3: condition [net] is go test's"}},
		{name: "archive files not read", text: "exec true\n-- a.txt --\n# sim: --nics 99\n[short]\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "x.txtar")
			writeFile(t, file, tt.text)
			sc, probs := parseScenario(file)
			if len(probs) != len(tt.probs) {
				t.Fatalf("got problems %q, want %d like %q", probs, len(tt.probs), tt.probs)
			}
			for i, want := range tt.probs {
				if !strings.Contains(probs[i], want) {
					t.Errorf("problem %d: got %q, want it to contain %q", i, probs[i], want)
				}
				if !strings.HasPrefix(probs[i], file+":") {
					t.Errorf("problem %d: %q does not start with the file", i, probs[i])
				}
			}
			if len(tt.probs) == 0 && tt.nics != 0 && sc.opts.NICs != tt.nics {
				t.Errorf("NICs: got %d, want %d", sc.opts.NICs, tt.nics)
			}
			if sc.name != "x" {
				t.Errorf("name: got %q, want x", sc.name)
			}
		})
	}
}

// FuzzParseScenario: any scenario text parses, or every problem starts
// with the file and a line of the script.
func FuzzParseScenario(f *testing.F) {
	for _, s := range []string{"exec true\n", "# sim: --nics 6\n", "# a\n# sim: --boot auto --nics 99\n[short] x\n", "exec x\n# sim: --x\n-- f --\nx\n", "# sim: '\n"} {
		f.Add(s)
	}
	pos := regexp.MustCompile(`^:(\d+): `)
	f.Fuzz(func(t *testing.T, text string) {
		file := filepath.Join(t.TempDir(), "s.txtar")
		writeFile(t, file, text)
		_, probs := parseScenario(file)
		lines := strings.Count(text, "\n") + 1
		for _, p := range probs {
			rest, ok := strings.CutPrefix(p, file)
			m := pos.FindStringSubmatch(rest)
			if !ok || m == nil {
				t.Fatalf("problem %q does not start with FILE:LINE:", p)
			}
			if n, _ := strconv.Atoi(m[1]); n < 1 || n > lines {
				t.Fatalf("problem %q: line %d, want 1-%d", p, n, lines)
			}
		}
	})
}

func TestFindScenarios(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"b.txtar", "a.txtar", "c.txt", ".hidden.txtar", "notes.md", "sub/d.txtar"} {
		writeFile(t, filepath.Join(dir, "tests", n), "exec true\n")
	}
	tests := filepath.Join(dir, "tests")
	files, probs := findScenarios([]string{tests, filepath.Join(tests, "b.txtar"), filepath.Join(dir, "nope")})
	want := []string{"a.txtar", "b.txtar", "c.txt"}
	if len(files) != len(want) {
		t.Fatalf("got %q, want %q in %s", files, want, tests)
	}
	for i, w := range want {
		if files[i] != filepath.Join(tests, w) {
			t.Errorf("file %d: got %s, want %s", i, files[i], w)
		}
	}
	if len(probs) != 1 || !strings.Contains(probs[0], "nope: no such file or directory") {
		t.Errorf("problems: got %q, want the missing path", probs)
	}
	if got := scenarioName("x/y/nfs-bond.txtar"); got != "nfs-bond" {
		t.Errorf("scenarioName: got %q", got)
	}
	if got := scenarioName("x/old.txt"); got != "old" {
		t.Errorf("scenarioName: got %q", got)
	}
}

func TestSiteFiles(t *testing.T) {
	dir := t.TempDir()
	if files, err := siteFiles(dir, nil); files != nil || err != nil {
		t.Errorf("a directory without a runbook: got %q, %v; want no site", files, err)
	}
	for _, n := range []string{"nfs-bond.star", "lib/xen.star", "xen01.json", ".git/config", "tests/a.txtar", "other/tests/b.txtar", ".env"} {
		writeFile(t, filepath.Join(dir, n), n)
	}
	files, err := siteFiles(dir, []string{filepath.Join(dir, "tests")})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(files, " ")
	if want := "lib/xen.star nfs-bond.star other/tests/b.txtar xen01.json"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	dst := filepath.Join(t.TempDir(), "site")
	writeFile(t, filepath.Join(dst, "xen01.json"), "the scenario's")
	if err := copySite(dir, files, dst); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dst, "xen01.json")); string(b) != "the scenario's" {
		t.Errorf("the scenario's own file was replaced: %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dst, "lib", "xen.star")); string(b) != "lib/xen.star" {
		t.Errorf("lib/xen.star: got %q", b)
	}
}
