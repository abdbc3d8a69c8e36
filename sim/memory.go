package sim

import "strconv"

// Host and guest memory, as xapi reckons it for placement
// (memory_check.ml, xapi_ha_vm_failover.ml): a host's free memory is its
// total less the hypervisor's overhead and what every running VM resident
// on it needs; a VM needs its dynamic minimum plus its overhead.

const (
	// defaultMemoryTotal and defaultMemoryOverhead are a host's memory
	// unless InitOptions.MemoryFree says otherwise (bytes).
	defaultMemoryTotal    int64 = 274841497600
	defaultMemoryOverhead int64 = 1249902592
	// vmMemoryOverhead is every VM's memory-overhead (bytes).
	vmMemoryOverhead int64 = 20971520
)

func (h *hostRec) memoryTotal() int64 {
	if h.MemoryTotal == 0 {
		return defaultMemoryTotal
	}
	return h.MemoryTotal
}

func (h *hostRec) memoryOverhead() int64 {
	if h.MemoryOverhead == 0 {
		return defaultMemoryOverhead
	}
	return h.MemoryOverhead
}

// vmMemoryInt reads one of a VM's memory fields: what was set, else its
// memory.
func vmMemoryInt(v *vmRec, field string) int64 {
	if s, ok := mapGet(v.Extra, field); ok {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	}
	return v.Memory
}

// vmNeeds is the memory a VM needs to run: memory-dynamic-min plus its
// overhead (vm_compute_start_memory with the dynamic-min policy of HVM
// and PV guests).
func vmNeeds(v *vmRec) int64 {
	return vmMemoryInt(v, "memory-dynamic-min") + vmMemoryOverhead
}

// hostFree is the memory free on a host for a VM, not counting what
// except (when it is resident there) already holds.
func (m *model) hostFree(h *hostRec, except *vmRec) int64 {
	free := h.memoryTotal() - h.memoryOverhead()
	for _, v := range m.VMs {
		if v.ResidentOn == h.UUID && v.PowerState == "running" && v != except {
			free -= vmNeeds(v)
		}
	}
	return free
}
