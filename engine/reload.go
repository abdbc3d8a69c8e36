package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/runbook-dev/runbook/internal/journal"
)

// resume --reload: a failed or interrupted run continues with its runbook
// as it is now at its origin, pinned again. The new runbook replays the
// journal as the pinned one would: every completed step must be asked for
// again, in the same order, with the same key (the divergence check of
// claim), else nothing is done. Only the step the run stopped in (failed
// or cut short, not a reboot in flight) may differ: that is the step the
// operator fixed. The new pin is written and journaled just before the
// first thing the resume journals, so a refusal leaves the run as it was.
//
// The pin is replaced in three moves, each durable: the new files go to
// pinned.new/; a repin record names them (and the directory the old pin
// will be kept in, pinned.N/); then pinned/ becomes pinned.N/ and
// pinned.new/ becomes pinned/. A crash before the record leaves a
// pinned.new/ that the next resume removes; one after it, renames the
// next resume finishes (recoverPin).

// nextPinDir is where a reload writes the new pin before it is journaled.
const nextPinDir = "pinned.new"

// reloadPlan is a reload the runner still has to journal.
type reloadPlan struct {
	kept string // the directory the current pin moves to: pinned.N
}

// openOrigin parses the runbook of a run as it is now at its origin.
func openOrigin(h *journal.Header, shipped fs.FS) (*Runbook, error) {
	if h.Origin == ShippedOrigin {
		if _, err := fs.Stat(shipped, h.Main); err != nil {
			return nil, &LoadError{Runbook: h.Runbook, Err: fmt.Errorf("resume --reload: this binary ships no runbook %s; resume without --reload to use the run's pinned copy", h.Runbook)}
		}
		return parseRunbook(shipped, h.Main, h.Runbook, ShippedOrigin)
	}
	if _, err := os.Stat(h.Origin); err != nil {
		return nil, &LoadError{Runbook: h.Runbook, Err: fmt.Errorf("resume --reload: runbook %s: %w; put the file back, or resume without --reload to use the run's pinned copy", h.Origin, unwrapPath(err))}
	}
	return parseRunbook(os.DirFS(filepath.Dir(h.Origin)), h.Main, h.Runbook, h.Origin)
}

