package sim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// xapi bonds (xapi_bond.ml). They live in the pool database only; the
// simulator does not build them in the local kernel.

// bondMode parses a bond mode; empty means balance-slb.
func bondMode(s string) (string, error) {
	switch s {
	case "", "balance-slb":
		return "balance-slb", nil
	case "active-backup", "lacp":
		return s, nil
	}
	return "", cliErr("Invalid bond mode. Got %s", s)
}

// bondRequirement is a property a bond mode validates, with its default.
type bondRequirement struct {
	key, def string
	valid    func(string) bool
}

func bondRequirements(mode string) []bondRequirement {
	if mode != "lacp" {
		return nil
	}
	oneOf := func(vs ...string) func(string) bool {
		return func(s string) bool { return slices.Contains(vs, s) }
	}
	return []bondRequirement{
		{"hashing_algorithm", "tcpudp_ports", oneOf("src_mac", "tcpudp_ports")},
		{"lacp-time", "slow", oneOf("fast", "slow")},
		{"lacp-aggregation-key", "", func(s string) bool { _, err := strconv.Atoi(s); return err == nil }},
		{"lacp-fallback-ab", "true", oneOf("true", "false")},
	}
}

// checkBondProperties validates properties for a mode. It returns them
// without the defaults, which withBondDefaults adds.
func checkBondProperties(mode string, props []kv) ([]kv, error) {
	for _, p := range props {
		for _, r := range bondRequirements(mode) {
			if r.key == p.K && !r.valid(p.V) {
				return nil, apiErr("INVALID_VALUE", "properties:"+p.K, p.V)
			}
		}
	}
	return props, nil
}

func withBondDefaults(mode string, props []kv) []kv {
	for _, r := range bondRequirements(mode) {
		if _, ok := mapGet(props, r.key); !ok && r.def != "" {
			props = append(props, kv{r.key, r.def})
		}
	}
	return props
}

func bondCreate(x *xeCall) error {
	netUUID, _ := x.param("network-uuid")
	network := x.m.network(netUUID)
	if network == nil {
		return uuidInvalid("network", netUUID)
	}
	list, _ := x.param("pif-uuids")
	var members []*pifRec
	for _, u := range strings.Split(list, ",") {
		p := x.m.pif(u)
		if p == nil {
			return uuidInvalid("PIF", u)
		}
		if !slices.Contains(members, p) {
			members = append(members, p)
		}
	}
	mode, err := bondMode(x.paramOr("mode", ""))
	if err != nil {
		return err
	}
	var props []kv
	for _, p := range x.params {
		if k, ok := strings.CutPrefix(p.K, "properties:"); ok {
			props = mapSet(props, k, p.V)
		}
	}
	mac := x.paramOr("mac", "")

	host := members[0].Host
	if !network.Managed {
		return apiErr("NETWORK_UNMANAGED", netRef(network))
	}
	// The error names the host and the PIF already on the network
	// (xapi_pif.ml assert_no_other_local_pifs).
	if err := x.m.assertNoOtherLocalPIFs(host, network); err != nil {
		return err
	}
	if mac != "" && !macRE.MatchString(mac) {
		return apiErr("MAC_INVALID", mac)
	}
	if props, err = checkBondProperties(mode, props); err != nil {
		return err
	}
	props = withBondDefaults(mode, props)

	var primary *pifRec
	var withIP []*pifRec
	for _, p := range members {
		if p.IPMode != "None" {
			withIP = append(withIP, p)
		}
	}
	for _, p := range members {
		if p.Management {
			primary = p
			break
		}
	}
	switch {
	case primary != nil:
	case len(withIP) > 0:
		primary = withIP[0]
	default:
		primary = members[0]
	}
	for _, p := range members {
		switch {
		case !p.Managed:
			return apiErr("PIF_UNMANAGED", p.UUID)
		case p.BondSlaveOf != "":
			return apiErr("PIF_ALREADY_BONDED", p.UUID)
		case x.m.pifKind(p) == kindVLAN:
			return apiErr("PIF_VLAN_EXISTS", p.Device)
		case x.m.pifKind(p) == kindTunnelAccess:
			return apiErr("IS_TUNNEL_ACCESS_PIF", p.UUID)
		case x.m.pifKind(p) == kindSRIOVLogical:
			return apiErr("PIF_IS_SRIOV_LOGICAL", p.UUID)
		case x.m.Pool.HAEnabled && p.Management:
			return apiErr("HA_CANNOT_CHANGE_BOND_STATUS_OF_MGMT_IFACE")
		}
	}
	for _, p := range members {
		if p.Host != host {
			return apiErr("PIF_CANNOT_BOND_CROSS_HOST")
		}
	}
	for _, p := range members[1:] {
		if renderMap(p.Properties) != renderMap(members[0].Properties) {
			return apiErr("INCOMPATIBLE_PIF_PROPERTIES")
		}
	}
	if len(withIP) > 1 {
		return apiErr("PIF_BOND_MORE_THAN_ONE_IP")
	}

	if mac == "" {
		mac = primary.MAC
	}
	master := &pifRec{
		UUID: x.m.newUUID(), Device: x.m.bondDevice(host), MAC: mac, Managed: true,
		MTU: network.MTU, VLAN: -1, Network: network.UUID, Host: host,
		IPMode: "None", IPv6Mode: "None", PrimaryAddress: "IPv4",
		Properties: slices.Clone(members[0].Properties), IGMPSnooping: "unknown",
	}
	bond := &bondRec{UUID: x.m.newUUID(), Master: master.UUID, PrimarySlave: primary.UUID,
		Mode: mode, Properties: props, AutoUpdateMAC: x.paramOr("mac", "") == ""}
	x.m.PIFs = append(x.m.PIFs, master)
	x.m.Bonds = append(x.m.Bonds, bond)
	// The guests here on the members' networks move to the bond's, and
	// the members' VLANs to the master (xapi_bond.ml fix_bond).
	var memberNets []string
	for _, p := range members {
		memberNets = append(memberNets, p.Network)
	}
	x.m.moveVIFs(host, memberNets, network.UUID)
	for _, p := range members {
		x.m.moveVLANs(p, master)
	}
	disallow := false
	for _, p := range members {
		p.BondSlaveOf = bond.UUID
		disallow = disallow || p.DisallowUnplug
	}
	moveIPConfig(primary, master)
	if primary.Management {
		primary.Management = false
		master.Management = true
	}
	x.m.bringUp(master)
	x.m.syncLocalAddr(primary)
	if disallow {
		master.DisallowUnplug = true
		for _, p := range members {
			p.DisallowUnplug = false
		}
	}
	x.pr.list(bond.UUID)
	return nil
}

