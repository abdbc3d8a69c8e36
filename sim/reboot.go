package sim

import (
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

const (
	networkConf = "etc/xensource/network.conf"
	bootIDFile  = "proc/sys/kernel/random/boot_id"
	wantsDir    = "etc/systemd/system/multi-user.target.wants"
)

// reboot restarts the local host: a new boot id, a fresh kernel, the
// backend network.conf names, xapi slow to answer, guests halted. Then it
// runs what systemd would start that matters here: units that run ifup.
func (p *proc) reboot() int {
	m := p.m
	m.BootCount++
	m.BootID = bootID(m.Seed, m.BootCount)
	if err := p.s.writeHostFile(bootIDFile, []byte(m.BootID+"\n")); err != nil {
		fmt.Fprintf(p.stderr, "reboot (simulated): %v\n", err)
		return 1
	}
	local := m.localHost()
	backend := p.configuredBackend()
	for i := range local.SoftwareVersion {
		if local.SoftwareVersion[i].K == "network_backend" {
			local.SoftwareVersion[i].V = backend
		}
	}
	m.Kernel = bootKernel(m)
	p.s.st.Book.XapiDown = m.XapiDelay
	for _, v := range m.VMs {
		if v.ResidentOn == local.UUID && !v.IsControlDomain && v.PowerState == "running" {
			v.PowerState, v.ResidentOn, v.DomID = "halted", "", -1
		}
	}
	if err := p.syncProc(); err != nil {
		fmt.Fprintf(p.stderr, "reboot (simulated): %v\n", err)
		return 1
	}
	p.bootUnits()
	if err := p.syncProc(); err != nil {
		fmt.Fprintf(p.stderr, "reboot (simulated): %v\n", err)
		return 1
	}
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

// bootUnits runs the ifup commands of the enabled units, silently.
func (p *proc) bootUnits() {
	dir := p.s.hostFile(wantsDir)
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".service") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	stdout, stderr := p.stdout, p.stderr
	p.stdout, p.stderr = io.Discard, io.Discard
	defer func() { p.stdout, p.stderr = stdout, stderr }()
	for _, name := range names {
		unit, err := p.readUnit(name)
		if err != nil {
			continue
		}
		for _, argv := range execStarts(unit) {
			if len(argv) > 0 && path.Base(argv[0]) == ifupProg && len(argv) > 1 {
				p.ifup(argv[1], len(argv) > 2 && argv[2] == "boot")
			}
		}
	}
}

// readUnit reads an enabled unit: the target of the link in the wants
// directory, mapped under the root, or the unit of the same name in
// etc/systemd/system.
func (p *proc) readUnit(name string) (string, error) {
	link := filepath.Join(p.s.hostFile(wantsDir), name)
	if target, err := os.Readlink(link); err == nil {
		var file string
		if path.IsAbs(target) {
			file = p.s.hostFile(target)
		} else {
			file = filepath.Join(filepath.Dir(link), target)
		}
		if rel, err := filepath.Rel(p.s.root, file); err == nil && !strings.HasPrefix(rel, "..") {
			if data, err := os.ReadFile(file); err == nil {
				return string(data), nil
			}
		}
	} else if data, err := os.ReadFile(link); err == nil {
		return string(data), nil
	}
	data, err := p.s.readHostFile(path.Join("etc/systemd/system", name))
	return string(data), err
}

// execStarts returns the command lines of the ExecStart= settings of a
// unit, without systemd's prefixes (-, @, +, !, :).
func execStarts(unit string) [][]string {
	var out [][]string
	for _, line := range strings.Split(unit, "\n") {
		line = strings.TrimSpace(line)
		v, ok := strings.CutPrefix(line, "ExecStart=")
		if !ok {
			continue
		}
		v = strings.TrimLeft(v, "-@+!:")
		if w := shellSplit(v); len(w) > 0 {
			out = append(out, w)
		}
	}
	return out
}
