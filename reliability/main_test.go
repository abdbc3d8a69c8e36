// Package reliability proves that runbook loses nothing: it drives the
// built runbook binary as a process against simulated hosts and checks
// crash recovery (a SIGKILL at every program call of the shipped
// runbooks), torn journals, reboots, bad inputs, concurrent runs and the
// security promises of the README. Each category counts what it tried and
// how it went; TestMain prints one summary line per category at the end,
// and writes them to $RELIABILITY_SUMMARY when that is set.
package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// runbookBin is the binary under test, built once per test process.
var runbookBin string

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "runbook-reliability-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	runbookBin = filepath.Join(dir, "runbook")
	// The go command that runs the tests, when it says where it is.
	gobin := "go"
	if root := os.Getenv("GOROOT"); root != "" {
		if p := filepath.Join(root, "bin", "go"); fileExists(p) {
			gobin = p
		}
	}
	build := exec.Command(gobin, "build", "-o", runbookBin, "github.com/runbook-dev/runbook/cmd/runbook")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "build runbook: %v\n", err)
		return 1
	}
	code := m.Run()
	summary := summaryLines()
	if summary != "" {
		fmt.Print(summary)
		if p := os.Getenv("RELIABILITY_SUMMARY"); p != "" {
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, []byte(summary), 0o644)
		}
	}
	return code
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// A figure counts the cases of one category: tried, those that behaved
// as specified, and those that changed the host (or the state) when they
// must not.
type figure struct {
	mu                  sync.Mutex
	tried, good, harmed int
	format              string // tried, good, harmed
	used                bool
}

func (f *figure) add(good, harmed bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.used = true
	f.tried++
	if good {
		f.good++
	}
	if harmed {
		f.harmed++
	}
}

func (f *figure) line() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.used {
		return ""
	}
	return fmt.Sprintf(f.format, f.tried, f.good, f.harmed) + "\n"
}

// The categories, in the order of the summary.
var (
	crashFigure     = &figure{format: "crash points: %d tried, %d recovered, %d state differences"}
	fileWriteFigure = &figure{format: "file_write kills: %d tried, %d resumed to the new content, %d temporary files left or mixes"}
	rebootFigure    = &figure{format: "reboot cases: %d tried, %d as specified, %d extra reboots or loops"}
	tornFigure      = &figure{format: "torn journals: %d tried, %d handled, %d host changes"}
	badInputFigure  = &figure{format: "bad inputs: %d tried, %d clear errors, %d host changes"}
	signalFigure    = &figure{format: "signals: %d tried, %d resumable with the right exit, %d lost records"}
	lockFigure      = &figure{format: "concurrency: %d cases, %d as specified, %d double runs"}
	securityFigure  = &figure{format: "security: %d checks, %d passed, %d leaks or escapes"}
	killFigure      = &countFigure{format: "random kills: %d trials, %d kills, %d completed mutations repeated, %d hooks leaked, %d state differences"}
	damageFigure    = &countFigure{format: "journal damage: %d single-byte changes, %d refused naming the line, %d torn last lines, %d accepted silently, %d panics, %d hangs"}
	diskFullFigure  = &countFigure{format: "disk full: %d fill levels, %d recovered, %d wedged state dirs"}
	trustFigure     = &figure{format: "untrusted state dirs: %d cases, %d refused, %d trusted"}
	claimFigure     = &figure{format: "two state dirs on one host: %d cases, %d as specified, %d double runs or hooks touched"}
	inDoubtFigure   = &figure{format: "in-doubt calls: %d cases, %d in doubt and blocking, %d reported as nothing changed"}
	orphanFigure    = &figure{format: "orphaned children: %d cases, %d waited for or refused, %d overlaps"}
	secretFigure    = &countFigure{format: "secrets: %d files and %d outputs searched, %d leaks"}
	allFigures      = []interface{ line() string }{crashFigure, fileWriteFigure, rebootFigure, tornFigure, badInputFigure, signalFigure, lockFigure, securityFigure,
		killFigure, damageFigure, diskFullFigure, trustFigure, claimFigure, inDoubtFigure, orphanFigure, secretFigure}
)

