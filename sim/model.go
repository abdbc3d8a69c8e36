package sim

// The model is everything the simulated pool remembers. It is stored as
// JSON in ROOT/var/lib/xsim/state.json and rewritten after every program
// run. Slices keep database order, so the order in which xe prints records
// is stable from one run to the next.

// kv is one entry of an xapi map field. Maps are kept as ordered slices so
// that rendering and the state file are deterministic.
type kv struct {
	K string `json:"k"`
	V string `json:"v"`
}

// model is the simulated pool plus the dom0 of every host: its kernel,
// boots and units (dom0.go). Snapshot prints it; nothing in it depends on
// the wall clock.
type model struct {
	Seed      int64  `json:"seed"`
	Release   string `json:"release"`
	XapiDelay int    `json:"xapi_delay"`
	// NextID counts the identifiers (UUIDs, MACs) drawn so far.
	NextID uint64 `json:"next_id"`
	// BootMode is "manual" (sim boot performs a boot) or "auto" (the
	// reboot program starts the boot by itself).
	BootMode string `json:"boot_mode"`
	// Filers are the storage targets that answer ping (ping.go).
	Filers []string `json:"filers,omitempty"`

	Pool     poolRec    `json:"pool"`
	Hosts    []*hostRec `json:"hosts,omitempty"`
	Networks []*netRec  `json:"networks,omitempty"`
	PIFs     []*pifRec  `json:"pifs,omitempty"`
	Bonds    []*bondRec `json:"bonds,omitempty"`
	VMs      []*vmRec   `json:"vms,omitempty"`
	// Guests' networks and the PIF kinds built on others (model_net.go).
	VIFs    []*vifRec    `json:"vifs,omitempty"`
	VLANs   []*vlanRec   `json:"vlans,omitempty"`
	Tunnels []*tunnelRec `json:"tunnels,omitempty"`
	SRIOVs  []*sriovRec  `json:"network_sriovs,omitempty"`
	// IDs counts the identifiers drawn per kind of object that has its
	// own sequence (ids.go newKindUUID).
	IDs map[string]uint64 `json:"ids,omitempty"`

	// local is the host whose dom0 the running program is in (from
	// dom0.json of its root); never stored.
	local string
}

type poolRec struct {
	UUID            string    `json:"uuid"`
	NameLabel       string    `json:"name_label"`
	NameDescription string    `json:"name_description"`
	Master          string    `json:"master"`
	OtherConfig     []kv      `json:"other_config,omitempty"`
	Tags            []string  `json:"tags,omitempty"`
	Extra           []kv      `json:"extra,omitempty"`
	ExtraMaps       extraMaps `json:"extra_maps,omitempty"`
	// HAEnabled and RedoLog are the pool's protection flags; with either
	// on, xapi refuses to reconfigure an attached PIF.
	HAEnabled bool     `json:"ha_enabled,omitempty"`
	HASRs     []string `json:"ha_heartbeat_srs,omitempty"`
	RedoLog   bool     `json:"redo_log_enabled,omitempty"`
	RedoLogSR string   `json:"redo_log_sr,omitempty"`
}

// extraMaps holds the writable map fields the model does not act on, by
// field name.
type extraMaps map[string][]kv

type hostRec struct {
	UUID            string `json:"uuid"`
	NameLabel       string `json:"name_label"`
	NameDescription string `json:"name_description"`
	Hostname        string `json:"hostname"`
	Address         string `json:"address"`
	Enabled         bool   `json:"enabled"`
	// SoftwareVersion holds network_backend, the backend xcp-networkd
	// started with; it changes only at a reboot.
	SoftwareVersion []kv      `json:"software_version,omitempty"`
	OtherConfig     []kv      `json:"other_config,omitempty"`
	Tags            []string  `json:"tags,omitempty"`
	Extra           []kv      `json:"extra,omitempty"`
	ExtraMaps       extraMaps `json:"extra_maps,omitempty"`
	NICs            []*nic    `json:"nics,omitempty"`
	// MemoryTotal and MemoryOverhead are in bytes; 0 means the defaults
	// (memory.go).
	MemoryTotal    int64 `json:"memory_total,omitempty"`
	MemoryOverhead int64 `json:"memory_overhead,omitempty"`
	// Dom0 is the host's control domain: kernel, boots, local database.
	Dom0 dom0 `json:"dom0"`
}

// nic is a physical network card of a host.
type nic struct {
	Device  string `json:"device"`
	MAC     string `json:"mac"` // permanent address
	Carrier bool   `json:"carrier"`
	Speed   int    `json:"speed"`
	Duplex  string `json:"duplex"`
	PCI     string `json:"pci"`
	// SRIOV marks a NIC capable of SR-IOV: its PIF has the capability
	// "sriov".
	SRIOV bool `json:"sriov,omitempty"`
}

