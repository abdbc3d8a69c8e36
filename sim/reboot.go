package sim

import (
	"fmt"
	"io"
	"strings"
)

const (
	networkConf = "etc/xensource/network.conf"
	bootIDFile  = "proc/sys/kernel/random/boot_id"
)

// reboot is the dom0's reboot (systemctl reboot): it asks for the reboot
// and returns at once. From then on the host is going down: its xapi has
// stopped (shutdown_agent disables the host and tells the coordinator,
// which marks it not live), and xe on it fails as with no xapi running.
// The boot itself is `sim boot`, or, with --boot auto, a process that
// starts it once the caller has exited.
func (p *proc) reboot(args []string) int {
	for _, a := range args {
		switch a {
		case "-f", "--force", "--no-wall", "-n", "--no-sync", "-d", "--no-wtmp":
		case "-w", "--wtmp-only":
			return 0
		case "--help", "-h":
			io.WriteString(p.stdout, "reboot [OPTIONS...] [ARG]\n\nReboot the system.\n\n     --help      Show this help\n     --halt      Halt the machine\n  -p --poweroff  Switch off the machine\n     --reboot    Reboot the machine\n  -f --force     Force the operation\n  -w --wtmp-only Don't reboot, just write wtmp record\n  -d --no-wtmp   Don't write wtmp record\n     --no-wall   Don't send wall message before reboot\n")
			return 0
		default:
			if strings.HasPrefix(a, "-") {
				fmt.Fprintf(p.stderr, "reboot: unrecognized option '%s'\n", a)
			} else {
				fmt.Fprintf(p.stderr, "Too many arguments.\n")
			}
			return 1
		}
	}
	h := p.m.localHost()
	if !h.Dom0.RebootPending {
		h.Dom0.RebootPending = true
		h.Enabled = false
	}
	p.rebootAsked = true
	return 0
}

// configuredBackend is the backend xcp-networkd starts with: what
// network.conf says, Open vSwitch for vswitch, a missing file or any
// other value.
func (p *proc) configuredBackend() string {
	data, _ := p.s.readHostFile(networkConf)
	if strings.TrimSpace(string(data)) == "bridge" {
		return "bridge"
	}
	return "openvswitch"
}
