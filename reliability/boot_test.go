package reliability

import (
	"encoding/json"
	"syscall"
)

// The boot model: the simulated reboot only asks for a reboot, and
// `runbook sim boot` performs the boot, which runs the boot hook
// (runbook-resume.service, whose `runbook resume` runs to its end). Every
// harness that lets the host reboot and the hook resume goes through
// recover.

// dom0 is what the harness reads of the local dom0 in the snapshot.
type dom0 struct {
	RebootPending bool `json:"reboot_pending"`
	Boots         []struct {
		Units []struct {
			Unit   string `json:"unit"`
			Result string `json:"result"`
			Status int    `json:"status"`
			Signal string `json:"signal"`
		} `json:"units"`
	} `json:"boots"`
}

func (h *host) dom0() dom0 {
	h.t.Helper()
	r := h.must("sim", "snapshot", "--root", h.root)
	var snap struct {
		Hosts []struct {
			Dom0 dom0 `json:"dom0"`
		} `json:"hosts"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &snap); err != nil || len(snap.Hosts) == 0 {
		h.t.Fatalf("sim snapshot: %v\n%s", err, r.stdout)
	}
	return snap.Hosts[0].Dom0
}

// bootAndResume boots the host, which runs the boot hook, and returns
// how the hook's resume ended, as if it had been run directly: its exit
// status, or killed by SIGKILL with the pid of the session it journaled.
func (h *host) bootAndResume() result {
	h.t.Helper()
	sessions := map[int]bool{}
	for _, r := range h.journal() {
		if r.Type == "session" {
			sessions[r.PID] = true
		}
	}
	b := h.run("sim", "boot", "--root", h.root)
	res := result{stdout: b.stdout, stderr: b.stderr, pid: b.pid}
	d := h.dom0()
	if len(d.Boots) == 0 {
		h.t.Fatalf("sim boot recorded no boot: %v", b)
	}
	hook := false
	for _, u := range d.Boots[len(d.Boots)-1].Units {
		if u.Unit != "runbook-resume.service" {
			continue
		}
		hook = true
		if u.Result == "failed" {
			res.code = u.Status
			if u.Signal == "KILL" {
				res.code, res.signal = -1, syscall.SIGKILL
			}
		}
	}
	if !hook && b.code != 0 {
		res.code = b.code
	}
	if res.signal != 0 {
		for _, r := range h.journal() {
			if r.Type == "session" && !sessions[r.PID] {
				res.pid = r.PID
			}
		}
	}
	return res
}

// recover is what happens after a run stopped: if a reboot is pending,
// the host boots and the hook resumes; otherwise an operator resumes.
func (h *host) recover() result {
	h.t.Helper()
	if h.dom0().RebootPending {
		return h.bootAndResume()
	}
	return h.run("resume")
}

// withoutBootLog drops each dom0's boot log (which units ran in each boot
// and how they ended) from a snapshot: a recovered crash leaves a failed
// boot hook in it, as the call log keeps the killed calls, while the host
// itself must end as an uninterrupted run leaves it.
func withoutBootLog(snapshot string) string {
	var m map[string]any
	if err := json.Unmarshal([]byte(snapshot), &m); err != nil {
		return snapshot
	}
	hosts, _ := m["hosts"].([]any)
	for _, h := range hosts {
		if d, ok := h.(map[string]any)["dom0"].(map[string]any); ok {
			delete(d, "boots")
		}
	}
	out, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return snapshot
	}
	return string(out) + "\n"
}