type netRec struct {
	UUID            string   `json:"uuid"`
	NameLabel       string   `json:"name_label"`
	NameDescription string   `json:"name_description"`
	Bridge          string   `json:"bridge"`
	MTU             int      `json:"mtu"`
	Managed         bool     `json:"managed"`
	OtherConfig     []kv     `json:"other_config,omitempty"`
	Tags            []string `json:"tags,omitempty"`
	Purpose         []string `json:"purpose,omitempty"`
	Extra           []kv     `json:"extra,omitempty"`
}

type pifRec struct {
	UUID           string   `json:"uuid"`
	Device         string   `json:"device"`
	MAC            string   `json:"mac"`
	Physical       bool     `json:"physical"`
	Managed        bool     `json:"managed"`
	Attached       bool     `json:"currently_attached"`
	MTU            int      `json:"mtu"`
	VLAN           int      `json:"vlan"`
	Network        string   `json:"network"`
	Host           string   `json:"host"`
	BondSlaveOf    string   `json:"bond_slave_of"`
	Management     bool     `json:"management"`
	IPMode         string   `json:"ip_configuration_mode"`
	IP             string   `json:"ip"`
	Netmask        string   `json:"netmask"`
	Gateway        string   `json:"gateway"`
	DNS            string   `json:"dns"`
	IPv6Mode       string   `json:"ipv6_configuration_mode"`
	IPv6           []string `json:"ipv6,omitempty"`
	IPv6Gateway    string   `json:"ipv6_gateway"`
	PrimaryAddress string   `json:"primary_address_type"`
	Properties     []kv     `json:"properties,omitempty"`
	Capabilities   []string `json:"capabilities,omitempty"`
	DisallowUnplug bool     `json:"disallow_unplug"`
	OtherConfig    []kv     `json:"other_config,omitempty"`
	IGMPSnooping   string   `json:"igmp_snooping_status"`
}

type bondRec struct {
	UUID          string `json:"uuid"`
	Master        string `json:"master"`
	PrimarySlave  string `json:"primary_slave"`
	Mode          string `json:"mode"`
	Properties    []kv   `json:"properties,omitempty"`
	AutoUpdateMAC bool   `json:"auto_update_mac"`
}

type vmRec struct {
	UUID            string `json:"uuid"`
	NameLabel       string `json:"name_label"`
	NameDescription string `json:"name_description"`
	IsControlDomain bool   `json:"is_control_domain"`
	PowerState      string `json:"power_state"` // "running" or "halted"
	ResidentOn      string `json:"resident_on"`
	Affinity        string `json:"affinity"`
	DomID           int    `json:"domid"`
	VCPUs           int    `json:"vcpus"`
	Memory          int64  `json:"memory"`
	OtherConfig     []kv   `json:"other_config,omitempty"`
	Extra           []kv   `json:"extra,omitempty"`
}

// kernel is what the running kernel of a host knows: its links (NICs,
// bridges) with their live MAC, MTU and state, the bonding driver's
// bonds, addresses and the default route. A boot resets it.
type kernel struct {
	Links        []*klink `json:"links,omitempty"`
	Bonds        []*kbond `json:"bonds,omitempty"`
	Addrs        []kaddr  `json:"addrs,omitempty"`
	DefaultRoute kroute   `json:"default_route"`
	// Routes are the static routes networkd added (routes.go).
	Routes []kstatic `json:"routes,omitempty"`
	// NextIndex is the interface index the next link gets (lo is 1).
	NextIndex int `json:"next_index"`
}

// Kinds of kernel link.
const (
	linkNIC    = "nic"
	linkBridge = "bridge"
	linkOVS    = "ovs-system"
)

type klink struct {
	Device string `json:"device"`
	Kind   string `json:"kind"`
	Index  int    `json:"index"`
	MAC    string `json:"mac"` // live address
	MTU    int    `json:"mtu"`
	// Up is the administrative state (ip link set up).
	Up bool `json:"up"`
}

type kbond struct {
	Name      string `json:"name"`
	Index     int    `json:"index"`
	MTU       int    `json:"mtu"`
	Mode      int    `json:"mode"` // 0-7, see modeNames
	MIIMon    int    `json:"miimon"`
	UpDelay   int    `json:"updelay"`
	DownDelay int    `json:"downdelay"`
	LACPRate  string `json:"lacp_rate"`
	XmitHash  string `json:"xmit_hash_policy"`
	MAC       string `json:"mac"`
	// RandomMAC is set while the bond has the random MAC the kernel
	// gave it, which the next first slave replaces.
	RandomMAC bool      `json:"random_mac,omitempty"`
	Up        bool      `json:"up"`
	Active    string    `json:"active_slave"`
	Slaves    []*kslave `json:"slaves,omitempty"`
}

