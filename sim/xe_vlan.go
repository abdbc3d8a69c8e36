package sim

import (
	"fmt"
	"strconv"
)

// VLANs, tunnels and network SR-IOV: PIFs that xapi builds on a NIC or a
// bond (xapi_vlan.ml, xapi_tunnel.ml, xapi_network_sriov.ml,
// xapi_pif_helpers.ml). Each has its own record and PIF; the PIF it is
// built on cannot be forgotten while it exists.

// vlanMAC is the MAC of a VLAN's and an SR-IOV logical PIF's record.
const vlanMAC = "fe:ff:ff:ff:ff:ff"

// pifKind is the type of a PIF as get_pif_type tells it.
type pifKind int

const (
	kindPhysical pifKind = iota
	kindVLAN
	kindTunnelAccess
	kindSRIOVLogical
	kindBondMaster
)

func (m *model) pifKind(p *pifRec) pifKind {
	switch {
	case m.vlanMasterOf(p.UUID) != "":
		return kindVLAN
	case len(m.tunnelAccessOf(p.UUID)) > 0:
		return kindTunnelAccess
	case len(m.sriovLogicalOf(p.UUID)) > 0:
		return kindSRIOVLogical
	case len(m.bondMasterOf(p.UUID)) > 0:
		return kindBondMaster
	}
	return kindPhysical
}

// underlying returns the PIF a VLAN, tunnel access or SR-IOV logical PIF
// is built on, or nil: it shares that PIF's metrics.
func (m *model) underlying(p *pifRec) *pifRec {
	for _, v := range m.VLANs {
		if v.Untagged == p.UUID {
			return m.pif(v.Tagged)
		}
	}
	for _, t := range m.Tunnels {
		if t.Access == p.UUID {
			return m.pif(t.Transport)
		}
	}
	for _, s := range m.SRIOVs {
		if s.Logical == p.UUID {
			return m.pif(s.Physical)
		}
	}
	return nil
}

// networkParam looks up the network named by param.
func (x *xeCall) networkParam(param string) (*netRec, error) {
	uuid, _ := x.param(param)
	n := x.m.network(uuid)
	if n == nil {
		return nil, uuidInvalid("network", uuid)
	}
	return n, nil
}

// assertNoOtherLocalPIFs refuses a second PIF of a host on a network.
func (m *model) assertNoOtherLocalPIFs(host string, n *netRec) error {
	if p := m.networkPIFOn(n.UUID, host); p != nil {
		h := m.host(host)
		return apiErr("NETWORK_ALREADY_CONNECTED", hostRef(h), p.UUID)
	}
	return nil
}

// newDerivedPIF makes the PIF record of a VLAN, tunnel or SR-IOV: not
// physical, unplugged, no IP configuration.
func (m *model) newDerivedPIF(kind string, on *pifRec, device, mac string, mtu, vlan int, n *netRec) *pifRec {
	return &pifRec{
		UUID: m.newKindUUID(kind), Device: device, MAC: mac, Managed: true, MTU: mtu, VLAN: vlan,
		Network: n.UUID, Host: on.Host, IPMode: "None", IPv6Mode: "None",
		PrimaryAddress: on.PrimaryAddress, IGMPSnooping: "unknown",
	}
}

