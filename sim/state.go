package sim

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gofrs/flock"
)

// Files of the simulator under the root.
const (
	stateDir  = "var/lib/xsim"
	stateFile = stateDir + "/state.json"
	lockFile  = stateDir + "/lock"
	callsFile = stateDir + "/calls.log"
)

// isRoot reports whether dir holds a simulated host.
func isRoot(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, stateFile))
	return err == nil && fi.Mode().IsRegular()
}

// store is an open simulated host: the root, and the lock that is held
// for the whole read-modify-write of one program run or control command.
type store struct {
	root string
	lock *flock.Flock
	st   state
}

// openStore locks the root and loads its state.
func openStore(root string) (*store, error) {
	if !isRoot(root) {
		return nil, fmt.Errorf("no simulated host in %s: make one with 'runbook sim init DIR'", root)
	}
	l := flock.New(filepath.Join(root, lockFile))
	if err := l.Lock(); err != nil {
		return nil, fmt.Errorf("lock %s: %w", l.Path(), err)
	}
	s := &store{root: root, lock: l}
	data, err := os.ReadFile(filepath.Join(root, stateFile))
	if err == nil {
		err = json.Unmarshal(data, &s.st)
	}
	if err != nil {
		l.Unlock()
		return nil, fmt.Errorf("load state: %w", err)
	}
	return s, nil
}

// save writes the state atomically and durably.
func (s *store) save() error {
	data, err := json.MarshalIndent(&s.st, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(s.root, stateFile), append(data, '\n'), 0o644)
}

func (s *store) close() { s.lock.Unlock() }

// logCall appends argv to the call log, one JSON array per line.
func (s *store) logCall(argv []string) error {
	line, err := json.Marshal(argv)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(s.root, callsFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(append(line, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeAtomic replaces name with data: a temporary file in the same
// directory, fsync, rename, fsync of the directory.
func writeAtomic(name string, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(name)
	f, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// hostFile maps an absolute host path ("/etc/hostname") under the root.
func (s *store) hostFile(name string) string { return filepath.Join(s.root, name) }

func (s *store) readHostFile(name string) ([]byte, error) { return os.ReadFile(s.hostFile(name)) }

// writeHostFile writes a host file (0644), creating its directory.
func (s *store) writeHostFile(name string, data []byte) error {
	p := s.hostFile(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return writeAtomic(p, data, 0o644)
}

func (s *store) removeHostFile(name string) error {
	err := os.Remove(s.hostFile(name))
	if os.IsNotExist(err) {
		return nil
	}
	return err
}
