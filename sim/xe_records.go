package sim

import (
	"fmt"
	"strconv"
	"strings"
)

// class is an API class with generated <class>-list and -param-*
// commands.
type class struct {
	name  string
	table string // the type in UUID_INVALID
	// defaults are the fields <class>-list prints without params=; they
	// come out in record order.
	defaults   []string
	defFilters []kv
	records    func(m *model) []*record
	// proto is a record of an empty object, for the field list.
	proto func(m *model) *record
}

// classes are the classes the simulator serves. pif-list uses the default
// fields of xapi v23.31.0 and later, which include MAC and host-uuid.
func classes() []*class {
	return append([]*class{
		{name: "pool", table: "pool", defaults: []string{"uuid", "name-label", "name-description", "master", "default-SR"},
			records: func(m *model) []*record { return []*record{poolRecord(m, &m.Pool)} },
			proto:   func(m *model) *record { return poolRecord(m, &poolRec{}) }},
		{name: "pif", table: "PIF", defaults: []string{"uuid", "device", "MAC", "currently-attached", "VLAN", "network-uuid", "host-uuid"},
			records: func(m *model) []*record {
				var rs []*record
				for _, p := range m.PIFs {
					rs = append(rs, pifRecord(m, p))
				}
				return rs
			},
			proto: func(m *model) *record { return pifRecord(m, &pifRec{}) }},
		{name: "bond", table: "Bond", defaults: []string{"uuid", "master", "slaves"},
			records: func(m *model) []*record {
				var rs []*record
				for _, b := range m.Bonds {
					rs = append(rs, bondRecord(m, b))
				}
				return rs
			},
			proto: func(m *model) *record { return bondRecord(m, &bondRec{}) }},
		{name: "network", table: "network", defaults: []string{"uuid", "name-label", "name-description", "bridge"},
			records: func(m *model) []*record {
				var rs []*record
				for _, n := range m.Networks {
					rs = append(rs, netRecord(m, n))
				}
				return rs
			},
			proto: func(m *model) *record { return netRecord(m, &netRec{}) }},
		{name: "vm", table: "VM", defaults: []string{"name-label", "uuid", "power-state"},
			defFilters: []kv{{"is-a-template", "false"}},
			records: func(m *model) []*record {
				var rs []*record
				for _, v := range m.VMs {
					rs = append(rs, vmRecord(m, v))
				}
				return rs
			},
			proto: func(m *model) *record { return vmRecord(m, &vmRec{}) }},
		{name: "host", table: "host", defaults: []string{"uuid", "name-label", "name-description"},
			records: func(m *model) []*record {
				var rs []*record
				for _, h := range m.Hosts {
					rs = append(rs, hostRecord(m, h))
				}
				return rs
			},
			proto: func(m *model) *record { return hostRecord(m, &hostRec{}) }},
	}, netClasses()...)
}

