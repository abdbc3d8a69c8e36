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

// pifForget deletes the PIF record; its network stays.
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
	}
	// The PIF is brought down first.
	p.Attached = false
	x.m.syncLocalAddr(p)
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
	switch {
	case !p.Managed:
		return apiErr("PIF_UNMANAGED", p.UUID)
	case p.BondSlaveOf != "":
		return apiErr("CANNOT_PLUG_BOND_SLAVE", p.UUID)
	}
	x.m.bringUp(p)
	return nil
}

func pifUnplug(x *xeCall) error {
	p, err := x.pifByUUID("uuid")
	if err != nil {
		return err
	}
	switch {
	case !p.Managed:
		return apiErr("PIF_UNMANAGED", p.UUID)
	case p.Management:
		return apiErr("PIF_IS_MANAGEMENT_IFACE", p.UUID)
	case p.DisallowUnplug:
		return apiErr("PIF_DOES_NOT_ALLOW_UNPLUG", p.UUID)
	}
	p.Attached = false
	x.m.syncLocalAddr(p)
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
	switch {
	case !p.Managed:
		return apiErr("PIF_UNMANAGED", p.UUID)
	case mode == "None" && p.Management && p.PrimaryAddress == "IPv4":
		return apiErr("PIF_IS_MANAGEMENT_IFACE", p.UUID)
	}
	if mode == "Static" {
		switch {
		case !validIPv4(ip):
			return apiErr("INVALID_IP_ADDRESS_SPECIFIED", "IP")
		case !validIPv4(netmask):
			return apiErr("INVALID_IP_ADDRESS_SPECIFIED", "netmask")
		case gateway != "" && !validIPv4(gateway):
			return apiErr("INVALID_IP_ADDRESS_SPECIFIED", "gateway")
		}
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
