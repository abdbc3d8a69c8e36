package sim

import (
	"fmt"
	"io"
	"net"
	"sort"
	"strconv"
	"strings"
)

// ip is iproute2's ip as the dom0 has it (CentOS 7, iproute 4.11): addr
// show, link show, route get and route show, in its output formats, plus
// the few changes scripts make (link set, addr add, del and flush). It
// reads the kernel of the local host; addresses are those ifup and xapi
// actually applied. Errors exit 1, as iproute2 does, and a refusal of the
// kernel (RTNETLINK answers: ...) exits 2.

// ipLink is one row of the kernel's link table, lo, NICs, bridges and
// bonds together.
type ipLink struct {
	index int
	name  string
	kind  string // lo, nic, bridge, ovs-system, bond
	mac   string
	mtu   int
	up    bool
}

func (p *proc) ipLinks() []ipLink {
	k := p.k()
	out := []ipLink{{index: loIndex, name: "lo", kind: "lo", mac: "00:00:00:00:00:00", mtu: 65536, up: true}}
	for _, l := range k.Links {
		out = append(out, ipLink{index: l.Index, name: l.Device, kind: l.Kind, mac: l.MAC, mtu: l.MTU, up: l.Up})
	}
	for _, b := range k.Bonds {
		out = append(out, ipLink{index: b.Index, name: b.Name, kind: "bond", mac: b.MAC, mtu: b.MTU, up: b.Up})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].index < out[j].index })
	return out
}

func (p *proc) ipLink(name string) (ipLink, bool) {
	for _, l := range p.ipLinks() {
		if l.name == name {
			return l, true
		}
	}
	return ipLink{}, false
}

// ipAddr is an address as the kernel lists it.
type ipAddr struct {
	dev       string
	ip        string
	prefix    int
	secondary bool
}

// ipAddrs lists the IPv4 addresses of the local kernel with lo's. An
// address in the subnet of an earlier one on the same device is
// secondary.
func (p *proc) ipAddrs() []ipAddr {
	out := []ipAddr{{dev: "lo", ip: "127.0.0.1", prefix: 8}}
	for _, a := range p.k().Addrs {
		n := prefixLen(a.Netmask)
		ad := ipAddr{dev: a.Device, ip: a.Address, prefix: n}
		for _, o := range out {
			if o.dev == a.Device && o.prefix == n && sameSubnet(o.ip, a.Address, n) {
				ad.secondary = true
			}
		}
		out = append(out, ad)
	}
	return out
}

func broadcast(ip string, prefix int) string {
	v := net.ParseIP(ip).To4()
	m := net.CIDRMask(prefix, 32)
	b := make(net.IP, 4)
	for i := range 4 {
		b[i] = v[i] | ^m[i]
	}
	return b.String()
}

func (p *proc) ipUsage(code int) int {
	io.WriteString(p.stderr, "Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n"+
		"       ip [ -force ] -batch filename\n"+
		"where  OBJECT := { link | address | addrlabel | route | rule | neigh | ntable |\n"+
		"                   tunnel | tuntap | maddress | mroute | mrule | monitor | xfrm |\n"+
		"                   netns | l2tp | fou | macsec | tcp_metrics | token | netconf }\n"+
		"       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |\n"+
		"                    -h[uman-readable] | -iec |\n"+
		"                    -f[amily] { inet | inet6 | ipx | dnet | mpls | bridge | link } |\n"+
		"                    -4 | -6 | -I | -D | -B | -0 |\n"+
		"                    -l[oops] { maximum-addr-flush-attempts } | -br[ief] |\n"+
		"                    -o[neline] | -t[imestamp] | -ts[hort] | -b[atch] [filename] |\n"+
		"                    -rc[vbuf] [size] | -n[etns] name | -a[ll] | -c[olor]}\n")
	return code
}

// matches is iproute2's abbreviation rule: arg is a prefix of word.
func matches(arg, word string) bool { return arg != "" && strings.HasPrefix(word, arg) }

