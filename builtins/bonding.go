package builtins

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// This file reads /proc/net/bonding/<bond>. The kernel writes it as
// "Key: value" lines: a header, the bond's block, an optional 802.3ad
// block, then one block per slave, each opened by "Slave Interface:".
// Kernels from 2.6.18 to 6.x add, drop and reorder lines, and the
// XenServer balance-slb patch adds its own, so the parser keys on the
// line names and on the block it is in, not on line positions, and it
// skips lines it does not know.

// bondingHeader starts the first line of every /proc/net/bonding file.
const bondingHeader = "Ethernet Channel Bonding Driver:"

// ErrNoBondingHeader reports text without the "Ethernet Channel Bonding
// Driver:" line, so not a /proc/net/bonding file.
var ErrNoBondingHeader = errors.New(`not a bonding status file: no "Ethernet Channel Bonding Driver:" line`)

// Bonding is the state of one bond as /proc/net/bonding/<bond> shows it.
// Strings keep the kernel's text; "" means the kernel did not print the
// line (or printed None).
type Bonding struct {
	// DriverVersion is the header text after "Ethernet Channel Bonding
	// Driver:", such as "v3.7.1 (April 27, 2011)" or "v6.6.83".
	DriverVersion string
	// Mode is the "Bonding Mode:" text, such as "fault-tolerance
	// (active-backup)", without the " (fail_over_mac ...)" suffix.
	Mode string
	// ModeName is the option name of Mode ("active-backup",
	// "balance-slb", ...), or "" for a text ModeName does not know.
	ModeName string
	// FailOverMAC is the fail_over_mac policy shown after the mode
	// ("active", "follow"); 2.6.18-128 prints no policy, which is
	// "active". "" when fail_over_mac is off.
	FailOverMAC string
	// TransmitHashPolicy is the xmit_hash_policy name ("layer2",
	// "layer3+4") without its number; the kernel prints it for the
	// balance-xor and 802.3ad modes (and balance-tlb on new kernels).
	TransmitHashPolicy string
	// PrimarySlave is the primary interface, "" when None or not printed.
	PrimarySlave string
	// PrimaryReselect is the primary_reselect policy printed after the
	// primary slave by bonding 3.6.0 and later.
	PrimaryReselect string
	// ActiveSlave is the currently active interface, "" when None or not
	// printed (modes without a primary print neither line).
	ActiveSlave string
	// MIIStatus is the bond's carrier: "up" or "down".
	MIIStatus string
	// MIIMon is the MII polling interval in ms; 0 means no link monitoring.
	MIIMon int
	// UpDelay and DownDelay are in ms.
	UpDelay, DownDelay int
	// Slaves are the enslaved interfaces in enslave order.
	Slaves []Slave
	// AD is the "802.3ad info" block, nil in the other modes.
	AD *ADInfo
}

// Slave is one "Slave Interface:" block.
type Slave struct {
	// Name is the interface name.
	Name string
	// MIIStatus is "up" or "down" (3.x and later also print "going
	// down", "going back" and "unknown").
	MIIStatus string
	// Speed is the kernel's text ("1000 Mbps", "Unknown"), "" on kernels
	// that do not print it (before 2.6.18-238 on RHEL5).
	Speed string
	// Duplex is "full", "half" or "Unknown", "" when not printed.
	Duplex string
	// LinkFailures is the Link Failure Count.
	LinkFailures int
	// PermanentHWAddr is the interface's own MAC as printed (captures
	// may redact it, so it is not checked to be hexadecimal).
	PermanentHWAddr string
	// AggregatorID is the 802.3ad aggregator: a number, "N/A", or "" in
	// the other modes.
	AggregatorID string
	// QueueID is the Slave queue ID, -1 on kernels that do not print it.
	QueueID int
}

// ADInfo is the "802.3ad info" block.
type ADInfo struct {
	// LACPRate is "slow" or "fast".
	LACPRate string
	// AggregatorSelection is the ad_select policy ("stable", "bandwidth",
	// "count"), "" before bonding 3.4.0.
	AggregatorSelection string
	// ActiveAggregator is nil when the bond "has no active aggregator" or
	// the reader could not see it (recent kernels hide it from non-root).
	ActiveAggregator *Aggregator
}

