package sim

import (
	"strings"
	"testing"
)

// pifOf returns the uuid of a host's PIF.
func pifOf(t *testing.T, root, host, dev string) string {
	t.Helper()
	return mustRun(t, root, "xe", "pif-list", "host-name-label="+host, "device="+dev, "--minimal")
}

func TestXeCommandErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, root string) map[string]string
		argv  string // $NAME is replaced from what setup returns
		want  string // stderr
	}{
		{name: "bridge name too long", argv: "network-create name-label=x bridge=averyverylongname",
			want: "The value given is invalid\nfield: bridge\nvalue: averyverylongname\n"},
		{name: "bad managed", argv: "network-create name-label=x managed=maybe",
			want: "Error: Failed to parse parameter 'managed': Expected 'true','t','yes','y','1','false','f','no','n','0' got maybe\n"},
		{name: "properties of a bond member", setup: bonded, argv: "pif-param-set uuid=$ETH2 properties:gro=off",
			want: "This properties of this PIF cannot be changed. Only the properties of non-bonded physical PIFs, or bond masters can be changed.\nPIF: $ETH2\n"},
		{name: "unknown property", argv: "pif-param-set uuid=c7aae0dd-d1f6-7a42-0873-ac5e022450a9 properties:mtu=9000",
			want: "The value given is invalid\nfield: properties\nvalue: mtu\n"},
		{name: "members with different properties", setup: func(t *testing.T, root string) map[string]string {
			v := plain(t, root)
			mustRun(t, root, "xe", "pif-param-set", "uuid="+v["ETH3"], "properties:gro=off")
			return v
		}, argv: "bond-create network-uuid=$NET pif-uuids=$ETH2,$ETH3",
			want: "These PIFs cannot be bonded, because their properties are different.\n"},
		{name: "unmanaged member", setup: unmanaged, argv: "bond-create network-uuid=$NET pif-uuids=$ETH2,$ETH1",
			want: "The operation you requested cannot be performed because the specified PIF is not managed by xapi.\nPIF: $ETH1\n"},
		{name: "plug unmanaged", setup: unmanaged, argv: "pif-plug uuid=$ETH1",
			want: "The operation you requested cannot be performed because the specified PIF is not managed by xapi.\nPIF: $ETH1\n"},
		{name: "reconfigure unmanaged", setup: unmanaged, argv: "pif-reconfigure-ip uuid=$ETH1 mode=dhcp",
			want: "The operation you requested cannot be performed because the specified PIF is not managed by xapi.\nPIF: $ETH1\n"},
		{name: "bad bond mac", setup: plain, argv: "bond-create network-uuid=$NET pif-uuids=$ETH2,$ETH3 mac=xx",
			want: "The MAC address specified is not valid.\nMAC: xx\n"},
		{name: "bad lacp time", setup: plain, argv: "bond-create network-uuid=$NET pif-uuids=$ETH2,$ETH3 mode=lacp properties:lacp-time=never",
			want: "The value given is invalid\nfield: properties:lacp-time\nvalue: never\n"},
		{name: "management on a bond member", setup: bonded, argv: "host-management-reconfigure pif-uuid=$ETH2",
			want: "This PIF is a bond member and cannot be plugged.\nPIF: $ETH2\n"},
		{name: "param-add to a read-only map", argv: "host-param-add uuid=7e0ad264-b029-1427-9e8d-60443f1300e8 param-name=software-version k=v",
			want: "Error: Parameter is read-only\n"},
		{name: "param-add to a scalar", argv: "host-param-add uuid=7e0ad264-b029-1427-9e8d-60443f1300e8 param-name=address k=v",
			want: "Error: Can only add to parameters of type Set or Map\n"},
		{name: "param-remove from a read-only set", argv: "host-param-remove uuid=7e0ad264-b029-1427-9e8d-60443f1300e8 param-name=capabilities param-key=x",
			want: "Error: Cannot remove parameters from read-only map\n"},
		{name: "param-remove missing member", argv: "host-param-remove uuid=7e0ad264-b029-1427-9e8d-60443f1300e8 param-name=tags param-key=x",
			want: "Error: Key x is not in the set\n"},
		{name: "set a read-only map key", argv: "host-param-set uuid=7e0ad264-b029-1427-9e8d-60443f1300e8 software-version:x=y",
			want: "Error: Map field 'software-version' is read-only.\n"},
		{name: "default-SR to a missing SR", argv: "pool-param-set uuid=265b4326-e35b-97c4-e2c4-a640e07f1c7c default-SR=abc",
			want: "The uuid you supplied was invalid.\ntype: SR\nuuid: abc\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := newRoot(t)
			vars := map[string]string{}
			if tt.setup != nil {
				vars = tt.setup(t, root)
			}
			expand := func(s string) string {
				for k, v := range vars {
					s = strings.ReplaceAll(s, "$"+k, v)
				}
				return s
			}
			r := run(t, root, append([]string{"xe"}, strings.Fields(expand(tt.argv))...)...)
			if r.code != 1 || r.stdout != "" || r.stderr != expand(tt.want) {
				t.Errorf("got exit %d, stdout %q, stderr\n%s\nwant exit 1, stderr\n%s", r.code, r.stdout, r.stderr, expand(tt.want))
			}
		})
	}
}