func (p *proc) ip(args []string) int {
	oneline, family := false, ""
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && len(args[0]) > 1 {
		opt := strings.TrimPrefix(args[0], "-")
		opt = strings.TrimPrefix(opt, "-")
		switch {
		case opt == "4":
			family = "inet"
		case opt == "6":
			family = "inet6"
		case opt == "0":
			family = "link"
		case matches(opt, "oneline"):
			oneline = true
		case matches(opt, "family"):
			if len(args) < 2 {
				return p.ipUsage(255)
			}
			family = args[1]
			args = args[1:]
		case matches(opt, "details"), matches(opt, "statistics"), matches(opt, "resolve"):
		case matches(opt, "Version"):
			io.WriteString(p.stdout, "ip utility, iproute2-ss170501\n")
			return 0
		case matches(opt, "help"):
			return p.ipUsage(255)
		default:
			fmt.Fprintf(p.stderr, "Option \"%s\" is unknown, try \"ip -help\".\n", args[0])
			return 255
		}
		args = args[1:]
	}
	if len(args) == 0 {
		return p.ipUsage(255)
	}
	obj, rest := args[0], args[1:]
	switch {
	case matches(obj, "address"):
		return p.ipAddrCmd(rest, oneline, family)
	case matches(obj, "link"):
		return p.ipLinkCmd(rest, oneline)
	case matches(obj, "route"):
		return p.ipRouteCmd(rest)
	case matches(obj, "help"):
		return p.ipUsage(0)
	}
	fmt.Fprintf(p.stderr, "Object \"%s\" is unknown, try \"ip help\".\n", obj)
	return 1
}

// devArg reads "[dev] NAME" from a show command's arguments.
func devArg(args []string) (dev string, extra []string) {
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "dev":
			if i+1 < len(args) {
				dev = args[i+1]
				i++
			}
		case "up", "primary", "secondary", "permanent", "scope", "label":
			extra = append(extra, args[i])
		default:
			if dev == "" {
				dev = args[i]
			} else {
				extra = append(extra, args[i])
			}
		}
	}
	return dev, extra
}

func (p *proc) noDevice(dev string) int {
	fmt.Fprintf(p.stderr, "Device \"%s\" does not exist.\n", dev)
	return 1
}

func (p *proc) ipAddrCmd(args []string, oneline bool, family string) int {
	cmd := "show"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch {
	case matches(cmd, "show"), matches(cmd, "list"), cmd == "lst", cmd == "ls":
		dev, _ := devArg(args)
		if dev != "" {
			if _, ok := p.ipLink(dev); !ok {
				return p.noDevice(dev)
			}
		}
		for _, l := range p.ipLinks() {
			if dev != "" && l.name != dev {
				continue
			}
			if family != "inet" && family != "inet6" {
				p.printLink(l, oneline)
			}
			if family == "inet6" {
				continue
			}
			for _, a := range p.ipAddrs() {
				if a.dev == l.name {
					p.printAddr(l, a, oneline)
				}
			}
		}
		return 0
	case matches(cmd, "add"), matches(cmd, "delete"):
		return p.ipAddrChange(cmd, args)
	case matches(cmd, "flush"):
		dev, _ := devArg(args)
		if dev == "" {
			io.WriteString(p.stderr, "Flush requires arguments.\n")
			return 1
		}
		if _, ok := p.ipLink(dev); !ok {
			return p.noDevice(dev)
		}
		p.k().flushAddrs(dev)
		return 0
	}
	fmt.Fprintf(p.stderr, "Command \"%s\" is unknown, try \"ip address help\".\n", cmd)
	return 1
}

