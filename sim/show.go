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
	fmt.Fprintf(w, "pool %s (%s %s), master %s\n", m.Pool.UUID, rel.Brand, rel.ProductVersion, hostName(m.Pool.Master))
	fmt.Fprintf(w, "  %s\n", protectionLine(m))
	for _, h := range m.Hosts {
		state := "enabled"
		if !h.Enabled {
			state = "disabled"
		}
		backend, _ := mapGet(h.SoftwareVersion, "network_backend")
		fmt.Fprintf(w, "\nhost %s\t%s\t%s\taddress %s\tbackend %s\t%s\n", h.NameLabel, h.UUID, state, h.Address, backend, memoryLine(m, h))
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

	k := &m.Kernel
	fmt.Fprintf(w, "\nlocal kernel of %s: boot %d, boot id %s\n", local.NameLabel, m.BootCount, m.BootID)
	running, _ := mapGet(local.SoftwareVersion, "network_backend")
	fmt.Fprintf(w, "  network backend: running %s, network.conf %q\n", running, conf)
	for _, l := range k.Links {
		carrier := "no carrier"
		if n := local.nic(l.Device); n != nil && n.Carrier {
			carrier = "carrier"
		}
		role := ""
		if b := k.masterOf(l.Device); b != nil {
			role = "slave of " + b.Name
		}
		fmt.Fprintf(w, "  %s\t%s\t%s\t%s\n", l.Device, l.MAC, carrier, role)
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
		fmt.Fprintf(w, "  bond %s\t%s\tmiimon %d\t%s, active %s\tslaves %s\n", b.Name, bondModes[b.Mode].name, b.MIIMon, state, orNone(b.Active), strings.Join(slaves, ", "))
	}
	for _, a := range k.Addrs {
		fmt.Fprintf(w, "  address %s/%s on %s\n", a.Address, a.Netmask, a.Device)
	}
	if k.DefaultRoute.Gateway != "" {
		fmt.Fprintf(w, "  default route via %s dev %s\n", k.DefaultRoute.Gateway, k.DefaultRoute.Device)
	}
	xapi := "answering"
	if st.Book.XapiDown > 0 {
		xapi = fmt.Sprintf("starting (the next %d xe calls fail)", st.Book.XapiDown)
	}
	fmt.Fprintf(w, "  xapi: %s\n", xapi)
	fmt.Fprintf(w, "\n%d program calls so far, %d faults armed\n", st.Book.Calls, len(st.Book.Faults))
}
