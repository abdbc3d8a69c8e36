package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// A state dir holds what the boot hook later runs as root (the pinned
// runbook) and what resume trusts (the journal, the secrets): like
// sshd's StrictModes, the engine refuses a state dir, or any directory
// or file it reads in one, that is not owned by the user running it or
// that others may write. It creates its own 0700 (files 0600).

// UntrustedError: a path in the state dir is not the invoking user's
// alone. Nothing was read or changed.
type UntrustedError struct {
	Path  string
	UID   int
	Mode  fs.FileMode
	Issue string // what is wrong
}

func (e *UntrustedError) Error() string {
	owner := strconv.Itoa(e.UID)
	if u, err := user.LookupId(owner); err == nil {
		owner += " (" + u.Username + ")"
	}
	me := strconv.Itoa(os.Geteuid())
	return fmt.Sprintf("state dir: %s: %s (owner uid %s, mode %04o): a state dir holds what the boot hook runs as root, so it must be yours and writable by you alone\n  fix: chown %s %s && chmod go-w %s, or choose another --state-dir",
		e.Path, e.Issue, owner, e.Mode.Perm(), me, e.Path, e.Path)
}

// checkTrusted refuses path unless it is owned by the effective user (or
// root) and not writable by group or others. A missing path is fine (nothing to
// trust); a symbolic link is refused, except for the state dir itself
// (follow is true), which may be reached through one.
func checkTrusted(path string, follow bool) error {
	var fi fs.FileInfo
	var err error
	if follow {
		fi, err = os.Stat(path)
	} else {
		fi, err = os.Lstat(path)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &StateError{Err: fmt.Errorf("state dir: %w", err)}
	}
	sys, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	u := &UntrustedError{Path: path, UID: int(sys.Uid), Mode: fi.Mode()}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		u.Issue = "is a symbolic link"
	case int(sys.Uid) != os.Geteuid() && sys.Uid != 0:
		// Root's own files are trusted too, as sshd's StrictModes does.
		u.Issue = "is owned by another user"
	case fi.Mode().Perm()&0o022 != 0:
		u.Issue = "is writable by group or others"
	default:
		return nil
	}
	return &StateError{Err: u}
}

// checkStateDir checks the state dir and what the engine reads at its
// top: the lock, the current run's name and the runs directory.
func checkStateDir(stateDir string) error {
	if err := checkTrusted(stateDir, true); err != nil {
		return err
	}
	for _, name := range []string{"lock", "current", "runs"} {
		if err := checkTrusted(filepath.Join(stateDir, name), false); err != nil {
			return err
		}
	}
	return nil
}

// checkRunDir checks a run directory and everything in it the engine
// reads or appends to.
func checkRunDir(dir string) error {
	if err := checkTrusted(dir, false); err != nil {
		return err
	}
	for _, name := range []string{journalName, logName, secretsName, backupsDir} {
		if err := checkTrusted(filepath.Join(dir, name), false); err != nil {
			return err
		}
	}
	pinned := filepath.Join(dir, pinnedDir)
	if err := checkTrusted(pinned, false); err != nil {
		return err
	}
	err := filepath.WalkDir(pinned, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		return checkTrusted(p, false)
	})
	var se *StateError
	if errors.As(err, &se) {
		return err
	}
	if err != nil {
		return &StateError{Err: fmt.Errorf("state dir: %w", err)}
	}
	return nil
}
