package sim

import "fmt"

// Every host of the pool has a dom0: its running kernel, its boots, and
// the few things xapi keeps in the host's local database rather than in
// the pool's. A host whose dom0 has a root (a directory made by Init)
// can run programs and be booted; the others exist only in the pool
// database, as the rest of the pool seen from one dom0.

// dom0 is the control domain of one host.
type dom0 struct {
	// Root is the directory of this dom0, relative to the pool
	// directory; empty when the host has no root.
	Root      string `json:"root,omitempty"`
	BootCount int    `json:"boot_count"`
	BootID    string `json:"boot_id"`
	// RebootPending is set by the reboot program: the host is going
	// down, its xapi has stopped, and the pool sees it as not live
	// until its next boot.
	RebootPending bool `json:"reboot_pending,omitempty"`
	// Booting is set while `sim boot` runs the host's units.
	Booting bool `json:"booting,omitempty"`
	// AutoEnable is xapi's host_auto_enable in the local database:
	// false after `host-disable auto-enable=false`, so the host stays
	// disabled across its boots.
	AutoEnable bool   `json:"auto_enable"`
	Kernel     kernel `json:"kernel"`
	// Boots records each boot: which units ran and how they ended.
	Boots []bootRec `json:"boots,omitempty"`
}

// bootRec is one boot of a dom0, without times, so that the snapshot
// stays deterministic.
type bootRec struct {
	Boot int `json:"boot"`
	// Kind is "reboot" (one was asked for) or "power-cycle".
	Kind  string    `json:"kind"`
	Units []unitRun `json:"units,omitempty"`
	// RebootAsked is set when a unit asked for a reboot, which stopped
	// the boot there.
	RebootAsked bool `json:"reboot_asked,omitempty"`
}

// unitRun is the outcome of one unit in a boot.
type unitRun struct {
	Unit string `json:"unit"`
	// Result is "success", "failed" or "skipped" (a condition was not
	// met).
	Result string `json:"result"`
	// Status is the exit status of the command that ended the unit,
	// 128+N when signal N killed it.
	Status int `json:"status"`
	// Signal names the signal that killed it, if one did.
	Signal string `json:"signal,omitempty"`
}

// watcher is the process that boots a host by itself (--boot auto) once
// the process that asked for the reboot has exited.
type watcher struct {
	PID int `json:"pid"`
	// For is the pid and start time of the process it waits for.
	For      int    `json:"for"`
	ForStart string `json:"for_start"`
}

// Boot modes.
const (
	bootManual = "manual"
	bootAuto   = "auto"
)

// live reports whether the pool sees the host as live: its xapi runs.
func (h *hostRec) live() bool { return !h.Dom0.RebootPending }

// hostIndex is the position of a host in the pool, which seeds its
// boot ids.
func (m *model) hostIndex(h *hostRec) int {
	for i, x := range m.Hosts {
		if x == h {
			return i
		}
	}
	return -1
}

// nextBootID is the boot id of the host's next boot.
func (m *model) newBootID(h *hostRec) string {
	return hostBootID(m.Seed, m.hostIndex(h), h.Dom0.BootCount)
}

// hostBootID is the kernel's boot_id of boot n of the host at index i.
// The first host keeps the ids earlier versions gave the local dom0.
func hostBootID(seed int64, i, n int) string {
	if i == 0 {
		return bootID(seed, n)
	}
	b := idBytes(seed, fmt.Sprintf("boot%d", i), uint64(n))
	return formatUUID(b[:16])
}

// xapiDown returns how many xe calls on the host still fail.
func (b *book) xapiDown(host string) int { return b.XapiDown[host] }

func (b *book) setXapiDown(host string, n int) {
	if n <= 0 {
		delete(b.XapiDown, host)
		return
	}
	if b.XapiDown == nil {
		b.XapiDown = map[string]int{}
	}
	b.XapiDown[host] = n
}