// Aggregator is the "Active Aggregator Info:" block.
type Aggregator struct {
	// ID is the Aggregator ID; slaves in it show the same AggregatorID.
	ID int
	// NumberOfPorts counts the slaves in the aggregator.
	NumberOfPorts int
	// ActorKey and PartnerKey are the LACP keys of this end and of the
	// switch.
	ActorKey, PartnerKey int
	// PartnerMAC is the Partner Mac Address as printed.
	PartnerMAC string
}

// bondingModes is the kernel's mode table (bond_mode_tbl, bond_mode_name):
// the index is the mode number. Mode 7 exists only in XenServer and XCP-ng
// kernels.
var bondingModes = [...]struct{ name, text string }{
	{"balance-rr", "load balancing (round-robin)"},
	{"active-backup", "fault-tolerance (active-backup)"},
	{"balance-xor", "load balancing (xor)"},
	{"broadcast", "fault-tolerance (broadcast)"},
	{"802.3ad", "IEEE 802.3ad Dynamic link aggregation"},
	{"balance-tlb", "transmit load balancing"},
	{"balance-alb", "adaptive load balancing"},
	{"balance-slb", "source load balancing"},
}

// ModeName returns the mode option name ("active-backup") for a
// "Bonding Mode:" text ("fault-tolerance (active-backup)"), or "" if the
// text is not a known mode.
func ModeName(kernelText string) string {
	for _, m := range bondingModes {
		if m.text == kernelText {
			return m.name
		}
	}
	return ""
}

// ModeText returns the "Bonding Mode:" text the kernel prints for a mode
// given by option name ("balance-slb") or number ("7"), or "" if it is
// neither.
func ModeText(name string) string {
	if n, err := strconv.Atoi(name); err == nil && len(name) == 1 && n < len(bondingModes) {
		return bondingModes[n].text
	}
	for _, m := range bondingModes {
		if m.name == name {
			return m.text
		}
	}
	return ""
}

// The blocks of the file, in the order the kernel prints them.
const (
	inPreamble   = iota // before the header
	inMaster            // the bond's own lines
	inAD                // after "802.3ad info"
	inAggregator        // after "Active Aggregator Info:"
	inSlave             // after "Slave Interface:"
)

// ParseBonding parses the text of /proc/net/bonding/<bond>. Lines before
// the header and lines it does not know are skipped; text without the
// header is ErrNoBondingHeader. Other errors start with "line N: ".
func ParseBonding(text string) (*Bonding, error) {
	p := bondingParser{state: inPreamble}
	lineNo := 0
	for len(text) > 0 {
		lineNo++
		var line string
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			line, text = text, ""
		}
		// Some captures turned the kernel's TABs into spaces.
		line = strings.Trim(line, " \t\r")
		if err := p.line(line); err != nil {
			return nil, fmt.Errorf("line %d: %w", lineNo, err)
		}
	}
	if p.state == inPreamble {
		return nil, ErrNoBondingHeader
	}
	return &p.b, nil
}

type bondingParser struct {
	b     Bonding
	state int
	slave *Slave
}

// line handles one trimmed line.
func (p *bondingParser) line(line string) error {
	if strings.HasPrefix(line, bondingHeader) {
		if p.state != inPreamble {
			return fmt.Errorf("second %q header", bondingHeader)
		}
		p.b.DriverVersion = strings.TrimSpace(line[len(bondingHeader):])
		p.state = inMaster
		return nil
	}
	if p.state == inPreamble {
		return nil
	}
	key, value, ok := strings.Cut(line, ":")
	if !ok {
		switch {
		case line == "802.3ad info":
			p.b.AD = &ADInfo{}
			p.state = inAD
		case p.b.AD != nil && strings.HasPrefix(line, "bond ") && strings.HasSuffix(line, " has no active aggregator"):
			p.b.AD.ActiveAggregator = nil
			p.state = inAD
		}
		return nil
	}
	value = strings.TrimSpace(value)
	if key == "Slave Interface" {
		p.b.Slaves = append(p.b.Slaves, Slave{Name: value, QueueID: -1})
		p.slave = &p.b.Slaves[len(p.b.Slaves)-1]
		p.state = inSlave
		return nil
	}
	switch p.state {
	case inSlave:
		return p.slaveLine(key, value)
	case inAggregator:
		if done, err := p.aggregatorLine(key, value); done {
			return err
		}
		fallthrough
	case inAD:
		if p.adLine(key, value) {
			return nil
		}
	}
	return p.masterLine(key, value)
}

