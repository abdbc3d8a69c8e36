package ansibletest

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// nfsBondParams gives every host of p the parameters of nfs-bond: its
// own address in host vars, the rest shared in the pool's group.
func nfsBondParams(p *pool) {
	p.group["runbook_common_params"] = map[string]any{"netmask": "255.255.255.0", "evacuate": true}
	for _, h := range p.hosts {
		p.vars[h]["runbook_params"] = map[string]any{"ip": p.vars[h]["storage_ip"]}
	}
}

// wantRolledOut checks that every host runs nfs-bond's result: the run
// succeeded, the host is on the bridge backend with its bond up, enabled,
// and booted exactly boots times (the first boot included).
func wantRolledOut(t *testing.T, p *pool, boots int) {
	t.Helper()
	snap := p.snapshot(t)
	for _, h := range p.hosts {
		if got := p.state(t, h); got != "succeeded" {
			t.Errorf("%s: run state %s, want succeeded", h, got)
		}
		backend, n, enabled := snap.host(h)
		if backend != "bridge" || !enabled || n != boots {
			t.Errorf("%s: backend %s, enabled %v, %d boots; want bridge, enabled, %d boots", h, backend, enabled, n, boots)
		}
		if !p.bonded(h) {
			t.Errorf("%s: bond51 is not up with eth2 and eth3", h)
		}
	}
}

// TestRolloutNFSBond rolls nfs-bond over a pool whose coordinator is
// xen02 (not the first inventory host): the coordinator first, then the
// members one at a time, each rebooted once; a second run changes
// nothing.
func TestRolloutNFSBond(t *testing.T) {
	need(t)
	t.Parallel()
	p := newPool(t, "pool_a", "--member")
	nfsBondParams(p)

	r := p.rollout(t, "nfs-bond")
	r.wantExit(t, 0)
	for h, rc := range r.recap(t) {
		if rc.changed != 1 || rc.failed != 0 || rc.unreachable != 0 {
			t.Errorf("first rollout: %s: %+v, want changed=1 and no failure", h, rc)
		}
	}
	wantRolledOut(t, p, 2)

	// The order: xen02 (the coordinator), then xen01, then xen03, each
	// run over before the next began.
	order := []string{"xen02", "xen01", "xen03"}
	var last time.Time
	for i, h := range order {
		start, end := runTimes(t, p.status(t, h))
		if i > 0 && !start.After(last) {
			t.Errorf("%s started at %s, before %s had finished (%s)", h, start, order[i-1], last)
		}
		last = end
	}
	// The tasks ran in that order too.
	ran := regexp.MustCompile(`(?m)^TASK \[runbook\.xen\.rollout_host : Run nfs-bond on (\S+)\]`).FindAllStringSubmatch(r.out, -1)
	var got []string
	for _, m := range ran {
		got = append(got, m[1])
	}
	if strings.Join(got, ",") != strings.Join(order, ",") {
		t.Errorf("rollout order %v, want %v", got, order)
	}

	r = p.rollout(t, "nfs-bond")
	r.wantExit(t, 0)
	for h, rc := range r.recap(t) {
		if rc.changed != 0 || rc.failed != 0 {
			t.Errorf("second rollout: %s: %+v, want changed=0", h, rc)
		}
	}
	wantRolledOut(t, p, 2)
}

// TestRolloutCheckMode: --check --diff runs the dry runs, reports the
// change each host would see with its diffs, and changes nothing.
func TestRolloutCheckMode(t *testing.T) {
	need(t)
	t.Parallel()
	p := newPool(t, "pool_a")
	nfsBondParams(p)
	before := p.snapshot(t).raw

	r := p.rollout(t, "nfs-bond", "--check", "--diff")
	r.wantExit(t, 0)
	for h, rc := range r.recap(t) {
		if rc.changed != 1 || rc.failed != 0 {
			t.Errorf("%s: %+v, want changed=1 (it would change)", h, rc)
		}
	}
	for _, want := range []string{
		"+IPADDR=10.10.51.11", "+IPADDR=10.10.51.12", "+IPADDR=10.10.51.13",
		"+++ b/etc/sysconfig/network-scripts/ifcfg-bond51",
		"switch the network backend to bridge: xe-switch-network-backend bridge",
		"evacuate xen01: xe host-evacuate uuid=",
		"reboot the host (switch the network backend of xen02 to bridge)",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("check mode output lacks %q:\n%s", want, r.out)
		}
	}
	if after := p.snapshot(t).raw; after != before {
		t.Errorf("check mode changed the simulated pool")
	}
	for _, h := range p.hosts {
		if got := p.state(t, h); got != "none" {
			t.Errorf("%s: check mode left a run (%s)", h, got)
		}
		if _, err := os.Stat(p.root(h) + "/etc/sysconfig/network-scripts/ifcfg-bond51"); err == nil {
			t.Errorf("%s: check mode wrote ifcfg-bond51", h)
		}
	}
}

