package reliability

import (
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestNoShell: values with spaces, quotes, ;, $(), backquotes and =
// reach the programs' argv intact, and no shell ever interprets them.
func TestNoShell(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		value string
	}{
		{"spaces-and-quotes", `two words "double" 'single'`},
		{"command-separators", `x; touch PWNED && touch PWNED | touch PWNED`},
		{"substitutions", "$(touch PWNED) `touch PWNED` ${HOME} $HOME"},
		{"equals-and-globs", `a=b=c * ? [x] ~ # > PWNED < /etc/passwd`},
		{"leading-dash", `--minimal -pwx`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHost(t)
			r := h.run("run", star(t, "argv"), "-p", "value="+tt.value)
			var problems []string
			if r.code != 0 {
				problems = append(problems, fmt.Sprintf("run: %v", r))
			}
			want := map[string]bool{"other-config:note=" + tt.value: false, "device=" + tt.value: false, "name-label=" + tt.value: false, tt.value: false}
			for _, argv := range h.calls().Argv {
				for _, a := range argv[1:] {
					if _, ok := want[a]; ok {
						want[a] = true
					}
				}
			}
			for _, a := range keys(want) {
				if !want[a] {
					problems = append(problems, fmt.Sprintf("no program got the argument %q intact", a))
				}
			}
			for _, dir := range []string{h.dir, h.root, "."} {
				if _, err := os.Stat(filepath.Join(dir, "PWNED")); err == nil {
					problems = append(problems, "a shell ran: "+filepath.Join(dir, "PWNED")+" exists")
					os.Remove(filepath.Join(dir, "PWNED"))
				}
			}
			securityFigure.add(len(problems) == 0, len(problems) > 0)
			if len(problems) > 0 {
				t.Errorf("%s\ncalls: %q", strings.Join(problems, "\n"), h.calls().Argv)
			}
		})
	}

	t.Run("shipped-runbook-parameter", func(t *testing.T) {
		t.Parallel()
		h := newHost(t)
		purpose := `Storage "A"; $(touch PWNED) a=b`
		r := h.run(storageNIC("-p", "purpose="+purpose)...)
		found := false
		for _, argv := range h.calls().Argv {
			if slices.Contains(argv, "other-config:management_purpose="+purpose) {
				found = true
			}
		}
		good := r.code == 0 && found
		securityFigure.add(good, !found)
		if !good {
			t.Errorf("purpose %q: run %v; reached pif-param-set intact: %v", purpose, r, found)
		}
	})
}