func (p *bondingParser) masterLine(key, value string) error {
	b := &p.b
	switch key {
	case "Bonding Mode":
		b.Mode = value
		if i := strings.Index(value, " (fail_over_mac"); i >= 0 && strings.HasSuffix(value, ")") {
			b.Mode = value[:i]
			b.FailOverMAC = strings.TrimSpace(value[i+len(" (fail_over_mac") : len(value)-1])
			if b.FailOverMAC == "" {
				b.FailOverMAC = "active" // 2.6.18-128's boolean fail_over_mac
			}
		}
		b.ModeName = ModeName(b.Mode)
	case "Transmit Hash Policy":
		b.TransmitHashPolicy = cutParenSuffix(value)
	case "Primary Slave":
		b.PrimarySlave = value
		if i := strings.Index(value, " (primary_reselect "); i >= 0 && strings.HasSuffix(value, ")") {
			b.PrimarySlave = value[:i]
			b.PrimaryReselect = value[i+len(" (primary_reselect ") : len(value)-1]
		}
		b.PrimarySlave = noneIsEmpty(b.PrimarySlave)
	case "Currently Active Slave":
		b.ActiveSlave = noneIsEmpty(value)
	case "MII Status":
		b.MIIStatus = value
	case "MII Polling Interval (ms)":
		return atoi(key, value, &b.MIIMon)
	case "Up Delay (ms)":
		return atoi(key, value, &b.UpDelay)
	case "Down Delay (ms)":
		return atoi(key, value, &b.DownDelay)
	}
	return nil
}

// adLine handles a line of the 802.3ad block and reports whether it was
// one.
func (p *bondingParser) adLine(key, value string) bool {
	ad := p.b.AD
	switch key {
	case "LACP rate":
		ad.LACPRate = value
	case "Aggregator selection policy (ad_select)":
		ad.AggregatorSelection = value
	case "Active Aggregator Info":
		ad.ActiveAggregator = &Aggregator{}
		p.state = inAggregator
	default:
		return false
	}
	return true
}

// aggregatorLine handles a line of the Active Aggregator Info block and
// reports whether it was one.
func (p *bondingParser) aggregatorLine(key, value string) (bool, error) {
	agg := p.b.AD.ActiveAggregator
	switch key {
	case "Aggregator ID":
		return true, atoi(key, value, &agg.ID)
	case "Number of ports":
		return true, atoi(key, value, &agg.NumberOfPorts)
	case "Actor Key":
		return true, atoi(key, value, &agg.ActorKey)
	case "Partner Key":
		return true, atoi(key, value, &agg.PartnerKey)
	case "Partner Mac Address":
		agg.PartnerMAC = value
		return true, nil
	}
	return false, nil
}

func (p *bondingParser) slaveLine(key, value string) error {
	s := p.slave
	switch key {
	case "MII Status":
		s.MIIStatus = value
	case "Speed":
		s.Speed = value
	case "Duplex":
		s.Duplex = value
	case "Link Failure Count":
		return atoi(key, value, &s.LinkFailures)
	case "Permanent HW addr":
		s.PermanentHWAddr = value
	case "Slave queue ID":
		return atoi(key, value, &s.QueueID)
	case "Aggregator ID":
		if _, err := strconv.Atoi(value); err != nil && value != "N/A" {
			return fmt.Errorf("%s: got %q, want a number or N/A", key, value)
		}
		s.AggregatorID = value
	}
	return nil
}

