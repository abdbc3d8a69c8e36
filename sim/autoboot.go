package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// --boot auto: the reboot program starts a watcher, detached (a new
// session, standard streams on /dev/null), that waits until the process
// that asked for the reboot has exited, then performs the boot. The
// watcher is the reboot program itself, run again with watchFlag, so it
// works wherever the simulated programs do. It is known by the pid and
// start time of the process it waits for, so that a new process that
// gets the same pid is not taken for it.

const watchFlag = "--sim-boot-after"

// maxWatch bounds how long a watcher waits for its caller.
const maxWatch = 24 * time.Hour

// procStart returns the start time of a process (field 22 of
// /proc/PID/stat, in clock ticks since boot), "" when there is none.
func procStart(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	s := string(data)
	// The command name is in parentheses and may hold spaces.
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state); field 22 is f[19].
	if len(f) < 20 {
		return ""
	}
	return f[19]
}

// alive reports whether the process pid started at start still runs.
func alive(pid int, start string) bool {
	st := procStart(pid)
	return st != "" && (start == "" || st == start)
}

// spawnWatcher starts the watcher for the local host of s, unless one is
// already waiting for it.
func spawnWatcher(root string, s *store) error {
	h := s.st.Model.localHost()
	if w, ok := s.st.Book.Watchers[h.UUID]; ok && alive(w.PID, "") {
		return nil
	}
	caller := os.Getppid()
	start := procStart(caller)
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := &exec.Cmd{
		Path: exe,
		Args: []string{filepath.Join(root, "bin", rebootProg), watchFlag, fmt.Sprintf("%d:%s", caller, start)},
		Env:  append(os.Environ(), "RUNBOOK_ROOT="+root),
		Dir:  "/",
		// A new session: the watcher outlives the caller and its
		// process group.
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	if s.st.Book.Watchers == nil {
		s.st.Book.Watchers = map[string]watcher{}
	}
	s.st.Book.Watchers[h.UUID] = watcher{PID: cmd.Process.Pid, For: caller, ForStart: start}
	return cmd.Process.Release()
}

// watchAndBoot is the watcher: wait for the caller, then boot.
func watchAndBoot(root, arg string, stderr io.Writer) int {
	pidStr, start, _ := strings.Cut(arg, ":")
	pid, err := strconv.Atoi(pidStr)
	if err != nil {
		fmt.Fprintf(stderr, "reboot (simulated): %s: got %q, want PID:START\n", watchFlag, arg)
		return 2
	}
	deadline := time.Now().Add(maxWatch)
	for alive(pid, start) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	// No longer waiting: a reboot asked for during this boot needs a
	// watcher of its own.
	if s, err := openStore(root); err == nil {
		h := s.st.Model.localHost()
		if w, ok := s.st.Book.Watchers[h.UUID]; ok && w.PID == os.Getpid() {
			delete(s.st.Book.Watchers, h.UUID)
			s.save()
		}
		s.close()
	}
	if _, err := Boot(context.Background(), root, BootOptions{Wait: true}); err != nil {
		fmt.Fprintf(stderr, "reboot (simulated): boot: %v\n", err)
		return 1
	}
	return 0
}

// WaitBoot waits until the dom0 in root is up: no reboot pending, no
// boot running, no watcher waiting to boot it. It fails at once when a
// reboot is pending that nothing will perform (the manual model), and
// when a watcher died.
func WaitBoot(ctx context.Context, root string) error {
	for {
		s, err := openStore(root)
		if err != nil {
			return err
		}
		h := s.st.Model.localHost()
		d := h.Dom0
		w, watching := s.st.Book.Watchers[h.UUID]
		if watching && !alive(w.PID, "") {
			delete(s.st.Book.Watchers, h.UUID)
			s.save()
			s.close()
			return fmt.Errorf("the process that was to boot %s (pid %d) is gone; boot it with 'runbook sim boot --root %s'", h.NameLabel, w.PID, root)
		}
		mode := s.st.Model.BootMode
		s.close()
		switch {
		case !d.RebootPending && !d.Booting && !watching:
			return nil
		case d.RebootPending && !d.Booting && !watching && mode != bootAuto:
			return fmt.Errorf("%s is going down and nothing boots it (boot mode manual): boot it with 'runbook sim boot --root %s'", h.NameLabel, root)
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("%s did not finish booting in time", h.NameLabel)
			}
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
