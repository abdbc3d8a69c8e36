package engine

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gofrs/flock"
	"github.com/runbook-dev/runbook/internal/journal"
)

// Holder describes the process that holds a state directory's lock.
type Holder struct {
	PID       int    `json:"pid"`
	StartTime uint64 `json:"start_ticks"` // /proc/<pid>/stat field 22, against pid reuse
	Started   string `json:"started"`
	BootID    string `json:"boot_id"`
	Command   string `json:"command"`
}

func (h *Holder) String() string {
	return fmt.Sprintf("pid %d (%s), started %s, boot %s", h.PID, h.Command, h.Started, short(h.BootID))
}

func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// lock is a held state directory lock: an flock(2) on STATE/lock, which
// the kernel drops when the process dies, so a lock left by a dead
// process or an earlier boot never blocks. The file also names its
// holder for the messages of whoever is refused.
type lock struct {
	fl   *flock.Flock
	path string
}

// acquireLock takes the state directory's lock or returns a *BusyError
// naming the holder.
func acquireLock(stateDir, command string, now time.Time, hook journal.WriteFunc) (*lock, error) {
	path := filepath.Join(stateDir, "lock")
	fl := flock.New(path, flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, &StateError{Err: fmt.Errorf("lock state dir %s: %w", stateDir, err)}
	}
	if !ok {
		// The holder writes its name just after it locks: give it a moment.
		h := readHolder(stateDir)
		for i := 0; h == nil && i < 20; i++ {
			time.Sleep(10 * time.Millisecond)
			h = readHolder(stateDir)
		}
		return nil, &BusyError{StateDir: stateDir, Holder: h}
	}
	h := Holder{PID: os.Getpid(), StartTime: procStartTime(os.Getpid()), Started: now.UTC().Format(time.RFC3339), BootID: realBootID(), Command: command}
	b, _ := json.Marshal(h)
	// Rewriting the content keeps the inode, and with it the lock.
	if err := rewrite(path, append(b, '\n'), hook); err != nil {
		fl.Unlock()
		return nil, &StateError{Err: fmt.Errorf("lock state dir %s: %w", stateDir, err)}
	}
	return &lock{fl: fl, path: path}, nil
}

func (l *lock) release() {
	if l == nil {
		return
	}
	os.Truncate(l.path, 0)
	l.fl.Unlock()
}

// readHolder returns who holds the lock, or nil if nobody does: the
// recorded process must still exist, be the same process (start time)
// and belong to this boot.
func readHolder(stateDir string) *Holder {
	b, err := os.ReadFile(filepath.Join(stateDir, "lock"))
	if err != nil || len(b) == 0 {
		return nil
	}
	var h Holder
	if json.Unmarshal(b, &h) != nil || h.PID <= 0 {
		return nil
	}
	return &h
}

// liveHolder returns the lock holder if it is a live process of this
// boot, nil otherwise (no run in progress).
func liveHolder(stateDir string) *Holder {
	h := readHolder(stateDir)
	if h == nil || h.PID == os.Getpid() {
		return nil
	}
	if h.BootID != "" && h.BootID != realBootID() {
		return nil
	}
	st := procStartTime(h.PID)
	if st == 0 || (h.StartTime != 0 && st != h.StartTime) {
		return nil
	}
	return h
}

// procStartTime returns field 22 of /proc/<pid>/stat (start time in
// clock ticks since boot), 0 if the process does not exist or has
// exited.
func procStartTime(pid int) uint64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	fields := strings.Fields(s[i+1:])
	// fields[0] is field 3 (state); field 22 is fields[19]. A zombie
	// has exited: its locks are gone.
	if len(fields) < 20 || fields[0] == "Z" || fields[0] == "X" {
		return 0
	}
	n, _ := strconv.ParseUint(fields[19], 10, 64)
	return n
}

// realBootID is this machine's boot id (not the simulated root's): the
// lock is about processes of this kernel.
func realBootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// rewrite replaces a file's content in place (keeping its inode).
func rewrite(path string, b []byte, hook journal.WriteFunc) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	var n int
	if hook != nil {
		n, err = hook(f, b)
	} else {
		n, err = f.Write(b)
	}
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
