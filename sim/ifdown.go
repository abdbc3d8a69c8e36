package sim

import (
	"fmt"
	"io"
	"strings"
)

// ifdown as initscripts 9.49.41 runs it (ifdown, ifdown-eth): a bond
// first takes down every NIC whose ifcfg names it as MASTER, which
// leaves the bond (getting its permanent MAC back); then the device's
// addresses are flushed and it is set down. The bond itself stays, with
// no slaves, so that the next ifup applies BONDING_OPTS again.

const ifdownUsage = "usage: ifdown <configuration>\n"

func (p *proc) ifdownMain(args []string) int {
	if len(args) == 0 {
		io.WriteString(p.stderr, ifdownUsage)
		return 1
	}
	code := p.ifdown(args[0])
	if err := p.syncProc(); err != nil {
		fmt.Fprintf(p.stderr, "ifdown (simulated): %v\n", err)
		return 1
	}
	return code
}

func (p *proc) ifdown(arg string) int {
	if p.ifupDepth > maxIfupDepth {
		return 0
	}
	p.ifupDepth++
	defer func() { p.ifupDepth-- }()
	c, ok := p.findConfig(arg)
	if !ok {
		io.WriteString(p.stderr, ifdownUsage)
		return 1
	}
	dev := c.device()
	k := p.k()
	slave := strings.EqualFold(c.vars["SLAVE"], "yes") && c.vars["MASTER"] != ""
	if !slave {
		if hw := strings.ToUpper(c.vars["HWADDR"]); hw != "" && c.vars["MACADDR"] == "" {
			if found := strings.ToUpper(p.liveMAC(dev)); found != "" && found != hw {
				p.netLog("err", ifdownEthScript, fmt.Sprintf("Device %s has MAC address %s, instead of configured address %s. Ignoring.", dev, found, hw))
				return 1
			}
		}
	}
	if b := k.bond(dev); b != nil {
		for _, o := range p.configs() {
			if o.file != c.file && o.vars["MASTER"] == dev {
				p.ifdown(o.file)
			}
		}
	}
	if k.bond(dev) == nil && k.link(dev) == nil {
		return 0
	}
	k.flushAddrs(dev)
	if slave {
		if b := k.bond(c.vars["MASTER"]); b != nil {
			k.release(b, dev, p.m.derivedMAC("bond-"+b.Name, p.m.localHost(), k.NextIndex))
		}
	}
	if b := k.bond(dev); b != nil {
		b.Up = false
		b.reselect()
	} else if l := k.link(dev); l != nil {
		l.Up = false
	}
	return 0
}
