package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// InitOptions configures a new simulated pool.
type InitOptions struct {
	// Seed selects the UUIDs, MACs and boot ids; the same seed gives the
	// same pool.
	Seed int64
	// Release is the dom0 release to imitate (see Releases): "8.3" (the
	// default) and the others.
	Release string
	// Binary is the absolute path of the multi-call binary linked as
	// ROOT/bin/<program>; empty means os.Executable().
	Binary string
	// XapiDelay is how many xe calls fail after each boot while xapi
	// starts: 0 means DefaultXapiDelay, NoXapiDelay means none.
	XapiDelay int
	// VIFs adds a VIF per entry "VM:NIC" (a guest's name label or uuid,
	// and a NIC whose network on the guest's host the VIF joins), beside
	// the one every guest has on the management network.
	VIFs []string
	// MemoryFree, when set, leaves that many MiB free on every host but
	// the local one, so that guests may fit nowhere else.
	MemoryFree *int64
	// SRIOV names NICs that are SR-IOV capable on every host.
	SRIOV []string
	// Hosts is the number of hosts, 1-16; 0 means 3.
	Hosts int
	// NICs is the number of NICs of each host, 1-16; 0 means 4.
	NICs int
	// AllDom0s lays out a root for every host, DIR/<host>, with the pool
	// database in DIR/pool; otherwise DIR is the root of the local host
	// and the pool database is under it.
	AllDom0s bool
	// Member makes the local host (xen01) a pool member; the coordinator
	// is xen02.
	Member bool
	// Boot is "manual" (the default: `sim boot` performs each boot) or
	// "auto" (the reboot program starts the boot by itself once the
	// process that asked for it has exited).
	Boot string
	// Filers are IPv4 addresses of storage targets that answer ping on
	// their subnet.
	Filers []string
}

const (
	// DefaultXapiDelay is the number of xe calls that fail after a
	// boot unless InitOptions says otherwise.
	DefaultXapiDelay = 2
	// NoXapiDelay in InitOptions.XapiDelay makes xapi answer at once
	// after a boot.
	NoXapiDelay = -1
	// MaxHosts bounds InitOptions.Hosts and NICs.
	MaxHosts = 16
)

// PoolDir is the directory of the pool database in a layout made with
// AllDom0s.
const PoolDir = "pool"

// Layout describes where Init put things.
type Layout struct {
	// Roots are the dom0 roots, the local host's first.
	Roots []RootInfo
	// Pool is the directory of the pool database.
	Pool string
	// Brand and Version name the release profile used.
	Brand, Version string
	// Coordinator is the name of the pool's coordinator.
	Coordinator string
	// Hosts are the names of every host, in pool order.
	Hosts []string
}

// RootInfo is one dom0 root.
type RootInfo struct {
	Host string // name-label
	Dir  string
}

// check reports every problem of the options at once.
func (o *InitOptions) check() []string {
	var probs []string
	if _, err := lookupRelease(o.Release); err != nil {
		probs = append(probs, err.Error())
	}
	if o.Hosts < 1 || o.Hosts > MaxHosts {
		probs = append(probs, fmt.Sprintf("hosts: got %d, want 1-%d", o.Hosts, MaxHosts))
	}
	if o.NICs < 1 || o.NICs > MaxHosts {
		probs = append(probs, fmt.Sprintf("nics: got %d, want 1-%d", o.NICs, MaxHosts))
	}
	if o.Member && o.Hosts == 1 {
		probs = append(probs, "member: a pool of one host has no other coordinator; give --hosts 2 or more")
	}
	if o.Boot != bootManual && o.Boot != bootAuto {
		probs = append(probs, fmt.Sprintf("boot: got %q, want manual or auto", o.Boot))
	}
	seen := map[string]bool{}
	for _, f := range o.Filers {
		switch {
		case !validIPv4(f):
			probs = append(probs, fmt.Sprintf("filer: got %q, want an IPv4 address such as 10.10.51.5", f))
		case seen[f]:
			probs = append(probs, fmt.Sprintf("filer: %s given twice", f))
		}
		seen[f] = true
	}
	return probs
}

