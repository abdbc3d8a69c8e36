package sim

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// ping is iputils' ping (s20160308, as on a CentOS 7 dom0). The only
// hosts that answer are the filers of `sim init --filer IP`, storage
// targets that answer on their own subnet: over a link that is up, has
// carrier and has an address in that subnet. A packet larger than the
// link's MTU goes out in fragments, unless -M do forbids it: then the
// kernel refuses to send it. The simulator does not wait between packets
// and reports fixed round-trip times.

// filerMTU is the largest packet a filer takes (jumbo frames).
const filerMTU = 9000

// filerAt reports whether ip is a filer.
func (m *model) filerAt(ip string) bool { return slices.Contains(m.Filers, ip) }

// filerMAC is the MAC a filer answers ARP with.
func filerMAC(ip string) string {
	b := idBytes(0, "filer", uint64(len(ip)))
	v := []byte(ip)
	for i := range v {
		b[i%6] ^= v[i]
	}
	return fmt.Sprintf("00:A0:98:%02X:%02X:%02X", b[0], b[1], b[2])
}

func (p *proc) pingUsage() int {
	io.WriteString(p.stderr, "Usage: ping [-aAbBdDfhLnOqrRUvV] [-c count] [-i interval] [-I interface]\n"+
		"            [-m mark] [-M pmtudisc_option] [-l preload] [-p pattern] [-Q tos]\n"+
		"            [-s packetsize] [-S sndbuf] [-t ttl] [-T timestamp_option]\n"+
		"            [-w deadline] [-W timeout] [hop1 ...] destination\n")
	return 2
}

