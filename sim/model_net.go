package sim

import (
	"fmt"
	"slices"
)

// Guests' network interfaces and the PIFs xapi builds on other PIFs:
// VLANs, tunnels and network SR-IOVs. The PIF fields that point at them
// (vlan-master-of, tunnel-access-PIF-of, ...) are derived from these
// records, so there is one place to change.

// vifRec is a guest's virtual NIC on a network (xapi's VIF).
type vifRec struct {
	UUID    string `json:"uuid"`
	VM      string `json:"vm"`
	Device  string `json:"device"`
	Network string `json:"network"`
	MAC     string `json:"mac"`
	MTU     int    `json:"mtu"`
	// Attached is the VIF's plug state while its VM runs; a VIF of a VM
	// that is not running is never attached, whatever this says.
	Attached bool `json:"attached"`
	// Down says what took an attached VIF down behind the guest's back,
	// e.g. the destruction of its bridge by a pif-forget.
	Down        string `json:"down,omitempty"`
	OtherConfig []kv   `json:"other_config,omitempty"`
	Extra       []kv   `json:"extra,omitempty"`
}

// vlanRec is a VLAN: the tagged PIF (the NIC or bond it runs on), the
// untagged PIF (the VLAN's own PIF, device as the tagged one, VLAN=tag),
// and the tag.
type vlanRec struct {
	UUID        string `json:"uuid"`
	Tagged      string `json:"tagged_pif"`
	Untagged    string `json:"untagged_pif"`
	Tag         int    `json:"tag"`
	OtherConfig []kv   `json:"other_config,omitempty"`
}

// tunnelRec is a tunnel: its access PIF (device tunnelN) rides on the
// transport PIF.
type tunnelRec struct {
	UUID        string `json:"uuid"`
	Access      string `json:"access_pif"`
	Transport   string `json:"transport_pif"`
	Protocol    string `json:"protocol"`
	OtherConfig []kv   `json:"other_config,omitempty"`
}

// sriovRec is a network SR-IOV: the logical PIF of the virtual functions
// on a physical PIF.
type sriovRec struct {
	UUID     string `json:"uuid"`
	Physical string `json:"physical_pif"`
	Logical  string `json:"logical_pif"`
}

func (m *model) vm(uuid string) *vmRec {
	for _, v := range m.VMs {
		if v.UUID == uuid {
			return v
		}
	}
	return nil
}

func (m *model) vif(uuid string) *vifRec {
	for _, v := range m.VIFs {
		if v.UUID == uuid {
			return v
		}
	}
	return nil
}

func (m *model) vlan(uuid string) *vlanRec {
	for _, v := range m.VLANs {
		if v.UUID == uuid {
			return v
		}
	}
	return nil
}

// vmVIFs returns the VIFs of a VM in database order.
func (m *model) vmVIFs(vm string) []*vifRec {
	var out []*vifRec
	for _, v := range m.VIFs {
		if v.VM == vm {
			out = append(out, v)
		}
	}
	return out
}

// vifAttached reports whether a VIF is plugged: its VM runs and nothing
// took it down.
func (m *model) vifAttached(v *vifRec) bool {
	vm := m.vm(v.VM)
	return v.Attached && vm != nil && vm.PowerState == "running"
}

// vlanMasterOf returns the VLAN whose untagged PIF is p, or "".
func (m *model) vlanMasterOf(p string) string {
	for _, v := range m.VLANs {
		if v.Untagged == p {
			return v.UUID
		}
	}
	return ""
}

// vlanSlaveOf returns the VLANs that run on p.
func (m *model) vlanSlaveOf(p string) []string {
	var out []string
	for _, v := range m.VLANs {
		if v.Tagged == p {
			out = append(out, v.UUID)
		}
	}
	return out
}

func (m *model) tunnelAccessOf(p string) []string {
	var out []string
	for _, t := range m.Tunnels {
		if t.Access == p {
			out = append(out, t.UUID)
		}
	}
	return out
}

func (m *model) tunnelTransportOf(p string) []string {
	var out []string
	for _, t := range m.Tunnels {
		if t.Transport == p {
			out = append(out, t.UUID)
		}
	}
	return out
}

