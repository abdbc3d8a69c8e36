package sim

import (
	"slices"
	"strconv"
	"strings"
)

// Guests: the VM selectors of the CLI (cli_operations.ml select_vms,
// do_vm_op), whether a VM can run on a host (xapi_vm_helpers.ml
// assert_can_boot_here, in its order, for the checks the model has), and
// vm-start, vm-shutdown and vm-migrate.

// selectVMs selects VMs by vm=<uuid or name-label> and any other VM field
// as a filter; control domains only when asked for, templates never.
func (x *xeCall) selectVMs(includeControl bool, ignore ...string) ([]*vmRec, error) {
	var recs []*record
	for _, v := range x.m.VMs {
		if !includeControl && v.IsControlDomain {
			continue
		}
		recs = append(recs, vmRecord(x.m, v))
	}
	filters := []kv{{"is-a-template", "false"}}
	for _, p := range x.params {
		name, _, _ := strings.Cut(p.K, ":")
		if slices.Contains(stdParams, name) || slices.Contains(ignore, name) {
			continue
		}
		if p.K == "vm" {
			recs = slices.DeleteFunc(recs, func(r *record) bool {
				v := x.m.vm(r.uuid)
				return p.V != v.UUID && p.V != v.NameLabel
			})
			continue
		}
		filters = append(filters, p)
	}
	for _, f := range filters {
		var err error
		if recs, err = filterRecords(recs, f); err != nil {
			return nil, err
		}
	}
	var vms []*vmRec
	for _, r := range recs {
		vms = append(vms, x.m.vm(r.uuid))
	}
	return vms, nil
}

// vmOp runs op on the selected VMs the way do_vm_op does.
func vmOp(includeControl bool, ignore []string, op func(x *xeCall, v *vmRec) error) func(x *xeCall) error {
	return func(x *xeCall) error {
		vms, err := x.selectVMs(includeControl, ignore...)
		if err != nil {
			return err
		}
		multiple, err := x.boolParam("multiple")
		if err != nil {
			return err
		}
		switch {
		case len(vms) == 0:
			return cliErr("No matching VMs found")
		case len(vms) == 1:
			return op(x, vms[0])
		case !multiple:
			return cliErr("Multiple matches VMs found. --multiple required to complete the operation")
		}
		var failed []string
		for _, v := range vms {
			if err := op(x, v); err != nil {
				failed = append(failed, "operation failed on "+v.UUID+": "+errText(err))
			}
		}
		if failed != nil {
			return &xeErr{lines: failed, stdout: true}
		}
		return nil
	}
}

// errText is an error as one line, for the --multiple report.
func errText(err error) string {
	if xe, ok := err.(*xeErr); ok {
		return strings.Join(xe.lines, " ")
	}
	return err.Error()
}

// bootErr is an API error with its raw parameters (references as
// OpaqueRefs, as the API returns them) and their CLI rendering.
type bootErr struct {
	code       string
	raw, shown []string
}

func (e *bootErr) Error() string { return apiErr(e.code, e.shown...).Error() }

// xe returns the error as xe prints it.
func (e *bootErr) xe() error { return apiErr(e.code, e.shown...) }

// reason is the error code and its raw parameters joined by commas, as
// host-get-vms-which-prevent-evacuation prints it.
func (e *bootErr) reason() string { return strings.Join(append([]string{e.code}, e.raw...), ",") }

// canBootHere is assert_can_boot_here for the checks the model has: the
// host enabled (not for a control domain, nor a VM already running
// there), every network of the VM's VIFs seen by the host, those
// networks attachable, and, when memory is set, enough free memory.
func (m *model) canBootHere(v *vmRec, h *hostRec, memory bool) *bootErr {
	localLive := v.PowerState == "running" && v.ResidentOn == h.UUID
	if !v.IsControlDomain && !localLive && !h.Enabled {
		return &bootErr{"HOST_DISABLED", []string{opaqueRef(h.UUID)}, []string{hostRef(h)}}
	}
	var nets []string
	for _, vif := range m.vmVIFs(v.UUID) {
		if !slices.Contains(nets, vif.Network) {
			nets = append(nets, vif.Network)
		}
	}
	var avail []string
	for _, n := range nets {
		if m.networkAvailableOn(n, h.UUID) {
			avail = append(avail, n)
			continue
		}
		return &bootErr{"VM_REQUIRES_NETWORK", []string{opaqueRef(v.UUID), opaqueRef(n)}, []string{vmRef(v), m.netRefOf(n)}}
	}
	for _, n := range avail {
		if p := m.networkPIFOn(n, h.UUID); p != nil && p.BondSlaveOf != "" {
			return &bootErr{"HOST_CANNOT_ATTACH_NETWORK", []string{opaqueRef(h.UUID), opaqueRef(n)}, []string{hostRef(h), m.netRefOf(n)}}
		}
	}
	if memory {
		need, free := vmNeeds(v), m.hostFree(h, v)
		if free < need {
			n, f := strconv.FormatInt(need, 10), strconv.FormatInt(free, 10)
			return &bootErr{"HOST_NOT_ENOUGH_FREE_MEMORY", []string{n, f}, []string{n, f}}
		}
	}
	return nil
}

