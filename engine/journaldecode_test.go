package engine

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The fast path must read exactly what encoding/json reads, whenever it
// accepts a line.
func checkFastDecode(t *testing.T, line []byte) {
	t.Helper()
	var fast Record
	if !fastDecodeRecord(line, &fast) {
		return
	}
	var slow Record
	if err := json.Unmarshal(line, &slow); err != nil {
		t.Fatalf("fast path accepted %q, encoding/json refused it: %v", line, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("line %q:\nfast %+v\nslow %+v", line, fast, slow)
	}
}

func TestFastDecodeRecord(t *testing.T) {
	recs := []Record{
		{Type: RecStarted, Time: "2026-11-26T01:00:00Z", Seq: 12, Name: "forget eth2", Kind: "step", Call: `forget("u", "eth2")`, Key: "abc", Pos: "nfs-bond.star:9:5", Attempt: 2},
		{Type: RecCompleted, Seq: 12, Status: StepChanged, Changed: true, Result: json.RawMessage(`{"a":[1,2.5,{"$tuple":["x\"]}",null]}],"b":"\\u00e9","c":{}}`)},
		{Type: RecCompleted, Seq: 1, Status: StepOK, Result: json.RawMessage(`null`)},
		{Type: RecFailed, Seq: 3, Error: "xe pif-forget uuid=x: exit status 1:\nThe uuid you supplied was invalid."},
		{Type: RecBackup, Seq: 4, Path: "/etc/x", File: "backups/0001_etc_x", Existed: true},
		{Type: RecSession, PID: 4242, BootID: "b", Mode: "resume"},
		{Type: RecEnd, State: StateFailed, Status: "refused", Error: "a\tb", Changed: true},
		{Type: RecPrint, Msg: "héllo \"world\""},
	}
	accepted := 0
	for _, r := range recs {
		line := appendRecord(nil, &r)
		line = line[:len(line)-1]
		var got Record
		if err := decodeRecord(line, &got); err != nil {
			t.Fatalf("decode %s: %v", line, err)
		}
		if !reflect.DeepEqual(got, r) {
			t.Errorf("round trip of %s:\ngot  %+v\nwant %+v", line, got, r)
		}
		if fastDecodeRecord(line, &got) {
			accepted++
		}
		checkFastDecode(t, line)
	}
	if accepted < 5 {
		t.Errorf("the fast path took %d of %d plain records, want most of them", accepted, len(recs))
	}
}

func FuzzFastDecodeRecord(f *testing.F) {
	f.Add([]byte(`{"type":"started","seq":1,"name":"a","kind":"step","key":"k","pos":"t.star:1:1","attempt":1}`))
	f.Add([]byte(`{"type":"completed","seq":1,"status":"ok","result":{"x":[1,"]}"]}}`))
	f.Add([]byte(`{"type":"end","changed":true,"state":"succeeded"}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		checkFastDecode(t, line)
	})
}