// plain names xen01's eth1..eth3 and a new network.
func plain(t *testing.T, root string) map[string]string {
	return map[string]string{
		"ETH1": pifOf(t, root, "xen01", "eth1"),
		"ETH2": pifOf(t, root, "xen01", "eth2"),
		"ETH3": pifOf(t, root, "xen01", "eth3"),
		"NET":  mustRun(t, root, "xe", "network-create", "name-label=n"),
	}
}

// bonded bonds eth2 and eth3 of xen01.
func bonded(t *testing.T, root string) map[string]string {
	v := plain(t, root)
	v["BOND"] = mustRun(t, root, "xe", "bond-create", "network-uuid="+v["NET"], "pif-uuids="+v["ETH2"]+","+v["ETH3"])
	return v
}

// unmanaged re-introduces eth1 of xen01 as unmanaged.
func unmanaged(t *testing.T, root string) map[string]string {
	v := plain(t, root)
	mustRun(t, root, "xe", "pif-forget", "uuid="+v["ETH1"])
	v["ETH1"] = mustRun(t, root, "xe", "pif-introduce", "host-uuid=7e0ad264-b029-1427-9e8d-60443f1300e8", "device=eth1", "managed=false")
	return v
}

func TestBondCreateDetails(t *testing.T) {
	root := newRoot(t)
	v := plain(t, root)
	// duplicates are removed; one member is enough; lacp gets its defaults
	// after the given properties.
	bond := mustRun(t, root, "xe", "bond-create", "network-uuid="+v["NET"], "pif-uuids="+v["ETH2"]+","+v["ETH2"],
		"mode=lacp", "properties:lacp-time=fast", "mac=02:00:00:00:00:01")
	if got := mustRun(t, root, "xe", "bond-param-get", "uuid="+bond, "param-name=slaves"); got != v["ETH2"] {
		t.Errorf("slaves: got %q, want %q", got, v["ETH2"])
	}
	if got := mustRun(t, root, "xe", "bond-param-get", "uuid="+bond, "param-name=properties"); got != "lacp-time: fast; hashing_algorithm: tcpudp_ports; lacp-fallback-ab: true" {
		t.Errorf("properties: got %q", got)
	}
	if got := mustRun(t, root, "xe", "bond-list", "params=auto-update-mac", "--minimal"); got != "false" {
		t.Errorf("auto-update-mac: got %q", got)
	}
	if got := mustRun(t, root, "xe", "pif-list", "device=bond0", "params=MAC", "--minimal"); got != "02:00:00:00:00:01" {
		t.Errorf("master MAC: got %q", got)
	}
	// a bond property can be changed per key, validated for the mode.
	mustRun(t, root, "xe", "bond-param-set", "uuid="+bond, "properties:hashing_algorithm=src_mac")
	if r := run(t, root, "xe", "bond-param-set", "uuid="+bond, "properties:hashing_algorithm=md5"); r.code != 1 {
		t.Errorf("bad hashing_algorithm accepted")
	}
	// the next bond on the host is bond1.
	net2 := mustRun(t, root, "xe", "network-create", "name-label=n2")
	mustRun(t, root, "xe", "bond-create", "network-uuid="+net2, "pif-uuids="+v["ETH3"])
	if got := mustRun(t, root, "xe", "pif-list", "host-name-label=xen01", "physical=false", "params=device", "--minimal"); got != "bond0,bond1" {
		t.Errorf("bond devices: got %q", got)
	}
}

