package journal

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

const testKey = "0123456789abcdef01234567"

func testHeaderV(v int) *Header {
	return &Header{Type: RecRun, V: v, ID: "r1", Runbook: "t", Origin: "shipped", Main: "t.star",
		Files:   []PinnedFile{{Name: "t.star", SHA256: strings.Repeat("ab", 32)}},
		Params:  []byte(`{"ip":"10.0.0.1"}`),
		Options: RecordedOptions{Root: "/", Xe: "xe", Ifup: "ifup", Reboot: "reboot", XapiTimeout: "10m0s", CallTimeout: "10m0s"},
		Time:    "2026-01-01T00:00:00Z"}
}

// writeJournal writes a journal of version v with recs and returns its
// bytes.
func writeJournal(t *testing.T, v int, recs ...Record) (string, []byte) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "journal.jsonl")
	w, err := Create(p, testHeaderV(v), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range recs {
		if err := w.Append(&recs[i], false); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return p, b
}

func sampleRecords() []Record {
	return []Record{
		{Type: RecSession, Time: "t1", PID: 10, BootID: "b1", Mode: "run"},
		{Type: RecStarted, Time: "t2", Seq: 1, Name: "find host", Kind: "step", Call: "find()", Key: testKey, Pos: "t.star:3:5", Attempt: 1},
		{Type: RecChild, Time: "t3", Seq: 1, Key: "r1/1", PID: 11, Ticks: 99, Prog: "xe host-list"},
		{Type: RecCall, Time: "t3", Seq: 1, Argv: []string{"xe", "host-list", "password=<redacted>"}, Exit: 0, Ms: 12, Stdout: "uuid ( RO)    : u1\n", Truncated: true},
		{Type: RecCompleted, Time: "t4", Seq: 1, Status: "ok", Result: []byte(`{"$struct":{"uuid":"u1","mac":"aa:bb:cc:dd:ee:ff"}}`)},
		{Type: RecStarted, Time: "t5", Seq: 2, Name: "reboot: x", Kind: "reboot_and_resume", Call: "reboot_and_resume(\"x\")", Key: testKey, Attempt: 1},
		{Type: RecReboot, Time: "t6", Seq: 2, BootID: "b1", Reason: "x", Attempt: 1},
	}
}

func readBytes(t *testing.T, data []byte) (*Data, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "journal.jsonl")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return Read(p)
}

