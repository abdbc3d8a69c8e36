package sim

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/builtins"
)

func TestAPIErrParams(t *testing.T) {
	tests := []struct {
		name   string
		code   string
		params []string
		want   string
	}{
		{"exact", "PIF_VLAN_STILL_EXISTS", []string{"p1"}, "Operation cannot proceed while a VLAN exists on this interface.\nPIF: p1"},
		{"missing", "HOST_NOT_ENOUGH_FREE_MEMORY", []string{"vm1 (web01)"}, "Not enough server memory is available to perform this operation.\nneeded: vm1 (web01)\navailable: <unknown>"},
		{"none given", "VIF_IN_USE", nil, "Network has active VIFs\nnetwork: <unknown>\nVIF: <unknown>"},
		{"extra", "NO_HOSTS_AVAILABLE", []string{"vm1 (web01)", "x"}, "There were no servers available to complete the specified operation.\n<extra>: vm1 (web01)\n<extra>: x"},
		{"unknown code", "SR_BACKEND_FAILURE_46", []string{"", "The VDI is not available", ""}, "Error code: SR_BACKEND_FAILURE_46\nError parameters: , The VDI is not available, "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := apiErr(tt.code, tt.params...).Error(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestForgetCutsOnlyThisHost: forgetting xen01's eth2 takes down the
// VIFs on eth2's network of the guests on xen01, not those on xen02,
// nor xen01's guests on other networks.
func TestForgetCutsOnlyThisHost(t *testing.T) {
	root := newRoot(t)
	db := simVIF(t, root, "db01:eth2")
	app := simVIF(t, root, "app02:eth2")
	mustRun(t, root, "xe", "pif-forget", "uuid="+pifOf(t, root, "xen01", "eth2"))
	m := &loadModel(t, root).Model
	for _, v := range m.VIFs {
		wantUp := v.UUID != db && m.vm(v.VM).PowerState == "running"
		if got := m.vifAttached(v); got != wantUp {
			t.Errorf("VIF %s of %s: attached %v, want %v", v.Device, m.vm(v.VM).NameLabel, got, wantUp)
		}
	}
	if v := m.vif(app); !m.vifAttached(v) || v.Down != "" {
		t.Errorf("app02's VIF on xen02 was touched: %+v", v)
	}
	if v := m.vif(db); !strings.Contains(v.Down, "pif-forget on xen01 destroyed bridge xenbr2") {
		t.Errorf("db01's VIF: down %q", v.Down)
	}
}

// TestFailedEvacuationMovesNothing compares the whole model before and
// after each evacuation that cannot place a guest.
func TestFailedEvacuationMovesNothing(t *testing.T) {
	free := int64(2000) // MiB: a guest needs 2068
	tests := []struct {
		name  string
		opts  InitOptions
		setup func(t *testing.T, root string)
		want  string // the first line after the doc text
	}{
		{"too full", InitOptions{MemoryFree: &free}, nil, "needed: ee56d862-cfdf-e155-f7bb-8a5d0929c109 (web01)"},
		{"network missing on one target", InitOptions{VIFs: []string{"db01:eth3"}}, func(t *testing.T, root string) {
			mustRun(t, root, "xe", "pif-forget", "uuid="+pifOf(t, root, "xen02", "eth3"))
		}, "vm: a99cfece-5c92-bf36-ec44-74c53c5fbeb4 (db01)"},
		{"no target", InitOptions{}, func(t *testing.T, root string) {
			mustRun(t, root, "xe", "host-disable", "host=xen02")
			mustRun(t, root, "xe", "host-disable", "host=xen03")
		}, "<extra>: ee56d862-cfdf-e155-f7bb-8a5d0929c109 (web01)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir() + "/host"
			tt.opts.Seed, tt.opts.XapiDelay = 1, NoXapiDelay
			if err := Init(root, tt.opts); err != nil {
				t.Fatal(err)
			}
			if tt.setup != nil {
				tt.setup(t, root)
			}
			before := snapshot(t, root)
			r := run(t, root, "xe", "host-evacuate", "host=xen01")
			if r.code != 1 || !strings.Contains(r.stderr, "\n"+tt.want+"\n") {
				t.Errorf("host-evacuate: exit %d, stderr %q, want a line %q", r.code, r.stderr, tt.want)
			}
			if after := snapshot(t, root); !bytes.Equal(before, after) {
				t.Errorf("a failed evacuation changed the pool")
			}
			// The pre-check names the same VM.
			out := mustRun(t, root, "xe", "host-get-vms-which-prevent-evacuation", "uuid="+hostOf(t, root, "xen01"), "params=name-label", "--minimal")
			if out == "" {
				t.Errorf("host-get-vms-which-prevent-evacuation names no VM")
			}
		})
	}
}

// TestEvacuationPlanFits: a guest that fits on one host only goes there.
func TestEvacuationPlanFits(t *testing.T) {
	free := int64(3000) // room for one guest on each other host
	root := t.TempDir() + "/host"
	if err := Init(root, InitOptions{Seed: 1, XapiDelay: NoXapiDelay, MemoryFree: &free}); err != nil {
		t.Fatal(err)
	}
	mustRun(t, root, "xe", "host-evacuate", "host=xen01")
	got := mustRun(t, root, "xe", "vm-list", "name-label=web01", "params=resident-on", "--minimal") + " " +
		mustRun(t, root, "xe", "vm-list", "name-label=db01", "params=resident-on", "--minimal")
	if want := hostOf(t, root, "xen02") + " " + hostOf(t, root, "xen03"); got != want && got != reverse(want) {
		t.Errorf("resident-on: got %s, want one guest on each of xen02 and xen03", got)
	}
}

func reverse(pair string) string {
	a, b, _ := strings.Cut(pair, " ")
	return b + " " + a
}

// TestHostExecGuests drives the guests' commands through the in-process
// Host the engine tests use.
func TestHostExecGuests(t *testing.T) {
	root := newRoot(t)
	simVIF(t, root, "db01:eth2")
	h, err := NewHost(root)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	xe := func(args ...string) builtins.Result {
		t.Helper()
		res, err := h.Exec(context.Background(), builtins.Command{Path: "xe", Args: args})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	eth2 := strings.TrimSpace(string(xe("pif-list", "host-name-label=xen01", "device=eth2", "--minimal").Stdout))
	if res := xe("pif-unplug", "uuid="+eth2); res.ExitCode != 1 || !strings.HasPrefix(string(res.Stderr), "Network has active VIFs\n") {
		t.Errorf("pif-unplug: exit %d, stderr %q", res.ExitCode, res.Stderr)
	}
	if res := xe("pif-forget", "uuid="+eth2); res.ExitCode != 0 {
		t.Fatalf("pif-forget: exit %d, stderr %q", res.ExitCode, res.Stderr)
	}
	got := strings.TrimSpace(string(xe("vif-list", "vm-name-label=db01", "params=currently-attached", "--minimal").Stdout))
	if got != "true,false" {
		t.Errorf("db01's VIFs attached: got %s, want true,false", got)
	}
}

func TestInitOptionsError(t *testing.T) {
	neg := int64(-1)
	err := Init(t.TempDir()+"/h", InitOptions{VIFs: []string{"x", "db01:eth2"}, MemoryFree: &neg})
	var oe *OptionsError
	if !errors.As(err, &oe) || len(oe.Problems) != 2 {
		t.Fatalf("got %v, want an OptionsError with 2 problems", err)
	}
}

// FuzzParseVIFSpec: a spec is accepted with a guest and a network of
// the pool, or refused with an error that names what is wrong.
func FuzzParseVIFSpec(f *testing.F) {
	for _, s := range []string{"db01:eth2", "web01:eth3.100", "db01", ":", "ghost:eth2", "db01:eth9", "a99cfece-5c92-bf36-ec44-74c53c5fbeb4:eth0", "db01:eth2.x", "db01:eth2:eth3"} {
		f.Add(s)
	}
	m := newModel(InitOptions{Seed: 1, Hosts: 3, NICs: 4, Boot: bootManual}, releases["8.3"])
	f.Fuzz(func(t *testing.T, spec string) {
		vm, network, err := m.parseVIFSpec(spec)
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "got ") && !strings.HasPrefix(msg, "VM in ") && !strings.HasPrefix(msg, "NIC in ") {
				t.Errorf("%q: error %q names nothing", spec, msg)
			}
			return
		}
		if vm == nil || vm.IsControlDomain || m.network(network) == nil {
			t.Errorf("%q: accepted with VM %v and network %q", spec, vm, network)
		}
	})
}

func simVIF(t *testing.T, root, spec string) string {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		if k == "RUNBOOK_ROOT" {
			return root
		}
		return ""
	}
	if code := Command([]string{"vif", spec}, getenv, &out, &errb); code != 0 {
		t.Fatalf("sim vif %s: exit %d, %s", spec, code, errb.String())
	}
	return strings.TrimSpace(out.String())
}

func hostOf(t *testing.T, root, name string) string {
	t.Helper()
	return mustRun(t, root, "xe", "host-list", "name-label="+name, "--minimal")
}
