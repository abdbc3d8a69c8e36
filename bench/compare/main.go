// Command compare times whole procedures: the shipped runbooks run by
// runbook against the same procedures as plain bash scripts
// (bench/nfs-bond.sh, bench/storage-nic.sh), on fresh simulated hosts, on
// the same machine, alternating, many times; it prints the median wall
// time of each side and their ratio.
//
// The runbook side of nfs-bond is `runbook run nfs-bond ...` then
// `runbook sim boot`, whose boot hook runs `runbook resume`; the bash side
// is the script, then the same boot, whose hook runs the script again. Each side gets a fresh
// `runbook sim init` host at the same path, so that the first repetition
// can check that both sides made the same program calls and left the same
// simulated pool and the same files: the baseline really does the same
// work.
//
// Usage, from the module root:
//
//	go run ./bench/compare [-n 30] [-xapi-delay 0,2] [-runbooks nfs-bond,storage-nic]
//
// It needs only Go and bash.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// procedure is one runbook and its bash baseline.
type procedure struct {
	name   string
	params []string // runbook -p values
	script string   // under bench/
	args   []string // script arguments
	reboot bool     // runbook run, then runbook resume; the script runs twice
}

var procedures = []procedure{
	{name: "nfs-bond", params: []string{"ip=10.10.51.11", "netmask=255.255.255.0", "evacuate=true"}, script: "nfs-bond.sh", args: []string{"10.10.51.11", "255.255.255.0"}, reboot: true},
	{name: "storage-nic", params: []string{"device=eth1", "ip=10.10.52.11", "netmask=255.255.255.0"}, script: "storage-nic.sh", args: []string{"eth1", "10.10.52.11", "255.255.255.0"}},
}

// sample is one timed run of one side.
type sample struct {
	wall  time.Duration
	cpu   time.Duration // user+sys of the processes and what they ran
	first time.Duration // wall time of the first process (before the reboot)
}

func main() {
	n := flag.Int("n", 30, "repetitions of each side")
	bin := flag.String("bin", "", "the runbook binary (default: build ./cmd/runbook)")
	delays := flag.String("xapi-delay", "0", "comma-separated `runbook sim init --xapi-delay` values to measure (2 is the default simulated host: xapi does not answer the first two calls after the reboot, so both sides poll and sleep 1.5 s)")
	only := flag.String("runbooks", "nfs-bond,storage-nic", "comma-separated runbooks to measure")
	work := flag.String("work", "", "scratch directory (default: a new one under $TMPDIR); it should be on the disk a real state dir lives on")
	flag.Parse()
	if err := run(*n, *bin, *delays, *only, *work); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

func run(n int, bin, delays, only, work string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	if work == "" {
		if work, err = os.MkdirTemp("", "runbook-compare-"); err != nil {
			return err
		}
		defer os.RemoveAll(work)
	}
	if bin == "" {
		bin = filepath.Join(work, "runbook")
		build := exec.Command("go", "build", "-o", bin, "./cmd/runbook")
		build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build runbook: %w", err)
		}
	} else if bin, err = filepath.Abs(bin); err != nil {
		return err
	}
	if _, err := exec.LookPath("bash"); err != nil {
		return err
	}
	fmt.Printf("runbook vs bash: %d repetitions of each side, alternating; scratch dir %s (%s)\n\n", n, work, fsType(work))
	fmt.Println("| runbook | sim xapi-delay | runbook median | bash median | ratio | median of (runbook - bash) | runbook CPU | bash CPU |")
	fmt.Println("| --- | --- | --- | --- | --- | --- | --- | --- |")
	var notes []string
	for _, d := range strings.Split(delays, ",") {
		delay, err := strconv.Atoi(strings.TrimSpace(d))
		if err != nil || delay < 0 {
			return fmt.Errorf("-xapi-delay: got %q, want integers >= 0", d)
		}
		for _, p := range procedures {
			if !contains(strings.Split(only, ","), p.name) {
				continue
			}
			c := &comparer{bin: bin, module: root, work: work, delay: delay, p: p}
			rb, sh, err := c.measure(n)
			if err != nil {
				return fmt.Errorf("%s: %w", p.name, err)
			}
			ratio := float64(median(rb, wallOf)) / float64(median(sh, wallOf))
			diffs := make([]time.Duration, n)
			for i := range diffs {
				diffs[i] = rb[i].wall - sh[i].wall
			}
			fmt.Printf("| %s | %d | %s | %s | %.3f | %s | %s | %s |\n", p.name, delay,
				ms(median(rb, wallOf)), ms(median(sh, wallOf)), ratio, ms(medianDur(diffs)),
				ms(median(rb, cpuOf)), ms(median(sh, cpuOf)))
			if p.reboot {
				notes = append(notes, fmt.Sprintf("- %s, xapi-delay %d, medians before the reboot: runbook %s, bash %s; after it: runbook %s, bash %s", p.name, delay,
					ms(median(rb, firstOf)), ms(median(sh, firstOf)),
					ms(median(rb, secondOf)), ms(median(sh, secondOf))))
			}
		}
	}
	if len(notes) > 0 {
		fmt.Printf("\n%s\n", strings.Join(notes, "\n"))
	}
	return nil
}

