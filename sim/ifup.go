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

// The scripts initscripts runs, as $0 in their messages.
const (
	ifupEthScript   = "/etc/sysconfig/network-scripts/ifup-eth"
	ifdownEthScript = "/etc/sysconfig/network-scripts/ifdown-eth"
)

// Lines of network-functions 9.49.41 whose echo writes a bonding option
// to sysfs: bash names the script ($0) and the line when the write fails.
const (
	lineEchoMode   = 577
	lineEchoMIIMon = 581
	lineEchoOther  = 608
)

// netLog is network-functions' net_log: the message on stdout with its
// level and the script's name, and the same to syslog (the journal) with
// the script's name as the tag.
func (p *proc) netLog(level, script, msg string) {
	txt := map[string]string{"err": "ERROR     ", "warning": "WARN      ", "info": "INFO      "}[level]
	fmt.Fprintf(p.stdout, "%s: [%s] %s\n", txt, script, msg)
	p.logf(script, "%s", msg)
}

func (p *proc) notPresent(dev string) int {
	p.netLog("err", ifupEthScript, fmt.Sprintf("Device %s does not seem to be present, delaying initialization.", dev))
	return 1
}

// maxIfupDepth bounds ifup of slaves from a master, in case MASTER=
// lines form a loop.
const maxIfupDepth = 4

// ifup brings up one configuration: ifup, then ifup-eth.
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
	if boot && (c.vars["ONBOOT"] == "no" || c.vars["ONBOOT"] == "NO") {
		return 0
	}
	dev := c.device()
	k := p.k()
	h := p.m.localHost()
	// is_available: a NIC or a bond that exists, or a bond that
	// BONDING_OPTS or an "alias <dev> bonding" line makes the bonding
	// driver create. Its result is not checked here.
	if k.bond(dev) == nil && h.nic(dev) == nil {
		if c.vars["BONDING_OPTS"] != "" || p.bondingAlias(dev) {
			p.installBondingDriver(dev)
		}
	}
	if code := p.checkHWADDR(c, dev); code != 0 {
		return code
	}
	if k.bond(dev) == nil && h.nic(dev) == nil {
		return p.notPresent(dev)
	}
	if mtu := c.vars["MTU"]; mtu != "" {
		p.setMTU(dev, mtu)
	}
	if strings.EqualFold(c.vars["SLAVE"], "yes") && c.vars["MASTER"] != "" {
		return p.ifupSlave(dev, c.vars["MASTER"])
	}
	if k.bond(dev) != nil {
		p.ifupMaster(c, dev)
	}
	return p.ifupAddress(c, dev)
}

// checkHWADDR fails when HWADDR matches neither the live MAC nor MACADDR;
// a device that does not exist has no MAC, so it fails too.
func (p *proc) checkHWADDR(c ifcfg, dev string) int {
	hw := strings.ToUpper(c.vars["HWADDR"])
	if hw == "" {
		return 0
	}
	found := strings.ToUpper(p.liveMAC(dev))
	if found != hw && found != strings.ToUpper(c.vars["MACADDR"]) {
		p.netLog("err", ifupEthScript, fmt.Sprintf("Device %s has different MAC address than expected, ignoring.", dev))
		return 1
	}
	return 0
}

// liveMAC is the MAC of a link or bond now, "" when there is none.
func (p *proc) liveMAC(dev string) string {
	k := p.k()
	if b := k.bond(dev); b != nil {
		return b.MAC
	}
	if l := k.link(dev); l != nil {
		return l.MAC
	}
	return ""
}

// setMTU is `ip link set dev DEV mtu N`; a bond passes its MTU on to its
// slaves, as the bonding driver does.
func (p *proc) setMTU(dev, v string) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 68 || n > 65535 {
		fmt.Fprintf(p.stderr, "Error: argument \"%s\" is wrong: Invalid \"mtu\" value\n\n", v)
		return
	}
	k := p.k()
	if b := k.bond(dev); b != nil {
		b.MTU = n
		for _, s := range b.Slaves {
			if l := k.link(s.Device); l != nil {
				l.MTU = n
			}
		}
		return
	}
	if l := k.link(dev); l != nil {
		l.MTU = n
	}
}