func TestRead(t *testing.T) {
	_, good := writeJournal(t, Version, sampleRecords()...)
	lines := strings.SplitAfter(string(good), "\n")
	_, v1 := writeJournal(t, 1, sampleRecords()...)
	v1lines := strings.SplitAfter(string(v1), "\n")
	_, v2 := writeJournal(t, 2, sampleRecords()...)
	v2lines := strings.SplitAfter(string(v2), "\n")
	tests := []struct {
		name    string
		data    string
		records int    // records read after the header
		err     string // substring of the error, "" for none
	}{
		{"complete", string(good), 7, ""},
		{"version 1 is still read", string(v1), 5, ""}, // no child or call records in v1
		{"version 2 is still read", string(v2), 6, ""}, // no call records in v2
		{"torn last line is not written", string(good) + `{"type":"comp`, 7, ""},
		{"torn header", lines[0][:30], 0, "no complete header"},
		{"empty", "", 0, "no complete header"},
		{"a line deleted", strings.Join(append(lines[:2:2], lines[3:]...), ""), 0, ":3: damaged line (checksum mismatch"},
		{"lines swapped", strings.Join([]string{lines[0], lines[2], lines[1], lines[3]}, ""), 0, ":2: damaged line (checksum"},
		{"edited seq", strings.Replace(string(good), `"seq":2,"name"`, `"seq":1,"name"`, 1), 0, ":7: damaged line (checksum"},
		{"edited MAC", strings.Replace(string(good), "ee:ff", "ee:fe", 1), 0, ":6: damaged line (checksum"},
		{"edited call exit", strings.Replace(string(good), `"exit":0`, `"exit":1`, 1), 0, ":5: damaged line (checksum"},
		{"resealed call without exit", string(Reseal([]byte(strings.Replace(string(good), `,"exit":0`, "", 1)))), 0, ":5: call record: want an exit status or an error"},
		{"resealed call without argv", string(Reseal([]byte(strings.Replace(string(good), `,"argv":["xe","host-list","password=<redacted>"]`, "", 1)))), 0, ":5: call record: missing argv"},
		{"resealed call outside a step", string(Reseal([]byte(strings.Replace(string(good), `"type":"call","time":"t3","seq":1`, `"type":"call","time":"t3","seq":2`, 1)))), 0, ":5: call record for step 2, but step 1 is in progress"},
		{"v2 call record", v2lines[0] + string(Reseal([]byte(v2lines[0] + `{"type":"call","argv":["xe"],"exit":0,"crc":"00000000"}` + "\n")))[len(v2lines[0]):], 0, `unknown record type "call" in format version 2`},
		{"v2 header with a version", string(Reseal([]byte(strings.Replace(v2lines[0], `"time"`, `"version":"v1","time"`, 1)))), 0, "field version not in this format version"},
		{"v3 header with a version", string(Reseal([]byte(strings.Replace(lines[0], `"time"`, `"version":"v1","time"`, 1)))), 0, ""},
		{"v1 edited seq", strings.Replace(string(v1), `"seq":2,"name"`, `"seq":1,"name"`, 1), 0, "started record for step 1, but the last step, 1, completed"},
		{"v1 unknown record type", v1lines[0] + `{"type":"bogus","seq":1}` + "\n", 0, `unknown record type "bogus"`},
		{"v1 line deleted", v1lines[0] + v1lines[1] + v1lines[3], 0, "completed record for step 1, but no step has started"},
		{"v1 field of v2", v1lines[0] + `{"type":"failed","seq":1,"in_doubt":true}` + "\n", 0, "not in format version 1"},
		{"v1 renamed header key", strings.Replace(v1lines[0], `"root"`, `"rooot"`, 1), 0, "missing root"},
		{"v1 damaged sha256", strings.Replace(v1lines[0], "abab\"", "ab\"", 1), 0, "sha256"},
		{"v1 version flipped", strings.Replace(v1lines[0], `"v":1`, `"v":7`, 1), 0, "format version 7"},
		{"v2 header as v1", strings.Replace(v2lines[0], `"v":2`, `"v":1`, 1), 0, "field crc not in this format version"},
		{"v3 header as v2", strings.Replace(lines[0], `"v":3`, `"v":2`, 1), 0, "damaged header (checksum mismatch)"},
		{"not a journal", `{"hello":1}` + "\n", 0, "not a runbook journal header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jd, err := readBytes(t, []byte(tt.data))
			if tt.err == "" {
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
				if got := len(jd.Records); got != tt.records {
					t.Errorf("got %d records, want %d", got, tt.records)
				}
				return
			}
			var je *Error
			if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.As(err, &je) {
				t.Fatalf("got error %v, want a journal error containing %q", err, tt.err)
			}
		})
	}
}