type comparer struct {
	bin, module, work string
	delay             int
	p                 procedure
}

func (c *comparer) host() string  { return filepath.Join(c.work, "host") }
func (c *comparer) state() string { return filepath.Join(c.work, "state") }

// measure runs both sides n times, alternating which goes first, and
// checks on the first repetition that they did the same work.
func (c *comparer) measure(n int) (rb, sh []sample, err error) {
	for i := 0; i < n; i++ {
		var a, b sample
		var ea, eb *effects
		if i%2 == 0 {
			if a, ea, err = c.side(c.runbookSide, i == 0); err == nil {
				b, eb, err = c.side(c.bashSide, i == 0)
			}
		} else {
			if b, eb, err = c.side(c.bashSide, false); err == nil {
				a, ea, err = c.side(c.runbookSide, false)
			}
		}
		if err != nil {
			return nil, nil, err
		}
		if i == 0 {
			if err := ea.same(eb); err != nil {
				return nil, nil, fmt.Errorf("bench/%s no longer does what the runbook does (update it to follow the runbook): %w", c.p.script, err)
			}
		}
		rb, sh = append(rb, a), append(sh, b)
	}
	return rb, sh, nil
}

// side makes a fresh simulated host and state dir, times one side on it,
// and, if asked, records what it did.
func (c *comparer) side(f func() (sample, error), record bool) (sample, *effects, error) {
	for _, d := range []string{c.host(), c.state()} {
		if err := os.RemoveAll(d); err != nil {
			return sample{}, nil, err
		}
	}
	if err := os.Mkdir(c.state(), 0o700); err != nil {
		return sample{}, nil, err
	}
	if out, err := exec.Command(c.bin, "sim", "init", "--xapi-delay", strconv.Itoa(c.delay), c.host()).CombinedOutput(); err != nil {
		return sample{}, nil, fmt.Errorf("sim init: %v\n%s", err, out)
	}
	s, err := f()
	if err != nil || !record {
		return s, nil, err
	}
	e, err := c.effects()
	return s, e, err
}

func (c *comparer) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RUNBOOK_") && !strings.HasPrefix(kv, "BENCH_") {
			env = append(env, kv)
		}
	}
	h := c.host()
	return append(env,
		"RUNBOOK_ROOT="+h,
		"RUNBOOK_XE="+filepath.Join(h, "bin", "xe"),
		"RUNBOOK_IFUP="+filepath.Join(h, "bin", "ifup"),
		"RUNBOOK_REBOOT="+filepath.Join(h, "bin", "reboot"),
		"RUNBOOK_STATE_DIR="+c.state(),
		"BENCH_STATE="+c.state(),
		"NO_COLOR=1",
	)
}

func (c *comparer) runbookSide() (sample, error) {
	args := []string{"run", c.p.name}
	for _, p := range c.p.params {
		args = append(args, "-p", p)
	}
	if !c.p.reboot {
		return c.timed([][]string{append([]string{c.bin}, args...)})
	}
	// The boot runs the hook, whose resume finishes the run.
	return c.timed([][]string{append([]string{c.bin}, args...), {c.bin, "sim", "boot", "--root", c.host()}})
}

func (c *comparer) bashSide() (sample, error) {
	script := filepath.Join(c.module, "bench", c.p.script)
	args := append([]string{script}, c.p.args...)
	steps := [][]string{append([]string{"bash"}, args...)}
	if c.p.reboot {
		// The boot runs the script's hook, the script again.
		steps = append(steps, []string{c.bin, "sim", "boot", "--root", c.host()})
	}
	return c.timed(steps)
}

