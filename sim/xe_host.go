package sim

import (
	"errors"
	"slices"
	"strings"
)

// Host commands. host-disable, host-enable and host-evacuate select hosts
// the way do_host_op does: host=<uuid, name-label or hostname>, or any
// host field as a filter; every host when nothing is given.

// hostOp wraps an operation on selected hosts.
func hostOp(op func(x *xeCall, h *hostRec) error) func(x *xeCall) error {
	return func(x *xeCall) error {
		hosts, err := x.selectHosts()
		if err != nil {
			return err
		}
		multiple, err := x.boolParam("multiple")
		if err != nil {
			return err
		}
		switch {
		case len(hosts) == 0:
			return cliErr("No matching hosts found")
		case len(hosts) > 1 && !multiple:
			return cliErr("Multiple matching hosts found. --multiple required to complete the operation")
		case len(hosts) == 1:
			return op(x, hosts[0])
		}
		var failed []string
		for _, h := range hosts {
			if err := op(x, h); err != nil {
				msg := err.Error()
				var xe *xeErr
				if errors.As(err, &xe) {
					msg = strings.Join(xe.lines, " ")
				}
				failed = append(failed, "operation failed on "+h.UUID+": "+msg)
			}
		}
		if failed != nil {
			return &xeErr{lines: failed, stdout: true}
		}
		return nil
	}
}

// selectHosts is select_hosts; the parameters in ignore are the
// command's own, not filters.
func (x *xeCall) selectHosts(ignore ...string) ([]*hostRec, error) {
	var recs []*record
	for _, h := range x.m.Hosts {
		recs = append(recs, hostRecord(x.m, h))
	}
	for _, p := range x.params {
		// do_host_op's own parameters are not filters.
		if slices.Contains(stdParams, p.K) || slices.Contains(ignore, p.K) || x.cmd == "host-disable" && p.K == "auto-enable" {
			continue
		}
		if p.K == "host" {
			var keep []*record
			for _, r := range recs {
				h := x.m.host(r.uuid)
				if p.V == h.UUID || p.V == h.NameLabel || p.V == h.Hostname {
					keep = append(keep, r)
				}
			}
			recs = keep
			continue
		}
		var err error
		if recs, err = filterRecords(recs, p); err != nil {
			return nil, err
		}
	}
	var hosts []*hostRec
	for _, r := range recs {
		hosts = append(hosts, x.m.host(r.uuid))
	}
	return hosts, nil
}

// hostDisable is Host.disable: with auto-enable=false (xapi v25.31.0 on)
// the host's local database keeps it disabled across its boots; only a
// host that was enabled records it (xapi_host.ml disable).
func hostDisable(x *xeCall, h *hostRec) error {
	autoEnable := true
	if x.p.rel.hasAutoEnable() {
		if _, ok := x.param("auto-enable"); ok {
			var err error
			if autoEnable, err = x.boolParam("auto-enable"); err != nil {
				return err
			}
		}
	}
	if h.Enabled {
		h.Enabled = false
		if !autoEnable {
			h.Dom0.AutoEnable = false
		}
	}
	return nil
}

// hostEnable is Host.enable, which also sets host_auto_enable back to
// true.
func hostEnable(x *xeCall, h *hostRec) error {
	if !h.Enabled {
		h.Dom0.AutoEnable = true
		h.Enabled = true
	}
	return nil
}

// hostManagementReconfigure moves the management role to a PIF of its
// host. The old management PIF keeps its IP.
func hostManagementReconfigure(x *xeCall) error {
	p, err := x.pifByUUID("pif-uuid")
	if err != nil {
		return err
	}
	switch {
	case p.BondSlaveOf != "":
		return apiErr("CANNOT_PLUG_BOND_SLAVE", p.UUID)
	case p.IPMode == "None":
		return apiErr("PIF_HAS_NO_NETWORK_CONFIGURATION", p.UUID)
	case p.Management:
		return nil
	}
	for _, q := range x.m.PIFs {
		if q.Host == p.Host {
			q.Management = false
		}
	}
	p.Management = true
	x.m.bringUp(p)
	return nil
}
