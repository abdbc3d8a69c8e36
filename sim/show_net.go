package sim

import (
	"fmt"
	"io"
	"strings"
)

// The lines of `sim show` about guests' networks, VLANs, tunnels, SR-IOV,
// HA and memory.

func protectionLine(m *model) string {
	ha, redo := "HA disabled", "redo log disabled"
	if m.Pool.HAEnabled {
		ha = "HA enabled"
		if len(m.Pool.HASRs) > 0 {
			ha += " (heartbeat SRs " + strings.Join(m.Pool.HASRs, ", ") + ")"
		}
	}
	if m.Pool.RedoLog {
		redo = "redo log enabled (SR " + m.Pool.RedoLogSR + ")"
	}
	return ha + ", " + redo
}

func memoryLine(m *model, h *hostRec) string {
	return fmt.Sprintf("memory %d MiB free of %d MiB", m.hostFree(h, nil)>>20, h.memoryTotal()>>20)
}

// derivedFlags tells what a PIF is built on or carries.
func derivedFlags(m *model, p *pifRec) []string {
	var flags []string
	if p.VLAN >= 0 {
		flags = append(flags, fmt.Sprintf("VLAN %d", p.VLAN))
	}
	for _, id := range m.vlanSlaveOf(p.UUID) {
		flags = append(flags, fmt.Sprintf("carries VLAN %d", m.vlan(id).Tag))
	}
	if len(m.tunnelAccessOf(p.UUID)) > 0 {
		flags = append(flags, "tunnel access")
	}
	if len(m.tunnelTransportOf(p.UUID)) > 0 {
		flags = append(flags, "tunnel transport")
	}
	if len(m.sriovLogicalOf(p.UUID)) > 0 {
		flags = append(flags, "SR-IOV logical")
	}
	if len(m.sriovPhysicalOf(p.UUID)) > 0 {
		flags = append(flags, "SR-IOV physical")
	}
	return flags
}

func bridgeOf(m *model, network string) string {
	if n := m.network(network); n != nil {
		return "network " + n.Bridge
	}
	return "network " + nullRef
}

func vifState(m *model, v *vifRec) string {
	switch {
	case m.vifAttached(v):
		return "attached"
	case v.Down != "":
		vm := m.vm(v.VM)
		if vm != nil && vm.PowerState == "running" {
			return "DOWN: " + v.Down
		}
	}
	return "detached"
}

func showVIFs(w io.Writer, m *model) {
	fmt.Fprintf(w, "\nVIFs\n")
	if len(m.VIFs) == 0 {
		fmt.Fprintf(w, "  none\n")
	}
	for _, vif := range m.VIFs {
		name := nullRef
		if vm := m.vm(vif.VM); vm != nil {
			name = vm.NameLabel
		}
		fmt.Fprintf(w, "  %s vif %s\t%s\t%s\t%s\t%s\n", name, vif.Device, bridgeOf(m, vif.Network), vif.MAC, vifState(m, vif), vif.UUID)
	}
}

func showVLANs(w io.Writer, m *model) {
	if len(m.VLANs)+len(m.Tunnels)+len(m.SRIOVs) == 0 {
		return
	}
	fmt.Fprintf(w, "\nVLANs, tunnels, SR-IOV\n")
	desc := func(uuid string) string {
		p := m.pif(uuid)
		if p == nil {
			return nullRef
		}
		host := "-"
		if h := m.host(p.Host); h != nil {
			host = h.NameLabel
		}
		return p.Device + " on " + host
	}
	for _, v := range m.VLANs {
		fmt.Fprintf(w, "  VLAN %d\ton %s\t%s\tPIF %s\t%s\n", v.Tag, desc(v.Tagged), bridgeOf(m, m.pifNetwork(v.Untagged)), v.Untagged, v.UUID)
	}
	for _, t := range m.Tunnels {
		fmt.Fprintf(w, "  tunnel %s\ton %s\t%s\tPIF %s\t%s\n", t.Protocol, desc(t.Transport), bridgeOf(m, m.pifNetwork(t.Access)), t.Access, t.UUID)
	}
	for _, s := range m.SRIOVs {
		fmt.Fprintf(w, "  SR-IOV\ton %s\t%s\tPIF %s\t%s\n", desc(s.Physical), bridgeOf(m, m.pifNetwork(s.Logical)), s.Logical, s.UUID)
	}
}

func (m *model) pifNetwork(uuid string) string {
	if p := m.pif(uuid); p != nil {
		return p.Network
	}
	return ""
}
