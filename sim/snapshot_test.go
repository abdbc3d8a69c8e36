package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// drive does a fixed set of things to a host.
func drive(t *testing.T, root string) {
	t.Helper()
	mustRun(t, root, switchProg, "bridge")
	mustRun(t, root, "reboot")
	boot(t, root)
	eth2, eth3 := pifOf(t, root, "xen01", "eth2"), pifOf(t, root, "xen01", "eth3")
	mustRun(t, root, "xe", "pif-forget", "uuid="+eth2)
	mustRun(t, root, "xe", "pif-forget", "uuid="+eth3)
	net := mustRun(t, root, "xe", "network-create", "name-label=storage")
	mustRun(t, root, "xe", "bond-create", "network-uuid="+net, "pif-uuids="+pifOf(t, root, "xen02", "eth2")+","+pifOf(t, root, "xen02", "eth3"))
	ns := filepath.Join(root, networkScripts)
	writeFile(t, filepath.Join(ns, "ifcfg-eth2"), "DEVICE=eth2\nMASTER=bond51\nSLAVE=yes\n")
	writeFile(t, filepath.Join(ns, "ifcfg-eth3"), "DEVICE=eth3\nMASTER=bond51\nSLAVE=yes\n")
	writeFile(t, filepath.Join(ns, "ifcfg-bond51"), "DEVICE=bond51\nBONDING_OPTS='mode=4 miimon=100'\nIPADDR=10.0.0.5\nPREFIX=24\n")
	mustRun(t, root, "ifup", "bond51")
	mustRun(t, root, "xe", "host-evacuate", "host=xen02")
}

func snapshot(t *testing.T, root string) []byte {
	t.Helper()
	data, err := Snapshot(root)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestSnapshotDeterministic(t *testing.T) {
	a, b := newRoot(t), newRoot(t)
	if !bytes.Equal(snapshot(t, a), snapshot(t, b)) {
		t.Fatal("two fresh hosts with one seed differ")
	}
	drive(t, a)
	drive(t, b)
	sa, sb := snapshot(t, a), snapshot(t, b)
	if !bytes.Equal(sa, sb) {
		t.Fatalf("same actions, different snapshots:\n%s\n---\n%s", sa, sb)
	}
	// reads and bookkeeping leave it alone.
	mustRun(t, a, "xe", "pif-list")
	arm(t, a, "--call", "100", "--kill-before")
	if !bytes.Equal(snapshot(t, a), sa) {
		t.Error("a read or an armed fault changed the snapshot")
	}
	for _, key := range []string{"calls", "faults", "xapi_down", "bookkeeping"} {
		if bytes.Contains(sa, []byte(`"`+key+`"`)) {
			t.Errorf("snapshot has %q", key)
		}
	}
	var m map[string]any
	if err := json.Unmarshal(sa, &m); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"pool", "hosts", "networks", "pifs", "bonds", "vms"} {
		if _, ok := m[key]; !ok {
			t.Errorf("snapshot lacks %q", key)
		}
	}
	// every host's dom0: its kernel, boots and the units each boot ran.
	dom0 := m["hosts"].([]any)[0].(map[string]any)["dom0"].(map[string]any)
	for _, key := range []string{"kernel", "boot_id", "boot_count", "boots", "auto_enable"} {
		if _, ok := dom0[key]; !ok {
			t.Errorf("snapshot of dom0 lacks %q", key)
		}
	}
	// a different seed gives different identifiers.
	c := filepath.Join(t.TempDir(), "h")
	if err := Init(c, InitOptions{Seed: 2}); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(snapshot(t, c), snapshot(t, newRoot(t))) {
		t.Error("seeds 1 and 2 give the same host")
	}
}

func TestSnapshotCanonicalMaps(t *testing.T) {
	// adding and removing a key leaves the same model as never adding it.
	a, b := newRoot(t), newRoot(t)
	eth2 := pifOf(t, a, "xen01", "eth2")
	pifOf(t, b, "xen01", "eth2")
	mustRun(t, a, "xe", "pif-param-set", "uuid="+eth2, "other-config:k=v")
	mustRun(t, a, "xe", "pif-param-remove", "uuid="+eth2, "param-name=other-config", "param-key=k")
	if sa, sb := snapshot(t, a), snapshot(t, b); !bytes.Equal(sa, sb) {
		t.Errorf("an emptied map differs from an untouched one")
	}
}

func TestIDs(t *testing.T) {
	m := model{Seed: 5}
	u := m.newUUID()
	if len(u) != 36 || strings.Count(u, "-") != 4 || strings.ToLower(u) != u {
		t.Errorf("uuid %q", u)
	}
	mac := m.newMAC()
	if !macRE.MatchString(mac) || !strings.HasPrefix(mac, "00:1b:21:") {
		t.Errorf("mac %q", mac)
	}
	if bootID(5, 1) == bootID(5, 2) || bootID(5, 1) != bootID(5, 1) || bootID(5, 1) == bootID(6, 1) {
		t.Error("boot ids do not follow seed and boot count")
	}
}

func TestConcurrentRuns(t *testing.T) {
	root := newRoot(t)
	eth2 := pifOf(t, root, "xen01", "eth2")
	const n = 12
	done := make(chan result, n)
	for i := range n {
		go func() {
			var stdout, stderr bytes.Buffer
			getenv := func(k string) string {
				if k == "RUNBOOK_ROOT" {
					return root
				}
				return ""
			}
			code := Main([]string{"xe", "pif-param-add", "uuid=" + eth2, "param-name=other-config", fmt.Sprintf("k%d=v", i)}, getenv, nil, &stdout, &stderr)
			done <- result{stdout.String(), stderr.String(), code}
		}()
	}
	for range n {
		if r := <-done; r.code != 0 {
			t.Errorf("concurrent run: %+v", r)
		}
	}
	st := loadModel(t, root)
	if got := len(st.Model.pif(eth2).OtherConfig); got != n || st.Book.Calls != n+1 {
		t.Errorf("%d keys and %d calls, want %d and %d", got, st.Book.Calls, n, n+1)
	}
	argvs, err := readCallLog(poolOf(root))
	if err != nil || len(argvs) != n+1 {
		t.Errorf("call log: %d lines, %v", len(argvs), err)
	}
}
