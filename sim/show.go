package sim

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

func (c *simCLI) show(args []string) int {
	fs := c.flags("show")
	root := c.rootFlag(fs)
	if code, done := c.parse("show", fs, args); done {
		return code
	}
	if fs.NArg() != 0 {
		return c.usageErr("show", "unexpected arguments %q", strings.Join(fs.Args(), " "))
	}
	s, code := c.open("show", root())
	if s == nil {
		return code
	}
	defer s.close()
	conf, _ := s.readHostFile(networkConf)
	showModel(c.stdout, &s.st, strings.TrimSpace(string(conf)))
	return 0
}

// showModel writes the human summary of `sim show`.
func showModel(out io.Writer, st *state, conf string) {
	m := &st.Model
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	defer w.Flush()
	hostName := func(uuid string) string {
		if h := m.host(uuid); h != nil {
			return h.NameLabel
		}
		return "-"
	}
	rel := releases[m.Release]
	local := m.localHost()
	fmt.Fprintf(w, "pool %s (%s %s), master %s, boot %s\n", m.Pool.UUID, rel.Brand, rel.ProductVersion, hostName(m.Pool.Master), m.BootMode)
	if len(m.Filers) > 0 {
		fmt.Fprintf(w, "filers %s\n", strings.Join(m.Filers, ", "))
	}
	fmt.Fprintf(w, "  %s\n", protectionLine(m))
	for _, h := range m.Hosts {
		state := "enabled"
		if !h.Enabled {
			state = "disabled"
		}
		if !h.Dom0.AutoEnable {
			state += " (auto-enable=false)"
		}
		live := "live"
		switch {
		case h.Dom0.RebootPending:
			live = "not live (reboot pending)"
		case h.Dom0.Booting:
			live = "live (booting)"
		}
		backend, _ := mapGet(h.SoftwareVersion, "network_backend")
		fmt.Fprintf(w, "\nhost %s\t%s\t%s\t%s\taddress %s\tbackend %s\t%s\n", h.NameLabel, h.UUID, state, live, h.Address, backend, memoryLine(m, h))
		for _, p := range m.PIFs {
			if p.Host != h.UUID {
				continue
			}
			ip := "-"
			if p.IP != "" {
				ip = p.IP + "/" + p.Netmask
			}
			var flags []string
			if p.Management {
				flags = append(flags, "management")
			}
			if p.Attached {
				flags = append(flags, "attached")
			} else {
				flags = append(flags, "detached")
			}
			if p.BondSlaveOf != "" {
				flags = append(flags, "bond member")
			}
			if p.DisallowUnplug {
				flags = append(flags, "disallow-unplug")
			}
			if !p.Managed {
				flags = append(flags, "unmanaged")
			}
			flags = append(flags, derivedFlags(m, p)...)
			fmt.Fprintf(w, "  %s\t%s\t%s %s\t%s\t%s\n", p.Device, p.MAC, p.IPMode, ip, strings.Join(flags, ", "), p.UUID)
		}
	}
	fmt.Fprintf(w, "\nnetworks\n")
	for _, n := range m.Networks {
		fmt.Fprintf(w, "  %s\t%s\t%s\n", n.Bridge, n.NameLabel, n.UUID)
	}
	fmt.Fprintf(w, "\nxapi bonds\n")
	if len(m.Bonds) == 0 {
		fmt.Fprintf(w, "  none\n")
	}
	for _, b := range m.Bonds {
		var slaves []string
		for _, s := range m.bondSlaves(b.UUID) {
			slaves = append(slaves, s.Device)
		}
		master := m.pif(b.Master)
		dev, host := "-", "-"
		if master != nil {
			dev, host = master.Device, hostName(master.Host)
		}
		fmt.Fprintf(w, "  %s on %s\t%s\tslaves %s\t%s\n", dev, host, b.Mode, strings.Join(slaves, ", "), b.UUID)
	}
	fmt.Fprintf(w, "\nVMs\n")
	for _, v := range m.VMs {
		where := ""
		if v.ResidentOn != "" {
			where = "on " + hostName(v.ResidentOn)
		}
		fmt.Fprintf(w, "  %s\t%s\t%s\t%s\n", v.NameLabel, v.PowerState, where, v.UUID)
	}
	showVIFs(w, m)
	showVLANs(w, m)
	w.Flush()

	k := &local.Dom0.Kernel
	fmt.Fprintf(w, "\nlocal kernel of %s: boot %d, boot id %s\n", local.NameLabel, local.Dom0.BootCount, local.Dom0.BootID)
	running, _ := mapGet(local.SoftwareVersion, "network_backend")
	fmt.Fprintf(w, "  network backend: running %s, network.conf %q\n", running, conf)
	for _, l := range k.Links {
		carrier := "no carrier"
		if n := local.nic(l.Device); n != nil && n.Carrier {
			carrier = "carrier"
		}
		if l.Kind != linkNIC {
			carrier = l.Kind
		}
		role := ""
		if b := k.masterOf(l.Device); b != nil {
			role = "slave of " + b.Name
		}
		up := "down"
		if l.Up {
			up = "up"
		}
		fmt.Fprintf(w, "  %s\t%s\t%s\t%s mtu %d\t%s\n", l.Device, l.MAC, carrier, up, l.MTU, role)
	}
	for _, b := range k.Bonds {
		var slaves []string
		for _, s := range b.Slaves {
			st := "down"
			if s.Up {
				st = "up"
			}
			slaves = append(slaves, fmt.Sprintf("%s (%s, %d failures)", s.Device, st, s.LinkFailures))
		}
		state := "down"
		if b.Up {
			state = "up"
		}
		fmt.Fprintf(w, "  bond %s\t%s\tmiimon %d\t%s mtu %d, active %s\tslaves %s\n", b.Name, bondModes[b.Mode].name, b.MIIMon, state, b.MTU, orNone(b.Active), strings.Join(slaves, ", "))
	}
	for _, a := range k.Addrs {
		fmt.Fprintf(w, "  address %s/%s on %s\n", a.Address, a.Netmask, a.Device)
	}
	if k.DefaultRoute.Gateway != "" {
		fmt.Fprintf(w, "  default route via %s dev %s\n", k.DefaultRoute.Gateway, k.DefaultRoute.Device)
	}
	xapi := "answering"
	switch n := st.Book.xapiDown(local.UUID); {
	case local.Dom0.RebootPending:
		xapi = "stopped (the host is going down)"
	case n > 0:
		xapi = fmt.Sprintf("starting (the next %d xe calls fail)", n)
	}
	fmt.Fprintf(w, "  xapi: %s\n", xapi)
	fmt.Fprintf(w, "\nboot log of %s\n", local.NameLabel)
	if len(local.Dom0.Boots) == 0 {
		fmt.Fprintf(w, "  no boot since init\n")
	}
	for _, b := range local.Dom0.Boots {
		note := ""
		if b.RebootAsked {
			note = ", a unit asked for a reboot"
		}
		fmt.Fprintf(w, "  boot %d (%s)%s\n", b.Boot, b.Kind, note)
		for _, u := range b.Units {
			fmt.Fprintf(w, "    %s\t%s\tstatus %d\n", u.Unit, u.Result, u.Status)
		}
	}
	fmt.Fprintf(w, "\n%d program calls so far, %d faults armed\n", st.Book.Calls, len(st.Book.Faults))
	for _, f := range st.Book.Faults {
		fmt.Fprintf(w, "  %s at %s\n", f.Kind, f.target())
	}
}