// Init creates a fresh simulated pool in dir, which must be missing or
// empty. Without AllDom0s, dir is the root of the local host (xen01): the
// pool database under dir/var/lib/xsim, the host files a dom0 has, and
// dir/bin/<program> links to the binary for every simulated program.
// With AllDom0s, every host gets such a root in dir/<name>, and the pool
// database is in dir/pool.
func Init(dir string, opts InitOptions) error {
	_, err := InitPool(dir, opts)
	return err
}

// InitPool is Init, returning where it put things.
func InitPool(dir string, opts InitOptions) (*Layout, error) {
	if opts.Release == "" {
		opts.Release = DefaultRelease
	}
	if opts.Hosts == 0 {
		opts.Hosts = 3
	}
	if opts.NICs == 0 {
		opts.NICs = 4
	}
	if opts.Boot == "" {
		opts.Boot = bootManual
	}
	if probs := opts.check(); len(probs) > 0 {
		return nil, fmt.Errorf("sim init: %s", strings.Join(probs, "; "))
	}
	rel, _ := lookupRelease(opts.Release)
	switch {
	case opts.XapiDelay == 0:
		opts.XapiDelay = DefaultXapiDelay
	case opts.XapiDelay < 0:
		opts.XapiDelay = 0
	}
	bin := opts.Binary
	if bin == "" {
		var err error
		if bin, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("sim init: find the binary to link: %w", err)
		}
	}
	if !filepath.IsAbs(bin) {
		return nil, fmt.Errorf("sim init: binary: got %q, want an absolute path", bin)
	}
	st := state{Model: newModel(opts, rel)}
	m := &st.Model
	m.local = m.Hosts[0].UUID
	if err := setUpGuests(m, opts); err != nil {
		return nil, err
	}
	if err := checkEmptyDir(dir); err != nil {
		return nil, fmt.Errorf("sim init: %w", err)
	}
	lay := &Layout{Brand: rel.Brand, Version: rel.ProductVersion, Coordinator: m.master().NameLabel}
	for _, h := range m.Hosts {
		lay.Hosts = append(lay.Hosts, h.NameLabel)
	}
	// The roots: the local host's (xen01) alone, or every host's.
	var roots []*hostRec
	if opts.AllDom0s {
		roots = m.Hosts
		lay.Pool = filepath.Join(dir, PoolDir)
	} else {
		roots = []*hostRec{m.Hosts[0]}
		lay.Pool = filepath.Join(dir, stateDir)
	}
	if err := os.MkdirAll(lay.Pool, 0o755); err != nil {
		return nil, fmt.Errorf("sim init: %w", err)
	}
	for _, h := range roots {
		root := dir
		if opts.AllDom0s {
			root = filepath.Join(dir, h.NameLabel)
		}
		rel, err := filepath.Rel(lay.Pool, root)
		if err != nil {
			return nil, fmt.Errorf("sim init: %w", err)
		}
		h.Dom0.Root = rel
		m.local = h.UUID
		if err := layDom0(root, lay.Pool, m, bin); err != nil {
			return nil, fmt.Errorf("sim init: %w", err)
		}
		lay.Roots = append(lay.Roots, RootInfo{Host: h.NameLabel, Dir: root})
	}
	m.local = m.Hosts[0].UUID
	if err := os.WriteFile(filepath.Join(lay.Pool, callsFile), nil, 0o644); err != nil {
		return nil, fmt.Errorf("sim init: %w", err)
	}
	s := &store{root: lay.Roots[0].Dir, pool: lay.Pool, st: st}
	if err := s.save(); err != nil {
		return nil, fmt.Errorf("sim init: %w", err)
	}
	return lay, nil
}