func (p *proc) ping(args []string) int {
	count, size := -1, 56
	var iface, pmtu, dst string
	quiet := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			if dst != "" {
				return p.pingUsage()
			}
			dst = a
			continue
		}
		opt := a[1:]
		for len(opt) > 0 {
			c := opt[0]
			opt = opt[1:]
			takes := strings.IndexByte("ciIMsWwtlmpQST", c) >= 0
			var val string
			if takes {
				switch {
				case opt != "":
					val, opt = opt, ""
				case i+1 < len(args):
					i++
					val = args[i]
				default:
					fmt.Fprintf(p.stderr, "ping: option requires an argument -- '%c'\n", c)
					return p.pingUsage()
				}
			}
			switch c {
			case 'c':
				n, err := strconv.Atoi(val)
				if err != nil || n <= 0 {
					io.WriteString(p.stderr, "ping: bad number of packets to transmit.\n")
					return 2
				}
				count = n
			case 's':
				n, err := strconv.Atoi(val)
				if err != nil || n < 0 {
					fmt.Fprintf(p.stderr, "ping: illegal negative packet size %s.\n", val)
					return 2
				}
				if n > 65507 {
					fmt.Fprintf(p.stderr, "Error: packet size %d is too large. Maximum is 65507\n", n)
					return 2
				}
				size = n
			case 'I':
				iface = val
			case 'M':
				if val != "do" && val != "dont" && val != "want" {
					io.WriteString(p.stderr, "ping: wrong value for -M: do, dont, want are valid ones.\n")
					return 2
				}
				pmtu = val
			case 'W', 'w', 'i', 't', 'l', 'm', 'p', 'Q', 'S', 'T':
				if _, err := strconv.ParseFloat(val, 64); err != nil && c != 'p' && c != 'Q' && c != 'T' {
					fmt.Fprintf(p.stderr, "ping: bad wait time.\n")
					return 2
				}
			case 'q':
				quiet = true
			case 'n', 'a', 'A', 'b', 'B', 'd', 'D', 'f', 'L', 'O', 'r', 'R', 'U', 'v':
			case 'V':
				io.WriteString(p.stdout, "ping utility, iputils-s20160308\n")
				return 0
			case 'h':
				return p.pingUsage()
			default:
				fmt.Fprintf(p.stderr, "ping: invalid option -- '%c'\n", c)
				return p.pingUsage()
			}
		}
	}
	if dst == "" {
		return p.pingUsage()
	}
	if !validIPv4(dst) {
		fmt.Fprintf(p.stderr, "ping: unknown host %s\n", dst)
		return 2
	}
	if count < 0 {
		// Without -c ping runs until interrupted; the simulator sends
		// what one -c would and stops.
		count = 1
	}
	h := p.m.localHost()
	k := p.k()
	// Where the packets go: the interface given, or the route.
	var dev, src string
	if iface != "" {
		if validIPv4(iface) {
			for _, a := range p.ipAddrs() {
				if a.ip == iface {
					dev, src = a.dev, a.ip
				}
			}
			if dev == "" {
				io.WriteString(p.stderr, "ping: bind: Cannot assign requested address\n")
				return 2
			}
		} else {
			if _, ok := p.ipLink(iface); !ok {
				fmt.Fprintf(p.stderr, "ping: unknown iface %s\n", iface)
				return 2
			}
			dev = iface
		}
	}
	r, routed := p.lookupRoute(dst)
	if dev == "" {
		if !routed {
			io.WriteString(p.stderr, "connect: Network is unreachable\n")
			return 2
		}
		dev, src = r.dev, r.src
	}
	if src == "" {
		for _, a := range p.ipAddrs() {
			if a.dev == dev && !a.secondary && (src == "" || sameSubnet(a.ip, dst, a.prefix)) {
				src = a.ip
			}
		}
		if src == "" && routed {
			src = r.src
		}
		if src == "" {
			io.WriteString(p.stderr, "ping: Warning: source address might be selected on device other than "+dev+".\n")
			src = "0.0.0.0"
		}
	}
	fmt.Fprintf(p.stdout, "PING %s (%s) ", dst, dst)
	if iface != "" {
		name := iface
		if validIPv4(iface) {
			name = ""
		}
		fmt.Fprintf(p.stdout, "from %s %s: ", src, name)
	}
	fmt.Fprintf(p.stdout, "%d(%d) bytes of data.\n", size, size+28)

	mtu := k.linkMTU(dev)
	if dev == "lo" {
		mtu = 65536
	}
	tooBig := pmtu == "do" && size+28 > mtu
	onSubnet := false
	for _, a := range p.ipAddrs() {
		if a.dev == dev && sameSubnet(a.ip, dst, a.prefix) {
			onSubnet = true
		}
	}
	// A filer behind a static route of the network (routes.go): the
	// gateway forwards to it.
	if sr, bits := k.staticRoute(dst); bits >= 0 && sr.Device == dev && routed && r.via == sr.Gateway {
		onSubnet = true
	}
	answers := dev == "lo" || p.m.filerAt(dst) && onSubnet && k.linkUp(dev) && p.m.carrier(h, dev) && size+28 <= max(filerMTU, mtu)
	sent, recv, errs := 0, 0, 0
	var times []int
	for seq := 1; seq <= count; seq++ {
		if tooBig {
			if !quiet {
				fmt.Fprintf(p.stderr, "ping: local error: Message too long, mtu=%d\n", mtu)
			}
			sent++
			errs++
			continue
		}
		sent++
		if !answers {
			continue
		}
		recv++
		us := 180 + 17*seq%60
		times = append(times, us)
		if !quiet {
			fmt.Fprintf(p.stdout, "%d bytes from %s: icmp_seq=%d ttl=64 time=%d.%03d ms\n", size+8, dst, seq, us/1000, us%1000)
		}
	}
	elapsed := 0
	if sent > 1 {
		elapsed = (sent-1)*1000 + sent
	}
	fmt.Fprintf(p.stdout, "\n--- %s ping statistics ---\n", dst)
	fmt.Fprintf(p.stdout, "%d packets transmitted, %d received", sent, recv)
	if errs > 0 {
		fmt.Fprintf(p.stdout, ", +%d errors", errs)
	}
	fmt.Fprintf(p.stdout, ", %d%% packet loss, time %dms\n", (sent-recv)*100/sent, elapsed)
	if recv > 0 {
		lo, hi, sum := times[0], times[0], 0
		for _, t := range times {
			lo, hi, sum = min(lo, t), max(hi, t), sum+t
		}
		avg := sum / len(times)
		var dev2 int
		for _, t := range times {
			dev2 += (t - avg) * (t - avg)
		}
		mdev := isqrt(dev2 / len(times))
		fmt.Fprintf(p.stdout, "rtt min/avg/max/mdev = %d.%03d/%d.%03d/%d.%03d/%d.%03d ms\n", lo/1000, lo%1000, avg/1000, avg%1000, hi/1000, hi%1000, mdev/1000, mdev%1000)
		return 0
	}
	return 1
}

func isqrt(n int) int {
	x := 0
	for (x+1)*(x+1) <= n {
		x++
	}
	return x
}