// countFigure is a summary line of counters, added to as cases run.
type countFigure struct {
	mu     sync.Mutex
	format string
	n      [6]int
	used   bool
}

func (f *countFigure) add(counts ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.used = true
	for i, c := range counts {
		f.n[i] += c
	}
}

func (f *countFigure) line() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.used {
		return ""
	}
	args := make([]any, strings.Count(f.format, "%d"))
	for i := range args {
		args[i] = f.n[i]
	}
	return fmt.Sprintf(f.format, args...) + "\n"
}

// full reports whether the whole set of the long sweeps runs
// (make reliability-full), not the sample of make test.
func full() bool { return os.Getenv("RELIABILITY_FULL") != "" }

func summaryLines() string {
	var b strings.Builder
	for _, f := range allFigures {
		b.WriteString(f.line())
	}
	return b.String()
}

// result is how a process ended.
type result struct {
	stdout, stderr string
	code           int // exit status; -1 when killed by a signal
	signal         syscall.Signal
	pid            int
}

func (r result) String() string {
	how := fmt.Sprintf("exit %d", r.code)
	if r.signal != 0 {
		how = "killed by " + r.signal.String()
	}
	return fmt.Sprintf("%s\nstdout:\n%s\nstderr:\n%s", how, r.stdout, r.stderr)
}

func (r result) killed() bool { return r.signal == syscall.SIGKILL }

// host is a simulated host and a state directory, in a test's temp dir.
type host struct {
	t     testing.TB
	dir   string
	root  string
	state string
	// env is the environment of every runbook process: the simulated
	// programs, the state dir, no colour.
	env []string
}

// baseEnv is the environment without any RUNBOOK_ setting.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "RUNBOOK_") || strings.HasPrefix(kv, "NO_COLOR=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "NO_COLOR=1")
}

// newHost makes a fresh simulated host (`runbook sim init` with initArgs)
// and a state dir.
func newHost(t testing.TB, initArgs ...string) *host {
	t.Helper()
	dir := t.TempDir()
	h := &host{t: t, dir: dir, root: filepath.Join(dir, "host"), state: filepath.Join(dir, "state")}
	h.env = append(baseEnv(),
		"RUNBOOK_ROOT="+h.root,
		"RUNBOOK_XE="+filepath.Join(h.root, "bin", "xe"),
		"RUNBOOK_IFUP="+filepath.Join(h.root, "bin", "ifup"),
		"RUNBOOK_REBOOT="+filepath.Join(h.root, "bin", "reboot"),
		"RUNBOOK_STATE_DIR="+h.state,
		// The simulated ip and ping are found next to xe; where a test
		// wraps xe in a script of its own, they are found on PATH.
		"PATH="+filepath.Join(h.root, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"),
	)
	args := append([]string{"sim", "init"}, initArgs...)
	h.must(append(args, h.root)...)
	return h
}

// setenv overrides one variable of the host's environment.
func (h *host) setenv(key, value string) {
	h.env = append(h.env, key+"="+value)
}

// start starts runbook with args; wait with h.wait.
func (h *host) start(args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	h.t.Helper()
	return h.startEnv(nil, args...)
}

// startEnv starts runbook with extra environment variables.
func (h *host) startEnv(extra []string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	h.t.Helper()
	cmd := exec.Command(runbookBin, args...)
	cmd.Env = append(append([]string(nil), h.env...), extra...)
	cmd.Dir = h.dir // a shell would leave its files here
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		h.t.Fatalf("start runbook %s: %v", strings.Join(args, " "), err)
	}
	return cmd, &stdout, &stderr
}

func (h *host) wait(cmd *exec.Cmd, stdout, stderr *bytes.Buffer) result {
	h.t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(90 * time.Second):
		cmd.Process.Kill()
		<-done
		h.t.Fatalf("runbook %s: still running after 90s", strings.Join(cmd.Args[1:], " "))
	}
	r := result{stdout: stdout.String(), stderr: stderr.String(), pid: cmd.Process.Pid}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			r.signal = ws.Signal()
		}
	default:
		h.t.Fatalf("runbook %s: %v", strings.Join(cmd.Args[1:], " "), err)
	}
	return r
}