// timed runs each command line, one after the other, and returns the
// total wall and CPU time (of the children too: the boot's hook); any
// failure is an error.
func (c *comparer) timed(steps [][]string) (sample, error) {
	var s sample
	env := c.env()
	for i, argv := range steps {
		prog, args := argv[0], argv[1:]
		cmd := exec.Command(prog, args...)
		var out bytes.Buffer
		cmd.Env, cmd.Stdout, cmd.Stderr = env, &out, &out
		t0 := time.Now()
		err := cmd.Run()
		d := time.Since(t0)
		if err != nil {
			return s, fmt.Errorf("%s %s: %v\n%s", filepath.Base(prog), strings.Join(args, " "), err, out.String())
		}
		s.wall += d
		s.cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		if i == 0 {
			s.first = d
		}
	}
	return s, nil
}

// effects is what a side did to the simulated host: the program calls,
// the model, and the files under etc and proc.
type effects struct {
	calls, snapshot []byte
	files           map[string]string
}

func (c *comparer) effects() (*effects, error) {
	e := &effects{files: map[string]string{}}
	var err error
	if e.calls, err = exec.Command(c.bin, "sim", "calls", "--root", c.host(), "--json").Output(); err != nil {
		return nil, fmt.Errorf("sim calls: %w", err)
	}
	if e.snapshot, err = exec.Command(c.bin, "sim", "snapshot", "--root", c.host()).Output(); err != nil {
		return nil, fmt.Errorf("sim snapshot: %w", err)
	}
	for _, top := range []string{"etc", "proc"} {
		base := filepath.Join(c.host(), top)
		err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(c.host(), p)
			switch {
			case d.Type()&fs.ModeSymlink != 0:
				t, err := os.Readlink(p)
				e.files[rel] = "-> " + t
				return err
			case d.Type().IsRegular():
				b, err := os.ReadFile(p)
				e.files[rel] = string(b)
				return err
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return e, nil
}

func (e *effects) same(o *effects) error {
	if !bytes.Equal(e.calls, o.calls) {
		return callsDiffer(e.calls, o.calls)
	}
	if !bytes.Equal(e.snapshot, o.snapshot) {
		return errors.New("the simulated pools differ afterwards (compare `runbook sim snapshot` of each side)")
	}
	var diff []string
	for k, v := range e.files {
		if w, ok := o.files[k]; !ok {
			diff = append(diff, k+": only after runbook")
		} else if v != w {
			diff = append(diff, k+": content differs")
		}
	}
	for k := range o.files {
		if _, ok := e.files[k]; !ok {
			diff = append(diff, k+": only after bash")
		}
	}
	if len(diff) > 0 {
		sort.Strings(diff)
		return fmt.Errorf("files differ:\n  %s", strings.Join(diff, "\n  "))
	}
	return nil
}

// callsDiffer names the first program call where two `sim calls --json`
// outputs part.
func callsDiffer(a, b []byte) error {
	var ca, cb struct{ Argv [][]string }
	if json.Unmarshal(a, &ca) != nil || json.Unmarshal(b, &cb) != nil {
		return fmt.Errorf("program calls differ:\nrunbook: %s\nbash:    %s", a, b)
	}
	show := func(calls [][]string, i int) string {
		if i >= len(calls) {
			return "(no more calls)"
		}
		return strings.Join(calls[i], " ")
	}
	i := 0
	for i < len(ca.Argv) && i < len(cb.Argv) && slices.Equal(ca.Argv[i], cb.Argv[i]) {
		i++
	}
	return fmt.Errorf("program calls differ from call %d on (runbook %d calls, bash %d):\n  runbook: %s\n  bash:    %s",
		i+1, len(ca.Argv), len(cb.Argv), show(ca.Argv, i), show(cb.Argv, i))
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "bench", "nfs-bond.sh")); err == nil {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run me inside the runbook module (no go.mod with bench/nfs-bond.sh above the current directory)")
		}
		dir = parent
	}
}

// fsType names the file system of dir, because fsync is free on tmpfs.
func fsType(dir string) string {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return "file system unknown"
	}
	switch st.Type {
	case 0x01021994:
		return "tmpfs: fsync costs nothing here, use -work on a disk"
	case 0xEF53:
		return "ext4"
	case 0x58465342:
		return "xfs"
	case 0x9123683E:
		return "btrfs"
	}
	return fmt.Sprintf("file system 0x%x", st.Type)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.TrimSpace(x) == s {
			return true
		}
	}
	return false
}

func wallOf(s sample) time.Duration   { return s.wall }
func cpuOf(s sample) time.Duration    { return s.cpu }
func firstOf(s sample) time.Duration  { return s.first }
func secondOf(s sample) time.Duration { return s.wall - s.first }

func median(ss []sample, f func(sample) time.Duration) time.Duration {
	ds := make([]time.Duration, len(ss))
	for i, s := range ss {
		ds[i] = f(s)
	}
	return medianDur(ds)
}

func medianDur(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}
