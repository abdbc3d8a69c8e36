package builtins

import (
	"fmt"
	"net/netip"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/runbook-dev/runbook/internal/netmask"
)

// ValidIfname reports whether s can name a Linux network device
// (IFNAMSIZ is 16 with the NUL) and is safe in a file name.
func ValidIfname(s string) bool {
	if len(s) == 0 || len(s) > 15 || s == "." || s == ".." {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// NetModule returns the pure "net" module: IPv4 arithmetic for runbooks.
//
//	net.cidr(ip, netmask)      "10.10.51.11", "255.255.255.0" -> "10.10.51.0/24"
//	net.overlaps(a, b)         whether two CIDR networks share addresses
//	net.contains(cidr, ip)     whether ip is inside the network
//	net.prefix_len(netmask)    "255.255.255.0" -> 24
//	net.netmask(prefix_len)    24 -> "255.255.255.0"
//	net.is_ipv4(s), net.is_netmask(s)
//	net.is_host(ip, netmask)   ip is neither the network nor the broadcast address
func NetModule() *starlarkstruct.Module {
	fn := func(name string, f func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)) *starlark.Builtin {
		return starlark.NewBuiltin("net."+name, func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			return f(args, kwargs)
		})
	}
	return &starlarkstruct.Module{Name: "net", Members: starlark.StringDict{
		"cidr": fn("cidr", func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var ip, mask string
			if err := starlark.UnpackPositionalArgs("net.cidr", args, kwargs, 2, &ip, &mask); err != nil {
				return nil, err
			}
			p, err := prefixOf(ip, mask)
			if err != nil {
				return nil, fmt.Errorf("net.cidr: %v", err)
			}
			return starlark.String(p.Masked().String()), nil
		}),
		"overlaps": fn("overlaps", func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var a, b string
			if err := starlark.UnpackPositionalArgs("net.overlaps", args, kwargs, 2, &a, &b); err != nil {
				return nil, err
			}
			pa, err := netip.ParsePrefix(a)
			if err != nil {
				return nil, fmt.Errorf("net.overlaps: %q: want a network such as 10.10.51.0/24", a)
			}
			pb, err := netip.ParsePrefix(b)
			if err != nil {
				return nil, fmt.Errorf("net.overlaps: %q: want a network such as 10.10.51.0/24", b)
			}
			return starlark.Bool(pa.Overlaps(pb)), nil
		}),
		"contains": fn("contains", func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var c, ip string
			if err := starlark.UnpackPositionalArgs("net.contains", args, kwargs, 2, &c, &ip); err != nil {
				return nil, err
			}
			p, err := netip.ParsePrefix(c)
			if err != nil {
				return nil, fmt.Errorf("net.contains: %q: want a network such as 10.10.51.0/24", c)
			}
			a, err := netip.ParseAddr(ip)
			if err != nil {
				return nil, fmt.Errorf("net.contains: %q: want an IPv4 address", ip)
			}
			return starlark.Bool(p.Contains(a)), nil
		}),
		"prefix_len": fn("prefix_len", func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var mask string
			if err := starlark.UnpackPositionalArgs("net.prefix_len", args, kwargs, 1, &mask); err != nil {
				return nil, err
			}
			n, err := netmask.Bits(mask)
			if err != nil {
				return nil, fmt.Errorf("net.prefix_len: %v", err)
			}
			return starlark.MakeInt(n), nil
		}),
		"netmask": fn("netmask", func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var n int
			if err := starlark.UnpackPositionalArgs("net.netmask", args, kwargs, 1, &n); err != nil {
				return nil, err
			}
			if n < 0 || n > 32 {
				return nil, fmt.Errorf("net.netmask: %d: want a prefix length 0-32", n)
			}
			return starlark.String(netmask.Dotted(n)), nil
		}),
		"is_ipv4": fn("is_ipv4", func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var s string
			if err := starlark.UnpackPositionalArgs("net.is_ipv4", args, kwargs, 1, &s); err != nil {
				return nil, err
			}
			a, err := netip.ParseAddr(s)
			return starlark.Bool(err == nil && a.Is4()), nil
		}),
		"is_netmask": fn("is_netmask", func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var s string
			if err := starlark.UnpackPositionalArgs("net.is_netmask", args, kwargs, 1, &s); err != nil {
				return nil, err
			}
			_, err := netmask.Bits(s)
			return starlark.Bool(err == nil), nil
		}),
		"is_host": fn("is_host", func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var ip, mask string
			if err := starlark.UnpackPositionalArgs("net.is_host", args, kwargs, 2, &ip, &mask); err != nil {
				return nil, err
			}
			p, err := prefixOf(ip, mask)
			if err != nil {
				return nil, fmt.Errorf("net.is_host: %v", err)
			}
			if p.Bits() >= 31 {
				return starlark.True, nil
			}
			a := p.Addr().As4()
			v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
			hostMask := uint32(1)<<(32-p.Bits()) - 1
			return starlark.Bool(v&hostMask != 0 && v&hostMask != hostMask), nil
		}),
	}}
}

func prefixOf(ip, mask string) (netip.Prefix, error) {
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is4() {
		return netip.Prefix{}, fmt.Errorf("%q: want an IPv4 address", ip)
	}
	n, err := netmask.Bits(mask)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, n), nil
}
