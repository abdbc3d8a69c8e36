package sim

import (
	"slices"
	"sort"
	"strings"
)

// Evacuation (xapi_host.ml compute_evacuation_plan_no_wlb and evacuate,
// binpack.ml biggest_fit_decreasing): a plan gives every resident guest a
// target host or the error that keeps it where it is. host-evacuate
// moves nothing unless every guest has a target;
// host-get-vms-which-prevent-evacuation prints the guests that have none.

// vmPlan is the plan of one VM: a target, or why it has none.
type vmPlan struct {
	vm     *vmRec
	target *hostRec
	err    *bootErr
}

// evacuationPlan plans every guest resident on h, in database order.
func (m *model) evacuationPlan(h *hostRec) []*vmPlan {
	var targets []*hostRec
	for _, t := range m.Hosts {
		if t != h && t.Enabled {
			targets = append(targets, t)
		}
	}
	var plans []*vmPlan
	for _, v := range m.VMs {
		if v.ResidentOn == h.UUID && !v.IsControlDomain {
			plans = append(plans, &vmPlan{vm: v})
		}
	}
	if len(targets) == 0 {
		for _, p := range plans {
			p.err = &bootErr{"NO_HOSTS_AVAILABLE", []string{opaqueRef(p.vm.UUID)}, []string{vmRef(p.vm)}}
		}
		return plans
	}
	var migratable []*vmPlan
	for _, p := range plans {
		if m.Pool.HAEnabled && !haProtected(p.vm) {
			p.err = &bootErr{"HOST_EVACUATE_VM_NOT_HA_PROTECTED", []string{opaqueRef(p.vm.UUID)}, []string{vmRef(p.vm)}}
			continue
		}
		// The VM must be able to run on every target, memory aside.
		for _, t := range targets {
			if err := m.canBootHere(p.vm, t, false); err != nil {
				p.err = err
				break
			}
		}
		if p.err == nil {
			migratable = append(migratable, p)
		}
	}
	// Biggest fit decreasing: the biggest VM first, each onto the host
	// with the most free memory, if it fits there.
	type bin struct {
		h    *hostRec
		free int64
	}
	bins := make([]bin, len(targets))
	for i, t := range targets {
		bins[i] = bin{t, m.hostFree(t, nil)}
	}
	sort.SliceStable(bins, func(i, j int) bool { return bins[i].free > bins[j].free })
	things := slices.Clone(migratable)
	sort.SliceStable(things, func(i, j int) bool { return vmNeeds(things[i].vm) > vmNeeds(things[j].vm) })
	for _, p := range things {
		need := vmNeeds(p.vm)
		if len(bins) == 0 || bins[0].free < need {
			p.err = &bootErr{"HOST_NOT_ENOUGH_FREE_MEMORY", []string{opaqueRef(p.vm.UUID)}, []string{vmRef(p.vm)}}
			continue
		}
		p.target = bins[0].h
		b := bin{bins[0].h, bins[0].free - need}
		bins = bins[1:]
		// Re-insert before the first bin that is not bigger.
		i := 0
		for i < len(bins) && bins[i].free > b.free {
			i++
		}
		bins = slices.Insert(bins, i, b)
	}
	return plans
}

// haProtected is Helpers.vm_should_always_run: always run, restart
// priority "restart".
func haProtected(v *vmRec) bool {
	always, _ := mapGet(v.Extra, "ha-always-run")
	prio, _ := mapGet(v.Extra, "ha-restart-priority")
	return always == "true" && prio == "restart"
}

// hostEvacuate is host-evacuate: on one host only, and all or nothing.
func hostEvacuate(x *xeCall) error {
	var network string
	if u, ok := x.param("network-uuid"); ok {
		if x.m.network(u) == nil {
			return uuidInvalid("network", u)
		}
		network = u
	}
	hosts, err := x.selectHosts("network-uuid", "batch-size")
	if err != nil {
		return err
	}
	switch {
	case len(hosts) == 0:
		return cliErr("No matching hosts found")
	case len(hosts) > 1:
		return cliErr("Multiple matching hosts found. Operation can only be performed on one host at a time")
	}
	plans := x.m.evacuationPlan(hosts[0])
	for _, p := range plans {
		if p.err != nil {
			return p.err.xe()
		}
	}
	if network != "" {
		// Every destination needs an attached PIF with an address on
		// the network the migrations are to use.
		var dests []*hostRec
		for _, p := range plans {
			if !slices.Contains(dests, p.target) {
				dests = append(dests, p.target)
			}
		}
		for _, h := range dests {
			pif := x.m.networkPIFOn(network, h.UUID)
			switch {
			case pif == nil:
				return apiErr("PIF_NOT_PRESENT", hostRef(h), x.m.netRefOf(network))
			case !pif.Attached:
				return apiErr("REQUIRED_PIF_IS_UNPLUGGED", pif.UUID)
			case pif.IP == "":
				return apiErr("INTERFACE_HAS_NO_IP", pif.UUID)
			}
		}
	}
	for _, p := range plans {
		x.m.migrate(p.vm, p.target)
	}
	return nil
}

// hostGetVMsWhichPreventEvacuation prints one record per guest that has
// no target: its fields chosen by params= (uuid, name-label and reason by
// default), reason last.
func hostGetVMsWhichPreventEvacuation(x *xeCall) error {
	h, err := x.hostByUUID("uuid")
	if err != nil {
		return err
	}
	var chosen []string
	if ps, ok := x.param("params"); ok {
		if ps != "all" {
			chosen = strings.Split(ps, ",")
		}
	} else {
		chosen = []string{"uuid", "name-label", "reason"}
	}
	for _, p := range x.m.evacuationPlan(h) {
		if p.err == nil {
			continue
		}
		r := vmRecord(x.m, p.vm)
		r.fields = append(r.fields, ro("reason", p.err.reason()))
		var pf []pfield
		for _, f := range r.fields {
			if chosen == nil || slices.Contains(chosen, f.name) {
				pf = append(pf, pfield{f.label(), f.get()})
			}
		}
		x.pr.table([][]pfield{pf})
	}
	return nil
}