// Damage, then an abort: the abort is the last word, so the journal
// reads (with its damage noted), whatever the damage.
func TestAbortAfterDamage(t *testing.T) {
	for _, v := range []int{1, 2, Version} {
		for _, at := range []string{"header", "middle", "last"} {
			p, good := writeJournal(t, v, sampleRecords()...)
			lines := strings.SplitAfter(string(good), "\n")
			i := map[string]int{"header": 0, "middle": 2, "last": len(lines) - 2}[at]
			lines[i] = strings.Replace(lines[i], "t", "T", 1)
			if err := os.WriteFile(p, []byte(strings.Join(lines, "")), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := Read(p); err == nil {
				t.Fatalf("v%d %s: damage not seen", v, at)
			}
			if err := AppendAbort(p, Options{NoSync: true}); err != nil {
				t.Fatalf("v%d %s: abort: %v", v, at, err)
			}
			jd, err := Read(p)
			if err != nil {
				t.Fatalf("v%d %s: after the abort: %v", v, at, err)
			}
			last := jd.Records[len(jd.Records)-1]
			if last.Type != RecEnd || last.State != "aborted" || jd.Damage == nil {
				t.Errorf("v%d %s: got last %+v, damage %v", v, at, last, jd.Damage)
			}
		}
	}
}

// A journal reopened after a power cut in the middle of an append loses
// the partial line, and the next record starts on a line of its own.
func TestOpenCutsTornLine(t *testing.T) {
	p, good := writeJournal(t, Version, sampleRecords()[:2]...)
	if err := os.WriteFile(p, append(good, `{"type":"compl`...), 0o600); err != nil {
		t.Fatal(err)
	}
	w, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Append(&Record{Type: RecCompleted, Seq: 1, Status: "ok"}, true); err != nil {
		t.Fatal(err)
	}
	w.Close()
	jd, err := Read(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(jd.Records); got != 3 {
		t.Errorf("got %d records, want 3", got)
	}
}

// A write that fails part-way (a full disk) is undone: the journal ends
// with whole lines, and a later append chains on.
func TestFailedWriteUndone(t *testing.T) {
	p := filepath.Join(t.TempDir(), "journal.jsonl")
	budget := 1 << 30
	hook := func(f *os.File, b []byte) (int, error) {
		if len(b) <= budget {
			budget -= len(b)
			return f.Write(b)
		}
		n, _ := f.Write(b[:budget])
		budget = 0
		return n, syscall.ENOSPC
	}
	w, err := Create(p, testHeaderV(Version), Options{Write: hook, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	recs := sampleRecords()
	w.Append(&recs[0], true)
	budget = 10
	if err := w.Append(&recs[1], true); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("got %v, want ENOSPC", err)
	}
	budget = 1 << 30
	if err := w.Append(&recs[1], true); err != nil {
		t.Fatal(err)
	}
	w.Close()
	jd, err := Read(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(jd.Records); got != 2 {
		t.Errorf("got %d records, want 2", got)
	}
}

// Every single-byte change of a journal is seen: refused with an error
// naming its line, or, for the last line's newline, a torn last line.
func TestSingleByteDamage(t *testing.T) {
	_, good := writeJournal(t, Version, sampleRecords()...)
	for i := 0; i < len(good); i += 7 {
		for _, c := range []byte{'x', '0', '"', '\n', good[i] ^ 0x20} {
			if c == good[i] {
				continue
			}
			bad := append([]byte(nil), good...)
			bad[i] = c
			jd, err := readBytes(t, bad)
			if err == nil && !(i == len(good)-1 && len(jd.Records) == len(sampleRecords())-1) {
				t.Fatalf("byte %d changed to %q: accepted (%d records)", i, c, len(jd.Records))
			}
		}
	}
}

// Reading never panics: it succeeds or fails with an *Error naming the
// journal.
func FuzzRead(f *testing.F) {
	f.Add([]byte(`{"type":"run","v":2}` + "\n"))
	f.Add([]byte(`{"type":"run","v":1,"id":"r","runbook":"t","origin":"o","main":"t.star","files":[],"params":{},"options":{},"time":"t"}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "j")
		os.WriteFile(p, data, 0o600)
		if _, err := Read(p); err != nil {
			var je *Error
			if !errors.As(err, &je) || !strings.HasPrefix(err.Error(), "journal "+p) {
				t.Fatalf("error %v is not an *Error naming the journal", err)
			}
		}
	})
}

// Read keeps each record's result whole, for lines short and long (the
// reader's buffers are reused from line to line).
func TestReadKeepsResults(t *testing.T) {
	recs := []Record{{Type: RecSession, PID: 1, Mode: "run"}}
	var want []string
	for i, n := range []int{10, 70 << 10, 20, 200 << 10, 5} {
		res := `"` + strings.Repeat(string(rune('a'+i)), n) + `"`
		want = append(want, res)
		recs = append(recs, Record{Type: RecStarted, Seq: i + 1, Name: "s", Kind: "step", Key: testKey, Attempt: 1},
			Record{Type: RecCompleted, Seq: i + 1, Status: "ok", Result: []byte(res)})
	}
	p, _ := writeJournal(t, Version, recs...)
	jd, err := Read(p)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range jd.Records {
		if r.Type == RecCompleted {
			got = append(got, string(r.Result))
		}
	}
	for i := range want {
		if i >= len(got) || got[i] != want[i] {
			t.Fatalf("result %d: got %.20q..., want %.20q...", i, got[i], want[i])
		}
	}
}

// The header records the binary's version from format 3 on; a journal
// of an older format is written without it.
func TestHeaderVersion(t *testing.T) {
	for _, tt := range []struct {
		v    int
		want string
	}{{1, ""}, {2, ""}, {3, "v1.2.3 0123456789ab+dirty"}} {
		h := testHeaderV(tt.v)
		h.Version = "v1.2.3 0123456789ab+dirty"
		p := filepath.Join(t.TempDir(), "journal.jsonl")
		w, err := Create(p, h, Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		w.Close()
		jd, err := Read(p)
		if err != nil {
			t.Fatalf("v%d: %v", tt.v, err)
		}
		if got := jd.Header.Version; got != tt.want {
			t.Errorf("v%d: got version %q, want %q", tt.v, got, tt.want)
		}
	}
}

// A failed step starts again as another step (the fixed one) only after
// a repin record; a repin is a version 3 record.
func TestRepinLetsAnUnfinishedStepChange(t *testing.T) {
	const otherKey = "fedcba9876543210fedcba98"
	files := []PinnedFile{{Name: "t.star", SHA256: strings.Repeat("cd", 32)}}
	base := []Record{
		{Type: RecSession, Mode: "run"},
		{Type: RecStarted, Seq: 1, Name: "a", Kind: "step", Key: testKey, Attempt: 1},
		{Type: RecCompleted, Seq: 1, Status: "ok"},
		{Type: RecStarted, Seq: 2, Name: "b", Kind: "step", Key: testKey, Attempt: 1},
		{Type: RecFailed, Seq: 2, Error: "boom"},
		{Type: RecSession, Mode: "resume"},
	}
	restart := Record{Type: RecStarted, Seq: 2, Name: "b fixed", Kind: "step", Key: otherKey, Attempt: 2}
	repin := Record{Type: RecRepin, Path: "pinned.1", Files: files}
	tests := []struct {
		name string
		v    int
		recs []Record
		err  string
	}{
		{"repin then another step", Version, append(append([]Record{}, base...), repin, restart), ""},
		{"another step without repin", Version, append(append([]Record{}, base...), restart), "starts again as another step"},
		{"repin after a completed step does not free it", Version, append(append([]Record{}, base[:3]...), repin, Record{Type: RecStarted, Seq: 1, Key: otherKey, Name: "a", Kind: "step", Attempt: 2}), "started record for step 1"},
		{"repin in version 2", 2, append(append([]Record{}, base...), repin), "unknown record type \"repin\" in format version 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, data := writeJournal(t, tt.v, tt.recs...)
			d, err := readBytes(t, data)
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("got %v, want an error with %q", err, tt.err)
			}
			if tt.err == "" && !reflect.DeepEqual(d.Records[len(d.Records)-2].Files, files) {
				t.Errorf("repin files: got %+v, want %+v", d.Records[len(d.Records)-2].Files, files)
			}
		})
	}
}
