package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Run history: every run of a state dir keeps its directory (runs/<id>/)
// and journal after it ends, so that `runbook runs` lists them and
// `runbook status RUN-ID` shows any one.

// StateDamaged is the state `runbook runs` shows for a run whose journal
// cannot be read (a status of it says why); it is never a Status state.
const StateDamaged = "damaged"

// RunSummary is one run of a state dir as `runbook runs --json` prints
// it: a stable interface, fields are only ever added.
type RunSummary struct {
	ID      string `json:"id"`
	Runbook string `json:"runbook"`
	// State is a Status state, or "damaged" (Reason says why).
	State string `json:"state"`
	// Refused: the run ended refused (State stays "failed").
	Refused bool `json:"refused,omitempty"`
	// Started is RFC 3339, UTC; Duration in seconds, as in Status.
	Started  string  `json:"started"`
	Duration float64 `json:"duration"`
	// Changed says whether the run changed the host (changed_host).
	Changed bool `json:"changed"`
	// Current marks the state dir's current run (what `status` shows).
	Current bool `json:"current,omitempty"`
	// Reason explains a damaged run, or a run that never started.
	Reason string `json:"reason,omitempty"`
}

// UnknownRunError: no run of that id in the state dir. Known lists the
// ids there are, newest first.
type UnknownRunError struct {
	ID       string
	StateDir string
	Known    []string
}

func (e *UnknownRunError) Error() string {
	return fmt.Sprintf("no run %q in state dir %s", e.ID, e.StateDir)
}

// runIDs lists the run directories of the state dir, newest first (an
// id starts with its UTC start time; one of the same second gets -2, -3).
func runIDs(stateDir string) ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(stateDir, "runs"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &StateError{Err: fmt.Errorf("state dir: %w", err)}
	}
	var ids []string
	for _, e := range ents {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			ids = append(ids, e.Name())
		}
	}
	sort.Slice(ids, func(i, j int) bool { return runIDLess(ids[j], ids[i]) })
	return ids, nil
}

// runIDLess orders ids by start: the time prefix first, then the
// suffix -N of runs of the same runbook in the same second, by number.
func runIDLess(a, b string) bool {
	ta, _, _ := strings.Cut(a, "-")
	tb, _, _ := strings.Cut(b, "-")
	if ta != tb {
		return ta < tb
	}
	if len(a) != len(b) {
		return len(a) < len(b) // "x" before "x-2" before "x-10"
	}
	return a < b
}

// Runs lists the runs of the state dir, newest first. A run whose
// journal cannot be read is listed as damaged, with the reason; only a
// state dir that cannot be read is an error.
func (e *Engine) Runs() ([]RunSummary, error) {
	stateDir, err := e.stateDir()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(stateDir); errors.Is(err, fs.ErrNotExist) {
		return []RunSummary{}, nil
	}
	if err := checkStateDir(stateDir); err != nil {
		return nil, err
	}
	ids, err := runIDs(stateDir)
	if err != nil {
		return nil, err
	}
	cur, _ := currentRun(stateDir)
	out := []RunSummary{}
	for _, id := range ids {
		holder := func() *Holder { return nil }
		if id == cur {
			holder = func() *Holder { return liveHolder(stateDir) }
		}
		st, err := e.runStatus(stateDir, id, holder)
		rs := RunSummary{ID: id, Current: id == cur}
		if st != nil {
			rs.Runbook, rs.State, rs.Refused, rs.Started, rs.Duration, rs.Changed = st.Runbook, st.State, st.Refused, st.Started, st.Duration, st.ChangedHost
			if st.State == StateNone {
				rs.Reason = st.Note
			}
		}
		switch {
		case err != nil:
			rs.State, rs.Reason = StateDamaged, err.Error()
		case st == nil:
			rs.State, rs.Reason = StateDamaged, fmt.Sprintf("no journal in %s: the run never started", runDirOf(stateDir, id))
		}
		out = append(out, rs)
	}
	return out, nil
}

// StatusOf returns the status of the run id of the state dir, current
// or not; an id that is not there is an *UnknownRunError.
func (e *Engine) StatusOf(id string) (*Status, error) {
	stateDir, err := e.stateDir()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(stateDir); err == nil {
		if err := checkStateDir(stateDir); err != nil {
			return nil, err
		}
	}
	ids, err := runIDs(stateDir)
	if err != nil {
		return nil, err
	}
	found := false
	for _, k := range ids {
		found = found || k == id
	}
	if !found {
		return nil, &UnknownRunError{ID: id, StateDir: stateDir, Known: ids}
	}
	holder := func() *Holder { return nil }
	if cur, _ := currentRun(stateDir); cur == id {
		holder = func() *Holder { return liveHolder(stateDir) }
	}
	st, err := e.runStatus(stateDir, id, holder)
	if st == nil && err == nil {
		p := filepath.Join(runDirOf(stateDir, id), journalName)
		return &Status{State: StateNone, ID: id, RunDir: runDirOf(stateDir, id), Journal: p,
			Note: fmt.Sprintf("the run directory has no journal %s: the run never started", p)}, nil
	}
	return st, err
}
