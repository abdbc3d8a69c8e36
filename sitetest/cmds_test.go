package sitetest

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestJSONValue(t *testing.T) {
	doc := `{"state": "succeeded", "steps": [{"seq": 1, "status": "ok"}, {"seq": 2, "status": "changed", "changed": true}],
		"params": {"slaves": ["eth2", "eth3"], "mtu": 9000, "gw": null, "html": "<a&b>"}, "error": null}`
	for _, tt := range []struct {
		path, want string
		found      bool
		err        string
	}{
		{path: "state", want: "succeeded", found: true},
		{path: "steps.2.status", want: "changed", found: true},
		{path: "steps.2.changed", want: "true", found: true},
		{path: "steps.1", want: `{"seq":1,"status":"ok"}`, found: true},
		{path: "params.slaves", want: `["eth2","eth3"]`, found: true},
		{path: "params.mtu", want: "9000", found: true},
		{path: "params.gw", want: "null", found: true},
		{path: "params.html", want: "<a&b>", found: true},
		{path: "error", want: "null", found: true},
		{path: "steps.3.status"},
		{path: "nothing"},
		{path: "state.deeper"},
		{path: "steps.0.status", err: `list position "0": want a number from 1`},
		{path: "steps.x", err: `list position "x": want a number from 1`},
	} {
		got, found, err := JSONValue(doc, tt.path)
		switch {
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: got error %v, want %q", tt.path, err, tt.err)
			}
		case err != nil:
			t.Errorf("%s: %v", tt.path, err)
		case got != tt.want || found != tt.found:
			t.Errorf("%s: got %q, %v; want %q, %v", tt.path, got, found, tt.want, tt.found)
		}
	}
	if _, _, err := JSONValue("runbook: not json\n", "state"); err == nil || !strings.Contains(err.Error(), "not JSON") {
		t.Errorf("not JSON: got %v", err)
	}
}

// FuzzJSONValue: a string stored under a key (without a dot) is found as
// it is, and no document or path makes JSONValue panic.
func FuzzJSONValue(f *testing.F) {
	f.Add("state", "succeeded", `{"a": [1, {"b": null}]}`, "a.2.b")
	f.Add("", "", "", "")
	f.Add("k", "<&>\u2028", "[", "1")
	f.Fuzz(func(t *testing.T, key, value, doc, path string) {
		JSONValue(doc, path)
		if strings.Contains(key, ".") || !utf8.ValidString(key) || !utf8.ValidString(value) {
			return
		}
		data, err := json.Marshal(map[string]string{key: value})
		if err != nil {
			return
		}
		got, found, err := JSONValue(string(data), key)
		if err != nil || !found || got != value {
			t.Fatalf("key %q value %q: got %q, %v, %v", key, value, got, found, err)
		}
	})
}

func TestParseStatuses(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []int
		err  bool
	}{
		{in: "0", want: []int{0}},
		{in: "2|3", want: []int{2, 3}},
		{in: "255", want: []int{255}},
		{in: "256", err: true},
		{in: "-1", err: true},
		{in: "2|", err: true},
		{in: "x", err: true},
	} {
		got, err := parseStatuses(tt.in)
		if (err != nil) != tt.err || !tt.err && (len(got) != len(tt.want) || got[0] != tt.want[0] || got[len(got)-1] != tt.want[len(tt.want)-1]) {
			t.Errorf("parseStatuses(%q) = %v, %v; want %v (error %v)", tt.in, got, err, tt.want, tt.err)
		}
	}
}
