package sim

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestMatchFaults pins --match and --nth: the text is the program's base
// name and its arguments however it was invoked, counting starts when
// the fault is armed, calls that do not match are not counted, and the
// fault fires once.
func TestMatchFaults(t *testing.T) {
	root := newRoot(t)
	xe := filepath.Join(root, "bin", "xe") // invoked by path: matched by base name
	mustRun(t, root, xe, "pif-list", "device=eth2", "--minimal")
	arm(t, root, "--match", "^xe pif-list .*device=eth[23]", "--nth", "2", "--fail", "--stderr", "boom", "--code", "7")
	mustRun(t, root, xe, "pif-list", "device=eth2", "--minimal") // the 1st match since armed
	mustRun(t, root, xe, "host-list")                            // no match
	run(t, root, "ifup", "eth9")                                 // no match, whatever it does
	if r := run(t, root, xe, "pif-list", "device=eth3", "--minimal"); r.code != 7 || r.stderr != "boom\n" || r.stdout != "" {
		t.Fatalf("2nd match: got %+v, want exit 7, stderr boom and no output", r)
	}
	mustRun(t, root, xe, "pif-list", "device=eth3", "--minimal") // spent
	if st := loadModel(t, root); len(st.Book.Faults) != 0 {
		t.Errorf("faults left: %+v", st.Book.Faults)
	}
}

// TestMatchFaultsSameCall: two faults that would fire at the same call;
// the first armed does, the other fires at its next match.
func TestMatchFaultsSameCall(t *testing.T) {
	root := newRoot(t)
	arm(t, root, "--match", "host-list", "--fail", "--stderr", "first")
	arm(t, root, "--match", "^xe ", "--fail", "--stderr", "second")
	if r := run(t, root, "xe", "host-list"); r.stderr != "first\n" {
		t.Fatalf("call 1: got %+v, want the first fault", r)
	}
	if r := run(t, root, "xe", "vm-list"); r.stderr != "second\n" {
		t.Fatalf("call 2: got %+v, want the second fault", r)
	}
	mustRun(t, root, "xe", "host-list")
}

func TestCallText(t *testing.T) {
	for _, tt := range []struct {
		argv []string
		want string
	}{
		{nil, ""},
		{[]string{"/tmp/h/bin/xe", "pif-forget", "uuid=1"}, "xe pif-forget uuid=1"},
		{[]string{"ifup", "bond51"}, "ifup bond51"},
		{[]string{"xe", "vm-list", "name-label=a b"}, "xe vm-list name-label=a b"},
	} {
		if got := callText(tt.argv); got != tt.want {
			t.Errorf("callText(%q) = %q, want %q", tt.argv, got, tt.want)
		}
	}
}

func TestFaultOptionErrors(t *testing.T) {
	root := newRoot(t)
	for _, tt := range []struct {
		args string
		want []string // every problem, reported at once
	}{
		{"--fail", []string{"want --call N or --match REGEX", "--fail needs --stderr TEXT"}},
		{"--call 2 --match xe --kill-after", []string{"--call and --match: want one of them, got both"}},
		{"--match ( --nth 0 --kill-before", []string{`--match "(": error parsing regexp`, "--nth: got 0, want a count from 1"}},
		{"--call 3 --nth 2 --kill-before", []string{"--nth goes with --match"}},
		{"--match= --kill-before", []string{"--match: empty"}},
	} {
		t.Run(tt.args, func(t *testing.T) {
			var stdout, stderr strings.Builder
			args := append([]string{"fault", "--root", root}, strings.Fields(tt.args)...)
			if code := Command(args, func(string) string { return "" }, &stdout, &stderr); code != 2 {
				t.Fatalf("exit %d, want 2; stderr %q", code, stderr.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr %q lacks %q", stderr.String(), w)
				}
			}
			if st := loadModel(t, root); len(st.Book.Faults) != 0 {
				t.Errorf("a refused fault was armed: %+v", st.Book.Faults)
			}
		})
	}
}

func TestShowFaults(t *testing.T) {
	root := newRoot(t)
	arm(t, root, "--call", "5", "--kill-before")
	arm(t, root, "--match", "^xe pif-forget ", "--nth", "3", "--fail", "--stderr", "x")
	arm(t, root, "--match", "^ifup ", "--kill-after")
	run(t, root, "xe", "pif-forget", "uuid=x") // the first of three (it fails: no such PIF)
	var out, errOut strings.Builder
	if code := Command([]string{"show", "--root", root}, func(string) string { return "" }, &out, &errOut); code != 0 {
		t.Fatal(errOut.String())
	}
	want := "1 program calls so far, 3 faults armed\n" +
		"  kill-before at call 5\n" +
		"  fail at the 2nd call matching \"^xe pif-forget \" from now\n" +
		"  kill-after at the next call matching \"^ifup \"\n"
	if !strings.HasSuffix(out.String(), want) {
		t.Errorf("sim show ends with\n%s\nwant\n%s", out.String()[max(0, len(out.String())-300):], want)
	}
}
