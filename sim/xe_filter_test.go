package sim

import (
	"strings"
	"testing"
)

// testRecords are two PIF-like records with a case-insensitive MAC, a map
// and a set.
func testRecords() []*record {
	mk := func(uuid, dev, mac, ip string, oc []kv, caps []string) *record {
		return &record{uuid: uuid, fields: []*field{
			ro("uuid", uuid),
			ro("device", dev),
			{name: "MAC", get: func() string { return mac }, caseInsensitive: true},
			ro("IP", ip),
			roMap("other-config", oc),
			roMap("other-config-extra", []kv{{"k", "v"}}),
			roSet("capabilities", caps),
		}}
	}
	return []*record{
		mk("u1", "eth0", "00:1b:21:aa:bb:cc", "10.0.0.1", []kv{{"management_purpose", "Storage"}}, []string{"gro", "fcoe"}),
		mk("u2", "eth1", "00:1b:21:aa:bb:cd", "", nil, []string{"gro"}),
	}
}

func TestFilterRecords(t *testing.T) {
	tests := []struct {
		filter  kv
		want    string // uuids, or the error
		noRecs  bool
		wantErr bool
	}{
		{filter: kv{"device", "eth0"}, want: "u1"},
		{filter: kv{"device", "ETH0"}, want: ""},
		{filter: kv{"MAC", "00:1B:21:AA:BB:CD"}, want: "u2"},
		{filter: kv{"IP", ""}, want: "u2"},
		{filter: kv{"other-config:management_purpose", "Storage"}, want: "u1"},
		{filter: kv{"other-config:management_purpose", "storage"}, want: ""},
		{filter: kv{"other-config-management_purpose", "Storage"}, want: "u1"},
		// the longest map name wins in the old form.
		{filter: kv{"other-config-extra-k", "v"}, want: "u1,u2"},
		{filter: kv{"capabilities:contains", "fcoe"}, want: "u1"},
		{filter: kv{"capabilities-contains", "gro"}, want: "u1,u2"},
		{filter: kv{"capabilities:has", "gro"}, want: "Error: Invalid syntax for set filtering (should be set-param:contains=key)", wantErr: true},
		{filter: kv{"bogus", "1"}, want: "Error: Unknown field 'bogus'", wantErr: true},
		{filter: kv{"bogus:k", "1"}, want: "Error: Unknown field 'bogus:k'", wantErr: true},
		{filter: kv{"device:k", "1"}, want: "Error: Field 'device' is not a set or map", wantErr: true},
		// with no records, nothing is checked.
		{filter: kv{"bogus", "1"}, want: "", noRecs: true},
	}
	for _, tt := range tests {
		t.Run(tt.filter.K+"="+tt.filter.V, func(t *testing.T) {
			recs := testRecords()
			if tt.noRecs {
				recs = nil
			}
			got, err := filterRecords(recs, tt.filter)
			if tt.wantErr {
				if err == nil || err.Error() != tt.want {
					t.Fatalf("got error %v, want %s", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var uuids []string
			for _, r := range got {
				uuids = append(uuids, r.uuid)
			}
			if s := strings.Join(uuids, ","); s != tt.want {
				t.Errorf("got %q, want %q", s, tt.want)
			}
		})
	}
}

func TestListParamsAndAll(t *testing.T) {
	root := newRoot(t)
	// params=all prints every field that is not hidden: pool has two hidden.
	out := mustRun(t, root, "xe", "pool-list", "params=all")
	if strings.Contains(out, "vswitch-controller") || strings.Contains(out, "uefi-certificates") {
		t.Errorf("params=all shows hidden fields:\n%s", out)
	}
	if !strings.Contains(out, "supported-sr-types ( RO): <expensive field>") {
		t.Errorf("params=all: expensive field not marked:\n%s", out)
	}
	// a hidden field can still be read with param-get.
	pool := mustRun(t, root, "xe", "pool-list", "--minimal")
	if got := mustRun(t, root, "xe", "pool-param-get", "uuid="+pool, "param-name=vswitch-controller"); got != "<not set>" {
		t.Errorf("hidden field: got %q", got)
	}
	// the default vm-list filter is-a-template=false applies.
	vm := mustRun(t, root, "xe", "vm-list", "name-label=build01", "--minimal")
	mustRun(t, root, "xe", "vm-param-set", "uuid="+vm, "is-a-template=true")
	if got := mustRun(t, root, "xe", "vm-list", "name-label=build01", "--minimal"); got != "" {
		t.Errorf("vm-list lists a template: %q", got)
	}
}

func TestNullReferenceFields(t *testing.T) {
	root := newRoot(t)
	pool := mustRun(t, root, "xe", "pool-list", "--minimal")
	mustRun(t, root, "xe", "pool-param-set", "uuid="+pool, "default-SR=")
	if got := mustRun(t, root, "xe", "pool-param-get", "uuid="+pool, "param-name=default-SR"); got != nullRef {
		t.Errorf("default-SR set empty: got %q", got)
	}
	vm := mustRun(t, root, "xe", "vm-list", "name-label=web01", "--minimal")
	host := mustRun(t, root, "xe", "host-list", "name-label=xen02", "--minimal")
	mustRun(t, root, "xe", "vm-param-set", "uuid="+vm, "affinity="+host)
	if got := mustRun(t, root, "xe", "vm-param-get", "uuid="+vm, "param-name=affinity"); got != host {
		t.Errorf("affinity: got %q", got)
	}
	mustRun(t, root, "xe", "vm-param-clear", "uuid="+vm, "param-name=affinity")
	if got := mustRun(t, root, "xe", "vm-param-get", "uuid="+vm, "param-name=affinity"); got != nullRef {
		t.Errorf("affinity cleared: got %q", got)
	}
}

func TestExtraMapsPersist(t *testing.T) {
	root := newRoot(t)
	host := mustRun(t, root, "xe", "host-list", "name-label=xen01", "--minimal")
	mustRun(t, root, "xe", "host-param-add", "uuid="+host, "param-name=logging", "syslog_destination=10.0.0.9")
	if got := mustRun(t, root, "xe", "host-param-get", "uuid="+host, "param-name=logging"); got != "syslog_destination: 10.0.0.9" {
		t.Errorf("logging: got %q", got)
	}
	mustRun(t, root, "xe", "host-param-clear", "uuid="+host, "param-name=logging")
	if got := mustRun(t, root, "xe", "host-param-get", "uuid="+host, "param-name=logging"); got != "" {
		t.Errorf("logging cleared: got %q", got)
	}
}
