package ansibletest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// example is the path of an example playbook of the collection.
func example(name string) string { return filepath.Join(collectionDir, "playbooks", name) }

// TestExampleNFSBondTwoPools runs playbooks/nfs_bond_rollout.yml, which
// imports runbook.xen.pool_rollout once per pool, over an inventory that
// groups the hosts of two pools (whose inventory names are not their
// name-labels: runbook_host_name maps them).
func TestExampleNFSBondTwoPools(t *testing.T) {
	need(t)
	t.Parallel()
	a := newPool(t, "pool_a")
	b := newPool(t, "pool_b", "--member", "--seed", "7")
	for _, p := range []*pool{a, b} {
		p.group["storage_netmask"] = "255.255.255.0"
	}
	inv := a.inventory(t, b)
	r := playbook(t, a.dir, "-i", inv, example("nfs_bond_rollout.yml"))
	r.wantExit(t, 0)
	rc := r.recap(t)
	if len(rc) != 6 {
		t.Errorf("recap of %d hosts, want 6: %+v", len(rc), rc)
	}
	for h, c := range rc {
		if c.changed != 1 || c.failed != 0 {
			t.Errorf("%s: %+v, want changed=1", h, c)
		}
	}
	wantRolledOut(t, a, 2)
	wantRolledOut(t, b, 2)
	// Pool b's coordinator (xen02) went first in its pool, and pool a
	// was done before pool b began.
	ran := regexp.MustCompile(`(?m)^TASK \[runbook\.xen\.rollout_host : Run nfs-bond on (\S+)\]`).FindAllStringSubmatch(r.out, -1)
	var got []string
	for _, m := range ran {
		got = append(got, m[1])
	}
	want := "pool_a-xen01,pool_a-xen02,pool_a-xen03,pool_b-xen02,pool_b-xen01,pool_b-xen03"
	if strings.Join(got, ",") != want {
		t.Errorf("order %v, want %s", got, want)
	}
}

// TestExampleStorageNIC runs playbooks/storage_nic.yml over a pool: every
// host gets its storage NIC, nothing reboots, and a second run changes
// nothing.
func TestExampleStorageNIC(t *testing.T) {
	need(t)
	t.Parallel()
	p := newPool(t, "pool_a")
	p.group["storage_netmask"] = "255.255.255.0"
	p.group["storage_nic"] = "eth1"
	for i, h := range p.hosts {
		p.vars[h]["storage_ip"] = fmt.Sprintf("10.10.52.%d", 11+i)
	}
	inv := p.inventory(t)
	for run, want := range []int{1, 0} {
		r := playbook(t, p.dir, "-i", inv, example("storage_nic.yml"), "-e", "runbook_hosts=pool_a")
		r.wantExit(t, 0)
		for h, c := range r.recap(t) {
			if c.changed != want || c.failed != 0 {
				t.Errorf("run %d: %s: %+v, want changed=%d", run+1, h, c, want)
			}
		}
	}
	snap := p.snapshot(t)
	for _, h := range p.hosts {
		if got := p.state(t, h); got != "succeeded" {
			t.Errorf("%s: %s, want succeeded", h, got)
		}
		if _, boots, _ := snap.host(h); boots != 1 {
			t.Errorf("%s: %d boots, want 1 (storage-nic never reboots)", h, boots)
		}
	}
	out := runbookCmd(t, "sim", "show", "--root", p.root("xen02"))
	if !strings.Contains(out, "10.10.52.12") {
		t.Errorf("xen02 has no storage address 10.10.52.12:\n%s", out)
	}
}

// TestExampleStorageBond runs playbooks/storage_bond.yml over two pools:
// storage-bond acts pool-wide, so it runs once per pool, on its
// coordinator, with the addresses of every host of that pool; a second
// run changes nothing.
func TestExampleStorageBond(t *testing.T) {
	need(t)
	if !strings.Contains(runbookCmd(t, "list"), "storage-bond") {
		t.Skip("storage-bond is not a shipped runbook of this build (runbook list): the storage-bond example cannot run yet")
	}
	t.Parallel()
	a := newPool(t, "pool_a")
	b := newPool(t, "pool_b", "--member", "--seed", "7")
	for _, p := range []*pool{a, b} {
		p.group["storage_netmask"] = "255.255.255.0"
	}
	inv := a.inventory(t, b)
	coordinators := map[*pool]string{a: "xen01", b: "xen02"}
	for run, want := range []int{1, 0} {
		r := playbook(t, a.dir, "-i", inv, example("storage_bond.yml"))
		r.wantExit(t, 0)
		rc := r.recap(t)
		for _, p := range []*pool{a, b} {
			for _, h := range p.hosts {
				c := rc[p.name+"-"+h]
				wantChanged := 0
				if h == coordinators[p] {
					wantChanged = want
				}
				if c.changed != wantChanged || c.failed != 0 {
					t.Errorf("run %d: %s-%s: %+v, want changed=%d", run+1, p.name, h, c, wantChanged)
				}
			}
		}
	}
	for _, p := range []*pool{a, b} {
		for _, h := range p.hosts {
			got := p.state(t, h)
			if h == coordinators[p] && got != "succeeded" {
				t.Errorf("%s %s (the coordinator): %s, want succeeded", p.name, h, got)
			}
			if h != coordinators[p] && got != "none" {
				t.Errorf("%s %s (a member): a run (%s), want none: storage-bond runs once per pool", p.name, h, got)
			}
		}
		out, err := execCommand(filepath.Join(p.root(p.hosts[0]), "bin", "xe"), "pif-list", "params=IP", "--minimal").Output()
		if err != nil {
			t.Fatalf("%s: xe pif-list: %v", p.name, err)
		}
		for i := range p.hosts {
			if ip := fmt.Sprintf("10.10.51.%d", 11+i); !strings.Contains(string(out), ip) {
				t.Errorf("%s: no PIF has the storage address %s: %s", p.name, ip, out)
			}
		}
	}
}

