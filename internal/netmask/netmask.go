// Package netmask reads and writes dotted IPv4 netmasks: the one parser
// the parameters, the net module and the simulated host share.
package netmask

import (
	"errors"
	"fmt"
	"net/netip"
)

// Errors of Bits, wrapped with the text that was read.
var (
	// ErrNotDotted: the text is not a dotted IPv4 address.
	ErrNotDotted = errors.New("want a dotted netmask such as 255.255.255.0")
	// ErrNotContiguous: an IPv4 address, but its ones are not followed
	// only by zeros.
	ErrNotContiguous = errors.New("not a contiguous netmask (ones then zeros, such as 255.255.255.0)")
)

// Bits returns the prefix length of a dotted, contiguous IPv4 netmask:
// 24 for 255.255.255.0, 0 for 0.0.0.0. The error names the text and
// wraps ErrNotDotted or ErrNotContiguous.
func Bits(s string) (int, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return 0, fmt.Errorf("%q: %w", s, ErrNotDotted)
	}
	b := a.As4()
	m := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n := 0
	for n < 32 && m&(1<<(31-n)) != 0 {
		n++
	}
	if n < 32 && m<<n != 0 {
		return 0, fmt.Errorf("%q: %w", s, ErrNotContiguous)
	}
	return n, nil
}

// Dotted returns the dotted netmask of a prefix length, which must be
// 0-32 (it panics otherwise: callers check the length they were given).
func Dotted(n int) string {
	if n < 0 || n > 32 {
		panic(fmt.Sprintf("netmask.Dotted(%d): want 0-32", n))
	}
	m := uint32(0)
	if n > 0 {
		m = ^uint32(0) << (32 - n)
	}
	return fmt.Sprintf("%d.%d.%d.%d", m>>24, m>>16&0xff, m>>8&0xff, m&0xff)
}