// layDom0 writes the files of the dom0 of the local host of m under root.
func layDom0(root, pool string, m *model, bin string) error {
	rel := releases[m.Release]
	local := m.localHost()
	poolRel, err := filepath.Rel(root, pool)
	if err != nil {
		return err
	}
	link, err := json.MarshalIndent(dom0Link{Host: local.UUID, Name: local.NameLabel, Pool: poolRel}, "", "  ")
	if err != nil {
		return err
	}
	files := []struct{ name, data string }{
		{dom0File, string(link) + "\n"},
		{"etc/xensource/network.conf", "openvswitch\n"},
		{"etc/modprobe.d/blacklist-bridge.conf", "install bridge /bin/true\n"},
		{"etc/xensource-inventory", inventory(m, rel)},
		{"etc/hostname", local.Hostname + "\n"},
		{"proc/sys/kernel/hostname", local.Hostname + "\n"},
		{bootIDFile, local.Dom0.BootID + "\n"},
		{"etc/sysconfig/network-scripts/ifcfg-lo", ifcfgLo},
	}
	for _, d := range []string{stateDir, "proc/net/bonding", wantsDir, "bin"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return err
		}
	}
	for _, f := range files {
		p := filepath.Join(root, f.name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(f.data), 0o644); err != nil {
			return err
		}
	}
	for _, prog := range Programs() {
		if prog == switchProg && !rel.HasSwitch {
			continue
		}
		if err := os.Symlink(bin, filepath.Join(root, "bin", prog)); err != nil {
			return err
		}
	}
	return nil
}

func checkEmptyDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return err
	}
	if len(ents) > 0 {
		return fmt.Errorf("%s is not empty: give a new or empty directory", dir)
	}
	return nil
}

const ifcfgLo = `DEVICE=lo
IPADDR=127.0.0.1
NETMASK=255.0.0.0
NETWORK=127.0.0.0
BROADCAST=127.255.255.255
ONBOOT=yes
NAME=loopback
`

// Guests of the initial pool: name, host index, running.
var initialGuests = []struct {
	name    string
	host    int
	running bool
}{
	{"web01", 0, true},
	{"db01", 0, true},
	{"build01", 0, false},
	{"app02", 1, true},
}

// newModel builds the pool a fresh host starts with: hosts with their
// NICs, eth0 the management interface, eth1 unplugged, no xapi bonds,
// the guests of initialGuests.
func newModel(opts InitOptions, rel release) model {
	m := model{Seed: opts.Seed, Release: rel.Name, XapiDelay: opts.XapiDelay, BootMode: opts.Boot, Filers: opts.Filers}
	m.Pool = poolRec{UUID: m.newUUID()}
	nNICs := opts.NICs
	for i := range nNICs {
		m.Networks = append(m.Networks, &netRec{
			UUID:      m.newUUID(),
			NameLabel: fmt.Sprintf("Pool-wide network associated with eth%d", i),
			Bridge:    fmt.Sprintf("xenbr%d", i),
			MTU:       1500,
			Managed:   true,
		})
	}
	for hi := range opts.Hosts {
		name := fmt.Sprintf("xen%02d", hi+1)
		h := &hostRec{
			UUID:            m.newUUID(),
			NameLabel:       name,
			NameDescription: "Default install",
			Hostname:        name,
			Address:         fmt.Sprintf("192.168.10.%d", 11+hi),
			Enabled:         true,
			SoftwareVersion: rel.softwareVersion("openvswitch"),
		}
		for i := range nNICs {
			h.NICs = append(h.NICs, &nic{
				Device: fmt.Sprintf("eth%d", i), MAC: m.newMAC(), Carrier: true,
				Speed: 1000, Duplex: "full", PCI: fmt.Sprintf("0000:%02x:00.%d", 4+i/2, i%2),
			})
		}
		m.Hosts = append(m.Hosts, h)
		for i, n := range h.NICs {
			p := newPhysicalPIF(&m, h, n, m.Networks[i])
			if i == 0 {
				p.Management = true
				p.IPMode = "Static"
				p.IP = h.Address
				p.Netmask = "255.255.255.0"
				p.Gateway = "192.168.10.1"
				p.DNS = "192.168.10.2"
			}
			p.Attached = i != 1
			m.PIFs = append(m.PIFs, p)
		}
		m.VMs = append(m.VMs, &vmRec{
			UUID:            m.newUUID(),
			NameLabel:       "Control domain on host: " + name,
			IsControlDomain: true,
			PowerState:      "running",
			ResidentOn:      h.UUID,
			VCPUs:           4,
			Memory:          4 << 30,
		})
	}
	m.Pool.Master = m.Hosts[0].UUID
	if opts.Member {
		m.Pool.Master = m.Hosts[1].UUID
	}
	domid := 1
	for _, g := range initialGuests {
		v := &vmRec{UUID: m.newUUID(), NameLabel: g.name, PowerState: "halted", DomID: -1, VCPUs: 2, Memory: 2 << 30}
		if g.running {
			v.PowerState = "running"
			v.ResidentOn = m.Hosts[min(g.host, len(m.Hosts)-1)].UUID
			v.DomID = domid
			domid++
		}
		m.VMs = append(m.VMs, v)
	}
	for i, h := range m.Hosts {
		h.Dom0.BootCount = 1
		h.Dom0.BootID = hostBootID(m.Seed, i, 1)
		h.Dom0.AutoEnable = true
		h.Dom0.Kernel = m.runningKernel(h)
	}
	return m
}