func poolRecord(m *model, p *poolRec) *record {
	srRef := func(name string) *field { return rwRef(name, &p.Extra, srCheck) }
	boolRW := func(name, def string) *field { return rwExtra(name, &p.Extra, def, checkBool(name)) }
	return &record{uuid: p.UUID, fields: []*field{
		ro("uuid", p.UUID),
		rwString("name-label", &p.NameLabel),
		rwString("name-description", &p.NameDescription),
		roRef("master", p.Master),
		srRef("default-SR"),
		srRef("crash-dump-SR"),
		srRef("suspend-image-SR"),
		expensive(ro("supported-sr-types", "lvm; ext; nfs; iso; iscsi; lvmoiscsi; lvmohba; smb; udev; dummy")),
		rwMap("other-config", &p.OtherConfig, "pool", p.UUID),
		roSet("allowed-operations", []string{"cluster_create", "designate_new_master", "ha_enable"}),
		roSet("current-operations", nil),
		roBool("ha-enabled", p.HAEnabled),
		ro("ha-configuration", ""),
		ro("ha-statefiles", ""),
		rwExtra("ha-host-failures-to-tolerate", &p.Extra, "0", checkInt("ha-host-failures-to-tolerate")),
		ro("ha-plan-exists-for", "0"),
		boolRW("ha-allow-overcommit", "false"),
		roBool("ha-overcommitted", false),
		ro("blobs", ""),
		ro("wlb-url", ""),
		ro("wlb-username", ""),
		boolRW("wlb-enabled", "false"),
		boolRW("wlb-verify-cert", "false"),
		boolRW("igmp-snooping-enabled", "false"),
		rwExtraMap("gui-config", &p.ExtraMaps, "pool", p.UUID),
		rwExtraMap("health-check-config", &p.ExtraMaps, "pool", p.UUID),
		hidden(ro("vswitch-controller", "<not set>")),
		ro("restrictions", ""),
		rwSet("tags", &p.Tags, ", "),
		ro("license-state", "edition: free; expiry: never"),
		ro("ha-cluster-stack", "xhad"),
		rwExtraMap("guest-agent-config", &p.ExtraMaps, "pool", p.UUID),
		roMap("cpu_info", []kv{{"cpu_count", "48"}, {"socket_count", "6"}, {"vendor", "GenuineIntel"}}),
		boolRW("policy-no-vendor-device", "false"),
		boolRW("live-patching-disabled", "false"),
		hidden(rwExtra("uefi-certificates", &p.Extra, "", nil)),
		roBool("tls-verification-enabled", true),
		roBool("client-certificate-auth-enabled", false),
		ro("client-certificate-auth-name", ""),
		ro("repository-proxy-url", ""),
		ro("repository-proxy-username", ""),
	}}
}

func hostRecord(m *model, h *hostRec) *record {
	var dom0 string
	var resident []string
	for _, v := range m.VMs {
		if v.ResidentOn == h.UUID && h.UUID != "" {
			resident = append(resident, v.UUID)
			if v.IsControlDomain {
				dom0 = v.UUID
			}
		}
	}
	var ops []string
	if h.Enabled {
		ops = []string{"vm_migrate", "provision", "vm_resume", "evacuate", "vm_start"}
	} else {
		ops = []string{"vm_migrate", "provision", "vm_resume", "evacuate", "enable"}
	}
	return &record{uuid: h.UUID, fields: []*field{
		ro("uuid", h.UUID),
		rwString("name-label", &h.NameLabel),
		rwString("name-description", &h.NameDescription),
		roSet("allowed-operations", ops),
		roSet("current-operations", nil),
		roBool("enabled", h.Enabled),
		ro("display", "enabled"),
		ro("API-version-major", "2"),
		ro("API-version-minor", "21"),
		ro("API-version-vendor", "XenSource"),
		roMap("API-version-vendor-implementation", nil),
		rwExtraMap("logging", &h.ExtraMaps, "host", h.UUID),
		rwRef("suspend-image-sr-uuid", &h.Extra, srCheck),
		rwRef("crash-dump-sr-uuid", &h.Extra, srCheck),
		roMap("software-version", h.SoftwareVersion),
		roSet("capabilities", []string{"xen-3.0-x86_64", "hvm-3.0-x86_32", "hvm-3.0-x86_32p", "hvm-3.0-x86_64"}),
		rwMap("other-config", &h.OtherConfig, "host", h.UUID),
		roMap("cpu_info", []kv{{"cpu_count", "16"}, {"socket_count", "2"}, {"vendor", "GenuineIntel"}, {"speed", "2100.000"}, {"modelname", "Intel(R) Xeon(R) Silver 4110 CPU @ 2.10GHz"}}),
		roMap("chipset-info", []kv{{"iommu", "true"}}),
		ro("hostname", h.Hostname),
		ro("address", h.Address),
		rwExtra("https-only", &h.Extra, "false", checkBool("https-only")),
		roSet("supported-bootloaders", []string{"pygrub", "eliloader"}),
		ro("blobs", ""),
		roInt("memory-overhead", h.memoryOverhead()),
		roInt("memory-total", h.memoryTotal()),
		roInt("memory-free", m.hostFree(h, nil)),
		expensive(roInt("memory-free-computed", m.hostFree(h, nil))),
		roBool("host-metrics-live", h.UUID == "" || h.live()),
		deprecated(roSet("patches", nil)),
		roSet("updates", nil),
		ro("ha-statefiles", ""),
		ro("ha-network-peers", ""),
		ro("external-auth-type", ""),
		ro("external-auth-service-name", ""),
		roMap("external-auth-configuration", nil),
		ro("edition", "free"),
		roMap("license-server", []kv{{"address", "localhost"}, {"port", "27000"}}),
		ro("power-on-mode", ""),
		roMap("power-on-config", nil),
		roRef("local-cache-sr", ""),
		rwSet("tags", &h.Tags, ", "),
		rwExtra("ssl-legacy", &h.Extra, "false", checkBool("ssl-legacy")),
		rwExtraMap("guest_VCPUs_params", &h.ExtraMaps, "host", h.UUID),
		roSet("virtual-hardware-platform-versions", []string{"0", "1", "2"}),
		roRef("control-domain-uuid", dom0),
		roSet("resident-vms", resident),
		roSet("updates-requiring-reboot", nil),
		roSet("features", nil),
		rwExtra("iscsi_iqn", &h.Extra, "iqn.2024-01.com.example:"+h.Hostname, nil),
		rwExtra("multipathing", &h.Extra, "false", checkBool("multipathing")),
		hidden(rwExtra("uefi-certificates", &h.Extra, "", nil)),
		ro("pending-guidances", ""),
		roBool("tls-verification-enabled", true),
		ro("last-software-update", "20240101T00:00:00Z"),
	}}
}