// ipAddrChange is ip addr add|del PREFIX dev DEV.
func (p *proc) ipAddrChange(cmd string, args []string) int {
	var pfx, dev string
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "dev":
			if i+1 < len(args) {
				dev = args[i+1]
				i++
			}
		case "brd", "broadcast", "label", "scope", "valid_lft", "preferred_lft":
			i++
		default:
			if pfx == "" {
				pfx = args[i]
			}
		}
	}
	if dev == "" {
		io.WriteString(p.stderr, "Not enough information: \"dev\" argument is required.\n")
		return 1
	}
	ip, bits, ok := strings.Cut(pfx, "/")
	prefix := 32
	if ok {
		n, err := strconv.Atoi(bits)
		if err != nil || n < 0 || n > 32 {
			ok = false
		} else {
			prefix = n
		}
	}
	if !validIPv4(ip) || (strings.Contains(pfx, "/") && !ok) {
		fmt.Fprintf(p.stderr, "Error: any valid prefix is expected rather than \"%s\".\n", pfx)
		return 1
	}
	if _, ok := p.ipLink(dev); !ok {
		fmt.Fprintf(p.stderr, "Cannot find device \"%s\"\n", dev)
		return 1
	}
	k := p.k()
	if matches(cmd, "add") {
		if k.hasAddr(dev, ip, prefix) {
			io.WriteString(p.stderr, "RTNETLINK answers: File exists\n")
			return 2
		}
		k.Addrs = append(k.Addrs, kaddr{Device: dev, Address: ip, Netmask: net.IP(net.CIDRMask(prefix, 32)).String()})
		return 0
	}
	for i, a := range k.Addrs {
		if a.Device == dev && a.Address == ip && (!ok || prefixLen(a.Netmask) == prefix) {
			k.Addrs = append(k.Addrs[:i], k.Addrs[i+1:]...)
			return 0
		}
	}
	io.WriteString(p.stderr, "RTNETLINK answers: Cannot assign requested address\n")
	return 2
}

// linkFlags renders the flags of a link in the kernel's order.
func (p *proc) linkFlags(l ipLink) (flags, state, qdisc, master string) {
	h := p.m.localHost()
	k := p.k()
	carrier := l.kind == "lo" || p.m.carrier(h, l.name)
	var f []string
	if l.up && !carrier {
		f = append(f, "NO-CARRIER")
	}
	if l.kind == "lo" {
		f = append(f, "LOOPBACK")
	} else {
		f = append(f, "BROADCAST", "MULTICAST")
	}
	bond := k.masterOf(l.name)
	switch {
	case l.kind == "bond":
		f = append(f, "MASTER")
	case bond != nil:
		f = append(f, "SLAVE")
		master = bond.Name
	case l.kind == linkNIC && l.up:
		if pif := p.m.hostPIF(h.UUID, l.name); pif != nil && pif.Attached {
			if p.m.backend(h) == "openvswitch" {
				master = linkOVS
			} else if n := p.m.network(pif.Network); n != nil {
				master = n.Bridge
			}
		}
	}
	if l.up {
		f = append(f, "UP")
		if carrier {
			f = append(f, "LOWER_UP")
		}
	}
	state = "DOWN"
	switch {
	case l.kind == "lo":
		state = "UNKNOWN"
	case l.up && l.kind == linkBridge && p.m.backend(h) == "openvswitch":
		state = "UNKNOWN"
	case l.up && carrier:
		state = "UP"
	}
	qdisc = "noop"
	if l.up {
		qdisc = "noqueue"
		if l.kind == linkNIC {
			qdisc = "mq"
		}
	}
	return strings.Join(f, ","), state, qdisc, master
}

