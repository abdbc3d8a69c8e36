package sim

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The bonding driver of the local host's kernel: a XenServer 4.19 kernel
// with the balance-slb patch (bond_procfs.c and the
// bonding-balance-slb patch).

// Bonding modes by number, with the option name and the text of the
// "Bonding Mode:" line.
var bondModes = []struct{ name, text string }{
	{"balance-rr", "load balancing (round-robin)"},
	{"active-backup", "fault-tolerance (active-backup)"},
	{"balance-xor", "load balancing (xor)"},
	{"broadcast", "fault-tolerance (broadcast)"},
	{"802.3ad", "IEEE 802.3ad Dynamic link aggregation"},
	{"balance-tlb", "transmit load balancing"},
	{"balance-alb", "adaptive load balancing"},
	{"balance-slb", "source load balancing"},
}

const (
	modeActiveBackup = 1
	mode8023AD       = 4
	modeTLB          = 5
	modeALB          = 6
	modeSLB          = 7
	// Module defaults on XenServer kernels: the SLB patch makes
	// balance-slb the default mode.
	defaultMode   = modeSLB
	defaultMIIMon = 100
)

var xmitHashPolicies = []string{"layer2", "layer3+4", "layer2+3", "encap2+3", "encap3+4"}

// parseChoice accepts a number or a name from a table.
func parseChoice(v string, names []string) (int, bool) {
	if n, err := strconv.Atoi(v); err == nil {
		return n, n >= 0 && n < len(names)
	}
	i := slices.Index(names, v)
	return i, i >= 0
}

func modeNames() []string {
	names := make([]string, len(bondModes))
	for i, m := range bondModes {
		names[i] = m.name
	}
	return names
}

// usesPrimary reports whether a mode has an active slave (and prints the
// Primary and Currently Active lines).
func usesPrimary(mode int) bool {
	return mode == modeActiveBackup || mode == modeTLB || mode == modeALB || mode == modeSLB
}

func usesXmitHash(mode int) bool { return mode == 2 || mode == mode8023AD || mode == modeTLB }

// newBond creates a bond with the module defaults and a random MAC,
// which its first slave's replaces.
func (k *kernel) newBond(name, mac string) *kbond {
	if k.NextIndex == 0 {
		k.NextIndex = loIndex + 1
	}
	b := &kbond{Name: name, Index: k.NextIndex, MTU: 1500, Mode: defaultMode, MIIMon: defaultMIIMon, LACPRate: "slow", XmitHash: "layer2", MAC: mac, RandomMAC: true}
	k.NextIndex++
	k.Bonds = append(k.Bonds, b)
	return b
}

// knownBondOption reports whether /sys/class/net/<bond>/bonding/ has a
// file for the option (4.19).
func knownBondOption(key string) bool {
	switch key {
	case "mode", "miimon", "updelay", "downdelay", "lacp_rate", "xmit_hash_policy", "primary", "primary_reselect",
		"arp_interval", "arp_ip_target", "arp_validate", "arp_all_targets", "fail_over_mac", "use_carrier",
		"ad_select", "min_links", "num_grat_arp", "num_unsol_na", "all_slaves_active", "resend_igmp",
		"packets_per_slave", "lp_interval", "tlb_dynamic_lb", "peer_notif_delay", "ad_actor_sys_prio",
		"ad_actor_system", "ad_user_port_key", "active_slave", "queue_id":
		return true
	}
	return false
}

// setOption sets one bonding option through sysfs. A bad value leaves
// the option as it was and returns the kernel's message.
func (b *kbond) setOption(key, v string) (msg string) {
	bad := fmt.Sprintf("%s: option %s: invalid value (%s)", b.Name, key, v)
	num := func() (int, bool) {
		n, err := strconv.Atoi(v)
		return n, err == nil && n >= 0
	}
	// Delays are kept as multiples of miimon, rounded down, and need
	// miimon.
	delay := func(n int) int {
		if b.MIIMon == 0 {
			return 0
		}
		return n / b.MIIMon * b.MIIMon
	}
	switch key {
	case "mode":
		m, ok := parseChoice(v, modeNames())
		if !ok {
			return bad
		}
		b.Mode = m
	case "miimon":
		n, ok := num()
		if !ok {
			return bad
		}
		b.MIIMon = n
		b.UpDelay, b.DownDelay = delay(b.UpDelay), delay(b.DownDelay)
	case "updelay", "downdelay":
		n, ok := num()
		if !ok {
			return bad
		}
		if key == "updelay" {
			b.UpDelay = delay(n)
		} else {
			b.DownDelay = delay(n)
		}
	case "lacp_rate":
		r, ok := parseChoice(v, []string{"slow", "fast"})
		if !ok {
			return bad
		}
		b.LACPRate = []string{"slow", "fast"}[r]
	case "xmit_hash_policy":
		p, ok := parseChoice(v, xmitHashPolicies)
		if !ok {
			return bad
		}
		b.XmitHash = xmitHashPolicies[p]
	}
	return ""
}

// enslave adds a NIC to a bond. In every mode but balance-tlb and
// balance-alb the NIC takes the bond's MAC, which is the MAC of the first
// slave.
func (k *kernel) enslave(b *kbond, n *nic) {
	l := k.link(n.Device)
	if b.RandomMAC {
		b.MAC = l.MAC
		b.RandomMAC = false
	}
	if b.Mode != modeTLB && b.Mode != modeALB {
		l.MAC = b.MAC
	}
	// The slave takes the bond's MTU and is opened.
	l.MTU = b.MTU
	l.Up = true
	b.Slaves = append(b.Slaves, &kslave{Device: n.Device, PermMAC: n.MAC, Up: n.Carrier})
	b.reselect()
}

