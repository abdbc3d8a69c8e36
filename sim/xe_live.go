package sim

import ()

// xapi across the pool: the local xapi must run (not while the host's
// reboot is pending, nor for the first calls after its boot), a member's
// xapi needs the coordinator (a member whose coordinator is down runs in
// emergency mode), and calls that act on another host are forwarded to
// it, which fails when that host is not live (message_forwarding.ml
// check_live).

// xapiReachable is what the xe client meets before any command runs.
func (p *proc) xapiReachable() error {
	h := p.m.localHost()
	book := &p.s.st.Book
	if !h.live() {
		return &xeErr{lines: []string{"Unable to contact server. Please check server and port settings."}}
	}
	if n := book.xapiDown(h.UUID); n > 0 {
		book.setXapiDown(h.UUID, n-1)
		return &xeErr{lines: []string{"Unable to contact server. Please check server and port settings."}}
	}
	if master := p.m.master(); master != nil && master != h && !master.live() {
		// slave_emergency_mode: every call that is not an emergency
		// call fails with the emergency mode error.
		return apiErr("HOST_STILL_BOOTING")
	}
	return nil
}

// checkForwarded fails a command that acts on another host that is not
// live with HOST_OFFLINE, as do_op_on does before forwarding.
func (x *xeCall) checkForwarded() error {
	var h *hostRec
	switch x.cmd {
	case "pif-plug", "pif-unplug", "pif-forget", "pif-reconfigure-ip":
		if x.cmd == "pif-reconfigure-ip" {
			if _, err := ipMode(x.paramOr("mode", "")); err != nil {
				uuid, _ := x.param("uuid")
				if x.m.pif(uuid) != nil && !x.p.rel.xapiAtLeast(24, 28) {
					// Before xen-api v24.28.0 (commit d5f72c3da0) the
					// enum parser had its own text.
					return cliErr("Expected 'dhcp','none' or 'static', got %s", x.paramOr("mode", ""))
				}
				return nil // the CLI's own parse error comes first
			}
		}
		uuid, _ := x.param("uuid")
		if p := x.m.pif(uuid); p != nil {
			h = x.m.host(p.Host)
		}
	case "pif-scan", "pif-introduce":
		uuid, _ := x.param("host-uuid")
		h = x.m.host(uuid)
	case "host-disable", "host-enable":
		hosts, err := x.selectHosts()
		if err == nil && len(hosts) == 1 {
			h = hosts[0]
		}
	}
	if h == nil || h == x.m.localHost() || h.live() {
		return nil
	}
	return apiErr("HOST_OFFLINE", hostRef(h))
}
