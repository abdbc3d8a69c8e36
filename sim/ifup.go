package sim

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ifup as initscripts 9.49 runs it on a CentOS 7 dom0 (ifup, ifup-eth and
// network-functions): find the ifcfg file, make the bond or enslave the NIC, set the
// address. Its exit status proves little, as on the real host.

const networkScripts = "etc/sysconfig/network-scripts"

const ifupUsage = "Usage: ifup <configuration>\n"

func (p *proc) ifupMain(args []string) int {
	if len(args) == 0 {
		io.WriteString(p.stderr, ifupUsage)
		return 1
	}
	code := p.ifup(args[0], len(args) > 1 && args[1] == "boot")
	if err := p.syncProc(); err != nil {
		fmt.Fprintf(p.stderr, "ifup (simulated): %v\n", err)
		return 1
	}
	return code
}

// ifcfg is one parsed configuration file.
type ifcfg struct {
	file string // base name, ifcfg-<x>
	vars map[string]string
}

// device is DEVICE=, or the file name without its ifcfg- prefix.
func (c ifcfg) device() string {
	if d := c.vars["DEVICE"]; d != "" {
		return d
	}
	return strings.TrimPrefix(c.file, "ifcfg-")
}

// configs reads every ifcfg-* file, sorted by name as the shell globs
// them. Backup files are ignored, as initscripts does.
func (p *proc) configs() []ifcfg {
	dir := p.s.hostFile(networkScripts)
	ents, _ := os.ReadDir(dir)
	var out []ifcfg
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, n := range names {
		if !strings.HasPrefix(n, "ifcfg-") || ignoredFile(n) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			continue
		}
		out = append(out, ifcfg{file: n, vars: parseIfcfg(string(data))})
	}
	return out
}

func ignoredFile(name string) bool {
	for _, suf := range []string{"~", ".bak", ".orig", ".rpmnew", ".rpmorig", ".rpmsave", ".old"} {
		if strings.HasSuffix(name, suf) {
			return true
		}
	}
	return false
}

// findConfig resolves an ifup argument: ifcfg-<arg>, the file <arg>
// itself, then any file with DEVICE=<arg>.
func (p *proc) findConfig(arg string) (ifcfg, bool) {
	cfgs := p.configs()
	for _, name := range []string{"ifcfg-" + arg, arg} {
		for _, c := range cfgs {
			if c.file == name {
				return c, true
			}
		}
	}
	for _, c := range cfgs {
		if c.vars["DEVICE"] == arg {
			return c, true
		}
	}
	return ifcfg{}, false
}

// parseIfcfg reads shell assignments KEY=VALUE with '...' and "..."
// quoting; # starts a comment.
func parseIfcfg(data string) map[string]string {
	vars := map[string]string{}
	for _, line := range strings.Split(data, "\n") {
		line = strings.TrimSpace(line)
		line = strings.TrimPrefix(line, "export ")
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || !validShellName(k) {
			continue
		}
		vars[k] = shellWord(v)
	}
	return vars
}

func validShellName(k string) bool {
	if k == "" {
		return false
	}
	for i, c := range k {
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// shellSplit splits s into shell words: quotes removed, backslash
// escapes honoured, unquoted blanks between words.
func shellSplit(s string) []string {
	var out []string
	var b strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\'':
			inWord = true
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				j = len(s) - i - 1
			}
			b.WriteString(s[i+1 : i+1+j])
			i += j + 1
		case '"':
			inWord = true
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				b.WriteByte(s[i])
			}
		case '\\':
			inWord = true
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case ' ', '\t':
			if inWord {
				out = append(out, b.String())
				b.Reset()
				inWord = false
			}
		default:
			inWord = true
			b.WriteByte(c)
		}
	}
	if inWord {
		out = append(out, b.String())
	}
	return out
}

// shellWord is the first shell word of s, "" when there is none.
func shellWord(s string) string {
	if w := shellSplit(s); len(w) > 0 {
		return w[0]
	}
	return ""
}

func (p *proc) notPresent(dev string) int {
	fmt.Fprintf(p.stderr, "Device %s does not seem to be present, delaying initialization.\n", dev)
	return 1
}

// maxIfupDepth bounds ifup of slaves from a master, in case MASTER=
// lines form a loop.
const maxIfupDepth = 4

// ifup brings up one configuration.
func (p *proc) ifup(arg string, boot bool) int {
	if p.ifupDepth > maxIfupDepth {
		fmt.Fprintf(p.stderr, "ifup (simulated): %s: MASTER= lines form a loop\n", arg)
		return 1
	}
	p.ifupDepth++
	defer func() { p.ifupDepth-- }()
	c, ok := p.findConfig(arg)
	if !ok {
		fmt.Fprintf(p.stderr, "/etc/sysconfig/network-scripts/ifup: configuration for %s not found.\n", arg)
		io.WriteString(p.stderr, ifupUsage)
		return 1
	}
	if boot && c.vars["ONBOOT"] == "no" {
		return 0
	}
	dev := c.device()
	if strings.EqualFold(c.vars["SLAVE"], "yes") && c.vars["MASTER"] != "" {
		return p.ifupSlave(c, dev)
	}
	// is_available: a NIC, a bond, or a bond that BONDING_OPTS or an
	// "alias <dev> bonding" line makes the bonding driver create.
	k := &p.m.Kernel
	if k.bond(dev) == nil && p.m.localHost().nic(dev) == nil {
		if c.vars["BONDING_OPTS"] == "" && !p.bondingAlias(dev) {
			return p.notPresent(dev)
		}
		k.newBond(dev)
	}
	if k.bond(dev) != nil {
		return p.ifupMaster(c, dev)
	}
	return p.ifupEth(c, dev)
}

