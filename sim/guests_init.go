package sim

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The guests' side of a new pool: every guest gets one VIF on the
// management network, InitOptions.VIFs add more, SRIOV marks NICs capable
// of SR-IOV and MemoryFree fills the other hosts.

// setUpGuests applies the guest options to a new model. It reports every
// bad option at once, one per line; Init then writes nothing.
func setUpGuests(m *model, opts InitOptions) error {
	var problems []string
	local := m.localHost()
	for _, dev := range opts.SRIOV {
		if local.nic(dev) == nil {
			problems = append(problems, fmt.Sprintf("--sriov: got %q, want a NIC of the hosts: %s", dev, strings.Join(nicNames(local), ", ")))
			continue
		}
		for _, h := range m.Hosts {
			if n := h.nic(dev); n != nil {
				n.SRIOV = true
				if p := m.hostPIF(h.UUID, dev); p != nil && !containsString(p.Capabilities, "sriov") {
					p.Capabilities = append(p.Capabilities, "sriov")
				}
			}
		}
	}
	for _, h := range m.Hosts {
		h.MemoryTotal, h.MemoryOverhead = h.memoryTotal(), h.memoryOverhead()
	}
	var mgmtNet string
	for _, p := range m.PIFs {
		if p.Host == local.UUID && p.Management {
			mgmtNet = p.Network
		}
	}
	for _, v := range m.VMs {
		if !v.IsControlDomain {
			m.addVIF(v, mgmtNet)
		}
	}
	for _, spec := range opts.VIFs {
		v, n, err := m.parseVIFSpec(spec)
		if err != nil {
			problems = append(problems, "--vif: "+err.Error())
			continue
		}
		m.addVIF(v, n)
	}
	if opts.MemoryFree != nil {
		if *opts.MemoryFree < 0 {
			problems = append(problems, fmt.Sprintf("--memory-free: got %d, want 0 or more MiB", *opts.MemoryFree))
		} else {
			for _, h := range m.Hosts {
				if h == local {
					continue
				}
				used := h.memoryTotal() - m.hostFree(h, nil)
				h.MemoryTotal = used + *opts.MemoryFree<<20
			}
		}
	}
	if problems != nil {
		sort.Strings(problems)
		return &OptionsError{Problems: problems}
	}
	return nil
}

// OptionsError is a bad InitOptions value: nothing was made. Problems has
// one line per bad value, naming the option, the value and what it wants.
type OptionsError struct{ Problems []string }

func (e *OptionsError) Error() string {
	return "sim init: " + strings.Join(e.Problems, "\nsim init: ")
}

func nicNames(h *hostRec) []string {
	var out []string
	for _, n := range h.NICs {
		out = append(out, n.Device)
	}
	return out
}

// parseVIFSpec reads VM:NIC: a guest by name label or uuid, and a NIC
// whose PIF on the guest's host (the local host for a halted guest) gives
// the network; NIC.TAG names the VLAN TAG on NIC.
func (m *model) parseVIFSpec(spec string) (*vmRec, string, error) {
	name, dev, ok := strings.Cut(spec, ":")
	if !ok || name == "" || dev == "" {
		return nil, "", fmt.Errorf("got %q, want VM:NIC, e.g. db01:eth2", spec)
	}
	var guests []string
	var vm *vmRec
	for _, v := range m.VMs {
		if v.IsControlDomain {
			continue
		}
		guests = append(guests, v.NameLabel)
		if v.NameLabel == name || v.UUID == name {
			vm = v
		}
	}
	if vm == nil {
		return nil, "", fmt.Errorf("VM in %q: got %q, want a guest: %s", spec, name, strings.Join(guests, ", "))
	}
	h := m.host(vm.ResidentOn)
	if h == nil {
		h = m.localHost()
	}
	// DEVICE.TAG names a VLAN on DEVICE, as its kernel device is named.
	base, tag := dev, -1
	if b, t, ok := strings.Cut(dev, "."); ok {
		if n, err := strconv.Atoi(t); err == nil {
			base, tag = b, n
		}
	}
	var p *pifRec
	for _, q := range m.PIFs {
		if q.Host == h.UUID && q.Device == base && q.VLAN == tag {
			p = q
		}
	}
	if p == nil {
		var devs []string
		for _, q := range m.PIFs {
			switch {
			case q.Host != h.UUID:
			case q.VLAN >= 0:
				devs = append(devs, fmt.Sprintf("%s.%d", q.Device, q.VLAN))
			default:
				devs = append(devs, q.Device)
			}
		}
		return nil, "", fmt.Errorf("NIC in %q: got %q, want a PIF of %s: %s", spec, dev, h.NameLabel, strings.Join(devs, ", "))
	}
	return vm, p.Network, nil
}

// addVIF gives a guest a VIF on a network with the next free device
// number, plugged when the guest runs, which attaches the network on its
// host as xapi would.
func (m *model) addVIF(v *vmRec, network string) *vifRec {
	dev := 0
	for _, o := range m.vmVIFs(v.UUID) {
		if n, err := strconv.Atoi(o.Device); err == nil && n >= dev {
			dev = n + 1
		}
	}
	mtu := 1500
	if n := m.network(network); n != nil {
		mtu = n.MTU
	}
	vif := &vifRec{UUID: m.newKindUUID("vif"), VM: v.UUID, Device: strconv.Itoa(dev), Network: network,
		MAC: m.newVIFMAC(), MTU: mtu}
	m.VIFs = append(m.VIFs, vif)
	if v.PowerState == "running" {
		if p := m.networkPIFOn(network, v.ResidentOn); p != nil && !p.Attached && p.BondSlaveOf == "" {
			m.bringUp(p)
		}
		vif.Attached = true
	}
	return vif
}
