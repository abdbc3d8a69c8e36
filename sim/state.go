package sim

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gofrs/flock"

	"github.com/runbook-dev/runbook/internal/atomicfile"
)

// Files of the simulator. Every root has dom0.json, which names its host
// and the pool directory; the pool directory holds the pool database, its
// lock and the call log. In the default layout the pool directory is the
// root's var/lib/xsim; with every host's dom0 laid out it is DIR/pool.
const (
	stateDir  = "var/lib/xsim"
	dom0File  = stateDir + "/dom0.json"
	stateFile = "state.json"
	lockFile  = "lock"
	callsFile = "calls.log"
)

// dom0Link is the content of ROOT/var/lib/xsim/dom0.json.
type dom0Link struct {
	// Host is the uuid of the host whose dom0 this root is.
	Host string `json:"host"`
	// Name is its name-label, for people reading the file.
	Name string `json:"name"`
	// Pool is the pool directory, relative to the root.
	Pool string `json:"pool"`
}

// isRoot reports whether dir is the root of a simulated dom0.
func isRoot(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, dom0File))
	return err == nil && fi.Mode().IsRegular()
}

// readDom0Link reads the dom0.json of a root.
func readDom0Link(root string) (dom0Link, error) {
	var l dom0Link
	data, err := os.ReadFile(filepath.Join(root, dom0File))
	if err == nil {
		err = json.Unmarshal(data, &l)
	}
	if err == nil && (l.Host == "" || l.Pool == "") {
		err = fmt.Errorf("%s: no host or pool", dom0File)
	}
	return l, err
}

// store is an open simulated host: the root of the local dom0, the pool
// directory, and the lock of the pool database, held for the whole
// read-modify-write of one program run or control command.
type store struct {
	root string
	pool string
	lock *flock.Flock
	st   state
}

// poolDir returns the pool directory of a root.
func poolDir(root string) (string, dom0Link, error) {
	if !isRoot(root) {
		return "", dom0Link{}, fmt.Errorf("no simulated host in %s: make one with 'runbook sim init DIR'", root)
	}
	l, err := readDom0Link(root)
	if err != nil {
		return "", l, fmt.Errorf("read %s: %w", filepath.Join(root, dom0File), err)
	}
	return filepath.Join(root, l.Pool), l, nil
}

// openStore locks the pool of root and loads its state, with root's host
// as the local one.
func openStore(root string) (*store, error) {
	pool, link, err := poolDir(root)
	if err != nil {
		return nil, err
	}
	l := flock.New(filepath.Join(pool, lockFile))
	if err := l.Lock(); err != nil {
		return nil, fmt.Errorf("lock %s: %w", l.Path(), err)
	}
	s := &store{root: root, pool: pool, lock: l}
	data, err := os.ReadFile(filepath.Join(pool, stateFile))
	if err == nil {
		err = json.Unmarshal(data, &s.st)
	}
	if err == nil && s.st.Model.host(link.Host) == nil {
		err = fmt.Errorf("%s names host %s, which the pool does not have", dom0File, link.Host)
	}
	if err != nil {
		l.Unlock()
		return nil, fmt.Errorf("load state: %w", err)
	}
	s.st.Model.local = link.Host
	return s, nil
}

// hostRoot returns the root of a host's dom0, or "" when it has none.
func (s *store) hostRoot(h *hostRec) string {
	if h.Dom0.Root == "" {
		return ""
	}
	return filepath.Join(s.pool, h.Dom0.Root)
}

// save writes the state atomically and durably.
func (s *store) save() error {
	data, err := json.MarshalIndent(&s.st, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(s.pool, stateFile), append(data, '\n'), 0o644)
}

func (s *store) close() { s.lock.Unlock() }

// logCall appends argv to the call log, one JSON array per line.
func (s *store) logCall(argv []string) error {
	line, err := json.Marshal(argv)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(s.pool, callsFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(append(line, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeAtomic replaces name with data, atomically and durably.
func writeAtomic(name string, data []byte, perm fs.FileMode) error {
	return atomicfile.Write(name, data, perm, nil)
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