// TestStateModes: the state dir and every directory in it are 0700, and
// every file (journal, log, backups, pinned copies, lock) is 0600, even
// with a umask of 0.
func TestStateModes(t *testing.T) {
	t.Parallel()
	h := newHost(t)
	writeFile(t, filepath.Join(h.root, "etc", "motd"), "welcome\n")
	// umask 0: the modes must come from runbook, not from the umask.
	cmd := exec.Command("/bin/sh", "-c", `umask 000; exec "$@"`, "sh", runbookBin, "run", star(t, "motd"))
	cmd.Env = h.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	st := h.status()
	if len(st.Backups) == 0 {
		t.Fatalf("no backup of /etc/motd in the status: %s", st.raw)
	}
	var problems []string
	seen := map[string]int{}
	err = filepath.WalkDir(h.state, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(h.state, p)
		switch {
		case fi.IsDir():
			seen["dir"]++
			if fi.Mode().Perm() != 0o700 {
				problems = append(problems, fmt.Sprintf("%s/: mode %v, want drwx------", rel, fi.Mode().Perm()))
			}
		case fi.Mode().IsRegular():
			switch {
			case strings.HasPrefix(rel, "runs/") && strings.Contains(rel, "/backups/"):
				seen["backup"]++
			case strings.HasSuffix(rel, "/journal.jsonl"):
				seen["journal"]++
			case strings.HasSuffix(rel, "/log"):
				seen["log"]++
			}
			if fi.Mode().Perm() != 0o600 {
				problems = append(problems, fmt.Sprintf("%s: mode %v, want -rw-------", rel, fi.Mode().Perm()))
			}
		default:
			problems = append(problems, fmt.Sprintf("%s: unexpected %v", rel, fi.Mode()))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"dir", "journal", "log", "backup"} {
		if seen[k] == 0 {
			problems = append(problems, "no "+k+" in the state dir to check")
		}
	}
	securityFigure.add(len(problems) == 0, len(problems) > 0)
	if len(problems) > 0 {
		t.Errorf("%s", strings.Join(problems, "\n"))
	}
}

// TestCredentials: passwords given to xe (-pw, -pwf, password=,
// passwordfile=) reach xe but never the journal, the status, the log or
// a message, not even the error of a failing call.
func TestCredentials(t *testing.T) {
	t.Parallel()
	h := newHost(t)
	// The last xe call fails; its error carries its argv.
	h.fault("--call", "9", "--fail", "--stderr", "Authentication failed")
	r := h.run("run", star(t, "creds"))
	var problems []string
	if r.code != 1 || !strings.Contains(r.stderr, "Authentication failed") {
		problems = append(problems, fmt.Sprintf("want the last call to fail with its stderr: %v", r))
	}
	// The credentials did reach xe.
	reached := 0
	for _, argv := range h.calls().Argv {
		for _, a := range argv {
			if strings.Contains(a, "S3cret") {
				reached++
			}
		}
	}
	if reached < 10 {
		problems = append(problems, fmt.Sprintf("only %d credentials reached xe, want 11: the test passes nothing", reached))
	}
	st := h.status()
	places := map[string]string{
		"stdout":               r.stdout,
		"stderr":               r.stderr,
		"status --json":        st.raw,
		"status":               h.run("status").stdout,
		"second status stderr": h.run("status").stderr,
	}
	err := filepath.WalkDir(h.state, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(h.state, p)
		if strings.Contains(rel, "/pinned/") {
			return nil // the runbook's own source
		}
		b, err := os.ReadFile(p)
		places[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	leaks := 0
	for _, where := range keys(places) {
		text := places[where]
		for i := strings.Index(text, "S3cret"); i >= 0; {
			end := i
			for end < len(text) && (text[end] >= 'A' && text[end] <= 'Z' || text[end] >= 'a' && text[end] <= 'z' || text[end] >= '0' && text[end] <= '9') {
				end++
			}
			problems = append(problems, fmt.Sprintf("%s shows the credential %s: ...%s...", where, text[i:end], clipAround(text, i)))
			leaks++
			next := strings.Index(text[end:], "S3cret")
			if next < 0 {
				break
			}
			i = end + next
		}
	}
	securityFigure.add(len(problems) == 0, leaks > 0)
	if len(problems) > 0 {
		t.Errorf("%s", strings.Join(problems, "\n"))
	}
}

func clipAround(s string, i int) string {
	return strings.ReplaceAll(s[max(0, i-60):min(len(s), i+30)], "\n", `\n`)
}

// TestFileWriteConfined: file_write, read_file and remove_file never
// reach outside --root, through .. or symbolic links: each either fails
// naming the path or, following a link as the host would (an absolute
// target starts again at the root), stays inside the root.
func TestFileWriteConfined(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		action string
		path   string
		// link makes root/etc/<name> a symlink to the target (with
		// OUTSIDE replaced by the outside directory).
		link, target string
	}{
		{name: "dotdot", action: "write", path: "/../OUTSIDE_NAME/escaped"},
		{name: "dotdot-inside", action: "write", path: "/etc/../../OUTSIDE_NAME/escaped"},
		{name: "relative", action: "write", path: "etc/relative"},
		{name: "absolute-dir-link", action: "write", path: "/etc/evil/escaped", link: "evil", target: "OUTSIDE"},
		{name: "relative-dir-link", action: "write", path: "/etc/evil/escaped", link: "evil", target: "../../../OUTSIDE_NAME"},
		{name: "root-link", action: "write", path: "/etc/slash/tmp/escaped", link: "slash", target: "/"},
		{name: "file-link", action: "write", path: "/etc/victim", link: "victim", target: "OUTSIDE/victim"},
		{name: "read-through-link", action: "read", path: "/etc/evil/victim", link: "evil", target: "OUTSIDE"},
		{name: "remove-through-link", action: "remove", path: "/etc/evil/victim", link: "evil", target: "OUTSIDE"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHost(t)
			outside := filepath.Join(h.dir, "outside")
			writeFile(t, filepath.Join(outside, "victim"), "secret outside the root\n")
			fix := func(s string) string {
				s = strings.ReplaceAll(s, "OUTSIDE_NAME", filepath.Base(outside))
				return strings.ReplaceAll(s, "OUTSIDE", outside)
			}
			if tt.link != "" {
				if err := os.Symlink(fix(tt.target), filepath.Join(h.root, "etc", tt.link)); err != nil {
					t.Fatal(err)
				}
			}
			before := dirState(t, outside)
			r := h.run("run", star(t, "write_path"), "-p", "path="+fix(tt.path), "-p", "action="+tt.action)
			var problems []string
			switch {
			case r.code != 0:
				if !strings.Contains(r.stderr, fix(tt.path)) {
					problems = append(problems, "the error does not name the path")
				}
			case tt.action == "write":
				// Links resolved as on the host itself (an absolute target
				// starts again at the root) keep the write inside the root.
				inside := false
				filepath.WalkDir(h.root, func(p string, d fs.DirEntry, err error) error {
					if err == nil && d.Type().IsRegular() {
						if b, _ := os.ReadFile(p); string(b) == "written by runbook\n" {
							inside = true
						}
					}
					return nil
				})
				if !inside {
					problems = append(problems, "the write succeeded but landed nowhere under the root")
				}
			}
			if strings.Contains(r.stdout+r.stderr, "secret outside the root") {
				problems = append(problems, "a file outside the root was read")
			}
			after := dirState(t, outside)
			escaped := !maps.Equal(before, after)
			if escaped {
				problems = append(problems, fmt.Sprintf("outside the root changed: %v -> %v", before, after))
			}
			if _, err := os.Stat(filepath.Join("/tmp", "escaped")); err == nil && tt.name == "root-link" {
				problems = append(problems, "/tmp/escaped was written")
				escaped = true
			}
			securityFigure.add(len(problems) == 0, escaped)
			if len(problems) > 0 {
				t.Errorf("%s: %s\n%v", tt.path, strings.Join(problems, "\n"), r)
			}
		})
	}
}

// dirState maps the files of a directory to their content.
func dirState(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			out[p] = string(b)
		}
		return nil
	})
	return out
}