// pinnedFiles lists a runbook's files with their hashes, sorted by name
// as pin writes them.
func (rb *Runbook) pinnedFiles() []journal.PinnedFile {
	files := make([]journal.PinnedFile, 0, len(rb.Files))
	for n, b := range rb.Files {
		files = append(files, journal.PinnedFile{Name: n, SHA256: hashHex(b)})
	}
	slices.SortFunc(files, func(a, b journal.PinnedFile) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return files
}

// reloadFor decides what a resume --reload of st runs: the runbook at
// its origin, and the repin to journal, or nil when the origin is the
// pinned copy (nothing to reload).
func (e *Engine) reloadFor(st *Status, h *journal.Header, jv int) (*Runbook, *reloadPlan, error) {
	if jv < 3 {
		return nil, nil, &StateError{Err: fmt.Errorf("resume --reload: the run's journal is format version %d, which cannot record a reload (version 3 can): resume it without --reload, or give it up with 'runbook abort' and start it again", jv)}
	}
	if last := st.inReboot(); last != nil {
		return nil, nil, &StateError{Err: fmt.Errorf("resume --reload: the run is in its reboot step %d %q, which may have rebooted the host; resume it without --reload first (it completes the reboot step), then resume --reload if a later step fails", last.Seq, last.Name)}
	}
	rb, err := openOrigin(h, e.Shipped)
	if err != nil {
		return nil, nil, err
	}
	if slices.Equal(rb.pinnedFiles(), st.files) {
		e.Report.Note("resume --reload: the runbook at its origin is the pinned copy: nothing to reload")
		return rb, nil, nil
	}
	return rb, &reloadPlan{kept: fmt.Sprintf("%s.%d", pinnedDir, st.Reloads+1)}, nil
}

// inReboot returns the run's last step when it is a reboot step that
// journaled a reboot and has not completed: the host may have rebooted.
func (s *Status) inReboot() *stepState {
	if n := len(s.steps); n > 0 {
		if last := s.steps[n-1]; !last.Done && len(last.Reboots) > 0 {
			return last
		}
	}
	return nil
}

// reloadable reports whether resume --reload can continue the run.
func (s *Status) reloadable() bool {
	return s.resumable() && s.inReboot() == nil
}

// sameMovedStep reports whether a completed step of the journal is the
// step spec asks for, moved: in a reload, and in every resume after one,
// the runbook is not the file the step's key was made from, so an edit
// above the step's call moves its position without making it another
// step. Kind, name and call must still be the same.
func (r *runner) sameMovedStep(rec *stepState, spec *stepSpec) bool {
	return rec.Done && (r.reloading || rec.repinned) &&
		rec.Kind == spec.kind && rec.Name == spec.name && rec.Call == clip(spec.call, maxCallText)
}

// reloadMayChange reports whether, in a reload, the journal's step rec
// at seq may be replaced by another: only the step the run stopped in,
// and not a reboot step that may have rebooted the host.
func (r *runner) reloadMayChange(seq int, rec *stepState) bool {
	return r.reload != nil && seq == len(r.replay) && !rec.Done && len(rec.Reboots) == 0
}

// repin writes and journals a pending reload's new pin, before the first
// other record of the resume.
func (r *runner) repin() error {
	p := r.reload
	if p == nil || r.j == nil {
		return nil
	}
	r.reload = nil
	next := filepath.Join(r.runDir, nextPinDir)
	if err := os.RemoveAll(next); err != nil {
		return &StateError{Err: fmt.Errorf("resume --reload: remove %s: %w", next, err)}
	}
	files, err := r.rb.pin(next, r.e)
	if err != nil {
		return &StateError{Err: fmt.Errorf("resume --reload: %w", err)}
	}
	if err := r.append(&journal.Record{Type: journal.RecRepin, Path: p.kept, Files: files}, true); err != nil {
		return err
	}
	if err := finishRepin(r.runDir, p.kept); err != nil {
		return err
	}
	r.e.Report.Note("resume --reload: runbook pinned again from %s; the pin before is kept in %s", r.rb.Origin, filepath.Join(r.runDir, p.kept))
	return nil
}

// finishRepin moves a journaled new pin in place: pinned/ to kept, then
// pinned.new/ to pinned/. Each move is durable; either may already be
// done (a resume finishing the moves of one that was killed).
func finishRepin(runDir, kept string) error {
	cur := filepath.Join(runDir, pinnedDir)
	next := filepath.Join(runDir, nextPinDir)
	old := filepath.Join(runDir, kept)
	if _, err := os.Lstat(next); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if _, err := os.Lstat(cur); err == nil {
		if err := os.Rename(cur, old); err != nil {
			return &StateError{Err: fmt.Errorf("resume --reload: keep the pin before: %w", err)}
		}
		if err := syncDir(runDir); err != nil {
			return &StateError{Err: fmt.Errorf("resume --reload: %w", err)}
		}
	}
	if err := os.Rename(next, cur); err != nil {
		return &StateError{Err: fmt.Errorf("resume --reload: put the new pin in place: %w", err)}
	}
	if err := syncDir(runDir); err != nil {
		return &StateError{Err: fmt.Errorf("resume --reload: %w", err)}
	}
	return nil
}

// recoverPin finishes or undoes a reload that a killed process left
// half done: a pinned.new/ that the journal names (its files are the
// current pin) is moved in place; any other is removed.
func recoverPin(st *Status) error {
	next := filepath.Join(st.RunDir, nextPinDir)
	if _, err := os.Lstat(next); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	cur := filepath.Join(st.RunDir, pinnedDir)
	if st.keptPin != "" && !pinMatches(cur, st.files) && pinMatches(next, st.files) {
		if err := finishRepin(st.RunDir, st.keptPin); err != nil {
			return err
		}
		return checkRunDir(st.RunDir)
	}
	if err := os.RemoveAll(next); err != nil {
		return &StateError{Err: fmt.Errorf("remove the unfinished reload %s: %w", next, err)}
	}
	return nil
}

// pinMatches reports whether dir holds files with these hashes.
func pinMatches(dir string, files []journal.PinnedFile) bool {
	fsys := os.DirFS(dir)
	for _, pf := range files {
		b, err := fs.ReadFile(fsys, pf.Name)
		if err != nil || hashHex(b) != pf.SHA256 {
			return false
		}
	}
	return true
}
