package builtins

// Throughput of the parsers on large inputs (make bench; results in
// bench/RESULTS.md): `xe pif-list params=all` of a pool of 64 hosts with
// 16 PIFs each, and /proc/net/bonding of an 802.3ad bond with 64 slaves.

import (
	"fmt"
	"strings"
	"testing"
)

// pifFields are the fields of `xe pif-list params=all` in record order,
// with their tags (docs: /work/shared/reference/xe-cli.md §2.2).
var pifFields = []struct{ name, tag string }{
	{"uuid", " RO"}, {"device", " RO"}, {"MAC", " RO"}, {"physical", " RO"}, {"managed", " RO"},
	{"currently-attached", " RO"}, {"MTU", " RO"}, {"VLAN", " RO"}, {"vlan-master-of", " RO"},
	{"vlan-slave-of", "SRO"}, {"bond-master-of", "SRO"}, {"bond-slave-of", " RO"},
	{"sriov-physical-PIF-of", "SRO"}, {"sriov-logical-PIF-of", "SRO"}, {"tunnel-access-PIF-of", "SRO"},
	{"tunnel-transport-PIF-of", "SRO"}, {"management", " RO"}, {"network-uuid", " RO"},
	{"network-name-label", " RO"}, {"host-uuid", " RO"}, {"host-name-label", " RO"},
	{"IP-configuration-mode", " RO"}, {"IP", " RO"}, {"netmask", " RO"}, {"gateway", " RO"},
	{"IPv6-configuration-mode", " RO"}, {"IPv6", "SRO"}, {"IPv6-gateway", " RO"},
	{"primary-address-type", " RO"}, {"DNS", " RO"}, {"properties", "MRO"}, {"capabilities", "SRO"},
	{"io_read_kbs", " RO"}, {"io_write_kbs", " RO"}, {"carrier", " RO"}, {"vendor-id", " RO"},
	{"vendor-name", " RO"}, {"device-id", " RO"}, {"device-name", " RO"}, {"speed", " RO"},
	{"duplex", " RO"}, {"disallow-unplug", " RW"}, {"pci-bus-path", " RO"}, {"other-config", "MRW"},
	{"igmp-snooping-status", " RO"},
}

// xePool renders `xe pif-list params=all` of a pool of hosts with pifs
// PIFs each, in xe's layout: labels right-aligned to 4 + the longest
// label of the record (the first one left-aligned), two blank lines
// after each record.
func xePool(hosts, pifs int) string {
	var sb strings.Builder
	width := 0
	for _, f := range pifFields {
		width = max(width, len(f.name)+len(" (RO)")+1)
	}
	width += 4
	for h := 0; h < hosts; h++ {
		for p := 0; p < pifs; p++ {
			n := h*pifs + p
			mgmt := p == 0
			ip, mask, gw, mode := "", "", "", "None"
			if mgmt || p == 1 {
				ip, mask, mode = fmt.Sprintf("10.%d.%d.%d", p, h/250, h%250+1), "255.255.255.0", "Static"
			}
			if mgmt {
				gw = fmt.Sprintf("10.0.%d.254", h/250)
			}
			values := map[string]string{
				"uuid":                    fmt.Sprintf("%08x-63ee-6007-6fb5-401d5477c797", n),
				"device":                  fmt.Sprintf("eth%d", p),
				"MAC":                     fmt.Sprintf("00:1b:21:%02x:%02x:22", h, p),
				"physical":                "true",
				"managed":                 "true",
				"currently-attached":      fmt.Sprint(p < 4),
				"MTU":                     "1500",
				"VLAN":                    "-1",
				"bond-slave-of":           "<not in database>",
				"management":              fmt.Sprint(mgmt),
				"network-uuid":            fmt.Sprintf("51954845-b46a-a91b-1840-%012x", p),
				"network-name-label":      fmt.Sprintf("Pool-wide network associated with eth%d", p),
				"host-uuid":               fmt.Sprintf("6a982c58-b742-2346-37f2-%012x", h),
				"host-name-label":         fmt.Sprintf("xen%02d", h+1),
				"IP-configuration-mode":   mode,
				"IP":                      ip,
				"netmask":                 mask,
				"gateway":                 gw,
				"IPv6-configuration-mode": "None",
				"primary-address-type":    "IPv4",
				"properties":              "gro: on",
				"capabilities":            "fcoe",
				"io_read_kbs":             "<expensive field>",
				"io_write_kbs":            "<expensive field>",
				"carrier":                 "true",
				"vendor-id":               "8086",
				"vendor-name":             "Intel Corporation",
				"device-id":               "10fb",
				"device-name":             "82599ES 10-Gigabit SFI/SFP+ Network Connection",
				"speed":                   "10000 Mbit/s",
				"duplex":                  "full",
				"disallow-unplug":         fmt.Sprint(p == 1),
				"pci-bus-path":            fmt.Sprintf("0000:%02x:00.%d", p/2+1, p%2),
				"other-config":            "management_purpose: Storage; ethtool-gso: off",
				"igmp-snooping-status":    "unknown",
			}
			for i, f := range pifFields {
				label := f.name + " (" + f.tag + ")"
				if i == 0 {
					fmt.Fprintf(&sb, "%-*s: %s\n", width, label, values[f.name])
				} else {
					fmt.Fprintf(&sb, "%*s: %s\n", width, label, values[f.name])
				}
			}
			sb.WriteString("\n\n")
		}
	}
	return sb.String()
}

