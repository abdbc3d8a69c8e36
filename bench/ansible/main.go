// Command ansible times the storage-nic procedure on one simulated host
// through ansible-playbook two ways: with the collection's
// runbook.xen.run (bench/ansible/runbook.yml) and as plain Ansible, one
// ansible.builtin.command task per program call (xe, ip) with the
// runbook's checks as asserts (bench/ansible/plain.yml); on
// the same machine, alternating, many times. It prints the median wall
// time of each side and their ratio.
//
// Each run gets a fresh `runbook sim init` host at the same path; the
// first pair checks that both sides made the same program calls and left
// the same simulated host, so that the baseline really does the same
// work (a later change of the runbook's calls is reported, not hidden).
// Both sides use pipelining, the fastest way to run the baseline's
// modules; runbook.xen.run runs no module. A playbook with no task, on
// the same inventory, shows ansible-playbook's own cost for scale.
//
// Usage, from the module root (after make build):
//
//	go run ./bench/ansible -bin bin/runbook [-n 15]
//
// It needs ansible-playbook (ansible-core) and the Python it runs on.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

func main() {
	bin := flag.String("bin", "bin/runbook", "the runbook binary")
	n := flag.Int("n", 15, "pairs of runs")
	flag.Parse()
	if err := run(*bin, *n); err != nil {
		fmt.Fprintln(os.Stderr, "bench/ansible:", err)
		os.Exit(1)
	}
}

// side is one way of running the procedure.
type side struct {
	name     string
	playbook string
	times    []time.Duration
	calls    string // sim calls of the first run
	snapshot string // sim snapshot after the first run
}

func run(bin string, n int) error {
	bin, err := filepath.Abs(bin)
	if err != nil {
		return err
	}
	if _, err := exec.LookPath("ansible-playbook"); err != nil {
		return fmt.Errorf("ansible-playbook not found: install ansible-core")
	}
	here, err := filepath.Abs(filepath.Join("bench", "ansible"))
	if err != nil {
		return err
	}
	collection, err := filepath.Abs("ansible")
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "runbook-bench-ansible-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	ns := filepath.Join(work, "collections", "ansible_collections", "runbook")
	if err := os.MkdirAll(ns, 0o755); err != nil {
		return err
	}
	if err := os.Symlink(collection, filepath.Join(ns, "xen")); err != nil {
		return err
	}
	cfg := filepath.Join(work, "ansible.cfg")
	if err := os.WriteFile(cfg, []byte("[defaults]\n"), 0o644); err != nil {
		return err
	}
	py, err := ansiblePython()
	if err != nil {
		return err
	}
	root := filepath.Join(work, "host")
	inv := filepath.Join(work, "inventory.json")
	invJSON, _ := json.Marshal(map[string]any{"bench": map[string]any{"hosts": map[string]any{"xen01": map[string]any{
		"ansible_connection":         "local",
		"ansible_python_interpreter": py,
		"runbook_binary":             bin,
		"runbook_root":               root,
	}}}})
	if err := os.WriteFile(inv, invJSON, 0o644); err != nil {
		return err
	}
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RUNBOOK_") && !strings.HasPrefix(kv, "ANSIBLE_") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"ANSIBLE_CONFIG="+cfg,
		"ANSIBLE_COLLECTIONS_PATH="+filepath.Join(work, "collections"),
		"ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false",
		"ANSIBLE_HOME="+filepath.Join(work, "home"),
		"ANSIBLE_LOCAL_TEMP="+filepath.Join(work, "tmp"),
		"ANSIBLE_REMOTE_TEMP="+filepath.Join(work, "remote-tmp"),
		"ANSIBLE_PIPELINING=true",
		"ANSIBLE_NOCOLOR=1",
		"ANSIBLE_RETRY_FILES_ENABLED=false",
		"PYTHONDONTWRITEBYTECODE=1",
	)
	sides := []*side{
		{name: "runbook.xen.run", playbook: filepath.Join(here, "runbook.yml")},
		{name: "command tasks", playbook: filepath.Join(here, "plain.yml")},
	}
	// ansible-playbook's own start-up and inventory, for scale.
	empty := &side{name: "no task", playbook: filepath.Join(here, "empty.yml")}
	once := func(s *side, first bool) error {
		if err := os.RemoveAll(root); err != nil {
			return err
		}
		if out, err := exec.Command(bin, "sim", "init", root, "--xapi-delay", "0").CombinedOutput(); err != nil {
			return fmt.Errorf("sim init: %v\n%s", err, out)
		}
		cmd := exec.Command("ansible-playbook", "-i", inv, s.playbook)
		cmd.Env = env
		cmd.Dir = work
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		t0 := time.Now()
		err := cmd.Run()
		d := time.Since(t0)
		if err != nil || !strings.Contains(out.String(), "failed=0") && s != empty {
			return fmt.Errorf("%s: %v\n%s", s.name, err, out.String())
		}
		s.times = append(s.times, d)
		if first && s != empty {
			calls, err := exec.Command(bin, "sim", "calls", "--root", root).Output()
			if err != nil {
				return fmt.Errorf("sim calls: %v", err)
			}
			snap, err := exec.Command(bin, "sim", "snapshot", "--root", root).Output()
			if err != nil {
				return fmt.Errorf("sim snapshot: %v", err)
			}
			s.calls, s.snapshot = string(calls), string(snap)
		}
		return nil
	}
	// A warm-up pair, not counted: the page cache, Python's imports.
	for _, s := range append(sides, empty) {
		if err := once(s, true); err != nil {
			return err
		}
		s.times = nil
	}
	for i := 0; i < n; i++ {
		order := sides
		if i%2 == 1 {
			order = []*side{sides[1], sides[0]}
		}
		for _, s := range append(order, empty) {
			if err := once(s, false); err != nil {
				return err
			}
		}
	}
	a, b := sides[0], sides[1]
	same := "the same program calls and the same simulated host after each"
	if a.calls != b.calls || a.snapshot != b.snapshot {
		same = fmt.Sprintf("DIFFERENT WORK: calls equal %v, host equal %v (update bench/ansible/plain.yml to the runbook's calls)",
			a.calls == b.calls, a.snapshot == b.snapshot)
	}
	fmt.Printf("storage-nic on one simulated host, %d alternating pairs; %s\n", n, same)
	fmt.Printf("  %s", firstLine(a.calls))
	for _, s := range append(sides, empty) {
		fmt.Printf("  %-16s median %6.0f ms  (min %4.0f, max %4.0f)\n", s.name, ms(median(s.times)), ms(slices.Min(s.times)), ms(slices.Max(s.times)))
	}
	fmt.Printf("  ratio runbook.xen.run / command tasks: %.2f\n", ms(median(a.times))/ms(median(b.times)))
	fmt.Printf("  above ansible-playbook's own cost (no task): %.0f ms / %.0f ms = %.2f\n",
		ms(median(a.times)-median(empty.times)), ms(median(b.times)-median(empty.times)),
		ms(median(a.times)-median(empty.times))/ms(median(b.times)-median(empty.times)))
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line + " of xen01's programs per run\n"
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// ansiblePython is the interpreter of ansible-playbook's shebang, which
// the baseline's modules run on.
func ansiblePython() (string, error) {
	path, err := exec.LookPath("ansible-playbook")
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(strings.TrimPrefix(line, "#!"))
	switch {
	case len(f) == 0:
		return "python3", nil
	case filepath.Base(f[0]) == "env" && len(f) > 1:
		return f[len(f)-1], nil
	}
	return f[0], nil
}
