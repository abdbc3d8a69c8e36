package engine

import (
	"encoding/json"
	"io/fs"
	"path/filepath"
)

// Run states, the "state" of `runbook status --json`.
const (
	StateNone        = "none"
	StateRunning     = "running"
	StateRebooting   = "rebooting"
	StateInterrupted = "interrupted"
	StateFailed      = "failed"
	StateSucceeded   = "succeeded"
	StateAborted     = "aborted"
)

// Step statuses.
const (
	StepOK       = "ok"
	StepChanged  = "changed"
	StepFailed   = "failed"
	StepRunning  = "running"
	StepRebooted = "rebooted"
)

// Status is what `runbook status --json` prints: a stable interface that
// fleet tools poll. Fields are only ever added.
type Status struct {
	Runbook string          `json:"runbook"`
	ID      string          `json:"id"`
	State   string          `json:"state"`
	Params  json.RawMessage `json:"params"`
	Steps   []StepStatus    `json:"steps"`
	// Error is the failure of a failed run (null otherwise).
	Error *string `json:"error"`
	// ChangedHost says whether any step of the run changed the host, or
	// may have: a step interrupted before it finished counts.
	ChangedHost bool `json:"changed_host"`
	// SourceChanged says whether the runbook on disk (or shipped in this
	// binary) differs from the copy pinned when the run started.
	SourceChanged bool   `json:"source_changed"`
	SourceNote    string `json:"source_note,omitempty"`
	Origin        string `json:"origin"`
	RunDir        string `json:"run_dir"`
	Journal       string `json:"journal"`
	Log           string `json:"log"`
	Started       string `json:"started"`
	Updated       string `json:"updated"`
	// Holder is the process running it, when State is "running".
	Holder *Holder `json:"holder,omitempty"`
	// Backups are the previous contents of the files the run replaced.
	Backups []Backup `json:"backups"`
	// Warnings are the messages of the runbook's warn() calls, in order.
	Warnings []string `json:"warnings"`
	// Interrupted names the signal that last stopped the run, if any.
	Interrupted string `json:"interrupted,omitempty"`

	steps []*stepState // as folded from the journal, for a resume
}

// StepStatus is one step of a run.
type StepStatus struct {
	Seq      int     `json:"seq"`
	Name     string  `json:"name"`
	Status   string  `json:"status"`
	Kind     string  `json:"kind"`
	Pos      string  `json:"pos"`
	Attempts int     `json:"attempts"`
	Changed  bool    `json:"changed"`
	Error    *string `json:"error,omitempty"`
}

// Backup is a file's previous content kept in the run directory.
type Backup struct {
	Path    string `json:"path"`
	Backup  string `json:"backup,omitempty"` // absent when the file did not exist
	Existed bool   `json:"existed"`
	Step    int    `json:"step"`
}

// blocks reports whether the run must be resumed or aborted before a new
// one may start.
func (s *Status) blocks() bool {
	switch s.State {
	case StateRunning, StateRebooting, StateInterrupted:
		return true
	case StateFailed:
		return s.ChangedHost
	}
	return false
}

// resumable reports whether `runbook resume` has something to continue.
func (s *Status) resumable() bool {
	switch s.State {
	case StateRebooting, StateInterrupted, StateFailed:
		return true
	}
	return false
}

// stepState is a step as the journal tells it.
type stepState struct {
	Seq      int
	Name     string
	Kind     string
	Call     string
	Key      string
	Pos      string
	Attempts int
	Done     bool
	Status   string
	Changed  bool
	Result   json.RawMessage
	Failed   bool
	Error    string
	Reboots  []Record // reboot intents, over all attempts
}