// atoi parses the decimal value of the line named key into *n.
func atoi(key, value string, n *int) error {
	v, err := strconv.Atoi(value)
	if err != nil {
		return fmt.Errorf("%s: got %q, want a number", key, value)
	}
	*n = v
	return nil
}

// cutParenSuffix turns "layer3+4 (1)" into "layer3+4".
func cutParenSuffix(s string) string {
	if i := strings.LastIndex(s, " ("); i >= 0 && strings.HasSuffix(s, ")") {
		return s[:i]
	}
	return s
}

func noneIsEmpty(s string) string {
	if s == "None" {
		return ""
	}
	return s
}

// Value converts b into the struct a runbook sees: driver_version, mode,
// mode_name, fail_over_mac, transmit_hash_policy, primary_slave,
// active_slave, mii_status, miimon, updelay, downdelay, slaves (a list of
// struct(name, mii_status, speed, duplex, link_failures, hw_addr,
// aggregator_id, queue_id)) and ad_info (struct(lacp_rate, ad_select,
// aggregator) with aggregator None or struct(id, ports, actor_key,
// partner_key, partner_mac)). A string the kernel did not print is None,
// and so are a queue_id it did not print and an aggregator_id that is
// absent or N/A; a present aggregator_id is an int, to compare with
// ad_info.aggregator.id. ad_info is None outside 802.3ad.
func (b *Bonding) Value() starlark.Value {
	slaves := make([]starlark.Value, len(b.Slaves))
	for i, s := range b.Slaves {
		var agg, queue starlark.Value = starlark.None, starlark.None
		if n, err := strconv.Atoi(s.AggregatorID); err == nil {
			agg = starlark.MakeInt(n)
		}
		if s.QueueID >= 0 {
			queue = starlark.MakeInt(s.QueueID)
		}
		slaves[i] = starlarkstruct.FromStringDict(starlarkstruct.Default, starlark.StringDict{
			"name":          optString(s.Name),
			"mii_status":    optString(s.MIIStatus),
			"speed":         optString(s.Speed),
			"duplex":        optString(s.Duplex),
			"link_failures": starlark.MakeInt(s.LinkFailures),
			"hw_addr":       optString(s.PermanentHWAddr),
			"aggregator_id": agg,
			"queue_id":      queue,
		})
	}
	var ad starlark.Value = starlark.None
	if b.AD != nil {
		var agg starlark.Value = starlark.None
		if a := b.AD.ActiveAggregator; a != nil {
			agg = starlarkstruct.FromStringDict(starlarkstruct.Default, starlark.StringDict{
				"id":          starlark.MakeInt(a.ID),
				"ports":       starlark.MakeInt(a.NumberOfPorts),
				"actor_key":   starlark.MakeInt(a.ActorKey),
				"partner_key": starlark.MakeInt(a.PartnerKey),
				"partner_mac": optString(a.PartnerMAC),
			})
		}
		ad = starlarkstruct.FromStringDict(starlarkstruct.Default, starlark.StringDict{
			"lacp_rate":  optString(b.AD.LACPRate),
			"ad_select":  optString(b.AD.AggregatorSelection),
			"aggregator": agg,
		})
	}
	return starlarkstruct.FromStringDict(starlarkstruct.Default, starlark.StringDict{
		"driver_version":       starlark.String(b.DriverVersion),
		"mode":                 optString(b.Mode),
		"mode_name":            optString(b.ModeName),
		"fail_over_mac":        optString(b.FailOverMAC),
		"transmit_hash_policy": optString(b.TransmitHashPolicy),
		"primary_slave":        optString(b.PrimarySlave),
		"active_slave":         optString(b.ActiveSlave),
		"mii_status":           optString(b.MIIStatus),
		"miimon":               starlark.MakeInt(b.MIIMon),
		"updelay":              starlark.MakeInt(b.UpDelay),
		"downdelay":            starlark.MakeInt(b.DownDelay),
		"slaves":               starlark.NewList(slaves),
		"ad_info":              ad,
	})
}

// optString is None for "" and a str otherwise.
func optString(s string) starlark.Value {
	if s == "" {
		return starlark.None
	}
	return starlark.String(s)
}
