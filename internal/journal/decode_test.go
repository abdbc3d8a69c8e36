package journal

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// Every field of Record goes through the hand-written encoder and
// decoder and its schema: set one field at a time to a value that is
// not its zero, write it, read it back. A field added to the struct but
// not to appendRecord, decodeRecord or fields fails here.
func TestRecordFieldsRoundTrip(t *testing.T) {
	rt := reflect.TypeOf(Record{})
	if rt.NumField() != len(fields) {
		t.Fatalf("Record has %d fields, the encoder's list %d: add the new field to fields, appendRecord, decodeRecord and schemas", rt.NumField(), len(fields))
	}
	for i := range rt.NumField() {
		f := rt.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag != fields[i] {
			t.Errorf("field %s: json key %q, the encoder writes %q at its place", f.Name, tag, fields[i])
		}
		var r Record
		r.Type = RecStarted
		v := reflect.ValueOf(&r).Elem().Field(i)
		switch v.Kind() {
		case reflect.String:
			v.SetString("x\"é\n" + f.Name)
		case reflect.Int:
			v.SetInt(7)
		case reflect.Uint64:
			v.SetUint(1 << 40)
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Slice:
			switch {
			case f.Name == "Files":
				v.Set(reflect.ValueOf([]PinnedFile{{Name: "x\"é\n.star", SHA256: strings.Repeat("ab", 32)}, {Name: "lib/y.star", SHA256: strings.Repeat("0f", 32)}}))
			case v.Type().Elem().Kind() == reflect.String:
				v.Set(reflect.ValueOf([]string{"xe", "", "x\"é\n" + f.Name}))
			default:
				v.SetBytes([]byte(`{"a":[1,"b"]}`))
			}
		default:
			t.Fatalf("field %s: kind %s: teach this test the new kind", f.Name, v.Kind())
		}
		body := appendRecord(nil, &r)
		var got Record
		var seen uint64
		if err := decodeRecord(body, &got, &seen); err != nil {
			t.Fatalf("field %s: decode %s: %v", f.Name, body, err)
		}
		if !reflect.DeepEqual(got, r) {
			t.Errorf("field %s: round trip:\n got %+v\nwant %+v", f.Name, got, r)
		}
		if seen&(1<<i) == 0 && i != 0 {
			t.Errorf("field %s: the decoder did not note it as present", f.Name)
		}
		// encoding/json reads the same line the same way.
		var std Record
		if err := json.Unmarshal(append(body, '}'), &std); err != nil || !reflect.DeepEqual(std, r) {
			t.Errorf("field %s: encoding/json reads %s as %+v (%v)", f.Name, body, std, err)
		}
		// Every version-2 record type that allows the field names it.
		named := false
		for _, s := range schemas[Version] {
			named = named || s.allowed&(1<<i) != 0
		}
		if !named {
			t.Errorf("field %s: no record type of version %d allows it: add it to schemas", f.Name, Version)
		}
	}
}

func TestDecodeRecordStrict(t *testing.T) {
	tests := []struct{ body, err string }{
		{`{"type":"print","msg":"a"`, ""},
		{`{"type":"print", "msg":"a"`, "want a string"},
		{`{"msg":"a","type":"print"`, "out of order"},
		{`{"type":"print","msg":"a","msg":"b"`, "out of order or repeated"},
		{`{"type":"print","seq":01`, "positive integer"},
		{`{"type":"print","seq":0`, "positive integer"},
		{`{"type":"print","changed":false`, "want true"},
		{`{"type":"print","bogus":1`, "unknown field"},
		{`{"type":"print","msg":""`, "empty"},
		{`{"type":"print","msg":"\ud800"`, ""},
		{`{"type":"print","result":{]`, "not a JSON value"},
		{`{"type":"call","argv":["xe","","a\"b"],"exit":0`, ""},
		{`{"type":"call","argv":["xe"],"exit":00`, "positive integer"},
		{`{"type":"call","argv":["xe"],"exit":01`, "positive integer"},
		{`{"type":"print","exit":0`, "positive integer"},
		{`{"type":"call","argv":[]`, "want a string"},
		{`{"type":"call","argv":["xe",]`, "want a string"},
		{`{"type":"call","argv":["xe" ]`, "want ',' or ']'"},
		{`{"type":"call","argv":"xe"`, "want an array of strings"},
		{`{"type":"call","argv":["xe"`, "unterminated"},
		{`{"type":"call","argv":["xe"],"truncated":false`, "want true"},
		{`{"type":"call","argv":["xe"],"exit":1,"ms":0`, "positive integer"},
		{`{"type":"repin","files":[{"name":"a.star","sha256":"` + strings.Repeat("ab", 32) + `"}]`, ""},
		{`{"type":"repin","files":[{"sha256":"` + strings.Repeat("ab", 32) + `","name":"a.star"}]`, "not in the journal's encoding"},
		{`{"type":"repin","files":[{"name":"a.star","sha256":"ab"}]`, "64 hex digits"},
		{`{"type":"repin","files":[]`, "non-empty list"},
		{`{"type":"repin","files":{}`, "non-empty list"},
	}
	for _, tt := range tests {
		var r Record
		var seen uint64
		err := decodeRecord([]byte(tt.body), &r, &seen)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("%s: got %v, want no error", tt.body, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%s: got %v, want an error with %q", tt.body, err, tt.err)
		}
	}
}

// Whatever the decoder accepts, the encoder writes back to the same
// record, and encoding/json reads it the same.
func FuzzDecodeRecord(f *testing.F) {
	f.Add([]byte(`{"type":"started","seq":1,"name":"a","kind":"step","key":"0123456789abcdef01234567","attempt":1}`))
	f.Add([]byte(`{"type":"completed","seq":2,"status":"ok","result":{"$tuple":[1,"x"]}}`))
	f.Add([]byte(`{"type":"call","seq":2,"argv":["xe","pif-list",""],"exit":0,"ms":12,"stdout":"uuid ( RO)","truncated":true}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		if len(line) == 0 || line[len(line)-1] != '}' {
			return
		}
		body := line[:len(line)-1]
		var r Record
		var seen uint64
		if decodeRecord(body, &r, &seen) != nil {
			return
		}
		again := appendRecord(nil, &r)
		var r2 Record
		if err := decodeRecord(again, &r2, &seen); err != nil || !reflect.DeepEqual(r2, r) {
			t.Fatalf("accepted %q as %+v; its encoding %q reads back as %+v (%v)", body, r, again, r2, err)
		}
		var std Record
		if err := json.Unmarshal(line, &std); err != nil {
			t.Fatalf("accepted %q, encoding/json refuses it: %v", line, err)
		}
		if !reflect.DeepEqual(std, r) {
			t.Fatalf("%q: ours %+v, encoding/json %+v", line, r, std)
		}
	})
}