// run runs runbook with args in the host's environment.
func (h *host) run(args ...string) result {
	h.t.Helper()
	return h.runEnv(nil, args...)
}

// runEnv runs runbook with extra environment variables.
func (h *host) runEnv(extra []string, args ...string) result {
	h.t.Helper()
	cmd, stdout, stderr := h.startEnv(extra, args...)
	return h.wait(cmd, stdout, stderr)
}

// must runs runbook and fails the test unless it exits 0.
func (h *host) must(args ...string) result {
	h.t.Helper()
	r := h.run(args...)
	if r.code != 0 || r.signal != 0 {
		h.t.Fatalf("runbook %s: %v", strings.Join(args, " "), r)
	}
	return r
}

// fault arms a simulator fault.
func (h *host) fault(args ...string) {
	h.t.Helper()
	h.must(append([]string{"sim", "fault", "--root", h.root}, args...)...)
}

// snapshot is the simulator's canonical model dump.
func (h *host) snapshot() string {
	h.t.Helper()
	return h.must("sim", "snapshot", "--root", h.root).stdout
}

type callLog struct {
	Calls int        `json:"calls"`
	Argv  [][]string `json:"argv"`
}

// calls is the argv of every simulated program call so far.
func (h *host) calls() callLog {
	h.t.Helper()
	var c callLog
	if err := json.Unmarshal([]byte(h.must("sim", "calls", "--root", h.root, "--json").stdout), &c); err != nil {
		h.t.Fatalf("sim calls: %v", err)
	}
	return c
}

// status is the part of `runbook status --json` the tests read.
type status struct {
	Runbook     string       `json:"runbook"`
	ID          string       `json:"id"`
	State       string       `json:"state"`
	Steps       []stepStatus `json:"steps"`
	Error       *string      `json:"error"`
	ChangedHost bool         `json:"changed_host"`
	RunDir      string       `json:"run_dir"`
	Journal     string       `json:"journal"`
	Log         string       `json:"log"`
	Holder      *struct {
		PID     int    `json:"pid"`
		Command string `json:"command"`
	} `json:"holder"`
	Backups []struct {
		Path   string `json:"path"`
		Backup string `json:"backup"`
	} `json:"backups"`
	Interrupted string `json:"interrupted"`
	raw         string
}

type stepStatus struct {
	Seq      int     `json:"seq"`
	Name     string  `json:"name"`
	Status   string  `json:"status"`
	Kind     string  `json:"kind"`
	Attempts int     `json:"attempts"`
	Changed  bool    `json:"changed"`
	Error    *string `json:"error"`
}

func (h *host) status() status {
	h.t.Helper()
	r := h.run("status", "--json")
	if r.code != 0 {
		h.t.Fatalf("runbook status --json: %v", r)
	}
	var st status
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		h.t.Fatalf("runbook status --json: %v\n%s", err, r.stdout)
	}
	st.raw = r.stdout
	return st
}

// record is a journal line, loosely.
type record struct {
	Type    string `json:"type"`
	Seq     int    `json:"seq"`
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Attempt int    `json:"attempt"`
	Status  string `json:"status"`
	Error   string `json:"error"`
	BootID  string `json:"boot_id"`
	PID     int    `json:"pid"`
	Mode    string `json:"mode"`
	Signal  string `json:"signal"`
	State   string `json:"state"`
	Prog    string `json:"prog"`
}

// journal reads the journal of the current run, failing on a line that
// does not parse.
func (h *host) journal() []record {
	h.t.Helper()
	st := h.status()
	data, err := os.ReadFile(st.Journal)
	if err != nil {
		h.t.Fatalf("read journal: %v", err)
	}
	var recs []record
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		var r record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			h.t.Fatalf("journal line %d does not parse (%v): %q", i+1, err, line)
		}
		recs = append(recs, r)
	}
	return recs
}