func (p *proc) printLink(l ipLink, oneline bool) {
	flags, state, qdisc, master := p.linkFlags(l)
	sl := "\n"
	if oneline {
		sl = "\\"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d: %s: <%s> mtu %d qdisc %s ", l.index, l.name, flags, l.mtu, qdisc)
	if master != "" {
		fmt.Fprintf(&b, "master %s ", master)
	}
	fmt.Fprintf(&b, "state %s mode DEFAULT group default qlen 1000%s", state, sl)
	if l.kind == "lo" {
		fmt.Fprintf(&b, "    link/loopback %s brd 00:00:00:00:00:00", l.mac)
	} else {
		fmt.Fprintf(&b, "    link/ether %s brd ff:ff:ff:ff:ff:ff", l.mac)
	}
	b.WriteString("\n")
	io.WriteString(p.stdout, b.String())
}

func (p *proc) printAddr(l ipLink, a ipAddr, oneline bool) {
	var b strings.Builder
	sl := "\n"
	if oneline {
		sl = "\\"
		fmt.Fprintf(&b, "%d: %s", l.index, l.name)
	}
	fmt.Fprintf(&b, "    inet %s/%d ", a.ip, a.prefix)
	scope := "global"
	if l.kind == "lo" {
		scope = "host"
	} else {
		fmt.Fprintf(&b, "brd %s ", broadcast(a.ip, a.prefix))
	}
	fmt.Fprintf(&b, "scope %s ", scope)
	if a.secondary {
		b.WriteString("secondary ")
	}
	fmt.Fprintf(&b, "%s%s       valid_lft forever preferred_lft forever\n", a.dev, sl)
	io.WriteString(p.stdout, b.String())
}

func (p *proc) ipLinkCmd(args []string, oneline bool) int {
	cmd := "show"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch {
	case matches(cmd, "show"), matches(cmd, "list"), cmd == "lst", cmd == "ls":
		dev, _ := devArg(args)
		if dev != "" {
			if _, ok := p.ipLink(dev); !ok {
				return p.noDevice(dev)
			}
		}
		for _, l := range p.ipLinks() {
			if dev == "" || l.name == dev {
				p.printLink(l, oneline)
			}
		}
		return 0
	case matches(cmd, "set"):
		return p.ipLinkSet(args)
	}
	fmt.Fprintf(p.stderr, "Command \"%s\" is unknown, try \"ip link help\".\n", cmd)
	return 1
}

// ipLinkSet is ip link set [dev] DEV up|down|mtu N.
func (p *proc) ipLinkSet(args []string) int {
	if len(args) > 0 && args[0] == "dev" {
		args = args[1:]
	}
	if len(args) == 0 {
		io.WriteString(p.stderr, "Not enough information: \"dev\" argument is required.\n")
		return 1
	}
	dev, args := args[0], args[1:]
	if _, ok := p.ipLink(dev); !ok || dev == "lo" {
		fmt.Fprintf(p.stderr, "Cannot find device \"%s\"\n", dev)
		return 1
	}
	k := p.k()
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "up", "down":
			up := args[i] == "up"
			if b := k.bond(dev); b != nil {
				b.Up = up
				b.reselect()
			} else if l := k.link(dev); l != nil {
				l.Up = up
			}
		case "mtu":
			if i+1 >= len(args) {
				io.WriteString(p.stderr, "Command line is not complete. Try option \"help\"\n")
				return 255
			}
			i++
			n, err := strconv.Atoi(args[i])
			if err != nil || n < 68 || n > 65535 {
				fmt.Fprintf(p.stderr, "Error: argument \"%s\" is wrong: Invalid \"mtu\" value\n\n", args[i])
				return 1
			}
			p.setMTU(dev, args[i])
		default:
			fmt.Fprintf(p.stderr, "Error: either \"dev\" is duplicate, or \"%s\" is a garbage.\n", args[i])
			return 1
		}
	}
	return 0
}

// route is the result of a route lookup.
type route struct {
	dst, via, dev, src string
	local              bool
}