// checkHWADDR fails when HWADDR does not match the live MAC.
func (p *proc) checkHWADDR(c ifcfg, dev string) int {
	hw := c.vars["HWADDR"]
	l := p.m.Kernel.link(dev)
	if hw != "" && l != nil && !strings.EqualFold(hw, l.MAC) {
		fmt.Fprintf(p.stderr, "Device %s has different MAC address than expected, ignoring.\n", dev)
		return 1
	}
	return 0
}

func (p *proc) ifupSlave(c ifcfg, dev string) int {
	h := p.m.localHost()
	n := h.nic(dev)
	if n == nil {
		return p.notPresent(dev)
	}
	if code := p.checkHWADDR(c, dev); code != 0 {
		return code
	}
	k := &p.m.Kernel
	master := c.vars["MASTER"]
	b := k.bond(master)
	if b == nil {
		b = k.newBond(master)
	}
	if b.slave(dev) != nil {
		return 0
	}
	// The kernel refuses a NIC that is already a slave, or that xapi holds
	// in one of its bridges; initscripts does not check the result.
	if k.masterOf(dev) != nil {
		return 0
	}
	if p.m.heldByXapi(h, dev) {
		return 0
	}
	k.enslave(b, n)
	return 0
}

// heldByXapi reports whether xapi has the NIC in one of its bridges or
// bonds: its PIF is plugged, or is a member of a plugged bond.
func (m *model) heldByXapi(h *hostRec, dev string) bool {
	pif := m.hostPIF(h.UUID, dev)
	if pif == nil {
		return false
	}
	if b := m.bond(pif.BondSlaveOf); b != nil {
		if master := m.pif(b.Master); master != nil && master.Attached {
			return true
		}
	}
	return pif.Attached
}

func (p *proc) ifupMaster(c ifcfg, dev string) int {
	b := p.m.Kernel.bond(dev)
	if len(b.Slaves) == 0 {
		var opts, late [][2]string
		for _, o := range strings.Fields(c.vars["BONDING_OPTS"]) {
			key, v, _ := strings.Cut(o, "=")
			switch key {
			case "mode", "miimon":
				opts = append(opts, [2]string{key, v})
			default:
				late = append(late, [2]string{key, v})
			}
		}
		// mode first, then miimon, then the rest in order.
		sort.SliceStable(opts, func(i, j int) bool { return opts[i][0] == "mode" && opts[j][0] != "mode" })
		for _, o := range append(opts, late...) {
			if msg := b.setOption(o[0], o[1]); msg != "" {
				fmt.Fprintln(p.stderr, msg)
			}
		}
	}
	b.Up = true
	for _, o := range p.configs() {
		if o.file == c.file || o.vars["MASTER"] != dev {
			continue
		}
		if p.ifup(o.file, false) != 0 {
			fmt.Fprintf(p.stderr, "Unable to start slave device %s for master %s.\n", o.file, dev)
		}
	}
	b.reselect()
	p.setAddress(c, dev)
	return 0
}

// bondingAlias reports whether modprobe.d has "alias <dev> bonding".
func (p *proc) bondingAlias(dev string) bool {
	files, _ := filepath.Glob(p.s.hostFile("etc/modprobe.d/*.conf"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			w := strings.Fields(line)
			if len(w) >= 3 && w[0] == "alias" && w[1] == dev && w[2] == "bonding" {
				return true
			}
		}
	}
	return false
}

// ifupEth brings up a plain NIC.
func (p *proc) ifupEth(c ifcfg, dev string) int {
	if code := p.checkHWADDR(c, dev); code != 0 {
		return code
	}
	p.m.Kernel.link(dev).Up = true
	p.setAddress(c, dev)
	return 0
}

// setAddress applies IPADDR with NETMASK or PREFIX, and GATEWAY, which
// replaces the default route.
func (p *proc) setAddress(c ifcfg, dev string) {
	ip := c.vars["IPADDR"]
	if ip == "" {
		return
	}
	mask := c.vars["NETMASK"]
	if mask == "" {
		if n, err := strconv.Atoi(c.vars["PREFIX"]); err == nil && n >= 0 && n <= 32 {
			mask = net.IP(net.CIDRMask(n, 32)).String()
		}
	}
	k := &p.m.Kernel
	var addrs []kaddr
	for _, a := range k.Addrs {
		if a.Device != dev {
			addrs = append(addrs, a)
		}
	}
	k.Addrs = append(addrs, kaddr{Device: dev, Address: ip, Netmask: mask})
	if gw := c.vars["GATEWAY"]; gw != "" {
		k.DefaultRoute = kroute{Gateway: gw, Device: dev}
	}
}
