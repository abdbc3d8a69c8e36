package engine

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const testHeader = `{"type":"run","v":1,"id":"r1","runbook":"t","origin":"shipped","main":"t.star","files":[],"params":{},"options":{"root":"/","xe":"xe","ifup":"ifup","reboot":"reboot","path":"","xapi_timeout":"10m0s","call_timeout":"10m0s","max_steps":0},"time":"t0"}`

func TestParseJournal(t *testing.T) {
	started := `{"type":"started","seq":1,"name":"a","kind":"step","key":"k1"}`
	completed := `{"type":"completed","seq":1,"status":"ok","result":1}`
	tests := []struct {
		name    string
		data    string
		records int    // records read after the header
		err     string // substring of the error, "" for none
	}{
		{"complete", testHeader + "\n" + started + "\n" + completed + "\n", 2, ""},
		{"torn last line is not written", testHeader + "\n" + started + "\n" + `{"type":"comp`, 1, ""},
		{"torn header", `{"type":"run","v":1,"id"`, 0, "empty: the run never started"},
		{"damaged middle", testHeader + "\n" + started + "\n" + "garbage\n" + completed + "\n", 2, ":3: damaged line"},
		{"damaged, then aborted", testHeader + "\n" + "garbage\n" + `{"type":"end","state":"aborted"}` + "\n", 1, ""},
		{"unknown version", strings.Replace(testHeader, `"v":1`, `"v":2`, 1) + "\n", 0, "format version 2, this runbook reads version 1"},
		{"not a journal", `{"hello":1}` + "\n", 0, "not a runbook journal header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jd, err := parseJournal("j", []byte(tt.data))
			if tt.err == "" {
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
				if got := len(jd.Records); got != tt.records {
					t.Errorf("got %d records, want %d", got, tt.records)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("got error %v, want one containing %q", err, tt.err)
			}
		})
	}
}

// A journal reopened after a power cut in the middle of an append loses
// the partial line, and the next record starts on a line of its own.
func TestOpenJournalCutsTornLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "journal.jsonl")
	data := testHeader + "\n" + `{"type":"started","seq":1,"name":"a","kind":"step","key":"k"}` + "\n" + `{"type":"compl`
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	j, err := OpenJournal(p, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Append(&Record{Type: RecCompleted, Seq: 1, Status: StepOK, Result: []byte("null")}, true); err != nil {
		t.Fatal(err)
	}
	j.Close()
	jd, err := ReadJournal(p)
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	if got, want := len(jd.Records), 2; got != want {
		t.Fatalf("got %d records, want %d", got, want)
	}
	if got := jd.Records[1].Type; got != RecCompleted {
		t.Errorf("got last record %q, want completed", got)
	}
}

// appendRecord must produce what encoding/json reads back, for any text.
func TestAppendRecordRoundTrip(t *testing.T) {
	r := &Record{Type: RecPrint, Time: "t", Seq: 3, Msg: "a\"b\\c\n\t\x01\u2028é\xff<>&", Changed: true, Result: []byte(`{"x":[1,2.5]}`)}
	line := appendRecord(nil, r)
	jd, err := parseJournal("j", []byte(testHeader+"\n"+string(line)))
	if err != nil {
		t.Fatal(err)
	}
	got := jd.Records[0]
	if got.Msg != "a\"b\\c\n\t\x01\u2028é\ufffd<>&" || got.Seq != 3 || !got.Changed || string(got.Result) != `{"x":[1,2.5]}` {
		t.Errorf("round trip: got %+v", got)
	}
}

// A journal is read after crashes and by hand edits: reading never
// panics; it either succeeds or fails with a JournalError that names the
// journal.
func FuzzParseJournal(f *testing.F) {
	f.Add([]byte(testHeader + "\n" + `{"type":"started","seq":1,"name":"a","kind":"step","key":"k"}` + "\n"))
	f.Add([]byte(testHeader + "\ngarbage\n" + `{"type":"end","state":"aborted"}` + "\n"))
	f.Add([]byte(`{"type":"run","v":2}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		jd, err := parseJournal("j", data)
		if err != nil {
			var je *JournalError
			if !errors.As(err, &je) || !strings.HasPrefix(err.Error(), "journal j") {
				t.Fatalf("error %v is not a JournalError naming the journal", err)
			}
			return
		}
		foldSteps(jd.Records)
	})
}