// lookupRoute picks the route to addr: a local address, the longest
// connected subnet of an up link, or the default route.
func (p *proc) lookupRoute(addr string) (route, bool) {
	for _, a := range p.ipAddrs() {
		if a.ip == addr || a.dev == "lo" && sameSubnet(a.ip, addr, a.prefix) {
			src := addr
			return route{dst: addr, dev: "lo", src: src, local: true}, true
		}
	}
	k := p.k()
	best := -1
	var r route
	for _, a := range p.ipAddrs() {
		if a.dev == "lo" || !k.linkUp(a.dev) || a.secondary {
			continue
		}
		if sameSubnet(a.ip, addr, a.prefix) && a.prefix > best {
			best = a.prefix
			r = route{dst: addr, dev: a.dev, src: a.ip}
		}
	}
	if sr, bits := k.staticRoute(addr); bits > best {
		for _, a := range p.ipAddrs() {
			if a.dev == sr.Device && !a.secondary && sameSubnet(a.ip, sr.Gateway, a.prefix) {
				return route{dst: addr, via: sr.Gateway, dev: sr.Device, src: a.ip}, true
			}
		}
	}
	if best >= 0 {
		return r, true
	}
	d := k.DefaultRoute
	if d.Gateway != "" && k.linkUp(d.Device) {
		for _, a := range p.ipAddrs() {
			if a.dev == d.Device && sameSubnet(a.ip, d.Gateway, a.prefix) {
				return route{dst: addr, via: d.Gateway, dev: d.Device, src: a.ip}, true
			}
		}
	}
	return route{}, false
}

func (p *proc) ipRouteCmd(args []string) int {
	cmd := "show"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch {
	case matches(cmd, "get"):
		var dst string
		for _, a := range args {
			if a != "to" && dst == "" {
				dst = a
			}
		}
		if dst == "" {
			io.WriteString(p.stderr, "need at least a destination address\n")
			return 1
		}
		addr, _, _ := strings.Cut(dst, "/")
		if !validIPv4(addr) {
			fmt.Fprintf(p.stderr, "Error: any valid prefix is expected rather than \"%s\".\n", dst)
			return 1
		}
		r, ok := p.lookupRoute(addr)
		if !ok {
			io.WriteString(p.stderr, "RTNETLINK answers: Network is unreachable\n")
			return 2
		}
		uid := ""
		if p.rel.routeUID() {
			uid = "uid 0 "
		}
		switch {
		case r.local:
			fmt.Fprintf(p.stdout, "local %s dev lo src %s %s\n    cache <local> \n", r.dst, r.src, uid)
		case r.via != "":
			fmt.Fprintf(p.stdout, "%s via %s dev %s src %s %s\n    cache \n", r.dst, r.via, r.dev, r.src, uid)
		default:
			fmt.Fprintf(p.stdout, "%s dev %s src %s %s\n    cache \n", r.dst, r.dev, r.src, uid)
		}
		return 0
	case matches(cmd, "show"), matches(cmd, "list"), cmd == "lst", cmd == "ls":
		k := p.k()
		h := p.m.localHost()
		if d := k.DefaultRoute; d.Gateway != "" && k.linkUp(d.Device) {
			fmt.Fprintf(p.stdout, "default via %s dev %s \n", d.Gateway, d.Device)
		}
		// The main table lists routes in address order.
		type row struct {
			key  uint32
			line string
		}
		var rows []row
		for _, a := range p.ipAddrs() {
			if a.dev == "lo" || a.secondary || !k.linkUp(a.dev) {
				continue
			}
			_, n, _ := net.ParseCIDR(fmt.Sprintf("%s/%d", a.ip, a.prefix))
			down := ""
			if !p.m.carrier(h, a.dev) {
				down = "linkdown "
			}
			v := n.IP.To4()
			rows = append(rows, row{uint32(v[0])<<24 | uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3]),
				fmt.Sprintf("%s dev %s proto kernel scope link src %s %s\n", n, a.dev, a.ip, down)})
		}
		for _, sr := range k.Routes {
			_, n, err := net.ParseCIDR(sr.Dst)
			if err != nil || !k.linkUp(sr.Device) {
				continue
			}
			v := n.IP.To4()
			if v == nil {
				continue
			}
			rows = append(rows, row{uint32(v[0])<<24 | uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3]),
				fmt.Sprintf("%s via %s dev %s \n", n, sr.Gateway, sr.Device)})
		}
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].key < rows[j].key })
		for _, r := range rows {
			io.WriteString(p.stdout, r.line)
		}
		return 0
	}
	fmt.Fprintf(p.stderr, "Command \"%s\" is unknown, try \"ip route help\".\n", cmd)
	return 1
}
