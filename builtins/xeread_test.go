package builtins

import (
	"testing"

	"go.starlark.net/starlark"
)

// TestIsReadCommand pins the classification of xe commands that decides
// what a dry run runs and what marks a step changed.
func TestIsReadCommand(t *testing.T) {
	for _, tt := range []struct {
		cmd  string
		want bool
	}{
		{"pif-list", true},
		{"pif-param-get", true},
		{"pif-param-list", true},
		{"host-data-source-list", true},
		{"help", true},
		{"host-get-vms-which-prevent-evacuation", true},
		{"pool-get-cpu-features", true},
		{"host-get-server-certificate", true},
		{"host-compute-free-memory", true},
		{"vm-compute-maximum-memory", true},
		{"pool-ha-compute-max-host-failures-to-tolerate", true},
		{"host-cpu-info", true},
		{"vm-data-source-query", true},
		{"host-get-system-status", false}, // writes the report into a file
		{"pif-param-set", false},
		{"pif-forget", false},
		{"host-evacuate", false},
		{"host-disable", false},
		{"bond-create", false},
		{"pool-ha-disable", false},
		{"vm-data-source-forget", false},
		{"list", false},
	} {
		if got := IsReadCommand(tt.cmd); got != tt.want {
			t.Errorf("IsReadCommand(%q) = %v, want %v", tt.cmd, got, tt.want)
		}
	}
}

// TestXeReadOnly: read_only= overrides the classification, and shows in
// the journal's rendering of the call (a different call on resume).
func TestXeReadOnly(t *testing.T) {
	kw := func(v starlark.Value) []starlark.Tuple {
		return []starlark.Tuple{{starlark.String("read_only"), v}}
	}
	for _, tt := range []struct {
		cmd      string
		kwargs   []starlark.Tuple
		wantRead bool
		wantDesc string
		wantErr  string
	}{
		{"host-evacuate", nil, false, "xe host-evacuate", ""},
		{"host-evacuate", kw(starlark.True), true, "xe host-evacuate (read_only=True)", ""},
		{"pif-list", kw(starlark.False), false, "xe pif-list (read_only=False)", ""},
		{"pif-list", kw(starlark.None), true, "xe pif-list", ""},
		{"pif-list", kw(starlark.String("yes")), false, "", "xe: read_only: got string, want bool or None"},
	} {
		args := starlark.Tuple{starlark.String(tt.cmd)}
		c, err := parseXeCall(args, tt.kwargs)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("%s %v: error %v, want %q", tt.cmd, tt.kwargs, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s %v: %v", tt.cmd, tt.kwargs, err)
		}
		if got := c.read(); got != tt.wantRead {
			t.Errorf("%s %v: read %v, want %v", tt.cmd, tt.kwargs, got, tt.wantRead)
		}
		if got := describeXe(args, tt.kwargs); got != tt.wantDesc {
			t.Errorf("%s %v: described %q, want %q", tt.cmd, tt.kwargs, got, tt.wantDesc)
		}
	}
}
