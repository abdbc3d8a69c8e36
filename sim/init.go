package sim

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// InitOptions configures a new simulated host.
type InitOptions struct {
	// Seed selects the UUIDs, MACs and boot ids; the same seed gives the
	// same host.
	Seed int64
	// Release is the dom0 release to imitate: "8.3" (the default), "8.2",
	// "7.6" or "9".
	Release string
	// Binary is the absolute path of the multi-call binary linked as
	// DIR/bin/<program>; empty means os.Executable().
	Binary string
	// XapiDelay is how many xe calls fail after each reboot while xapi
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
}

const (
	// DefaultXapiDelay is the number of xe calls that fail after a
	// reboot unless InitOptions says otherwise.
	DefaultXapiDelay = 2
	// NoXapiDelay in InitOptions.XapiDelay makes xapi answer at once
	// after a reboot.
	NoXapiDelay = -1
)

// Init creates a fresh simulated host in dir, which must be missing or
// empty: the state under dir/var/lib/xsim, the host files a dom0 has, and
// dir/bin/<program> links to the binary for every simulated program.
func Init(dir string, opts InitOptions) error {
	if opts.Release == "" {
		opts.Release = "8.3"
	}
	rel, err := lookupRelease(opts.Release)
	if err != nil {
		return fmt.Errorf("sim init: %w", err)
	}
	switch {
	case opts.XapiDelay == 0:
		opts.XapiDelay = DefaultXapiDelay
	case opts.XapiDelay < 0:
		opts.XapiDelay = 0
	}
	bin := opts.Binary
	if bin == "" {
		if bin, err = os.Executable(); err != nil {
			return fmt.Errorf("sim init: find the binary to link: %w", err)
		}
	}
	if !filepath.IsAbs(bin) {
		return fmt.Errorf("sim init: binary: got %q, want an absolute path", bin)
	}
	st := state{Model: newModel(opts.Seed, rel, opts.XapiDelay)}
	m := &st.Model
	if err := setUpGuests(m, opts); err != nil {
		return err
	}
	if err := checkEmptyDir(dir); err != nil {
		return fmt.Errorf("sim init: %w", err)
	}
	local := m.localHost()
	files := []struct{ name, data string }{
		{"etc/xensource/network.conf", "openvswitch\n"},
		{"etc/modprobe.d/blacklist-bridge.conf", "install bridge /bin/true\n"},
		{"etc/xensource-inventory", inventory(m, rel)},
		{"etc/hostname", local.Hostname + "\n"},
		{"proc/sys/kernel/hostname", local.Hostname + "\n"},
		{"proc/sys/kernel/random/boot_id", m.BootID + "\n"},
		{"etc/sysconfig/network-scripts/ifcfg-lo", ifcfgLo},
	}
	for _, d := range []string{stateDir, "proc/net/bonding", "etc/systemd/system/multi-user.target.wants", "bin"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return fmt.Errorf("sim init: %w", err)
		}
	}
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("sim init: %w", err)
		}
		if err := os.WriteFile(p, []byte(f.data), 0o644); err != nil {
			return fmt.Errorf("sim init: %w", err)
		}
	}
	for _, prog := range Programs() {
		if prog == switchProg && !rel.HasSwitch {
			continue
		}
		if err := os.Symlink(bin, filepath.Join(dir, "bin", prog)); err != nil {
			return fmt.Errorf("sim init: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, callsFile), nil, 0o644); err != nil {
		return fmt.Errorf("sim init: %w", err)
	}
	s := &store{root: dir, st: st}
	if err := s.save(); err != nil {
		return fmt.Errorf("sim init: %w", err)
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

// newModel builds the pool a fresh host starts with: three hosts with four
// NICs each, eth0 the management interface, no xapi bonds.
func newModel(seed int64, rel release, xapiDelay int) model {
	m := model{Seed: seed, Release: rel.Name, XapiDelay: xapiDelay, BootCount: 1}
	m.BootID = bootID(seed, m.BootCount)
	m.Pool = poolRec{UUID: m.newUUID()}
	const nNICs = 4
	for i := range nNICs {
		m.Networks = append(m.Networks, &netRec{
			UUID:      m.newUUID(),
			NameLabel: fmt.Sprintf("Pool-wide network associated with eth%d", i),
			Bridge:    fmt.Sprintf("xenbr%d", i),
			MTU:       1500,
			Managed:   true,
		})
	}
	for hi := range 3 {
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
	domid := 1
	for _, g := range initialGuests {
		v := &vmRec{UUID: m.newUUID(), NameLabel: g.name, PowerState: "halted", DomID: -1, VCPUs: 2, Memory: 2 << 30}
		if g.running {
			v.PowerState = "running"
			v.ResidentOn = m.Hosts[g.host].UUID
			v.DomID = domid
			domid++
		}
		m.VMs = append(m.VMs, v)
	}
	m.Kernel = bootKernel(&m)
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

// bootKernel is the kernel state right after a boot: every NIC with its
// permanent MAC, no bonds, and the default route of the management
// interface.
func bootKernel(m *model) kernel {
	var k kernel
	h := m.localHost()
	for _, n := range h.NICs {
		k.Links = append(k.Links, &klink{Device: n.Device, MAC: n.MAC, Up: true})
	}
	for _, p := range m.PIFs {
		if p.Host == h.UUID && p.Management {
			if net := m.network(p.Network); net != nil && p.IP != "" {
				k.Addrs = append(k.Addrs, kaddr{Device: net.Bridge, Address: p.IP, Netmask: p.Netmask})
				if p.Gateway != "" {
					k.DefaultRoute = kroute{Gateway: p.Gateway, Device: net.Bridge}
				}
			}
		}
	}
	return k
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
