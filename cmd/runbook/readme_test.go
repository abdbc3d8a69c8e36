package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeStep is one example of the README's site section, marked by the
// comment before its fenced block:
//
//	<!-- test: run -->           a shell block, run in the site's parent
//	<!-- test: stdout -->        what the run block before it prints (times aside)
//	<!-- test: file PATH -->     a file's content, written to PATH
//	<!-- test: append PATH -->   appended to PATH
//	<!-- test: gitlab-ci -->     a GitLab CI job, whose script lines are run
type readmeStep struct {
	kind, arg string
	text      string
	line      int
}

var readmeMark = regexp.MustCompile(`^<!-- test: (run|stdout|file|append|gitlab-ci)(?: (\S+))? -->$`)

// readmeSteps reads the marked examples of one section of the README.
func readmeSteps(t *testing.T, readme, section string) []readmeStep {
	t.Helper()
	lines := strings.Split(readme, "\n")
	var steps []readmeStep
	in := false
	for i := 0; i < len(lines); i++ {
		if strings.HasPrefix(lines[i], "## ") {
			in = lines[i] == "## "+section
			continue
		}
		m := readmeMark.FindStringSubmatch(lines[i])
		if !in || m == nil {
			continue
		}
		j := i + 1
		for j < len(lines) && strings.TrimSpace(lines[j]) == "" {
			j++
		}
		if j >= len(lines) || !strings.HasPrefix(lines[j], "```") {
			t.Fatalf("README.md:%d: %s is not followed by a fenced block", i+1, lines[i])
		}
		k := j + 1
		for k < len(lines) && lines[k] != "```" {
			k++
		}
		if k >= len(lines) {
			t.Fatalf("README.md:%d: the block does not end", j+1)
		}
		steps = append(steps, readmeStep{kind: m[1], arg: m[2], text: strings.Join(lines[j+1:k], "\n") + "\n", line: j + 1})
		i = k
	}
	return steps
}

// gitlabScript returns the lines of the script: list of a GitLab CI job.
func gitlabScript(yaml string) []string {
	var cmds []string
	in := false
	for _, l := range strings.Split(yaml, "\n") {
		trim := strings.TrimSpace(l)
		switch {
		case trim == "script:":
			in = true
		case in && strings.HasPrefix(trim, "- "):
			cmd, _, _ := strings.Cut(strings.TrimPrefix(trim, "- "), "  #")
			cmds = append(cmds, cmd)
		case in && trim != "":
			in = false
		}
	}
	return cmds
}

var readmeTimes = regexp.MustCompile(`\([0-9.]+s\)`)

// TestREADMESite runs the examples of the README's site section as a
// reader would: export, edit, params file, a scenario, runbook test, and
// the CI job, in a fresh directory with the runbook binary on PATH, and
// compares the output it shows.
func TestREADMESite(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	steps := readmeSteps(t, string(data), "Customising a runbook for a site, and testing it in CI")
	kinds := map[string]int{}
	for _, s := range steps {
		kinds[s.kind]++
	}
	for _, k := range []string{"run", "stdout", "file", "append", "gitlab-ci"} {
		if kinds[k] == 0 {
			t.Fatalf("the README's site section has no %q example: %v", k, kinds)
		}
	}
	dir := t.TempDir()
	sh := func(s readmeStep, script string) string {
		t.Helper()
		cmd := exec.Command("sh", "-e", "-c", script)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "NO_COLOR=1")
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("README.md:%d: %s: %v\n%s%s", s.line, strings.TrimSpace(script), err, out.String(), errOut.String())
		}
		return out.String()
	}
	last := ""
	for _, s := range steps {
		switch s.kind {
		case "run":
			last = sh(s, s.text)
		case "stdout":
			if got, want := readmeTimes.ReplaceAllString(last, "(TIME)"), readmeTimes.ReplaceAllString(s.text, "(TIME)"); got != want {
				t.Errorf("README.md:%d: the output shown differs from the command's:\ngot:\n%s\nshown:\n%s", s.line, got, want)
			}
		case "file", "append":
			p := filepath.Join(dir, filepath.FromSlash(s.arg))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			flag := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
			if s.kind == "append" {
				flag = os.O_WRONLY | os.O_APPEND
			}
			f, err := os.OpenFile(p, flag, 0o644)
			if err != nil {
				t.Fatalf("README.md:%d: %v", s.line, err)
			}
			f.WriteString(s.text)
			f.Close()
		case "gitlab-ci":
			cmds := gitlabScript(s.text)
			if len(cmds) == 0 {
				t.Fatalf("README.md:%d: no script: lines in the GitLab CI job", s.line)
			}
			for _, c := range cmds {
				sh(s, c)
			}
			m := regexp.MustCompile(`(?m)^\s+junit: (\S+)$`).FindStringSubmatch(s.text)
			if m == nil {
				t.Fatalf("README.md:%d: the GitLab CI job uploads no junit report", s.line)
			}
			if report, err := os.ReadFile(filepath.Join(dir, m[1])); err != nil || !bytes.Contains(report, []byte("<testsuites ")) {
				t.Errorf("README.md:%d: the job's report %s: %v, want a JUnit report", s.line, m[1], err)
			}
		}
	}
}