func (m *model) sriovPhysicalOf(p string) []string {
	var out []string
	for _, s := range m.SRIOVs {
		if s.Physical == p {
			out = append(out, s.UUID)
		}
	}
	return out
}

func (m *model) sriovLogicalOf(p string) []string {
	var out []string
	for _, s := range m.SRIOVs {
		if s.Logical == p {
			out = append(out, s.UUID)
		}
	}
	return out
}

// networkPIFOn returns the PIF of host on network, or nil: a network has
// at most one PIF per host.
func (m *model) networkPIFOn(network, host string) *pifRec {
	for _, p := range m.PIFs {
		if p.Network == network && p.Host == host {
			return p
		}
	}
	return nil
}

// References as the CLI prints error parameters: an object with a name
// label as "uuid (name)", one without (a PIF, a VIF) as its uuid.

func vmRef(v *vmRec) string     { return v.UUID + " (" + v.NameLabel + ")" }
func hostRef(h *hostRec) string { return h.UUID + " (" + h.NameLabel + ")" }
func netRef(n *netRec) string   { return n.UUID + " (" + n.NameLabel + ")" }
func (m *model) netRefOf(uuid string) string {
	if n := m.network(uuid); n != nil {
		return netRef(n)
	}
	return uuid
}

// destroyBridge is what networkd's Bridge.destroy does when xapi brings a
// PIF down (nm.ml bring_pif_down, network_server.ml Bridge.destroy): on
// both backends, unless VLANs still run on the bridge, every interface on
// the bridge is brought down and the bridge deleted. The guests' VIFs on
// that network on that host are among those interfaces, so they lose
// their network: on the bridge backend each port is taken off with brctl
// delif and brought down, on openvswitch every interface ovs-vsctl
// list-ifaces names is brought down and the bridge goes with del-br. why
// names the operation, for the record of what cut the guest.
func (m *model) destroyBridge(p *pifRec, why string) {
	n := m.network(p.Network)
	h := m.host(p.Host)
	if n == nil || h == nil {
		return
	}
	for _, vl := range m.vlanSlaveOf(p.UUID) {
		if u := m.pif(m.vlan(vl).Untagged); u != nil && u.Attached {
			// "Not destroying bridge, because it has VLANs on top".
			return
		}
	}
	backend, _ := mapGet(h.SoftwareVersion, "network_backend")
	how := "brctl delif " + n.Bridge
	if backend != "bridge" {
		how = "ovs-vsctl del-br " + n.Bridge
	}
	for _, v := range m.VIFs {
		vm := m.vm(v.VM)
		if v.Network != p.Network || vm == nil || vm.ResidentOn != h.UUID || !m.vifAttached(v) {
			continue
		}
		v.Attached = false
		v.Down = fmt.Sprintf("%s on %s destroyed bridge %s (%s backend: %s)", why, h.NameLabel, n.Bridge, backendName(backend), how)
	}
}

func backendName(b string) string {
	if b == "bridge" {
		return "bridge"
	}
	return "openvswitch"
}

// bringDown unplugs a PIF the way xapi does, bridge included.
func (m *model) bringDown(p *pifRec, why string) {
	m.destroyBridge(p, why)
	p.Attached = false
	m.syncLocalAddr(p)
}

// moveVIFs moves the VIFs of the VMs resident on host from the networks
// from to network to, as Xapi_vif.move_internal does when a bond is made
// or taken apart: they stay plugged, on the new bridge.
func (m *model) moveVIFs(host string, from []string, to string) {
	for _, v := range m.VIFs {
		vm := m.vm(v.VM)
		if vm == nil || vm.ResidentOn != host || !slices.Contains(from, v.Network) {
			continue
		}
		v.Network = to
	}
}

// attachNetworksFor plugs, on host, the PIF of every network a VM's VIFs
// are on, as xapi does when it starts or receives the VM
// (Xapi_network.attach_for_vm), then plugs the VIFs.
func (m *model) attachNetworksFor(vm *vmRec, host string) {
	for _, v := range m.vmVIFs(vm.UUID) {
		if p := m.networkPIFOn(v.Network, host); p != nil && !p.Attached && p.BondSlaveOf == "" {
			m.bringUp(p)
		}
		v.Attached, v.Down = true, ""
	}
}
