package sim

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

const blacklistBridge = "etc/modprobe.d/blacklist-bridge.conf"

// switchBackend is the last systemd-era xe-switch-network-backend
// (xen-api scripts/xe-switch-network-backend before its removal): it changes network.conf and the bridge blacklist for
// the next boot and nothing in the running system.
func (p *proc) switchBackend(args []string) int {
	if len(args) != 1 {
		io.WriteString(p.stdout, "Need bridge or openvswitch...\n")
		return 1
	}
	mode := args[0]
	switch mode {
	case "bridge", "openvswitch":
	case "vswitch":
		mode = "openvswitch"
	default:
		io.WriteString(p.stdout, "Mode must be \"bridge\" or \"vswitch\"\n")
		return 1
	}
	if cur, _ := p.s.readHostFile(networkConf); strings.TrimSpace(string(cur)) == "vswitch" {
		mode = "openvswitch"
	}
	fail := func(err error) int {
		fmt.Fprintf(p.stderr, "%s (simulated): %v\n", switchProg, err)
		return 1
	}
	if p.rel.CleansIfcfg {
		io.WriteString(p.stdout, "Cleaning up old ifcfg files\n")
		ents, _ := os.ReadDir(p.s.hostFile(networkScripts))
		var names []string
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), "ifcfg-") && e.Name() != "ifcfg-lo" {
				names = append(names, e.Name())
			}
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(p.stdout, " Remove... %s\n", n)
			if err := p.s.removeHostFile(networkScripts + "/" + n); err != nil {
				return fail(err)
			}
		}
	}
	if mode == "openvswitch" {
		if err := p.s.writeHostFile(blacklistBridge, []byte("install bridge /bin/true\n")); err != nil {
			return fail(err)
		}
		io.WriteString(p.stdout, "Enabling openvswitch daemon\n")
	} else {
		if err := p.s.removeHostFile(blacklistBridge); err != nil {
			return fail(err)
		}
		io.WriteString(p.stdout, "Disabling openvswitch daemon\n")
	}
	fmt.Fprintf(p.stdout, "Configure system for %s networking\n", mode)
	if err := p.s.writeHostFile(networkConf, []byte(mode+"\n")); err != nil {
		return fail(err)
	}
	io.WriteString(p.stderr, "You *MUST* now reboot your system\n")
	return 0
}