// networkAvailableOn is is_network_available_on of
// xapi_network_attach_helpers.ml: a network with PIFs is available on
// the hosts that have one of them; one without PIFs (an internal network)
// when it is unmanaged, or when no running VM with a VIF on it runs on
// another host.
func (m *model) networkAvailableOn(network, host string) bool {
	hasPIF := false
	for _, p := range m.PIFs {
		if p.Network == network {
			hasPIF = true
			if p.Host == host {
				return true
			}
		}
	}
	if hasPIF {
		return false
	}
	if n := m.network(network); n != nil && !n.Managed {
		return true
	}
	var hosts []string
	for _, vif := range m.VIFs {
		if vm := m.vm(vif.VM); vif.Network == network && vm != nil && vm.PowerState == "running" {
			hosts = append(hosts, vm.ResidentOn)
		}
	}
	return len(hosts) == 0 || slices.Contains(hosts, host)
}

func badPowerState(v *vmRec, expected string) error {
	return apiErr("VM_BAD_POWER_STATE", vmRef(v), expected, v.PowerState)
}

// startOn starts a halted VM on a host: its networks are attached there
// and its VIFs plugged.
func (m *model) startOn(v *vmRec, h *hostRec) {
	domid := 0
	for _, o := range m.VMs {
		domid = max(domid, o.DomID)
	}
	v.PowerState, v.ResidentOn, v.DomID = "running", h.UUID, domid+1
	m.attachNetworksFor(v, h.UUID)
}

func vmStart(x *xeCall, v *vmRec) error {
	if _, err := x.boolParam("force"); err != nil {
		return err
	}
	if _, err := x.boolParam("paused"); err != nil {
		return err
	}
	if v.PowerState != "halted" {
		return badPowerState(v, "halted")
	}
	if on, ok := x.param("on"); ok {
		h := x.hostByNameOrID(on)
		if h == nil {
			return cliErr("Host %s not found", on)
		}
		if err := x.m.canBootHere(v, h, true); err != nil {
			return err.xe()
		}
		x.m.startOn(v, h)
		return nil
	}
	// VM.start picks a host: the affinity host when the VM can run
	// there, else the first host in database order that can.
	cands := slices.Clone(x.m.Hosts)
	if a, ok := mapGet(v.Extra, "affinity"); ok {
		if h := x.m.host(a); h != nil {
			cands = append([]*hostRec{h}, cands...)
		}
	}
	for _, h := range cands {
		if x.m.canBootHere(v, h, true) == nil {
			x.m.startOn(v, h)
			return nil
		}
	}
	// hook_no_hosts_available: the reasons per host, then the error.
	x.pr.list("There are no suitable hosts to start this VM on.",
		"The following table provides per-host reasons for why the VM could not be started:", "")
	var rows []pfield
	for _, h := range x.m.Hosts {
		rows = append(rows, pfield{h.NameLabel, cannotStartText(x.m, x.m.canBootHere(v, h, true))})
	}
	x.pr.table([][]pfield{rows})
	return apiErr("NO_HOSTS_AVAILABLE")
}

// cannotStartText is print_assert_exception of cli_operations.ml.
func cannotStartText(m *model, e *bootErr) string {
	if e == nil {
		return "OK"
	}
	var s string
	switch e.code {
	case "HOST_DISABLED":
		s = "Host disabled (use 'xe host-enable' to re-enable)"
	case "HOST_NOT_ENOUGH_FREE_MEMORY":
		s = "Not enough free memory"
	case "VM_REQUIRES_NETWORK":
		s = "VM requires access to network: " + e.shown[1]
	case "HOST_CANNOT_ATTACH_NETWORK":
		s = "Host cannot attach to network: " + e.shown[1]
	default:
		s = e.reason()
	}
	return "Cannot start here [" + s + "]"
}

// hostByNameOrID is get_host_by_name_or_id: a uuid, name-label or
// hostname.
func (x *xeCall) hostByNameOrID(s string) *hostRec {
	for _, h := range x.m.Hosts {
		if s == h.UUID || s == h.NameLabel || s == h.Hostname {
			return h
		}
	}
	return nil
}

// vmShutdown halts a running VM, cleanly or (--force) not: to the model
// the same.
func vmShutdown(x *xeCall, v *vmRec) error {
	if _, err := x.boolParam("force"); err != nil {
		return err
	}
	if v.PowerState != "running" {
		return badPowerState(v, "running")
	}
	v.PowerState, v.ResidentOn, v.DomID = "halted", "", -1
	for _, vif := range x.m.vmVIFs(v.UUID) {
		vif.Attached, vif.Down = false, ""
	}
	return nil
}

// vmMigrate is VM.pool_migrate to host=: the VM must be able to run
// there, memory included; its VIFs stay plugged, on the destination's
// bridges.
func vmMigrate(x *xeCall) error {
	dest, ok := x.param("host")
	if !ok {
		if dest, ok = x.param("host-uuid"); !ok {
			dest, ok = x.param("host-name")
		}
	}
	if !ok {
		return cliErr("No destination host specified")
	}
	h := x.hostByNameOrID(dest)
	if h == nil {
		return cliErr("Host %s not found", dest)
	}
	return vmOp(true, []string{"host", "host-uuid", "host-name", "live", "compress"}, func(x *xeCall, v *vmRec) error {
		if v.PowerState != "running" {
			return badPowerState(v, "running")
		}
		if err := x.m.canBootHere(v, h, true); err != nil {
			return err.xe()
		}
		x.m.migrate(v, h)
		return nil
	})(x)
}

// migrate moves a running VM to h. The destination builds the VM's VIFs
// afresh on its own bridges, so a VIF that lost its bridge on the source
// is plugged again.
func (m *model) migrate(v *vmRec, h *hostRec) {
	v.ResidentOn = h.UUID
	m.attachNetworksFor(v, h.UUID)
}
