package sim

import (
	"slices"

	"github.com/runbook-dev/runbook/internal/netmask"
)

// The links of a host's kernel: its NICs, the bridges xcp-networkd makes
// for plugged PIFs (and ovs-system on the Open vSwitch backend), and the
// bonding driver's bonds (kernel.go). Interface indexes are handed out in
// creation order after lo (1), as the kernel does.

const loIndex = 1

// freshKernel is the kernel of a host right after it boots: every NIC
// with its permanent MAC, down, and nothing else.
func freshKernel(h *hostRec) kernel {
	k := kernel{NextIndex: loIndex + 1}
	for _, n := range h.NICs {
		k.addLink(n.Device, linkNIC, n.MAC)
	}
	return k
}

func (k *kernel) addLink(dev, kind, mac string) *klink {
	l := &klink{Device: dev, Kind: kind, Index: k.NextIndex, MAC: mac, MTU: 1500}
	k.NextIndex++
	k.Links = append(k.Links, l)
	return l
}

func (k *kernel) removeLink(dev string) {
	k.Links = slices.DeleteFunc(k.Links, func(l *klink) bool { return l.Device == dev })
	k.flushAddrs(dev)
}

// flushAddrs removes the addresses of a device, and the default and
// static routes through it, as `ip addr flush` does.
func (k *kernel) flushAddrs(dev string) {
	k.Addrs = slices.DeleteFunc(k.Addrs, func(a kaddr) bool { return a.Device == dev })
	k.Routes = slices.DeleteFunc(k.Routes, func(r kstatic) bool { return r.Device == dev })
	if k.DefaultRoute.Device == dev {
		k.DefaultRoute = kroute{}
	}
}

// runningKernel is the kernel of a host whose PIFs are as the pool
// database says: a bridge for every plugged PIF, with its address, and
// the default route of the management interface.
func (m *model) runningKernel(h *hostRec) kernel {
	k := freshKernel(h)
	if m.backend(h) == "openvswitch" {
		k.addLink(linkOVS, linkOVS, m.derivedMAC("ovs", h, h.Dom0.BootCount))
	}
	h.Dom0.Kernel = k
	for _, p := range m.PIFs {
		if p.Host == h.UUID && p.Attached {
			m.syncLocalAddr(p)
		}
	}
	return h.Dom0.Kernel
}

// backend is the network backend the host runs.
func (m *model) backend(h *hostRec) string {
	if v, ok := mapGet(h.SoftwareVersion, "network_backend"); ok && v != "" {
		return v
	}
	return "openvswitch"
}

// syncLocalAddr mirrors a PIF into the kernel of its host: a plugged PIF
// has its bridge, its NIC up in it and its address on the bridge (and the
// default route, for the management interface); an unplugged or
// forgotten one has none of these, as networkd destroys the bridge.
func (m *model) syncLocalAddr(p *pifRec) {
	h := m.host(p.Host)
	n := m.network(p.Network)
	if h == nil || n == nil {
		return
	}
	k := &h.Dom0.Kernel
	attached := p.Attached && m.pif(p.UUID) != nil
	br := k.link(n.Bridge)
	if !attached {
		if br != nil {
			k.removeLink(n.Bridge)
		}
		if l := k.link(p.Device); l != nil && p.Physical && k.masterOf(p.Device) == nil {
			l.Up = false
		}
		return
	}
	if br == nil {
		mac := p.MAC
		br = k.addLink(n.Bridge, linkBridge, mac)
	}
	br.Up = true
	br.MTU = n.MTU
	for _, dev := range m.pifPorts(p) {
		if l := k.link(dev); l != nil {
			l.Up = true
			l.MTU = n.MTU
		}
	}
	k.Addrs = slices.DeleteFunc(k.Addrs, func(a kaddr) bool { return a.Device == n.Bridge })
	if p.IP != "" && validIPv4(p.IP) && validIPv4(p.Netmask) {
		k.Addrs = append(k.Addrs, kaddr{Device: n.Bridge, Address: p.IP, Netmask: p.Netmask})
		if p.Management && p.Gateway != "" {
			k.DefaultRoute = kroute{Gateway: p.Gateway, Device: n.Bridge}
		}
	}
	k.syncStaticRoutes(n)
}

// pifPorts are the NICs under a PIF: its own device, or the members of
// the bond it is the master of.
func (m *model) pifPorts(p *pifRec) []string {
	if p.Physical {
		return []string{p.Device}
	}
	var out []string
	for _, b := range m.bondMasterOf(p.UUID) {
		for _, s := range m.bondSlaves(b) {
			out = append(out, s.Device)
		}
	}
	return out
}

// carrier reports whether a link of the host has carrier: a NIC with its
// cable in and up, a bond with an active slave, a bridge with a port
// that has carrier.
func (m *model) carrier(h *hostRec, dev string) bool {
	k := &h.Dom0.Kernel
	if b := k.bond(dev); b != nil {
		return b.carrier()
	}
	l := k.link(dev)
	if l == nil || !l.Up {
		return false
	}
	switch l.Kind {
	case linkNIC:
		n := h.nic(dev)
		return n != nil && n.Carrier
	case linkBridge:
		for _, p := range m.PIFs {
			if p.Host != h.UUID || !p.Attached {
				continue
			}
			if net := m.network(p.Network); net == nil || net.Bridge != dev {
				continue
			}
			for _, port := range m.pifPorts(p) {
				if m.carrier(h, port) {
					return true
				}
			}
		}
	}
	return false
}

// linkUp reports the administrative state of a link or bond.
func (k *kernel) linkUp(dev string) bool {
	if b := k.bond(dev); b != nil {
		return b.Up
	}
	l := k.link(dev)
	return l != nil && l.Up
}

// linkMTU is the MTU of a link or bond.
func (k *kernel) linkMTU(dev string) int {
	if b := k.bond(dev); b != nil {
		return b.MTU
	}
	if l := k.link(dev); l != nil {
		return l.MTU
	}
	return 0
}

// prefixLen is the length of a dotted netmask, -1 when it is not one.
func prefixLen(mask string) int {
	n, err := netmask.Bits(mask)
	if err != nil {
		return -1
	}
	return n
}
