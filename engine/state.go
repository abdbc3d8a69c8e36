package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/runbook-dev/runbook/internal/atomicfile"
)

// Layout of a state directory (0700):
//
//	lock                  flock; names the holder
//	current               the id of the latest run
//	runs/<id>/journal.jsonl
//	runs/<id>/pinned/     the runbook and the files it loads, as started
//	runs/<id>/backups/    previous contents of replaced files
//	runs/<id>/log         everything the run printed (boot resumes too)
//	runs/<id>/secrets     the values of secret parameters, until the run ends
const (
	journalName = "journal.jsonl"
	logName     = "log"
	pinnedDir   = "pinned"
	backupsDir  = "backups"
)

// ensureStateDir creates the state directory (0700) if needed and checks
// that it can be written.
func ensureStateDir(dir string) error {
	if dir == "" {
		return &StateError{Err: errors.New("state dir: empty path; set --state-dir or RUNBOOK_STATE_DIR")}
	}
	if err := os.MkdirAll(filepath.Join(dir, "runs"), 0o700); err != nil {
		return &StateError{Err: fmt.Errorf("state dir %s: %w; choose a writable one with --state-dir or RUNBOOK_STATE_DIR", dir, unwrapPath(err))}
	}
	probe, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return &StateError{Err: fmt.Errorf("state dir %s: not writable (%v); choose a writable one with --state-dir or RUNBOOK_STATE_DIR", dir, unwrapPath(err))}
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func runDirOf(stateDir, id string) string { return filepath.Join(stateDir, "runs", id) }

// currentRun returns the id of the latest run, "" if there is none.
func currentRun(stateDir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(stateDir, "current"))
	if errors.Is(err, fs.ErrNotExist) {
		return latestRunDir(stateDir)
	}
	if err != nil {
		return "", &StateError{Err: fmt.Errorf("state dir: %w", err)}
	}
	id := strings.TrimSpace(string(b))
	if id == "" || strings.ContainsAny(id, "/\\") {
		return latestRunDir(stateDir)
	}
	return id, nil
}

// latestRunDir finds the newest run directory when "current" is missing.
func latestRunDir(stateDir string) (string, error) {
	ents, err := os.ReadDir(filepath.Join(stateDir, "runs"))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", &StateError{Err: fmt.Errorf("state dir: %w", err)}
	}
	var ids []string
	for _, e := range ents {
		if e.IsDir() {
			ids = append(ids, e.Name())
		}
	}
	if len(ids) == 0 {
		return "", nil
	}
	sort.Strings(ids)
	return ids[len(ids)-1], nil
}

// setCurrent points "current" at a run, atomically and durably.
func setCurrent(stateDir, id string, e *Engine) error {
	if err := atomicfile.Write(filepath.Join(stateDir, "current"), []byte(id+"\n"), 0o600, atomicfile.WriteFunc(e.WriteHook)); err != nil {
		return &StateError{Err: fmt.Errorf("state dir: %w", err)}
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// newRunID names a run by its start time (sortable) and runbook, and
// creates its directory.
func newRunDir(stateDir, runbook string, now time.Time) (string, string, error) {
	base := now.UTC().Format("20060102T150405Z") + "-" + runbook
	for i := 1; ; i++ {
		id := base
		if i > 1 {
			id = fmt.Sprintf("%s-%d", base, i)
		}
		dir := runDirOf(stateDir, id)
		err := os.Mkdir(dir, 0o700)
		if err == nil {
			if err := syncDir(filepath.Dir(dir)); err != nil {
				return "", "", &StateError{Err: fmt.Errorf("create run dir: %w", err)}
			}
			return id, dir, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", "", &StateError{Err: fmt.Errorf("create run dir: %w", err)}
		}
	}
}