// TestRolloutFailureStopsTheRest: the second host's run fails (its
// reboot program fails after it switched the backend and evacuated the
// host); the third host is left untouched. Once the cause is fixed the
// play runs again: the finished host reports ok, the failed host's run
// is resumed (the preflight accepts the host its own run disabled), and
// the third host proceeds.
func TestRolloutFailureStopsTheRest(t *testing.T) {
	need(t)
	t.Parallel()
	p := newPool(t, "pool_a", "--member")
	nfsBondParams(p)
	fix := p.brokenReboot(t, "xen01")

	r := p.rollout(t, "nfs-bond")
	if r.code == 0 {
		t.Fatalf("the rollout succeeded with a broken reboot on xen01:\n%s", r.out)
	}
	rc := r.recap(t)
	if rc["xen02"].changed != 1 || rc["xen02"].failed != 0 {
		t.Errorf("xen02 (the coordinator): %+v, want changed=1", rc["xen02"])
	}
	if rc["xen01"].failed != 1 {
		t.Errorf("xen01: %+v, want failed=1", rc["xen01"])
	}
	if !strings.Contains(r.out, "Failed to talk to init daemon.") {
		t.Errorf("the failure does not show the reboot program's error:\n%s", r.out)
	}
	snap := p.snapshot(t)
	st := p.status(t, "xen01")
	if st["state"] != "failed" || st["changed_host"] != true {
		t.Errorf("xen01: state %v, changed_host %v; want failed after changing the host", st["state"], st["changed_host"])
	}
	if _, _, enabled := snap.host("xen01"); enabled {
		t.Errorf("xen01 is enabled: the run should have disabled it to evacuate it")
	}
	if got := p.state(t, "xen03"); got != "none" {
		t.Errorf("xen03 has a run (%s): the rollout did not stop at the failure", got)
	}
	if backend, boots, _ := snap.host("xen03"); backend == "bridge" || boots != 1 {
		t.Errorf("xen03: backend %s, %d boots; want it untouched", backend, boots)
	}

	fix()
	r = p.rollout(t, "nfs-bond")
	r.wantExit(t, 0)
	rc = r.recap(t)
	if rc["xen02"].changed != 0 {
		t.Errorf("re-run: xen02: %+v, want changed=0 (finished before)", rc["xen02"])
	}
	if rc["xen01"].changed != 1 || rc["xen03"].changed != 1 {
		t.Errorf("re-run: xen01 %+v, xen03 %+v; want both changed", rc["xen01"], rc["xen03"])
	}
	if id := p.status(t, "xen01")["id"]; id != st["id"] {
		t.Errorf("re-run: xen01 run %v, want the failed run %v resumed", id, st["id"])
	}
	wantRolledOut(t, p, 2)
}

// TestRolloutControllerKilled kills the controller (ansible-playbook and
// its workers) while the second host reboots. The pool's coordinator is
// xen02, so the second host is xen01, the first of the inventory. The
// play runs again while xen01 is still down: the preflight asks xapi on
// another host and accepts xen01 (it is in flight), the coordinator
// reports ok, xen01's run is watched through its boot, not resumed (it
// must not reboot again), and the third host proceeds.
func TestRolloutControllerKilled(t *testing.T) {
	need(t)
	t.Parallel()
	p := newPool(t, "pool_a", "--member")
	nfsBondParams(p)
	release := p.heldReboot(t, "xen01")
	inv := p.inventory(t)
	args := []string{"-i", inv, "runbook.xen.pool_rollout", "-e", "runbook_hosts=pool_a", "-e", "runbook_name=nfs-bond", "-v"}

	first := startPlaybook(t, p.dir, args...)
	waitFor(t, "xen01 to reboot", 60*time.Second, func() bool {
		select {
		case <-first.done:
			t.Fatalf("the rollout ended before xen01 rebooted:\n%s", first.output())
		default:
		}
		return p.state(t, "xen01") == "rebooting"
	})
	first.kill()
	if got := p.state(t, "xen02"); got != "succeeded" {
		t.Fatalf("xen02: %s, want succeeded before the kill", got)
	}
	if got := p.state(t, "xen03"); got != "none" {
		t.Fatalf("xen03: %s, want no run yet", got)
	}

	second := startPlaybook(t, p.dir, args...)
	waitFor(t, "the re-run to follow xen01", 60*time.Second, func() bool {
		select {
		case <-second.done:
			t.Fatalf("the re-run ended while xen01 was down:\n%s", second.output())
		default:
		}
		return strings.Contains(second.output(), "TASK [runbook.xen.rollout_host : Run nfs-bond on xen01]")
	})
	if got := p.state(t, "xen01"); got != "rebooting" {
		t.Fatalf("xen01: %s, want still rebooting while the re-run follows it", got)
	}
	if err := os.WriteFile(release, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r := second.wait(t, 90*time.Second)
	r.wantExit(t, 0)
	if !regexp.MustCompile(`(?m)^ok: \[xen01\] => \{"ansible_facts": \{"runbook_pool_query_host": "xen02"\}`).MatchString(r.out) {
		t.Errorf("re-run: the preflight did not ask xapi on xen02 while xen01 was down:\n%s", r.out)
	}
	rc := r.recap(t)
	if rc["xen02"].changed != 0 || rc["xen01"].changed != 1 || rc["xen03"].changed != 1 {
		t.Errorf("re-run: %+v; want xen02 unchanged, xen01 and xen03 changed", rc)
	}
	if !regexp.MustCompile(`changed: \[xen01\] => \{[^\n]*"rebooted": true`).MatchString(r.out) {
		t.Errorf("re-run: the xen01 task did not report the reboot it followed:\n%s", r.out)
	}
	wantRolledOut(t, p, 2)
	// One reboot step on xen01, done once.
	rebooted := 0
	for _, s := range p.status(t, "xen01")["steps"].([]any) {
		step := s.(map[string]any)
		if step["status"] == "rebooted" {
			rebooted++
			if step["attempts"] != float64(1) {
				t.Errorf("xen01: reboot step attempted %v times, want 1", step["attempts"])
			}
		}
	}
	if rebooted != 1 {
		t.Errorf("xen01: %d rebooted steps, want 1", rebooted)
	}
}
