package sim

import (
	"fmt"
	"strings"
)

const vifHelp = `Give a guest a VIF on the network of a NIC, as vif-create and vif-plug
would: VM is a guest's name label or uuid, NIC a device whose PIF on the
guest's host (the local host for a halted guest) names the network, e.g.
db01:eth2. A running guest's VIF is plugged, which attaches the network
on its host. Prints the VIF's uuid.`

func (c *simCLI) vif(args []string) int {
	fs := c.flags("vif")
	root := c.rootFlag(fs)
	if code, done := c.parse("vif", fs, args); done {
		return code
	}
	if fs.NArg() != 1 {
		return c.usageErr("vif", "want one VM:NIC, got %q", strings.Join(fs.Args(), " "))
	}
	s, code := c.open("vif", root())
	if s == nil {
		return code
	}
	defer s.close()
	m := &s.st.Model
	vm, network, err := m.parseVIFSpec(fs.Arg(0))
	if err != nil {
		return c.usageErr("vif", "%v", err)
	}
	v := m.addVIF(vm, network)
	if err := s.save(); err != nil {
		return c.fail("vif", err)
	}
	fmt.Fprintln(c.stdout, v.UUID)
	return 0
}