func srCheck(v string) error {
	if v != "" {
		return uuidInvalid("SR", v)
	}
	return nil
}

func netRecord(m *model, n *netRec) *record {
	var pifs, vifs []string
	for _, p := range m.PIFs {
		if p.Network == n.UUID && n.UUID != "" {
			pifs = append(pifs, p.UUID)
		}
	}
	for _, v := range m.VIFs {
		if v.Network == n.UUID && n.UUID != "" {
			vifs = append(vifs, v.UUID)
		}
	}
	return &record{uuid: n.UUID, fields: []*field{
		ro("uuid", n.UUID),
		rwString("name-label", &n.NameLabel),
		rwString("name-description", &n.NameDescription),
		roSet("VIF-uuids", vifs),
		roSet("PIF-uuids", pifs),
		{name: "MTU", get: func() string { return strconv.Itoa(n.MTU) }, set: func(v string) error {
			i, err := strconv.Atoi(v)
			if err != nil {
				return apiErr("INTERNAL_ERROR", "Failure: Int64.of_string")
			}
			n.MTU = i
			return nil
		}},
		ro("bridge", n.Bridge),
		roBool("managed", n.Managed),
		rwMap("other-config", &n.OtherConfig, "network", n.UUID),
		ro("blobs", ""),
		rwSet("tags", &n.Tags, ", "),
		rwExtra("default-locking-mode", &n.Extra, "unlocked", func(v string) error {
			if v != "unlocked" && v != "disabled" {
				return cliErr("Expected 'unlocked' or 'disabled', got %s", v)
			}
			return nil
		}),
		rwSet("purpose", &n.Purpose, ", "),
	}}
}