// bondDevice is the smallest bondN not used on the host.
func (m *model) bondDevice(host string) string {
	for i := 0; ; i++ {
		d := fmt.Sprintf("bond%d", i)
		if m.hostPIF(host, d) == nil {
			return d
		}
	}
}

// moveIPConfig moves the IP configuration from one PIF to another; the
// source is left with mode None.
func moveIPConfig(from, to *pifRec) {
	to.IPMode, to.IP, to.Netmask, to.Gateway, to.DNS = from.IPMode, from.IP, from.Netmask, from.Gateway, from.DNS
	to.IPv6Mode, to.IPv6, to.IPv6Gateway, to.PrimaryAddress = from.IPv6Mode, from.IPv6, from.IPv6Gateway, from.PrimaryAddress
	from.IPMode, from.IP, from.Netmask, from.Gateway, from.DNS = "None", "", "", "", ""
	from.IPv6Mode, from.IPv6, from.IPv6Gateway = "None", nil, ""
}

func bondDestroy(x *xeCall) error {
	uuid, _ := x.param("uuid")
	b := x.m.bond(uuid)
	if b == nil {
		return uuidInvalid("Bond", uuid)
	}
	master := x.m.pif(b.Master)
	primary := x.m.pif(b.PrimarySlave)
	members := x.m.bondSlaves(b.UUID)
	if master != nil && primary != nil {
		// The guests here on the bond's network move to the primary
		// member's, and the VLANs with them.
		x.m.moveVIFs(master.Host, []string{master.Network}, primary.Network)
		x.m.moveVLANs(master, primary)
		moveIPConfig(master, primary)
		if master.Management {
			master.Management = false
			primary.Management = true
			for _, p := range members {
				p.Attached = true
			}
		} else if master.Attached {
			for _, p := range members {
				p.Attached = true
			}
		}
		if master.DisallowUnplug {
			primary.DisallowUnplug = true
		}
	}
	if master != nil {
		master.Attached = false
		x.m.syncLocalAddr(master)
	}
	x.m.Bonds = slices.DeleteFunc(x.m.Bonds, func(o *bondRec) bool { return o == b })
	x.m.PIFs = slices.DeleteFunc(x.m.PIFs, func(p *pifRec) bool { return p == master })
	for _, p := range members {
		p.BondSlaveOf = ""
	}
	if primary != nil {
		x.m.syncLocalAddr(primary)
	}
	return nil
}

func bondSetMode(x *xeCall) error {
	uuid, _ := x.param("uuid")
	b := x.m.bond(uuid)
	if b == nil {
		return uuidInvalid("Bond", uuid)
	}
	m, _ := x.param("mode")
	mode, err := bondMode(m)
	if err != nil {
		return err
	}
	b.Mode = mode
	var keep []kv
	for _, p := range b.Properties {
		if _, err := checkBondProperties(mode, []kv{p}); err == nil {
			keep = append(keep, p)
		}
	}
	b.Properties = withBondDefaults(mode, keep)
	return nil
}

// moveVLANs moves the VLANs on from to to, as move_vlan does: each gets a
// new VLAN record and PIF on to, same tag and network, with the old
// one's IP configuration, plugged if the old one was.
func (m *model) moveVLANs(from, to *pifRec) {
	for _, id := range m.vlanSlaveOf(from.UUID) {
		old := m.vlan(id)
		oldPIF := m.pif(old.Untagged)
		if oldPIF == nil {
			continue
		}
		n := m.network(oldPIF.Network)
		plugged := oldPIF.Attached
		p := m.newDerivedPIF("vlan", to, to.Device, vlanMAC, to.MTU, old.Tag, n)
		moveIPConfig(oldPIF, p)
		p.Management, p.DisallowUnplug, p.OtherConfig = oldPIF.Management, oldPIF.DisallowUnplug, oldPIF.OtherConfig
		v := &vlanRec{UUID: m.newKindUUID("vlan"), Tagged: to.UUID, Untagged: p.UUID, Tag: old.Tag}
		m.VLANs = append(deleteRec(m.VLANs, old), v)
		m.PIFs = append(deleteRec(m.PIFs, oldPIF), p)
		if plugged {
			m.bringUp(p)
		}
	}
}