type kslave struct {
	Device  string `json:"device"`
	PermMAC string `json:"permanent_mac"`
	// Up is the MII status the bond last saw.
	Up           bool `json:"up"`
	LinkFailures int  `json:"link_failures"`
}

type kaddr struct {
	Device  string `json:"device"`
	Address string `json:"address"`
	Netmask string `json:"netmask"`
}

type kroute struct {
	Gateway string `json:"gateway"`
	Device  string `json:"device"`
}

// book is bookkeeping that Snapshot leaves out: it records how the host
// was driven, not what state it is in.
type book struct {
	Calls int `json:"calls"`
	// XapiDown counts, by host uuid, the xe calls that still fail after
	// that host's boot.
	XapiDown map[string]int `json:"xapi_down,omitempty"`
	Faults   []fault        `json:"faults,omitempty"`
	// Watchers are the processes of --boot auto waiting to boot a host,
	// by host uuid.
	Watchers map[string]watcher `json:"watchers,omitempty"`
}

// fault is armed by `sim fault` and fires once: at program call Call,
// or at the Nth call whose text matches the regular expression Match
// (Seen counts the matching calls so far).
type fault struct {
	Call   int    `json:"call,omitempty"`
	Match  string `json:"match,omitempty"`
	Nth    int    `json:"nth,omitempty"`
	Seen   int    `json:"seen,omitempty"`
	Kind   string `json:"kind"` // "fail", "kill-before", "kill-after" or "delay"
	Stderr string `json:"stderr,omitempty"`
	Code   int    `json:"code,omitempty"`
	// Delay is how long a delay fault waits (a Go duration).
	Delay string `json:"delay,omitempty"`
}

// state is the content of state.json.
type state struct {
	Model model `json:"model"`
	Book  book  `json:"bookkeeping"`
}

// Lookups. The model is small, so linear scans keep it simple.

func (m *model) host(uuid string) *hostRec {
	for _, h := range m.Hosts {
		if h.UUID == uuid {
			return h
		}
	}
	return nil
}

// localHost is the host the running program is on.
func (m *model) localHost() *hostRec { return m.host(m.local) }

func (m *model) master() *hostRec { return m.host(m.Pool.Master) }

func (m *model) network(uuid string) *netRec {
	for _, n := range m.Networks {
		if n.UUID == uuid {
			return n
		}
	}
	return nil
}

func (m *model) pif(uuid string) *pifRec {
	for _, p := range m.PIFs {
		if p.UUID == uuid {
			return p
		}
	}
	return nil
}

func (m *model) bond(uuid string) *bondRec {
	for _, b := range m.Bonds {
		if b.UUID == uuid {
			return b
		}
	}
	return nil
}

// hostPIF returns the PIF of host for device, or nil.
func (m *model) hostPIF(host, device string) *pifRec {
	for _, p := range m.PIFs {
		if p.Host == host && p.Device == device {
			return p
		}
	}
	return nil
}

func (h *hostRec) nic(device string) *nic {
	for _, n := range h.NICs {
		if n.Device == device {
			return n
		}
	}
	return nil
}

// bondSlaves returns the member PIFs of a bond in database order.
func (m *model) bondSlaves(bond string) []*pifRec {
	var out []*pifRec
	for _, p := range m.PIFs {
		if p.BondSlaveOf == bond {
			out = append(out, p)
		}
	}
	return out
}

// bondMasterOf returns the bonds whose master is the PIF.
func (m *model) bondMasterOf(pif string) []string {
	var out []string
	for _, b := range m.Bonds {
		if b.Master == pif {
			out = append(out, b.UUID)
		}
	}
	return out
}

func (k *kernel) link(device string) *klink {
	for _, l := range k.Links {
		if l.Device == device {
			return l
		}
	}
	return nil
}

func (k *kernel) bond(name string) *kbond {
	for _, b := range k.Bonds {
		if b.Name == name {
			return b
		}
	}
	return nil
}

// masterOf returns the bond that has device as a slave, or nil.
func (k *kernel) masterOf(device string) *kbond {
	for _, b := range k.Bonds {
		if b.slave(device) != nil {
			return b
		}
	}
	return nil
}

func (b *kbond) slave(device string) *kslave {
	for _, s := range b.Slaves {
		if s.Device == device {
			return s
		}
	}
	return nil
}

// mapGet returns the value of key in an ordered map.
func mapGet(m []kv, key string) (string, bool) {
	for _, e := range m {
		if e.K == key {
			return e.V, true
		}
	}
	return "", false
}

// mapSet replaces key the way xapi's remove-then-add does: the key moves
// to the end.
func mapSet(m []kv, key, value string) []kv {
	return append(mapDel(m, key), kv{key, value})
}

func mapDel(m []kv, key string) []kv {
	out := m[:0:0]
	for _, e := range m {
		if e.K != key {
			out = append(out, e)
		}
	}
	return out
}