func pifRecord(m *model, p *pifRec) *record {
	netLabel, hostLabel := nullRef, nullRef
	if n := m.network(p.Network); n != nil {
		netLabel = n.NameLabel
	}
	h := m.host(p.Host)
	if h != nil {
		hostLabel = h.NameLabel
	}
	mt := m.pifMetrics(p)
	metric := func(name string, f func(pifMetrics) string) *field {
		if mt == nil {
			return ro(name, nullRef)
		}
		return ro(name, f(*mt))
	}
	return &record{uuid: p.UUID, fields: []*field{
		ro("uuid", p.UUID),
		ro("device", p.Device),
		{name: "MAC", get: func() string { return p.MAC }, caseInsensitive: true},
		roBool("physical", p.Physical),
		roBool("managed", p.Managed),
		roBool("currently-attached", p.Attached),
		roInt("MTU", int64(p.MTU)),
		roInt("VLAN", int64(p.VLAN)),
		roRef("vlan-master-of", m.vlanMasterOf(p.UUID)),
		ro("vlan-slave-of", strings.Join(m.vlanSlaveOf(p.UUID), "; ")),
		ro("bond-master-of", strings.Join(m.bondMasterOf(p.UUID), "; ")),
		roRef("bond-slave-of", p.BondSlaveOf),
		ro("sriov-physical-PIF-of", strings.Join(m.sriovPhysicalOf(p.UUID), "; ")),
		ro("sriov-logical-PIF-of", strings.Join(m.sriovLogicalOf(p.UUID), "; ")),
		ro("tunnel-access-PIF-of", strings.Join(m.tunnelAccessOf(p.UUID), "; ")),
		ro("tunnel-transport-PIF-of", strings.Join(m.tunnelTransportOf(p.UUID), "; ")),
		roBool("management", p.Management),
		ro("network-uuid", refString(p.Network)),
		ro("network-name-label", netLabel),
		ro("host-uuid", refString(p.Host)),
		ro("host-name-label", hostLabel),
		ro("IP-configuration-mode", p.IPMode),
		ro("IP", p.IP),
		ro("netmask", p.Netmask),
		ro("gateway", p.Gateway),
		ro("IPv6-configuration-mode", p.IPv6Mode),
		ro("IPv6", strings.Join(p.IPv6, "; ")),
		ro("IPv6-gateway", p.IPv6Gateway),
		ro("primary-address-type", p.PrimaryAddress),
		ro("DNS", p.DNS),
		{name: "properties", get: func() string { return renderMap(p.Properties) }, getMap: func() []kv { return p.Properties },
			setInMap: func(k, v string) error { return m.setPIFProperty(p, k, v) }},
		roSet("capabilities", p.Capabilities),
		expensive(ro("io_read_kbs", "0.000")),
		expensive(ro("io_write_kbs", "0.000")),
		metric("carrier", func(x pifMetrics) string { return strconv.FormatBool(x.carrier) }),
		metric("vendor-id", func(x pifMetrics) string { return x.vendorID }),
		metric("vendor-name", func(x pifMetrics) string { return x.vendorName }),
		metric("device-id", func(x pifMetrics) string { return x.deviceID }),
		metric("device-name", func(x pifMetrics) string { return x.deviceName }),
		metric("speed", func(x pifMetrics) string { return fmt.Sprintf("%d Mbit/s", x.speed) }),
		metric("duplex", func(x pifMetrics) string {
			switch {
			case x.duplex:
				return "full"
			case x.carrier:
				return "half"
			}
			return "unknown"
		}),
		{name: "disallow-unplug", get: func() string { return strconv.FormatBool(p.DisallowUnplug) }, set: func(v string) error {
			if err := checkBool("disallow-unplug")(v); err != nil {
				return err
			}
			p.DisallowUnplug = v == "true"
			return nil
		}},
		metric("pci-bus-path", func(x pifMetrics) string { return x.pci }),
		rwMap("other-config", &p.OtherConfig, "PIF", p.UUID),
		ro("igmp-snooping-status", p.IGMPSnooping),
	}}
}

// pifMetrics is what xcp-networkd reports about the device of a PIF.
type pifMetrics struct {
	carrier, duplex                                 bool
	speed                                           int
	vendorID, vendorName, deviceID, deviceName, pci string
}

// pifMetrics reads the NIC behind a physical PIF, or sums up the members
// of a bond master. A PIF with no device behind it has no metrics.
func (m *model) pifMetrics(p *pifRec) *pifMetrics {
	if u := m.underlying(p); u != nil {
		// A VLAN, tunnel or SR-IOV PIF shares the metrics of its PIF.
		return m.pifMetrics(u)
	}
	h := m.host(p.Host)
	if h == nil {
		return nil
	}
	if n := h.nic(p.Device); n != nil && p.Physical {
		x := &pifMetrics{carrier: n.Carrier, vendorID: "8086", vendorName: "Intel Corporation",
			deviceID: "1521", deviceName: "I350 Gigabit Network Connection", pci: n.PCI}
		if n.Carrier {
			x.speed, x.duplex = n.Speed, n.Duplex == "full"
		}
		return x
	}
	for _, b := range m.Bonds {
		if b.Master != p.UUID {
			continue
		}
		x := &pifMetrics{}
		for _, s := range m.bondSlaves(b.UUID) {
			if n := h.nic(s.Device); n != nil && n.Carrier {
				x.carrier = true
				x.duplex = true
				x.speed += n.Speed
			}
		}
		return x
	}
	return nil
}

