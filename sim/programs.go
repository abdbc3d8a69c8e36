package sim

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Names of the simulated programs.
const (
	xeProg         = "xe"
	ifupProg       = "ifup"
	ifdownProg     = "ifdown"
	rebootProg     = "reboot"
	switchProg     = "xe-switch-network-backend"
	ipProg         = "ip"
	pingProg       = "ping"
	journalctlProg = "journalctl"
)

// Programs returns the names of the programs the simulator provides, in
// the order Init links them.
func Programs() []string {
	return []string{xeProg, ifupProg, ifdownProg, rebootProg, switchProg, ipProg, pingProg, journalctlProg}
}

// IsProgram reports whether name (a base name) is a simulated program.
func IsProgram(name string) bool { return slices.Contains(Programs(), name) }

// ErrKilled is wrapped by the error Host.Exec returns when an armed kill
// fault fires: the program asked to kill its parent, the engine.
var ErrKilled = errors.New("killed by a simulated fault")

// Main runs the simulated program named by filepath.Base(argv[0]) with
// argv[1:] and returns its exit status. None of the programs reads stdin. The simulated host is found
// through RUNBOOK_ROOT, or else through argv[0] being DIR/bin/<program> of
// a directory made by Init.
func Main(argv []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	inv := invocation{argv: argv, getenv: getenv, stdout: stdout, stderr: stderr, kill: killParent, spawn: spawnWatcher}
	return inv.run()
}

// killParent sends SIGKILL to the parent process, as a crash of the
// machine would end the engine that ran the program.
func killParent() {
	ppid := os.Getppid()
	if ppid <= 1 {
		return
	}
	if p, err := os.FindProcess(ppid); err == nil {
		p.Signal(os.Kill)
	}
}

// invocation is one run of a simulated program.
type invocation struct {
	argv           []string
	getenv         func(string) string
	stdout, stderr io.Writer
	// kill is called when a kill fault fires.
	kill func()
	// spawn starts the process that boots the host by itself (--boot
	// auto); nil in process, where nothing can wait for the caller.
	spawn func(root string, s *store) error
}

// killedStatus is the exit status of a program whose kill fault fired;
// by then its parent is gone.
const killedStatus = 137