// bondWithSlaves renders /proc/net/bonding of an 802.3ad bond (the
// format with the most lines per slave) in the 4.19 kernel's format.
func bondWithSlaves(n int) string {
	var sb strings.Builder
	sb.WriteString(`Ethernet Channel Bonding Driver: v3.7.1 (April 27, 2011)

Bonding Mode: IEEE 802.3ad Dynamic link aggregation
Transmit Hash Policy: layer3+4 (1)
MII Status: up
MII Polling Interval (ms): 100
Up Delay (ms): 31000
Down Delay (ms): 200

802.3ad info
LACP rate: slow
Aggregator selection policy (ad_select): stable
System priority: 65535
System MAC address: 00:1b:21:0a:0b:0c
Active Aggregator Info:
	Aggregator ID: 1
	Number of ports: 2
	Actor Key: 15
	Partner Key: 32773
	Partner Mac Address: 00:04:96:1d:2e:3f
`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, `
Slave Interface: eth%d
MII Status: up
Speed: 10000 Mbps
Duplex: full
Link Failure Count: %d
Permanent HW addr: 00:1b:21:0a:%02x:%02x
Slave queue ID: 0
Promiscuity ref count: 1
Flags: 0x1803
Aggregator ID: 1
Actor Churn State: none
Partner Churn State: none
Actor Churned Count: 0
Partner Churned Count: 0
`, i, i%3, i/256, i%256)
	}
	return sb.String()
}

// BenchmarkParseRecords parses `xe pif-list params=all` of a pool of 64
// hosts with 16 PIFs each (1024 records of 45 fields).
func BenchmarkParseRecords(b *testing.B) {
	out := xePool(64, 16)
	rs, err := ParseRecords(out)
	if err != nil {
		b.Fatal(err)
	}
	if len(rs) != 1024 || len(rs[0]) != len(pifFields) {
		b.Fatalf("got %d records of %d fields, want 1024 of %d", len(rs), len(rs[0]), len(pifFields))
	}
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseRecords(out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecordsValue is what xe("pif-list", params="all") costs past
// the program call: parse, then build the Starlark list of dicts.
func BenchmarkRecordsValue(b *testing.B) {
	out := xePool(64, 16)
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		rs, err := ParseRecords(out)
		if err != nil {
			b.Fatal(err)
		}
		if RecordsValue(rs).Len() != 1024 {
			b.Fatal("want 1024 records")
		}
	}
}

// BenchmarkParseBonding parses /proc/net/bonding of an 802.3ad bond with
// 64 slaves.
func BenchmarkParseBonding(b *testing.B) {
	text := bondWithSlaves(64)
	bd, err := ParseBonding(text)
	if err != nil {
		b.Fatal(err)
	}
	if len(bd.Slaves) != 64 || bd.Slaves[63].Name != "eth63" {
		b.Fatalf("got %d slaves, want 64", len(bd.Slaves))
	}
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseBonding(text); err != nil {
			b.Fatal(err)
		}
	}
}
