package engine

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/builtins"
	"github.com/runbook-dev/runbook/internal/journal"
)

func TestExcerpt(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
		cut  bool
	}{
		{"", 10, "", false},
		{"short", 10, "short", false},
		{"exactly10!", 10, "exactly10!", false},
		{"eleven char", 10, "eleven cha", true},
		{"é is two bytes", 1, "", true},   // never half a character
		{"aé", 2, "a", true},              // cut before the character
		{"a\xffb", 10, "a\ufffdb", false}, // invalid UTF-8 replaced
		{"anything", 0, "", true},         // no budget left
	}
	for _, tt := range tests {
		got, cut := excerpt([]byte(tt.in), tt.n)
		if got != tt.want || cut != tt.cut {
			t.Errorf("excerpt(%q, %d): got %q, %v, want %q, %v", tt.in, tt.n, got, cut, tt.want, tt.cut)
		}
	}
}

// recordedCalls journals calls through recordCall and reads them back.
func recordedCalls(t *testing.T, r *runner, calls func()) []journal.Record {
	t.Helper()
	p := filepath.Join(t.TempDir(), "journal.jsonl")
	h := &journal.Header{Type: journal.RecRun, V: journal.Version, ID: "r", Runbook: "t", Origin: "o", Main: "t.star",
		Files: []journal.PinnedFile{{Name: "t.star", SHA256: strings.Repeat("ab", 32)}}, Params: []byte(`{}`),
		Options: journal.RecordedOptions{Root: "/"}, Time: "2026-01-01T00:00:00Z"}
	w, err := journal.Create(p, h, journal.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	r.j = w
	calls()
	w.Close()
	jd, err := journal.Read(p)
	if err != nil {
		t.Fatal(err)
	}
	var out []journal.Record
	for _, rec := range jd.Records {
		if rec.Type == journal.RecCall {
			out = append(out, rec)
		}
	}
	return out
}

// A call record redacts credentials in the argv and masks their values
// (whole, before the cut) and the run's secrets in the output; output
// past the run's budget is left out, marked truncated.
func TestRecordCall(t *testing.T) {
	r := &runner{e: &Engine{MaxCallOutput: 26 + MaxCallExcerpt + 5}, secrets: []string{"Sec-Ret"}}
	xe := builtins.Command{Path: "/opt/xensource/bin/xe", Args: []string{"host-list", "-pw", "Pw-1", "password=Pw-2", "name-label=Sec-Ret"}}
	long := strings.Repeat("x", MaxCallExcerpt-2) + "Pw-2"
	recs := recordedCalls(t, r, func() {
		r.recordCall(0, xe, builtins.Result{Stdout: []byte("Pw-1 and Pw-2\n"), Stderr: []byte(long)}, nil, 0)
		r.recordCall(0, builtins.Command{Path: "ifup", Args: []string{"eth1"}}, builtins.Result{}, errors.New("ifup eth1: cut off: timed out after 10m0s"), 0)
		r.recordCall(0, builtins.Command{Path: "true"}, builtins.Result{Stdout: []byte(strings.Repeat("y", MaxCallExcerpt))}, nil, 0)
		r.recordCall(0, builtins.Command{Path: "true"}, builtins.Result{Stdout: []byte("z")}, nil, 0)
	})
	if len(recs) != 4 {
		t.Fatalf("got %d call records, want 4", len(recs))
	}
	if want := []string{"/opt/xensource/bin/xe", "host-list", "-pw", "<redacted>", "password=<redacted>", "name-label=<secret>"}; !reflect.DeepEqual(recs[0].Argv, want) {
		t.Errorf("argv: got %q, want %q", recs[0].Argv, want)
	}
	if got, want := recs[0].Stdout, "<redacted> and <redacted>\n"; got != want {
		t.Errorf("stdout: got %q, want %q", got, want)
	}
	if strings.Contains(recs[0].Stderr, "Pw") || !recs[0].Truncated {
		t.Errorf("stderr: a credential across the cut shows (%q), or truncated is not set (%v)", recs[0].Stderr[len(recs[0].Stderr)-12:], recs[0].Truncated)
	}
	if recs[1].Error == "" || recs[1].Exit != 0 {
		t.Errorf("a cut-off call: got exit %d, error %q", recs[1].Exit, recs[1].Error)
	}
	// The budget: the first call kept 26 + 2 KiB of it, 5 bytes remain.
	if recs[2].Stdout != "yyyyy" || !recs[2].Truncated || recs[3].Stdout != "" || !recs[3].Truncated {
		t.Errorf("at the budget: got stdout %.10q (truncated %v), then %q (truncated %v)", recs[2].Stdout, recs[2].Truncated, recs[3].Stdout, recs[3].Truncated)
	}
}

// BenchmarkRecordCall is what journaling one program call costs the
// engine: an xe call's argv redacted, 2 KiB of stdout and a line of
// stderr cut and masked, the record encoded, checksummed and written
// (not fsynced: a call record never is on its own).
func BenchmarkRecordCall(b *testing.B) {
	p := filepath.Join(b.TempDir(), "journal.jsonl")
	h := &journal.Header{Type: journal.RecRun, V: journal.Version, ID: "r", Runbook: "t", Origin: "o", Main: "t.star",
		Files: []journal.PinnedFile{{Name: "t.star", SHA256: strings.Repeat("ab", 32)}}, Params: []byte(`{}`),
		Options: journal.RecordedOptions{Root: "/"}, Time: "2026-01-01T00:00:00Z"}
	w, err := journal.Create(p, h, journal.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	r := &runner{e: &Engine{MaxCallOutput: 1 << 62}, j: w, secrets: []string{"Sec-Ret"}}
	c := builtins.Command{Path: "/opt/xensource/bin/xe", Args: []string{"pif-list", "host-uuid=0123", "params=uuid,device,IP,netmask", "password=Pw-2"}}
	res := builtins.Result{Stdout: []byte(strings.Repeat("uuid ( RO)    : 6f1c\n", 200)), Stderr: []byte("warning: something\n")}
	b.ReportAllocs()
	for b.Loop() {
		r.recordCall(1, c, res, nil, 0)
	}
}