func TestHostEvacuateBinpacks(t *testing.T) {
	root := newRoot(t)
	mustRun(t, root, "xe", "host-evacuate", "host=xen01")
	// Biggest fit decreasing: xen03 (no guest) has the most free memory
	// and takes web01; then it ties with xen02 (one guest each), and a
	// host put back in the list goes before its equals, so db01 follows.
	got := mustRun(t, root, "xe", "vm-list", "is-control-domain=false", "power-state=running", "params=resident-on", "--minimal")
	want := "e928e427-0768-3542-32ac-c324fb8cd581,e928e427-0768-3542-32ac-c324fb8cd581,32c2be08-2355-5092-a7fb-fde52e9f4711"
	if got != want {
		t.Errorf("resident-on: got %s, want %s", got, want)
	}
}

func TestManagementIPReachesKernel(t *testing.T) {
	root := newRoot(t)
	eth1 := pifOf(t, root, "xen01", "eth1")
	mustRun(t, root, "xe", "pif-reconfigure-ip", "uuid="+eth1, "mode=static", "IP=192.168.20.11", "netmask=255.255.255.0", "gateway=192.168.20.1")
	mustRun(t, root, "xe", "pif-plug", "uuid="+eth1)
	mustRun(t, root, "xe", "host-management-reconfigure", "pif-uuid="+eth1)
	k := loadModel(t, root).Model.localHost().Dom0.Kernel
	if k.DefaultRoute != (kroute{"192.168.20.1", "xenbr1"}) {
		t.Errorf("default route: got %+v", k.DefaultRoute)
	}
	// another host's PIF does not touch the local kernel.
	mustRun(t, root, "xe", "pif-reconfigure-ip", "uuid="+pifOf(t, root, "xen02", "eth0"), "mode=static", "IP=192.168.30.12", "netmask=255.255.255.0", "gateway=192.168.30.1")
	if k := loadModel(t, root).Model.localHost().Dom0.Kernel; k.DefaultRoute.Gateway != "192.168.20.1" {
		t.Errorf("default route changed by xen02: %+v", k.DefaultRoute)
	}
}

func TestHelpAll(t *testing.T) {
	root := newRoot(t)
	out := mustRun(t, root, "xe", "help", "--all")
	for _, c := range []string{"bond-create", "host-evacuate", "pif-reconfigure-ip", "vm-param-get", "network-param-clear", "pool-param-set"} {
		if !strings.Contains(out, c) {
			t.Errorf("xe help --all lacks %s", c)
		}
	}
	if got := mustRun(t, root, "xe", "help", "--minimal"); got != "network-list,vm-list,vm-migrate,vm-shutdown,vm-start" {
		t.Errorf("xe help --minimal: got %q", got)
	}
}

func TestBondOfManagementInKernel(t *testing.T) {
	root := newRoot(t)
	v := plain(t, root)
	eth0 := pifOf(t, root, "xen01", "eth0")
	bond := mustRun(t, root, "xe", "bond-create", "network-uuid="+v["NET"], "pif-uuids="+eth0+","+v["ETH1"])
	k := loadModel(t, root).Model.localHost().Dom0.Kernel
	if k.DefaultRoute != (kroute{"192.168.10.1", "xapi0"}) || len(k.Addrs) != 1 || k.Addrs[0].Device != "xapi0" {
		t.Errorf("after bond-create: route %+v, addresses %+v", k.DefaultRoute, k.Addrs)
	}
	mustRun(t, root, "xe", "bond-destroy", "uuid="+bond)
	k = loadModel(t, root).Model.localHost().Dom0.Kernel
	if k.DefaultRoute != (kroute{"192.168.10.1", "xenbr0"}) || len(k.Addrs) != 1 || k.Addrs[0].Device != "xenbr0" {
		t.Errorf("after bond-destroy: route %+v, addresses %+v", k.DefaultRoute, k.Addrs)
	}
}