func newPhysicalPIF(m *model, h *hostRec, n *nic, net *netRec) *pifRec {
	return &pifRec{
		UUID:           m.newUUID(),
		Device:         n.Device,
		MAC:            n.MAC,
		Physical:       true,
		Managed:        true,
		MTU:            1500,
		VLAN:           -1,
		Network:        net.UUID,
		Host:           h.UUID,
		IPMode:         "None",
		IPv6Mode:       "None",
		PrimaryAddress: "IPv4",
		Properties:     []kv{{"gro", "on"}},
		Capabilities:   sriovCapability(n),
		IGMPSnooping:   "disabled",
	}
}

func sriovCapability(n *nic) []string {
	if n.SRIOV {
		return []string{"sriov"}
	}
	return nil
}

// inventory renders etc/xensource-inventory.
func inventory(m *model, rel release) string {
	local := m.localHost()
	var dom0 string
	for _, v := range m.VMs {
		if v.IsControlDomain && v.ResidentOn == local.UUID {
			dom0 = v.UUID
		}
	}
	lines := [][2]string{
		{"PRIMARY_DISK", "/dev/disk/by-id/scsi-SATA_ST1000NM0033-9ZM_Z1W0A1B2"},
		{"PRODUCT_VERSION", rel.ProductVersion},
		{"PRODUCT_VERSION_TEXT", rel.VersionShort},
		{"PRODUCT_VERSION_TEXT_SHORT", rel.VersionShort},
		{"PLATFORM_NAME", rel.PlatformName},
		{"PLATFORM_VERSION", rel.PlatformVersion},
		{"PRODUCT_BRAND", rel.Brand},
		{"PRODUCT_NAME", "xenenterprise"},
		{"BUILD_NUMBER", rel.BuildNumber},
		{"KERNEL_VERSION", rel.Linux},
		{"XEN_VERSION", rel.Xen},
		{"INSTALLATION_DATE", "2024-01-01 00:00:00.000000"},
		{"INSTALLATION_UUID", local.UUID},
		{"CONTROL_DOMAIN_UUID", dom0},
		{"DOM0_MEM", "4096"},
		{"DOM0_VCPUS", "4"},
		{"MANAGEMENT_INTERFACE", "xenbr0"},
		{"MANAGEMENT_ADDRESS_TYPE", "IPv4"},
	}
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%s='%s'\n", l[0], l[1])
	}
	return b.String()
}
