package reliability

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
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
	return h.boot(nil)
}

// bootAndResumeKilled is bootAndResume with the hook's resume killed
// (SIGKILL) after a random time up to limit, as a power cut during the
// resume at boot would end it.
func (h *host) bootAndResumeKilled(rng interface{ Int64N(int64) int64 }, limit time.Duration) result {
	h.t.Helper()
	d := time.Duration(rng.Int64N(int64(limit) + 1))
	return h.boot(func(bootPID int, done <-chan struct{}) {
		select {
		case <-time.After(d):
		case <-done:
			return
		}
		// The hook's resume is a descendant of sim boot: kill it as soon
		// as it runs (it may not have started yet).
		for {
			for _, pid := range descendants(bootPID) {
				if cmdline(pid) != "" && strings.Contains(cmdline(pid), " resume ") {
					syscall.Kill(pid, syscall.SIGKILL)
					return
				}
			}
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	})
}

// descendants lists the processes below pid.
func descendants(pid int) []int {
	parent := map[int]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		if i := strings.LastIndexByte(s, ')'); i >= 0 {
			if f := strings.Fields(s[i+1:]); len(f) > 1 {
				parent[p], _ = strconv.Atoi(f[1])
			}
		}
	}
	var out []int
	for p := range parent {
		for q := parent[p]; q > 1; q = parent[q] {
			if q == pid {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// cmdline is a process's argv joined by spaces, with a space at each end.
func cmdline(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || len(b) == 0 {
		return ""
	}
	return " " + strings.ReplaceAll(string(b), "\x00", " ")
}

// boot runs sim boot; kill, when set, runs beside it with its pid and a
// channel closed when it has finished.
func (h *host) boot(kill func(bootPID int, done <-chan struct{})) result {
	h.t.Helper()
	sessions := map[int]bool{}
	for _, r := range h.journal() {
		if r.Type == "session" {
			sessions[r.PID] = true
		}
	}
	cmd, stdout, stderr := h.start("sim", "boot", "--root", h.root)
	done := make(chan struct{})
	killed := make(chan struct{})
	if kill != nil {
		go func() { kill(cmd.Process.Pid, done); close(killed) }()
	} else {
		close(killed)
	}
	b := h.wait(cmd, stdout, stderr)
	close(done)
	<-killed
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