func vlanCreate(x *xeCall) error {
	n, err := x.networkParam("network-uuid")
	if err != nil {
		return err
	}
	tagged, err := x.pifByUUID("pif-uuid")
	if err != nil {
		return err
	}
	s, _ := x.param("vlan")
	tag, perr := strconv.ParseInt(s, 0, 64)
	if perr != nil {
		return cliErr("Failed to parse parameter 'vlan': expecting an integer")
	}
	switch {
	case !n.Managed:
		return apiErr("NETWORK_UNMANAGED", netRef(n))
	}
	if err := x.m.assertNoOtherLocalPIFs(tagged.Host, n); err != nil {
		return err
	}
	switch {
	case !tagged.Managed:
		return apiErr("PIF_UNMANAGED", tagged.UUID)
	case tagged.BondSlaveOf != "":
		return apiErr("CANNOT_ADD_VLAN_TO_BOND_SLAVE", tagged.UUID)
	case x.m.pifKind(tagged) == kindVLAN:
		return apiErr("PIF_IS_VLAN", tagged.UUID)
	case x.m.pifKind(tagged) == kindTunnelAccess:
		return apiErr("IS_TUNNEL_ACCESS_PIF", tagged.UUID)
	case tag < 0 || tag > 4094:
		return apiErr("VLAN_TAG_INVALID", strconv.FormatInt(tag, 10))
	}
	for _, v := range x.m.VLANs {
		if v.Tagged == tagged.UUID && int64(v.Tag) == tag {
			return apiErr("PIF_VLAN_EXISTS", tagged.Device)
		}
	}
	p := x.m.newDerivedPIF("vlan", tagged, tagged.Device, vlanMAC, tagged.MTU, int(tag), n)
	v := &vlanRec{UUID: x.m.newKindUUID("vlan"), Tagged: tagged.UUID, Untagged: p.UUID, Tag: int(tag)}
	x.m.PIFs = append(x.m.PIFs, p)
	x.m.VLANs = append(x.m.VLANs, v)
	x.m.bringUp(p)
	x.pr.list(p.UUID)
	return nil
}

func vlanDestroy(x *xeCall) error {
	uuid, _ := x.param("uuid")
	v := x.m.vlan(uuid)
	if v == nil {
		// As in Rio, the uuid of the VLAN's PIF will do.
		if p := x.m.pif(uuid); p != nil {
			if vl := x.m.vlanMasterOf(p.UUID); vl != "" {
				v = x.m.vlan(vl)
			} else {
				return apiErr("PIF_IS_PHYSICAL", p.UUID)
			}
		} else {
			return uuidInvalid("VLAN", uuid)
		}
	}
	p := x.m.pif(v.Untagged)
	if p != nil {
		if p.BondSlaveOf != "" {
			return apiErr("PIF_ALREADY_BONDED", p.UUID)
		}
		if err := x.m.assertNoProtection(p); err != nil {
			return err
		}
		if err := x.m.unplug(p); err != nil {
			return err
		}
		x.m.removePIF(p)
	}
	x.m.VLANs = deleteRec(x.m.VLANs, v)
	return nil
}

func tunnelCreate(x *xeCall) error {
	n, err := x.networkParam("network-uuid")
	if err != nil {
		return err
	}
	transport, err := x.pifByUUID("pif-uuid")
	if err != nil {
		return err
	}
	protocol := x.paramOr("protocol", "gre")
	if protocol != "gre" && protocol != "vxlan" {
		return cliErr("Expected one of 'gre', 'vxlan', got %s", protocol)
	}
	if !n.Managed {
		return apiErr("NETWORK_UNMANAGED", netRef(n))
	}
	if err := x.m.assertNoOtherLocalPIFs(transport.Host, n); err != nil {
		return err
	}
	switch {
	case !transport.Managed:
		return apiErr("PIF_UNMANAGED", transport.UUID)
	case transport.BondSlaveOf != "":
		return apiErr("CANNOT_ADD_TUNNEL_TO_BOND_SLAVE", transport.UUID)
	case x.m.pifKind(transport) == kindTunnelAccess:
		return apiErr("IS_TUNNEL_ACCESS_PIF", transport.UUID)
	case x.m.pifKind(transport) == kindSRIOVLogical:
		return apiErr("CANNOT_ADD_TUNNEL_TO_SRIOV_LOGICAL", transport.UUID)
	}
	for _, h := range x.m.Hosts {
		if b, _ := mapGet(h.SoftwareVersion, "network_backend"); b != "openvswitch" {
			return apiErr("OPENVSWITCH_NOT_ACTIVE")
		}
	}
	device := ""
	for i := 0; ; i++ {
		device = fmt.Sprintf("tunnel%d", i)
		if x.m.hostPIF(transport.Host, device) == nil {
			break
		}
	}
	access := x.m.newDerivedPIF("tunnel", transport, device, x.m.newVIFMAC(), -1, -1, n)
	t := &tunnelRec{UUID: x.m.newKindUUID("tunnel"), Access: access.UUID, Transport: transport.UUID, Protocol: protocol}
	x.m.PIFs = append(x.m.PIFs, access)
	x.m.Tunnels = append(x.m.Tunnels, t)
	// Plugging the access PIF plugs the transport, which needs an IP.
	if transport.IPMode == "None" {
		return apiErr("TRANSPORT_PIF_NOT_CONFIGURED", transport.UUID)
	}
	if !transport.Attached {
		x.m.bringUp(transport)
	}
	x.m.bringUp(access)
	x.pr.list(access.UUID)
	return nil
}