// setPIFProperty is PIF.set_property: only gro, on or off.
func (m *model) setPIFProperty(p *pifRec, k, v string) error {
	if p.BondSlaveOf != "" || !p.Physical && len(m.bondMasterOf(p.UUID)) == 0 {
		return apiErr("CANNOT_CHANGE_PIF_PROPERTIES", p.UUID)
	}
	if k != "gro" {
		return apiErr("INVALID_VALUE", "properties", k)
	}
	if v != "on" && v != "off" {
		return apiErr("INVALID_VALUE", "properties", v)
	}
	p.Properties = mapSet(p.Properties, k, v)
	return nil
}

func bondRecord(m *model, b *bondRec) *record {
	var slaves []string
	linksUp := 0
	for _, s := range m.bondSlaves(b.UUID) {
		if b.UUID == "" {
			break
		}
		slaves = append(slaves, s.UUID)
		if h := m.host(s.Host); h != nil {
			if n := h.nic(s.Device); n != nil && n.Carrier {
				linksUp++
			}
		}
	}
	return &record{uuid: b.UUID, fields: []*field{
		ro("uuid", b.UUID),
		roRef("master", b.Master),
		ro("slaves", strings.Join(slaves, "; ")),
		ro("mode", b.Mode),
		{name: "properties", get: func() string { return renderMap(b.Properties) }, getMap: func() []kv { return b.Properties },
			setInMap: func(k, v string) error {
				props, err := checkBondProperties(b.Mode, []kv{{k, v}})
				if err != nil {
					return err
				}
				b.Properties = append(mapDel(b.Properties, k), props[0])
				return nil
			}},
		roRef("primary-slave", b.PrimarySlave),
		ro("links-up", strconv.Itoa(linksUp)),
		roBool("auto-update-mac", b.AutoUpdateMAC),
	}}
}

func vmRecord(m *model, v *vmRec) *record {
	intRW := func(name string) *field {
		return rwExtra(name, &v.Extra, strconv.FormatInt(v.Memory, 10), checkInt(name))
	}
	vcpus := strconv.Itoa(v.VCPUs)
	memActual := nullRef
	if v.PowerState == "running" {
		memActual = strconv.FormatInt(v.Memory, 10)
	}
	return &record{uuid: v.UUID, fields: []*field{
		ro("uuid", v.UUID),
		rwString("name-label", &v.NameLabel),
		rwString("name-description", &v.NameDescription),
		rwExtra("user-version", &v.Extra, "1", checkInt("user-version")),
		rwExtra("is-a-template", &v.Extra, "false", checkBool("is-a-template")),
		rwExtra("is-default-template", &v.Extra, "false", checkBool("is-default-template")),
		roBool("is-a-snapshot", false),
		roRef("snapshot-of", ""),
		ro("snapshots", ""),
		ro("snapshot-time", "19700101T00:00:00Z"),
		ro("snapshot-info", ""),
		roRef("parent", ""),
		ro("children", ""),
		roBool("is-control-domain", v.IsControlDomain),
		ro("power-state", v.PowerState),
		ro("memory-actual", memActual),
		expensive(ro("memory-target", "0")),
		ro("memory-overhead", "20971520"),
		intRW("memory-static-max"),
		intRW("memory-dynamic-max"),
		intRW("memory-dynamic-min"),
		intRW("memory-static-min"),
		rwExtra("VCPUs-max", &v.Extra, vcpus, checkInt("VCPUs-max")),
		rwExtra("VCPUs-at-startup", &v.Extra, vcpus, checkInt("VCPUs-at-startup")),
		roRef("resident-on", v.ResidentOn),
		rwRef("affinity", &v.Extra, func(s string) error {
			if s != "" && m.host(s) == nil {
				return uuidInvalid("host", s)
			}
			return nil
		}),
		rwMap("other-config", &v.OtherConfig, "VM", v.UUID),
		roInt("dom-id", int64(v.DomID)),
		rwExtra("ha-always-run", &v.Extra, "false", checkBool("ha-always-run")),
		rwExtra("ha-restart-priority", &v.Extra, "", nil),
	}}
}
