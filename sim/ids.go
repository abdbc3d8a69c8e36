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

// newKindUUID draws the next UUID of a kind of object that has its own
// sequence (VIFs, VLANs, tunnels, network SR-IOVs and the PIFs they make),
// so that adding them leaves every other identifier as it was.
func (m *model) newKindUUID(kind string) string {
	b := idBytes(m.Seed, "uuid/"+kind, m.nextKindID(kind))
	return formatUUID(b[:16])
}

func (m *model) nextKindID(kind string) uint64 {
	if m.IDs == nil {
		m.IDs = map[string]uint64{}
	}
	m.IDs[kind]++
	return m.IDs[kind]
}

// newVIFMAC draws a guest NIC address: locally administered and unicast,
// as the MACs xapi generates for VIFs are.
func (m *model) newVIFMAC() string {
	b := idBytes(m.Seed, "mac/vif", m.nextKindID("vif-mac"))
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", b[0]&0xfc|0x02, b[1], b[2], b[3], b[4], b[5])
}

// opaqueRef is the API reference of the object with uuid, as xapi passes
// it in error parameters that the CLI does not convert (the reason of
// host-get-vms-which-prevent-evacuation). It is derived from the uuid, so
// it is stable for the object's life.
func opaqueRef(uuid string) string {
	b := sha256.Sum256([]byte("ref\x00" + uuid))
	return "OpaqueRef:" + formatUUID(b[:16])
}

// derivedMAC is a locally administered MAC that does not consume the
// counter: the same host and n give the same address (the random MACs
// the kernel gives ovs-system or a bond with no slaves).
func (m *model) derivedMAC(kind string, h *hostRec, n int) string {
	b := idBytes(m.Seed, fmt.Sprintf("%s%d", kind, m.hostIndex(h)), uint64(n))
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", b[0]&0xfe|0x02, b[1], b[2], b[3], b[4], b[5])
}