func tunnelDestroy(x *xeCall) error {
	uuid, _ := x.param("uuid")
	var t *tunnelRec
	for _, o := range x.m.Tunnels {
		if o.UUID == uuid {
			t = o
		}
	}
	if t == nil {
		return uuidInvalid("tunnel", uuid)
	}
	if p := x.m.pif(t.Access); p != nil {
		if err := x.m.unplug(p); err != nil {
			return err
		}
		x.m.removePIF(p)
	}
	x.m.Tunnels = deleteRec(x.m.Tunnels, t)
	return nil
}

func networkSRIOVCreate(x *xeCall) error {
	phys, err := x.pifByUUID("pif-uuid")
	if err != nil {
		return err
	}
	n, err := x.networkParam("network-uuid")
	if err != nil {
		return err
	}
	switch {
	case !n.Managed:
		return apiErr("NETWORK_UNMANAGED", netRef(n))
	case !phys.Managed:
		return apiErr("PIF_UNMANAGED", phys.UUID)
	case !phys.Physical || x.m.pifKind(phys) != kindPhysical:
		return apiErr("PIF_IS_NOT_PHYSICAL", phys.UUID)
	case len(x.m.sriovPhysicalOf(phys.UUID)) > 0:
		return apiErr("NETWORK_SRIOV_ALREADY_ENABLED", phys.UUID)
	case !containsString(phys.Capabilities, "sriov"):
		return apiErr("PIF_IS_NOT_SRIOV_CAPABLE", phys.UUID)
	}
	if err := x.m.assertNoOtherLocalPIFs(phys.Host, n); err != nil {
		return err
	}
	logical := x.m.newDerivedPIF("sriov", phys, phys.Device, vlanMAC, phys.MTU, -1, n)
	s := &sriovRec{UUID: x.m.newKindUUID("sriov"), Physical: phys.UUID, Logical: logical.UUID}
	x.m.PIFs = append(x.m.PIFs, logical)
	x.m.SRIOVs = append(x.m.SRIOVs, s)
	if !phys.Attached && phys.BondSlaveOf == "" {
		x.m.bringUp(phys)
	}
	x.m.bringUp(logical)
	x.pr.list(s.UUID)
	return nil
}

func networkSRIOVDestroy(x *xeCall) error {
	uuid, _ := x.param("uuid")
	var s *sriovRec
	for _, o := range x.m.SRIOVs {
		if o.UUID == uuid {
			s = o
		}
	}
	if s == nil {
		return uuidInvalid("network_sriov", uuid)
	}
	if p := x.m.pif(s.Logical); p != nil {
		if err := x.m.unplug(p); err != nil {
			return err
		}
		x.m.removePIF(p)
	}
	x.m.SRIOVs = deleteRec(x.m.SRIOVs, s)
	return nil
}

func containsString(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// deleteRec removes one record from a table.
func deleteRec[T comparable](list []T, r T) []T {
	out := list[:0:0]
	for _, e := range list {
		if e != r {
			out = append(out, e)
		}
	}
	return out
}

// removePIF deletes a PIF record.
func (m *model) removePIF(p *pifRec) { m.PIFs = deleteRec(m.PIFs, p) }