// reselect keeps the active slave up: the current one while it is up,
// else the first slave that is.
func (b *kbond) reselect() {
	if !usesPrimary(b.Mode) {
		b.Active = ""
		return
	}
	if s := b.slave(b.Active); s != nil && s.Up {
		return
	}
	b.Active = ""
	for _, s := range b.Slaves {
		if s.Up {
			b.Active = s.Device
			return
		}
	}
}

// carrier is the bond's MII status.
func (b *kbond) carrier() bool {
	if !b.Up {
		return false
	}
	if usesPrimary(b.Mode) {
		return b.Active != ""
	}
	return slices.ContainsFunc(b.Slaves, func(s *kslave) bool { return s.Up })
}

// release takes a slave out of its bond: it gets its permanent MAC back,
// and a bond left with no slaves gets a random MAC.
func (k *kernel) release(b *kbond, dev string, randomMAC string) {
	s := b.slave(dev)
	if s == nil {
		return
	}
	if l := k.link(dev); l != nil {
		l.MAC = s.PermMAC
	}
	b.Slaves = slices.DeleteFunc(b.Slaves, func(x *kslave) bool { return x == s })
	if len(b.Slaves) == 0 {
		b.MAC, b.RandomMAC = randomMAC, true
	}
	b.reselect()
}

// setCarrier changes the carrier of a NIC of a host. The bonds it is in
// notice only when they monitor links (miimon > 0).
func (m *model) setCarrier(h *hostRec, n *nic, up bool) {
	if n.Carrier == up {
		return
	}
	n.Carrier = up
	for _, b := range h.Dom0.Kernel.Bonds {
		s := b.slave(n.Device)
		if s == nil || b.MIIMon == 0 {
			continue
		}
		s.Up = up
		if !up {
			s.LinkFailures++
		}
		b.reselect()
	}
}

// procBonding renders /proc/net/bonding/<bond> as the 4.19 XenServer
// kernel does.
func procBonding(b *kbond, h *hostRec) string {
	var w strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&w, format+"\n", args...) }
	updown := func(up bool) string {
		if up {
			return "up"
		}
		return "down"
	}
	line("Ethernet Channel Bonding Driver: v3.7.1 (April 27, 2011)")
	line("")
	line("Bonding Mode: %s", bondModes[b.Mode].text)
	if usesXmitHash(b.Mode) {
		line("Transmit Hash Policy: %s (%d)", b.XmitHash, slices.Index(xmitHashPolicies, b.XmitHash))
	}
	if usesPrimary(b.Mode) {
		line("Primary Slave: None")
		line("Currently Active Slave: %s", orNone(b.Active))
	}
	line("MII Status: %s", updown(b.carrier()))
	line("MII Polling Interval (ms): %d", b.MIIMon)
	line("Up Delay (ms): %d", b.UpDelay)
	line("Down Delay (ms): %d", b.DownDelay)
	if b.Mode == mode8023AD {
		up := 0
		for _, s := range b.Slaves {
			if s.Up {
				up++
			}
		}
		line("")
		line("802.3ad info")
		line("LACP rate: %s", b.LACPRate)
		line("Min links: 0")
		line("Aggregator selection policy (ad_select): stable")
		line("System priority: 65535")
		line("System MAC address: %s", b.MAC)
		if up == 0 {
			line("bond %s has no active aggregator", b.Name)
		} else {
			line("Active Aggregator Info:")
			line("\tAggregator ID: 1")
			line("\tNumber of ports: %d", up)
			line("\tActor Key: 9")
			line("\tPartner Key: 1")
			line("\tPartner Mac Address: 00:00:00:00:00:00")
		}
	}
	if b.Mode == modeSLB {
		line("")
		line("Source load balancing info:")
	}
	for _, s := range b.Slaves {
		speed, duplex := "Unknown", "Unknown"
		if n := h.nic(s.Device); n != nil && n.Carrier {
			speed, duplex = fmt.Sprintf("%d Mbps", n.Speed), n.Duplex
		}
		promisc, flags := 0, 0x1803
		if b.Mode == modeSLB {
			promisc, flags = 1, 0x1903
		}
		line("")
		line("Slave Interface: %s", s.Device)
		line("MII Status: %s", updown(s.Up))
		line("Speed: %s", speed)
		line("Duplex: %s", duplex)
		line("Link Failure Count: %d", s.LinkFailures)
		line("Permanent HW addr: %s", s.PermMAC)
		line("Slave queue ID: 0")
		line("Promiscuity ref count: %d", promisc)
		line("Flags: 0x%04X", flags)
		if b.Mode == mode8023AD {
			line("Aggregator ID: 1")
			line("Actor Churn State: none")
			line("Partner Churn State: none")
			line("Actor Churned Count: 0")
			line("Partner Churned Count: 0")
		}
	}
	return w.String()
}

func orNone(s string) string {
	if s == "" {
		return "None"
	}
	return s
}

// syncProc makes ROOT/proc/net/bonding match the kernel: one file per
// bond, no file for a bond that is gone.
func (p *proc) syncProc() error {
	dir := p.s.hostFile("proc/net/bonding")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	k := p.k()
	for _, e := range ents {
		if k.bond(e.Name()) == nil {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	h := p.m.localHost()
	for _, b := range k.Bonds {
		if err := writeAtomic(filepath.Join(dir, b.Name), []byte(procBonding(b, h)), 0o444); err != nil {
			return err
		}
	}
	return nil
}
