package sim

import (
	"net"
	"slices"
	"strconv"
	"strings"
)

// Static routes of a network (nm.ml determine_static_routes): the
// network's other-config:static-routes holds comma-separated
// SUBNET/PREFIXLEN/GATEWAY entries; if any entry does not parse, xapi
// ignores them all. When a PIF on the network is brought up, networkd adds
// each with `ip route replace SUBNET/PREFIXLEN via GATEWAY dev BRIDGE`
// (network_utils.ml set_route), ignoring failures: the kernel refuses a
// gateway that no connected subnet of the device reaches.

// kstatic is a route in the local kernel's main table beside the
// connected subnets and the default route.
type kstatic struct {
	Dst     string `json:"dst"` // a.b.c.d/n, as given
	Gateway string `json:"gateway"`
	Device  string `json:"device"`
}

// staticRoutes parses a network's static-routes, nil when there are none
// or one entry is bad.
func staticRoutes(n *netRec) []kstatic {
	v, ok := mapGet(n.OtherConfig, "static-routes")
	if !ok {
		return nil
	}
	var out []kstatic
	for _, e := range strings.Split(v, ",") {
		subnet, rest, ok := strings.Cut(e, "/")
		if !ok {
			return nil
		}
		bits, gw, ok := strings.Cut(rest, "/")
		if !ok {
			return nil
		}
		gw, _, _ = strings.Cut(gw, "/")
		prefix, err := strconv.Atoi(strings.TrimLeft(bits, " "))
		if err != nil || net.ParseIP(subnet) == nil || net.ParseIP(gw) == nil {
			return nil
		}
		out = append(out, kstatic{Dst: subnet + "/" + strconv.Itoa(prefix), Gateway: gw, Device: n.Bridge})
	}
	return out
}

// syncStaticRoutes makes the kernel's static routes on a network's bridge
// those of the network, as bringing a PIF up does; without an address on
// the bridge, none.
func (k *kernel) syncStaticRoutes(n *netRec) {
	k.Routes = slices.DeleteFunc(k.Routes, func(r kstatic) bool { return r.Device == n.Bridge })
	for _, r := range staticRoutes(n) {
		if !validIPv4(r.Gateway) || !k.reaches(n.Bridge, r.Gateway) {
			continue
		}
		if _, _, err := net.ParseCIDR(r.Dst); err != nil {
			continue
		}
		k.Routes = append(k.Routes, r)
	}
}

// reaches reports whether an address of dev has gw on its subnet.
func (k *kernel) reaches(dev, gw string) bool {
	for _, a := range k.Addrs {
		if a.Device != dev {
			continue
		}
		if sameSubnet(a.Address, gw, prefixLen(a.Netmask)) {
			return true
		}
	}
	return false
}

// staticRoute is the longest static route to addr over an up link, with
// its prefix length, or -1.
func (k *kernel) staticRoute(addr string) (kstatic, int) {
	best, bestBits := kstatic{}, -1
	for _, r := range k.Routes {
		_, n, err := net.ParseCIDR(r.Dst)
		ip := net.ParseIP(addr)
		if err != nil || ip == nil || !n.Contains(ip) || !k.linkUp(r.Device) {
			continue
		}
		if ones, _ := n.Mask.Size(); ones > bestBits {
			best, bestBits = r, ones
		}
	}
	return best, bestBits
}