// TestExampleStorageBondPlay checks the play of playbooks/storage_bond.yml
// itself, whether or not storage-bond is shipped yet: a site's copy of a
// runbook with storage-bond's parameters (addresses, a list of
// HOST=IPV4, and netmask) that records what it was given runs once per
// pool, on the coordinator, with the address of every host of its pool.
func TestExampleStorageBondPlay(t *testing.T) {
	need(t)
	t.Parallel()
	a := newPool(t, "pool_a")
	b := newPool(t, "pool_b", "--member", "--seed", "7")
	for _, p := range []*pool{a, b} {
		p.group["storage_netmask"] = "255.255.255.0"
	}
	for i, h := range b.hosts {
		b.vars[h]["storage_ip"] = fmt.Sprintf("10.10.61.%d", 11+i)
	}
	site := a.writeFile(t, "storage-bond.star", `"""Records the parameters storage-bond takes (a site's copy in this test)."""
addresses = param("addresses", type = "list", doc = "HOST=IPV4 of each host")
netmask = param("netmask", type = "netmask")

def record(addresses, netmask):
    return file_write("/var/tmp/storage-bond.params", "%s %s\n" % (",".join(addresses), netmask))

step("record the parameters", record, addresses, netmask)
`)
	inv := a.inventory(t, b)
	coordinators := map[*pool]string{a: "xen01", b: "xen02"}
	for run, want := range []int{1, 0} {
		r := playbook(t, a.dir, "-i", inv, example("storage_bond.yml"), "-e", "storage_bond_runbook="+site)
		r.wantExit(t, 0)
		rc := r.recap(t)
		for _, p := range []*pool{a, b} {
			for _, h := range p.hosts {
				c := rc[p.name+"-"+h]
				wantChanged := 0
				if h == coordinators[p] {
					wantChanged = want
				}
				if c.changed != wantChanged || c.failed != 0 {
					t.Errorf("run %d: %s-%s: %+v, want changed=%d", run+1, p.name, h, c, wantChanged)
				}
			}
		}
	}
	wants := map[*pool]string{
		a: "xen01=10.10.51.11,xen02=10.10.51.12,xen03=10.10.51.13 255.255.255.0\n",
		b: "xen01=10.10.61.11,xen02=10.10.61.12,xen03=10.10.61.13 255.255.255.0\n",
	}
	for _, p := range []*pool{a, b} {
		for _, h := range p.hosts {
			got, err := os.ReadFile(filepath.Join(p.root(h), "var", "tmp", "storage-bond.params"))
			switch {
			case h == coordinators[p] && string(got) != wants[p]:
				t.Errorf("%s %s (the coordinator): parameters %q (%v), want %q", p.name, h, got, err, wants[p])
			case h != coordinators[p] && err == nil:
				t.Errorf("%s %s (a member) ran the pool-wide runbook too", p.name, h)
			}
		}
	}
}

// TestActions runs testdata/actions.yml, whose asserts check the
// actions' errors and refusals: bad options all at once, parameter
// problems, a refusal, a missing binary, installing src (and not in
// check mode), an unfinished run blocking another runbook or other
// parameters.
func TestActions(t *testing.T) {
	need(t)
	t.Parallel()
	p := newPool(t, "pool_a")
	p.brokenReboot(t, "xen03")
	testdata, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	r := playbook(t, p.dir, "-i", p.inventory(t), filepath.Join(testdata, "actions.yml"))
	r.wantExit(t, 0)
	for h, c := range r.recap(t) {
		if c.failed != 0 || c.unreachable != 0 {
			t.Errorf("%s: %+v: an assert failed", h, c)
		}
	}
	if got := p.state(t, "xen02"); got != "none" {
		t.Errorf("xen02: a run (%s); the playbook does not touch it", got)
	}
}

// TestExampleInventory: the example inventory parses, groups the hosts by
// pool, and every example playbook passes ansible-playbook's syntax check
// with it.
func TestExampleInventory(t *testing.T) {
	need(t)
	t.Parallel()
	inv := example("inventory.example.yml")
	cmd := execCommand("ansible-inventory", "-i", inv, "--list")
	out := mustOutput(t, cmd)
	var got map[string]struct {
		Hosts    []string `json:"hosts"`
		Children []string `json:"children"`
	}
	decodeJSON(t, "ansible-inventory --list", string(out), &got)
	if g := got["xen_pools"].Children; strings.Join(g, ",") != "pool_a,pool_b" {
		t.Errorf("xen_pools children %v, want pool_a, pool_b", g)
	}
	if g := got["pool_a"].Hosts; len(g) != 3 {
		t.Errorf("pool_a hosts %v, want 3", g)
	}
	if g := got["pool_b"].Hosts; len(g) != 3 {
		t.Errorf("pool_b hosts %v, want 3", g)
	}
	for _, book := range []string{"nfs_bond_rollout.yml", "storage_nic.yml", "storage_bond.yml", "pool_rollout.yml"} {
		mustOutput(t, execCommand("ansible-playbook", "-i", inv, "--syntax-check", example(book), "-e", "runbook_hosts=pool_a", "-e", "runbook_name=nfs-bond"))
	}
}
