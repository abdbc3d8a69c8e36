package sim

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"
)

// The PIF commands (xapi_pif.ml and cli_operations.ml).

func (x *xeCall) pifByUUID(param string) (*pifRec, error) {
	uuid, _ := x.param(param)
	p := x.m.pif(uuid)
	if p == nil {
		return nil, uuidInvalid("PIF", uuid)
	}
	return p, nil
}

func (x *xeCall) hostByUUID(param string) (*hostRec, error) {
	uuid, _ := x.param(param)
	h := x.m.host(uuid)
	if h == nil {
		return nil, uuidInvalid("host", uuid)
	}
	return h, nil
}

// pifForget deletes the PIF record; its network stays. A managed PIF is
// brought down first, bridge and all, which takes down the VIFs of the
// guests on its network on its host (model_net.go destroyBridge).
func pifForget(x *xeCall) error {
	p, err := x.pifByUUID("uuid")
	if err != nil {
		return err
	}
	switch {
	case p.Management:
		return apiErr("PIF_IS_MANAGEMENT_IFACE", p.UUID)
	case p.BondSlaveOf != "" || len(x.m.bondMasterOf(p.UUID)) > 0:
		return apiErr("PIF_ALREADY_BONDED", p.UUID)
	case len(x.m.vlanSlaveOf(p.UUID)) > 0 || p.VLAN != -1:
		return apiErr("PIF_VLAN_STILL_EXISTS", p.UUID)
	case len(x.m.tunnelTransportOf(p.UUID)) > 0 || len(x.m.tunnelAccessOf(p.UUID)) > 0:
		return apiErr("PIF_TUNNEL_STILL_EXISTS", p.UUID)
	}
	if err := x.m.assertNoProtection(p); err != nil {
		return err
	}
	switch {
	case len(x.m.sriovLogicalOf(p.UUID)) > 0:
		return apiErr("CANNOT_FORGET_SRIOV_LOGICAL", p.UUID)
	case len(x.m.sriovPhysicalOf(p.UUID)) > 0:
		return apiErr("PIF_SRIOV_STILL_EXISTS", p.UUID)
	}
	if p.Managed {
		x.m.bringDown(p, "pif-forget")
	}
	x.m.PIFs = slices.DeleteFunc(x.m.PIFs, func(q *pifRec) bool { return q == p })
	return nil
}

// pifScan creates a PIF for every NIC of the host that has none, on the
// pool-wide network of its bridge.
func pifScan(x *xeCall) error {
	h, err := x.hostByUUID("host-uuid")
	if err != nil {
		return err
	}
	for _, n := range h.NICs {
		if x.m.hostPIF(h.UUID, n.Device) != nil {
			continue
		}
		x.m.PIFs = append(x.m.PIFs, newPhysicalPIF(x.m, h, n, x.m.physicalNetwork(n.Device)))
	}
	return nil
}

// physicalNetwork finds or creates the network of a physical device:
// bridge xenbrN for ethN.
func (m *model) physicalNetwork(device string) *netRec {
	bridge := "xenbr" + strings.TrimLeft(device, "abcdefghijklmnopqrstuvwxyz")
	for _, n := range m.Networks {
		if n.Bridge == bridge {
			return n
		}
	}
	n := &netRec{UUID: m.newUUID(), NameLabel: "Pool-wide network associated with " + device, Bridge: bridge, MTU: 1500, Managed: true}
	m.Networks = append(m.Networks, n)
	return n
}

func pifPlug(x *xeCall) error {
	p, err := x.pifByUUID("uuid")
	if err != nil {
		return err
	}
	return x.m.plug(p)
}

// plug is Xapi_pif.plug: what a PIF is built on comes up with it.
func (m *model) plug(p *pifRec) error {
	if !p.Managed {
		return apiErr("PIF_UNMANAGED", p.UUID)
	}
	switch m.pifKind(p) {
	case kindTunnelAccess:
		t := m.underlying(p)
		if t.IPMode == "None" {
			return apiErr("TRANSPORT_PIF_NOT_CONFIGURED", t.UUID)
		}
		if err := m.plug(t); err != nil {
			return err
		}
	case kindSRIOVLogical:
		if err := m.plug(m.underlying(p)); err != nil {
			return err
		}
	case kindPhysical:
		if p.BondSlaveOf != "" {
			return apiErr("CANNOT_PLUG_BOND_SLAVE", p.UUID)
		}
	}
	m.bringUp(p)
	return nil
}