// foldSteps turns journal records into steps, in order.
func foldSteps(recs []Record) []*stepState {
	var steps []*stepState
	get := func(seq int) *stepState {
		if seq < 1 || seq > len(steps) {
			return nil
		}
		return steps[seq-1]
	}
	for i := range recs {
		r := &recs[i]
		switch r.Type {
		case RecStarted:
			s := get(r.Seq)
			if s == nil {
				if r.Seq != len(steps)+1 {
					continue // out of order: ignored
				}
				s = &stepState{Seq: r.Seq}
				steps = append(steps, s)
			}
			if s.Attempts > 0 && !s.Done && !s.Failed {
				// The last attempt was cut short: what it did is unknown,
				// so it counts as having changed the host.
				s.Changed = true
			}
			s.Name, s.Kind, s.Call, s.Key, s.Pos = r.Name, r.Kind, r.Call, r.Key, r.Pos
			s.Attempts++
			s.Done, s.Failed, s.Error, s.Result = false, false, "", nil
		case RecCompleted:
			if s := get(r.Seq); s != nil {
				s.Done, s.Status, s.Result = true, r.Status, r.Result
				s.Changed = s.Changed || r.Changed
				if s.Status == "" {
					s.Status = StepOK
				}
			}
		case RecFailed:
			if s := get(r.Seq); s != nil {
				s.Failed, s.Error = true, r.Error
				s.Changed = s.Changed || r.Changed
			}
		case RecReboot:
			if s := get(r.Seq); s != nil {
				s.Reboots = append(s.Reboots, *r)
			}
		case RecBackup:
			// A file is about to be replaced: the step changes the host.
			if s := get(r.Seq); s != nil {
				s.Changed = true
			}
		}
	}
	return steps
}

// statusOf derives a run's status from its journal. holder is the live
// process holding the state dir, if any.
func statusOf(runDir string, jd *JournalData, holder *Holder, shipped fs.FS) *Status {
	h := &jd.Header
	st := &Status{
		Runbook: h.Runbook,
		ID:      h.ID,
		Params:  h.Params,
		Origin:  h.Origin,
		RunDir:  runDir,
		Journal: filepath.Join(runDir, journalName),
		Log:     filepath.Join(runDir, logName),
		Started: h.Time,
		Updated: h.Time,
		Steps:   []StepStatus{},
		Backups: []Backup{},
	}
	if len(st.Params) == 0 {
		st.Params = json.RawMessage("{}")
	}
	steps := foldSteps(jd.Records)
	st.steps = steps
	st.Warnings = warningsOf(jd.Records)
	lastSession, lastEnd := -1, -1
	for i := range jd.Records {
		r := &jd.Records[i]
		if r.Time != "" {
			st.Updated = r.Time
		}
		switch r.Type {
		case RecSession:
			lastSession = i
		case RecEnd:
			lastEnd = i
		case RecBackup:
			b := Backup{Path: r.Path, Existed: r.Existed, Step: r.Seq}
			if r.File != "" {
				b.Backup = filepath.Join(runDir, r.File)
			}
			st.Backups = append(st.Backups, b)
		case RecInterrupted:
			st.Interrupted = r.Signal
		}
	}
	for _, s := range steps {
		ss := StepStatus{Seq: s.Seq, Name: s.Name, Kind: s.Kind, Pos: s.Pos, Attempts: s.Attempts, Changed: s.Changed}
		switch {
		case s.Done:
			ss.Status = s.Status
		case s.Failed:
			ss.Status = StepFailed
			e := s.Error
			ss.Error = &e
		default:
			ss.Status = StepRunning
		}
		st.ChangedHost = st.ChangedHost || s.Changed
		st.Steps = append(st.Steps, ss)
	}
	switch {
	case lastEnd > lastSession:
		end := &jd.Records[lastEnd]
		st.State = end.State
		if end.Error != "" {
			e := end.Error
			st.Error = &e
		}
		if end.Changed {
			st.ChangedHost = true
		}
	case holder != nil:
		st.State = StateRunning
		st.Holder = holder
	case len(steps) > 0 && !steps[len(steps)-1].Done && !steps[len(steps)-1].Failed && len(steps[len(steps)-1].Reboots) > 0:
		st.State = StateRebooting
	default:
		st.State = StateInterrupted
	}
	if jd.Damage != nil {
		e := jd.Damage.Error()
		if st.Error == nil {
			st.Error = &e
		}
	}
	if shipped != nil {
		st.SourceChanged, st.SourceNote = sourceChanged(h, shipped)
	}
	return st
}