// ifupSlave enslaves a NIC to its master, making the master (with its own
// options) if it does not exist. The write to sysfs is not checked:
// initscripts exits 0 whatever the kernel said.
func (p *proc) ifupSlave(dev, master string) int {
	p.installBondingDriver(master)
	k := p.k()
	b := k.bond(master)
	if b == nil || b.slave(dev) != nil {
		return 0
	}
	h := p.m.localHost()
	n := h.nic(dev)
	if l := k.link(dev); l != nil {
		l.Up = false
	}
	// The kernel refuses a NIC that is already a slave, or that xapi holds
	// in one of its bridges.
	if n == nil || k.masterOf(dev) != nil || p.m.heldByXapi(h, dev) {
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

// installBondingDriver is network-functions' install_bonding_driver: make
// the bond if it does not exist, then, while it has no slaves, apply the
// BONDING_OPTS of its own ifcfg file, mode and miimon first. A value the
// kernel refuses makes bash's echo fail: the shell names the script and
// the line, the kernel logs its own message.
func (p *proc) installBondingDriver(dev string) {
	k := p.k()
	b := k.bond(dev)
	if b == nil {
		b = k.newBond(dev, p.m.derivedMAC("bond-"+dev, p.m.localHost(), k.NextIndex))
		p.kmsg("bonding: %s is being created...", dev)
	}
	if len(b.Slaves) > 0 {
		return
	}
	c, ok := p.findConfig(dev)
	if !ok {
		return
	}
	b.Up = false
	type opt struct{ key, v string }
	var first, rest []opt
	for _, o := range strings.Fields(c.vars["BONDING_OPTS"]) {
		key, v := o, o
		if i := strings.Index(o, "="); i >= 0 {
			key = o[:i]
		}
		if i := strings.LastIndex(o, "="); i >= 0 {
			v = o[i+1:]
		}
		if key == "mode" || key == "miimon" {
			first = append(first, opt{key, v})
		} else {
			rest = append(rest, opt{key, v})
		}
	}
	for _, o := range first {
		line := lineEchoMode
		if o.key == "miimon" {
			line = lineEchoMIIMon
		}
		p.writeBondOption(b, o.key, o.v, line)
	}
	for _, o := range rest {
		if o.key == "primary" {
			continue
		}
		p.writeBondOption(b, o.key, o.v, lineEchoOther)
	}
}

// writeBondOption is one `echo value > /sys/class/net/DEV/bonding/KEY`.
func (p *proc) writeBondOption(b *kbond, key, v string, line int) {
	if !knownBondOption(key) {
		// No such file in sysfs: bash cannot open it.
		fmt.Fprintf(p.stderr, "%s: line %d: /sys/class/net/%s/bonding/%s: No such file or directory\n", ifupEthScript, line, b.Name, key)
		return
	}
	if msg := b.setOption(key, v); msg != "" {
		fmt.Fprintf(p.stderr, "%s: line %d: echo: write error: Invalid argument\n", ifupEthScript, line)
		p.kmsg("%s", msg)
	}
}

func (p *proc) ifupMaster(c ifcfg, dev string) {
	p.installBondingDriver(dev)
	b := p.k().bond(dev)
	b.Up = true
	for _, o := range p.configs() {
		if o.file == c.file || o.vars["MASTER"] != dev {
			continue
		}
		if p.ifup(o.file, false) != 0 {
			p.netLog("warning", ifupEthScript, fmt.Sprintf("Unable to start slave device %s for master %s.", o.file, dev))
		}
	}
	b.reselect()
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

// ifupAddress is the static part of ifup-eth: bring the device up and
// add IPADDR unless the device already has it (so a changed IPADDR is
// added beside the old address, which stays), then the default route of
// GATEWAY. A failed `ip addr add` is logged and ifup carries on.
func (p *proc) ifupAddress(c ifcfg, dev string) int {
	k := p.k()
	setUp := func() {
		if b := k.bond(dev); b != nil {
			b.Up = true
		} else if l := k.link(dev); l != nil {
			l.Up = true
		}
	}
	ip := c.vars["IPADDR"]
	if ip == "" {
		setUp()
		return 0
	}
	mask, prefix := c.vars["NETMASK"], -1
	if v := c.vars["PREFIX"]; v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 && n <= 32 {
			prefix = n
			mask = net.IP(net.CIDRMask(n, 32)).String()
		}
	}
	if mask == "" {
		mask = classfulMask(ip)
	}
	if prefix < 0 {
		// ipcalc --prefix, --broadcast and --network.
		switch {
		case prefixLen(mask) < 0:
			for range 3 {
				fmt.Fprintf(p.stderr, "ipcalc: bad netmask: %s\n", mask)
			}
		case !validIPv4(ip):
			for range 3 {
				fmt.Fprintf(p.stderr, "ipcalc: bad IPv4 address: %s\n", ip)
			}
		default:
			prefix = prefixLen(mask)
		}
	}
	setUp()
	if !k.hasAddr(dev, ip, prefix) {
		if prefix >= 0 && validIPv4(ip) && p.m.filerAt(ip) && p.m.carrier(p.m.localHost(), dev) {
			p.netLog("err", ifupEthScript, fmt.Sprintf("Error, some other host (%s) already uses address %s.", filerMAC(ip), ip))
			return 1
		}
		if prefix < 0 || !validIPv4(ip) {
			arg := ip + "/"
			if prefix >= 0 {
				arg = fmt.Sprintf("%s/%d", ip, prefix)
			}
			fmt.Fprintf(p.stderr, "Error: any valid prefix is expected rather than \"%s\".\n", arg)
			p.netLog("err", ifupEthScript, fmt.Sprintf("Error adding address %s for %s.", ip, dev))
			// ip addr change fails the same way.
			fmt.Fprintf(p.stderr, "Error: any valid prefix is expected rather than \"%s\".\n", arg)
			return 0
		}
		k.Addrs = append(k.Addrs, kaddr{Device: dev, Address: ip, Netmask: net.IP(net.CIDRMask(prefix, 32)).String()})
	}
	if gw := c.vars["GATEWAY"]; gw != "" && c.vars["DEFROUTE"] != "no" && (c.vars["GATEWAYDEV"] == "" || c.vars["GATEWAYDEV"] == dev) && prefix >= 0 {
		if sameSubnet(gw, ip, prefix) {
			k.DefaultRoute = kroute{Gateway: gw, Device: dev}
		}
	}
	return 0
}

// hasAddr is the grep of ifup-eth for ADDR/PREFIX in `ip addr ls DEV`.
func (k *kernel) hasAddr(dev, ip string, prefix int) bool {
	for _, a := range k.Addrs {
		if a.Device == dev && a.Address == ip && prefixLen(a.Netmask) == prefix {
			return true
		}
	}
	return false
}

// classfulMask is what ipcalc --netmask gives an address without one.
func classfulMask(ip string) string {
	v := net.ParseIP(ip).To4()
	switch {
	case v == nil:
		return ""
	case v[0] < 128:
		return "255.0.0.0"
	case v[0] < 192:
		return "255.255.0.0"
	}
	return "255.255.255.0"
}

func sameSubnet(a, b string, prefix int) bool {
	x, y := net.ParseIP(a).To4(), net.ParseIP(b).To4()
	if x == nil || y == nil || prefix < 0 {
		return false
	}
	m := net.CIDRMask(prefix, 32)
	return x.Mask(m).Equal(y.Mask(m))
}