func pifUnplug(x *xeCall) error {
	p, err := x.pifByUUID("uuid")
	if err != nil {
		return err
	}
	return x.m.unplug(p)
}

// unplug is Xapi_pif.unplug, its checks in its order: it refuses while a
// running guest on this host has a VIF plugged on the PIF's network, so
// it never cuts a guest off.
func (m *model) unplug(p *pifRec) error {
	if !p.Managed {
		return apiErr("PIF_UNMANAGED", p.UUID)
	}
	if err := m.assertNoProtection(p); err != nil {
		return err
	}
	if p.Management {
		return apiErr("PIF_IS_MANAGEMENT_IFACE", p.UUID)
	}
	for _, v := range m.VIFs {
		if vm := m.vm(v.VM); v.Network == p.Network && vm != nil && vm.ResidentOn == p.Host && m.vifAttached(v) {
			return apiErr("VIF_IN_USE", m.netRefOf(p.Network), v.UUID)
		}
	}
	if p.DisallowUnplug {
		return apiErr("PIF_DOES_NOT_ALLOW_UNPLUG", p.UUID)
	}
	for _, t := range m.Tunnels {
		if a := m.pif(t.Access); t.Transport == p.UUID && a != nil {
			if err := m.unplug(a); err != nil {
				return err
			}
		}
	}
	for _, s := range m.SRIOVs {
		if l := m.pif(s.Logical); s.Physical == p.UUID && l != nil {
			if err := m.unplug(l); err != nil {
				return err
			}
		}
	}
	if p.BondSlaveOf == "" {
		m.bringDown(p, "pif-unplug")
	}
	return nil
}

// bringUp plugs a PIF. Plugging a bond master takes its members out of
// their own bridges, so they show as not attached.
func (m *model) bringUp(p *pifRec) {
	p.Attached = true
	for _, b := range m.bondMasterOf(p.UUID) {
		for _, s := range m.bondSlaves(b) {
			s.Attached = false
		}
	}
	m.syncLocalAddr(p)
}

// ipMode parses a configuration mode, case-insensitively.
func ipMode(s string) (string, error) {
	switch strings.ToLower(s) {
	case "none":
		return "None", nil
	case "dhcp":
		return "DHCP", nil
	case "static":
		return "Static", nil
	}
	return "", cliErr("Expected one of 'None', 'DHCP', 'Static', got %s", s)
}

func validIPv4(s string) bool {
	ip := net.ParseIP(s)
	return ip != nil && ip.To4() != nil && strings.Count(s, ".") == 3 && !strings.Contains(s, ":")
}

// paramFold returns the first parameter whose name equals name without
// regard to case.
func (x *xeCall) paramFold(name string) string {
	for _, p := range x.params {
		if strings.EqualFold(p.K, name) {
			return p.V
		}
	}
	return ""
}