// entry is a file under the root as the comparison sees it.
type entry struct {
	kind string // file, dir, link
	mode fs.FileMode
	data string // content, or link target
}

// files maps every path under the root, except the simulator's own state
// (var/lib/xsim) and the engine's host claim (var/lib/runbook), to its
// kind, mode and content.
func (h *host) files() map[string]entry {
	h.t.Helper()
	out := map[string]entry{}
	err := filepath.WalkDir(h.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(h.root, p)
		if rel == filepath.Join("var", "lib", "xsim") {
			return filepath.SkipDir
		}
		// The engine's host-wide claim (var/lib/runbook/claim*) is its
		// own state, checked by the tests of the claim.
		if rel == filepath.Join("var", "lib", "runbook") {
			return filepath.SkipDir
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			out[rel] = entry{kind: "link", data: target}
		case d.IsDir():
			out[rel] = entry{kind: "dir", mode: fi.Mode().Perm()}
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[rel] = entry{kind: "file", mode: fi.Mode().Perm(), data: string(b)}
		}
		return nil
	})
	if err != nil {
		h.t.Fatalf("walk %s: %v", h.root, err)
	}
	return out
}

// hostState is what must not change: the model and the files.
type hostState struct {
	snapshot string
	files    map[string]entry
}

func (h *host) capture() hostState {
	h.t.Helper()
	return hostState{snapshot: withoutBootLog(h.snapshot()), files: h.files()}
}

// diff describes how two host states differ, "" when they are the same.
func (a hostState) diff(b hostState) string {
	var out []string
	if a.snapshot != b.snapshot {
		out = append(out, "sim snapshot differs:\n"+lineDiff(a.snapshot, b.snapshot))
	}
	var paths []string
	for p := range a.files {
		paths = append(paths, p)
	}
	for p := range b.files {
		if _, ok := a.files[p]; !ok {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	for _, p := range paths {
		x, okx := a.files[p]
		y, oky := b.files[p]
		switch {
		case !okx:
			out = append(out, fmt.Sprintf("%s: appeared (%s %q)", p, y.kind, clip(y.data)))
		case !oky:
			out = append(out, fmt.Sprintf("%s: disappeared", p))
		case x != y:
			out = append(out, fmt.Sprintf("%s: %s %v %q became %s %v %q", p, x.kind, x.mode, clip(x.data), y.kind, y.mode, clip(y.data)))
		}
	}
	return strings.Join(out, "\n")
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

// lineDiff shows the first lines where two texts differ.
func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i := 0; i < max(len(al), len(bl)) && len(out) < 12; i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out = append(out, fmt.Sprintf("  line %d: %q -> %q", i+1, x, y))
		}
	}
	return strings.Join(out, "\n")
}

// writeExec writes an executable file.
func writeExec(t testing.TB, path, text string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeFile writes a file, making its directory.
func writeFile(t testing.TB, path, text string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// waitFile waits until path exists.
func waitFile(t testing.TB, path string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s never appeared", path)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Parameters of the shipped runbooks used throughout.
var (
	nfsBondArgs    = []string{"nfs-bond", "-p", "ip=10.10.51.11", "-p", "netmask=255.255.255.0", "-p", "evacuate=true"}
	storageNICArgs = []string{"storage-nic", "-p", "device=eth1", "-p", "ip=10.10.52.11", "-p", "netmask=255.255.255.0"}
	// storage-bond configures the whole pool from xen01.
	storageBondArgs = []string{"storage-bond", "-p", "addresses=xen01=10.10.51.11,xen02=10.10.51.12,xen03=10.10.51.13", "-p", "netmask=255.255.255.0"}
)

// finish recovers the run until it ends (succeeded or failed), at most
// limit times: a boot that runs the hook when a reboot is pending, else a
// resume. It returns the results of every resume.
func (h *host) finish(limit int) []result {
	h.t.Helper()
	var out []result
	for range limit {
		st := h.status()
		switch st.State {
		case "succeeded", "failed", "aborted", "none":
			return out
		}
		out = append(out, h.recover())
	}
	return out
}
