package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// Identifiers are drawn from a hash of the seed and a counter, so two
// hosts made with the same seed and driven the same way hand out the same
// UUIDs and MACs.

func idBytes(seed int64, kind string, n uint64) [32]byte {
	var b [8 + 8]byte
	binary.BigEndian.PutUint64(b[:8], uint64(seed))
	binary.BigEndian.PutUint64(b[8:], n)
	return sha256.Sum256(append([]byte(kind+"\x00"), b[:]...))
}

func formatUUID(b []byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// newUUID draws the next object UUID.
func (m *model) newUUID() string {
	m.NextID++
	b := idBytes(m.Seed, "uuid", m.NextID)
	return formatUUID(b[:16])
}

// newMAC draws the next NIC address. The prefix is an Intel OUI, as on
// the server NICs the samples in the reference come from.
func (m *model) newMAC() string {
	m.NextID++
	b := idBytes(m.Seed, "mac", m.NextID)
	return fmt.Sprintf("00:1b:21:%02x:%02x:%02x", b[0], b[1], b[2])
}

// bootID is the kernel's boot_id for boot number n.
func bootID(seed int64, n int) string {
	b := idBytes(seed, "boot", uint64(n))
	return formatUUID(b[:16])
}

// derivedMAC is a locally administered MAC that does not consume the
// counter: the same host and n give the same address (the random MACs
// the kernel gives ovs-system or a bond with no slaves).
func (m *model) derivedMAC(kind string, h *hostRec, n int) string {
	b := idBytes(m.Seed, fmt.Sprintf("%s%d", kind, m.hostIndex(h)), uint64(n))
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", b[0]&0xfe|0x02, b[1], b[2], b[3], b[4], b[5])
}