func pifReconfigureIP(x *xeCall) error {
	p, err := x.pifByUUID("uuid")
	if err != nil {
		return err
	}
	m, _ := x.param("mode")
	mode, err := ipMode(m)
	if err != nil {
		return err
	}
	ip, dns := x.paramFold("IP"), x.paramFold("DNS")
	netmask, gateway := x.paramOr("netmask", ""), x.paramOr("gateway", "")
	if !p.Managed {
		return apiErr("PIF_UNMANAGED", p.UUID)
	}
	// Only a static configuration left as it is (DNS aside) is allowed
	// under HA or the redo log.
	if !(mode == "Static" && p.IPMode == mode && p.IP == ip && p.Netmask == netmask && p.Gateway == gateway) {
		if err := x.m.assertNoProtection(p); err != nil {
			return err
		}
	}
	if mode == "Static" {
		switch {
		case !validIPv4(ip):
			return apiErr("INVALID_IP_ADDRESS_SPECIFIED", "IP")
		case !validIPv4(netmask):
			return apiErr("INVALID_IP_ADDRESS_SPECIFIED", "netmask")
		}
	}
	// Every address given is checked, whatever the mode.
	for _, a := range []struct{ name, value string }{{"IP", ip}, {"netmask", netmask}, {"gateway", gateway}} {
		if a.value != "" && !validIPv4(a.value) {
			return apiErr("INVALID_IP_ADDRESS_SPECIFIED", a.name)
		}
	}
	if mode == "None" && p.Management && p.PrimaryAddress == "IPv4" {
		return apiErr("PIF_IS_MANAGEMENT_IFACE", p.UUID)
	}
	var servers []string
	for _, s := range strings.Split(dns, ",") {
		if validIPv4(s) {
			servers = append(servers, s)
		}
	}
	p.IPMode, p.IP, p.Netmask, p.Gateway, p.DNS = mode, ip, netmask, gateway, strings.Join(servers, ",")
	x.m.syncLocalAddr(p)
	return nil
}

var macRE = regexp.MustCompile(`^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$`)

func pifIntroduce(x *xeCall) error {
	h, err := x.hostByUUID("host-uuid")
	if err != nil {
		return err
	}
	device, _ := x.param("device")
	mac := x.paramOr("mac", "")
	managed := true
	if _, ok := x.param("managed"); ok {
		if managed, err = x.boolParam("managed"); err != nil {
			return err
		}
	}
	if mac != "" && !macRE.MatchString(mac) {
		return apiErr("MAC_INVALID", mac)
	}
	if x.m.hostPIF(h.UUID, device) != nil {
		return apiErr("DUPLICATE_PIF_DEVICE_NAME", device)
	}
	n := h.nic(device)
	if n == nil || mac != "" && !strings.EqualFold(mac, n.MAC) {
		return apiErr("COULD_NOT_FIND_NETWORK_INTERFACE_WITH_SPECIFIED_DEVICE_NAME_AND_MAC_ADDRESS", device, mac)
	}
	p := newPhysicalPIF(x.m, h, n, x.m.physicalNetwork(device))
	p.Managed = managed
	x.m.PIFs = append(x.m.PIFs, p)
	x.pr.list(p.UUID)
	return nil
}

// networkCreate is network-create: it prints the new network's uuid.
func networkCreate(x *xeCall) error {
	name, _ := x.param("name-label")
	mtu := 1500
	if v, ok := x.param("MTU"); ok {
		if _, err := fmt.Sscanf(v, "%d", &mtu); err != nil || fmt.Sprint(mtu) != strings.TrimPrefix(v, "+") {
			return apiErr("INTERNAL_ERROR", "Failure: Int64.of_string")
		}
		if mtu <= 0 {
			mtu = 1500
		}
	}
	managed := true
	if _, ok := x.param("managed"); ok {
		var err error
		if managed, err = x.boolParam("managed"); err != nil {
			return err
		}
	}
	bridge := x.paramOr("bridge", "")
	inUse := func(b string) bool {
		return slices.ContainsFunc(x.m.Networks, func(n *netRec) bool { return n.Bridge == b })
	}
	if bridge == "" {
		for i := 0; ; i++ {
			if bridge = fmt.Sprintf("xapi%d", i); !inUse(bridge) {
				break
			}
		}
	} else {
		if len(bridge) > 15 || slices.ContainsFunc([]string{"xen", "xapi", "vif", "tap", "eth"}, func(p string) bool { return strings.HasPrefix(bridge, p) }) {
			return apiErr("INVALID_VALUE", "bridge", bridge)
		}
		if inUse(bridge) {
			return apiErr("BRIDGE_NAME_EXISTS", bridge)
		}
	}
	n := &netRec{UUID: x.m.newUUID(), NameLabel: name, NameDescription: x.paramOr("name-description", ""),
		Bridge: bridge, MTU: mtu, Managed: managed}
	x.m.Networks = append(x.m.Networks, n)
	x.pr.list(n.UUID)
	return nil
}
