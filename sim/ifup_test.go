package sim

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseIfcfg(t *testing.T) {
	got := parseIfcfg(`# comment
DEVICE=bond51
BONDING_OPTS="mode=active-backup miimon=100"
HWADDR='00:1b:21:aa:bb:cc'
IPADDR=10.0.0.5 # trailing comment
export ONBOOT=yes
NAME="a \"quoted\" \$word"
  PREFIX=24
not an assignment
1BAD=x
EMPTY=
`)
	want := map[string]string{
		"DEVICE":       "bond51",
		"BONDING_OPTS": "mode=active-backup miimon=100",
		"HWADDR":       "00:1b:21:aa:bb:cc",
		"IPADDR":       "10.0.0.5",
		"ONBOOT":       "yes",
		"NAME":         `a "quoted" $word`,
		"PREFIX":       "24",
		"EMPTY":        "",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestShellSplit(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  ", nil},
		{"/sbin/ifup bond51 boot", []string{"/sbin/ifup", "bond51", "boot"}},
		{`a "b c" 'd e' f\ g`, []string{"a", "b c", "d e", "f g"}},
		{`""`, []string{""}},
		{`x'y'"z"`, []string{"xyz"}},
		{`'unterminated`, []string{"unterminated"}},
	}
	for _, tt := range tests {
		if got := shellSplit(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("shellSplit(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// bondOpts is the option part of a kbond.
type bondOpts struct {
	Mode, MIIMon, UpDelay, DownDelay int
	LACPRate, XmitHash               string
}

func TestSetOption(t *testing.T) {
	tests := []struct {
		opts    string
		want    bondOpts
		wantMsg string
	}{
		{"", bondOpts{Mode: 7, MIIMon: 100, LACPRate: "slow", XmitHash: "layer2"}, ""},
		{"mode=1", bondOpts{Mode: 1, MIIMon: 100, LACPRate: "slow", XmitHash: "layer2"}, ""},
		{"mode=balance-alb", bondOpts{Mode: 6, MIIMon: 100, LACPRate: "slow", XmitHash: "layer2"}, ""},
		{"mode=7", bondOpts{Mode: 7, MIIMon: 100, LACPRate: "slow", XmitHash: "layer2"}, ""},
		{"mode=8", bondOpts{Mode: 7, MIIMon: 100, LACPRate: "slow", XmitHash: "layer2"}, "b: option mode: invalid value (8)"},
		{"mode=balance-foo", bondOpts{Mode: 7, MIIMon: 100, LACPRate: "slow", XmitHash: "layer2"}, "b: option mode: invalid value (balance-foo)"},
		{"miimon=x", bondOpts{Mode: 7, MIIMon: 100, LACPRate: "slow", XmitHash: "layer2"}, "b: option miimon: invalid value (x)"},
		// delays are multiples of miimon, rounded down.
		{"miimon=100 updelay=31050 downdelay=250", bondOpts{Mode: 7, MIIMon: 100, UpDelay: 31000, DownDelay: 200, LACPRate: "slow", XmitHash: "layer2"}, ""},
		// without miimon there are no delays.
		{"miimon=0 updelay=200", bondOpts{Mode: 7, LACPRate: "slow", XmitHash: "layer2"}, ""},
		{"lacp_rate=1 xmit_hash_policy=layer2+3", bondOpts{Mode: 7, MIIMon: 100, LACPRate: "fast", XmitHash: "layer2+3"}, ""},
		{"primary=eth2 arp_interval=0", bondOpts{Mode: 7, MIIMon: 100, LACPRate: "slow", XmitHash: "layer2"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.opts, func(t *testing.T) {
			var k kernel
			b := k.newBond("b", "02:00:00:00:00:01")
			var msgs []string
			for _, o := range strings.Fields(tt.opts) {
				key, v, _ := strings.Cut(o, "=")
				if m := b.setOption(key, v); m != "" {
					msgs = append(msgs, m)
				}
			}
			got := bondOpts{Mode: b.Mode, MIIMon: b.MIIMon, UpDelay: b.UpDelay, DownDelay: b.DownDelay, LACPRate: b.LACPRate, XmitHash: b.XmitHash}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if m := strings.Join(msgs, "\n"); m != tt.wantMsg {
				t.Errorf("message %q, want %q", m, tt.wantMsg)
			}
		})
	}
}

func TestProcBondingModes(t *testing.T) {
	h := &hostRec{NICs: []*nic{
		{Device: "eth2", MAC: "00:1b:21:00:00:02", Carrier: true, Speed: 1000, Duplex: "full"},
		{Device: "eth3", MAC: "00:1b:21:00:00:03", Carrier: true, Speed: 1000, Duplex: "full"},
	}}
	tests := []struct {
		mode      int
		has, hasn []string
	}{
		{0, []string{"Bonding Mode: load balancing (round-robin)\nMII Status: up\n"}, []string{"Primary Slave", "Currently Active", "Transmit Hash"}},
		{1, []string{"Primary Slave: None\nCurrently Active Slave: eth2\n"}, []string{"Transmit Hash", "802.3ad"}},
		{2, []string{"Bonding Mode: load balancing (xor)\nTransmit Hash Policy: layer2 (0)\nMII Status: up"}, []string{"Currently Active"}},
		{3, []string{"Bonding Mode: fault-tolerance (broadcast)\nMII Status"}, []string{"Primary Slave"}},
		{4, []string{"\n802.3ad info\nLACP rate: slow\n", "queue ID: 0\nPromiscuity ref count: 0\nFlags: 0x1803\nAggregator ID: 1\n"}, []string{"Primary Slave"}},
		{5, []string{"Bonding Mode: transmit load balancing\nTransmit Hash Policy: layer2 (0)\nPrimary Slave: None\n"}, nil},
		{6, []string{"Bonding Mode: adaptive load balancing\nPrimary Slave: None\n"}, []string{"Transmit Hash"}},
		{7, []string{"Down Delay (ms): 0\n\nSource load balancing info:\n\nSlave Interface: eth2\n", "Promiscuity ref count: 1\nFlags: 0x1903\n"}, []string{"Transmit Hash"}},
	}
	for _, tt := range tests {
		t.Run(bondModes[tt.mode].name, func(t *testing.T) {
			k := kernel{Links: []*klink{{Device: "eth2", MAC: "00:1b:21:00:00:02"}, {Device: "eth3", MAC: "00:1b:21:00:00:03"}}}
			b := k.newBond("bond0", "02:00:00:00:00:01")
			b.Mode, b.Up = tt.mode, true
			k.enslave(b, h.NICs[0])
			k.enslave(b, h.NICs[1])
			got := procBonding(b, h)
			if !strings.HasPrefix(got, "Ethernet Channel Bonding Driver: v3.7.1 (April 27, 2011)\n\nBonding Mode: "+bondModes[tt.mode].text+"\n") {
				t.Errorf("header:\n%s", got)
			}
			for _, s := range tt.has {
				if !strings.Contains(got, s) {
					t.Errorf("lacks %q:\n%s", s, got)
				}
			}
			for _, s := range tt.hasn {
				if strings.Contains(got, s) {
					t.Errorf("has %q:\n%s", s, got)
				}
			}
			if strings.Contains(got, "Peer Notification Delay") {
				t.Errorf("4.19 prints no Peer Notification Delay:\n%s", got)
			}
			// the second slave takes the bond's MAC, except in tlb and alb.
			wantMAC := "00:1b:21:00:00:02"
			if tt.mode == modeTLB || tt.mode == modeALB {
				wantMAC = "00:1b:21:00:00:03"
			}
			if got := k.link("eth3").MAC; got != wantMAC {
				t.Errorf("eth3 live MAC %s, want %s", got, wantMAC)
			}
		})
	}
}

func TestLinkWithoutMIIMon(t *testing.T) {
	root := newRoot(t)
	ns := filepath.Join(root, networkScripts)
	mustRun(t, root, "xe", "pif-unplug", "uuid="+pifOf(t, root, "xen01", "eth3"))
	writeFile(t, filepath.Join(ns, "ifcfg-bond1"), "DEVICE=bond1\nBONDING_OPTS='mode=1 miimon=0'\n")
	writeFile(t, filepath.Join(ns, "ifcfg-eth1"), "DEVICE=eth1\nMASTER=bond1\nSLAVE=yes\n")
	writeFile(t, filepath.Join(ns, "ifcfg-eth3"), "DEVICE=eth3\nMASTER=bond1\nSLAVE=yes\n")
	mustRun(t, root, "ifup", "bond1")
	var stdout, stderr strings.Builder
	if code := Command([]string{"link", "--root", root, "eth1", "down"}, func(string) string { return "" }, &stdout, &stderr); code != 0 {
		t.Fatalf("link: %d %s", code, stderr.String())
	}
	// with miimon 0 the bond does not see the carrier go.
	proc := readFile(t, filepath.Join(root, "proc/net/bonding/bond1"))
	for _, s := range []string{"MII Polling Interval (ms): 0\n", "Currently Active Slave: eth1\n", "Slave Interface: eth1\nMII Status: up\nSpeed: Unknown\nDuplex: Unknown\nLink Failure Count: 0\n"} {
		if !strings.Contains(proc, s) {
			t.Errorf("lacks %q:\n%s", s, proc)
		}
	}
}

func TestIfupBootSkipsOnbootNo(t *testing.T) {
	root := newRoot(t)
	ns := filepath.Join(root, networkScripts)
	writeFile(t, filepath.Join(ns, "ifcfg-bond1"), "DEVICE=bond1\nONBOOT=no\nBONDING_OPTS=mode=1\n")
	mustRun(t, root, "ifup", "bond1", "boot")
	if k := loadModel(t, root).Model.localHost().Dom0.Kernel; len(k.Bonds) != 0 {
		t.Errorf("ONBOOT=no with boot made %d bonds", len(k.Bonds))
	}
	mustRun(t, root, "ifup", "bond1")
	if k := loadModel(t, root).Model.localHost().Dom0.Kernel; len(k.Bonds) != 1 {
		t.Errorf("ifup without boot made %d bonds", len(k.Bonds))
	}
}

func TestIfupMasterLoop(t *testing.T) {
	root := newRoot(t)
	ns := filepath.Join(root, networkScripts)
	writeFile(t, filepath.Join(ns, "ifcfg-bond1"), "DEVICE=bond1\nMASTER=bond2\nBONDING_OPTS=mode=1\n")
	writeFile(t, filepath.Join(ns, "ifcfg-bond2"), "DEVICE=bond2\nMASTER=bond1\nBONDING_OPTS=mode=1\n")
	r := run(t, root, "ifup", "bond1")
	if r.code != 0 || !strings.Contains(r.stderr, "MASTER= lines form a loop") {
		t.Errorf("got %+v", r)
	}
}

func TestIfupNICInXapiBond(t *testing.T) {
	root := newRoot(t)
	bonded(t, root)
	ns := filepath.Join(root, networkScripts)
	writeFile(t, filepath.Join(ns, "ifcfg-eth2"), "DEVICE=eth2\nMASTER=bond51\nSLAVE=yes\n")
	writeFile(t, filepath.Join(ns, "ifcfg-bond51"), "DEVICE=bond51\nBONDING_OPTS=mode=1\n")
	if r := run(t, root, "ifup", "bond51"); r.code != 0 || r.stderr != "" {
		t.Fatalf("%+v", r)
	}
	if b := loadModel(t, root).Model.localHost().Dom0.Kernel.bond("bond51"); b == nil || len(b.Slaves) != 0 {
		t.Errorf("a NIC of a plugged xapi bond was enslaved: %+v", b)
	}
}

// FuzzShellSplit: words quoted the way a shell script would quote them
// split back into the same words.
func FuzzShellSplit(f *testing.F) {
	f.Add("mode=1 miimon=100", "x")
	f.Add(`it's "quoted"`, `back\slash`)
	f.Add("", " ")
	f.Fuzz(func(t *testing.T, a, b string) {
		words := []string{a, b}
		var quoted []string
		for _, w := range words {
			quoted = append(quoted, "'"+strings.ReplaceAll(w, "'", `'\''`)+"'")
		}
		got := shellSplit(strings.Join(quoted, " "))
		if !reflect.DeepEqual(got, words) {
			t.Errorf("shellSplit(%q) = %q, want %q", strings.Join(quoted, " "), got, words)
		}
	})
}