func (inv *invocation) run() int {
	if len(inv.argv) == 0 {
		fmt.Fprintln(inv.stderr, "sim: no program name")
		return 2
	}
	prog := filepath.Base(inv.argv[0])
	if !IsProgram(prog) {
		fmt.Fprintf(inv.stderr, "%s (simulated): not a simulated program; want one of %s\n", prog, strings.Join(Programs(), ", "))
		return 127
	}
	root, ok := findRoot(inv.argv[0], prog, inv.getenv)
	if !ok {
		fmt.Fprintf(inv.stderr, "%s (simulated): no simulated host: set RUNBOOK_ROOT to a directory made by 'runbook sim init DIR'\n", prog)
		return 1
	}
	if prog == rebootProg && len(inv.argv) == 3 && inv.argv[1] == watchFlag {
		return watchAndBoot(root, inv.argv[2], inv.stderr)
	}
	if prog == journalctlProg {
		// journalctl reads the journal, not the pool database.
		return journalctl(root, inv.argv[1:], inv.stdout, inv.stderr)
	}
	s, err := openStore(root)
	if err != nil {
		fmt.Fprintf(inv.stderr, "%s (simulated): %v\n", prog, err)
		return 1
	}
	defer s.close()
	rel := releases[s.st.Model.Release]
	if prog == switchProg && !rel.HasSwitch {
		fmt.Fprintf(inv.stderr, "%s: command not found\n", prog)
		return 127
	}

	s.st.Book.Calls++
	f := s.takeFault(s.st.Book.Calls, inv.argv)
	if err := s.logCall(inv.argv); err != nil {
		fmt.Fprintf(inv.stderr, "%s (simulated): log call: %v\n", prog, err)
		return 1
	}
	switch f.Kind {
	case faultFail:
		if err := s.save(); err != nil {
			fmt.Fprintf(inv.stderr, "%s (simulated): save state: %v\n", prog, err)
			return 1
		}
		io.WriteString(inv.stderr, f.Stderr)
		if f.Stderr != "" && !strings.HasSuffix(f.Stderr, "\n") {
			io.WriteString(inv.stderr, "\n")
		}
		if f.Code == 0 {
			return 1
		}
		return f.Code
	case faultKillBefore:
		if err := s.save(); err != nil {
			fmt.Fprintf(inv.stderr, "%s (simulated): save state: %v\n", prog, err)
			return 1
		}
		inv.kill()
		return killedStatus
	case faultDelay:
		// A slow program: the call happens, late.
		d, _ := time.ParseDuration(f.Delay)
		time.Sleep(d)
	}

	p := &proc{s: s, m: &s.st.Model, rel: rel, stdout: inv.stdout, stderr: inv.stderr}
	args := inv.argv[1:]
	var code int
	switch prog {
	case xeProg:
		code = p.xe(args)
	case ifupProg:
		code = p.ifupMain(args)
	case ifdownProg:
		code = p.ifdownMain(args)
	case rebootProg:
		code = p.reboot(args)
	case switchProg:
		code = p.switchBackend(args)
	case ipProg:
		code = p.ip(args)
	case pingProg:
		code = p.ping(args)
	}
	if p.rebootAsked && s.st.Model.BootMode == bootAuto && inv.spawn != nil {
		if err := inv.spawn(root, s); err != nil {
			fmt.Fprintf(inv.stderr, "%s (simulated): start the automatic boot: %v\n", prog, err)
			code = 1
		}
	}
	if err := s.save(); err != nil {
		fmt.Fprintf(inv.stderr, "%s (simulated): save state: %v\n", prog, err)
		return 1
	}
	if f.Kind == faultKillAfter {
		inv.kill()
		return killedStatus
	}
	return code
}

// findRoot locates the simulated host: RUNBOOK_ROOT when it holds one,
// else the directory above the bin directory argv[0] was found in. Only
// the directory is resolved through symbolic links, never the program
// itself, which links to the multi-call binary.
func findRoot(argv0, prog string, getenv func(string) string) (string, bool) {
	if r := getenv("RUNBOOK_ROOT"); r != "" && isRoot(r) {
		if abs, err := filepath.Abs(r); err == nil {
			r = abs
		}
		return r, true
	}
	var dir string
	if strings.Contains(argv0, "/") {
		abs, err := filepath.Abs(argv0)
		if err != nil {
			return "", false
		}
		dir = filepath.Dir(abs)
	} else {
		for _, d := range filepath.SplitList(getenv("PATH")) {
			if d == "" {
				d = "."
			}
			if fi, err := os.Stat(filepath.Join(d, prog)); err == nil && !fi.IsDir() {
				dir, _ = filepath.Abs(d)
				break
			}
		}
	}
	if dir == "" {
		return "", false
	}
	cands := []string{dir}
	if real, err := filepath.EvalSymlinks(dir); err == nil && real != dir {
		cands = append(cands, real)
	}
	for _, d := range cands {
		if filepath.Base(d) == "bin" && isRoot(filepath.Dir(d)) {
			return filepath.Dir(d), true
		}
	}
	return "", false
}

// Fault kinds.
const (
	faultFail       = "fail"
	faultKillBefore = "kill-before"
	faultKillAfter  = "kill-after"
	faultDelay      = "delay"
)

// proc is the context of one simulated program run, with the state
// loaded and locked.
type proc struct {
	s              *store
	m              *model
	rel            release
	stdout, stderr io.Writer
	ifupDepth      int
	// rebootAsked is set by the reboot program.
	rebootAsked bool
}
