package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/runbook-dev/runbook/internal/journal"
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
	// Note explains a "none" state that has a journal: one with no
	// complete header, a run that never started.
	Note string `json:"note,omitempty"`
	// Children are programs that an earlier process of the run started
	// and that still run (the process that started them is gone).
	Children []Child `json:"children,omitempty"`
	// Refused says the run ended refused (refuse() or a refusal of the
	// engine): State stays "failed", its values being a contract.
	Refused bool `json:"refused,omitempty"`
	// Duration is the run's length in seconds: from its start to its
	// end, to now while it runs, to its last record otherwise.
	Duration float64 `json:"duration"`
	// Version is the version of the binary that started the run (empty
	// for journals older than format 3).
	Version string `json:"version"`
	// Calls are the programs run outside any step (the xapi probe after
	// a boot), journaled as those of steps are.
	Calls []Call `json:"calls,omitempty"`
	// Ended is the time of the run's end record, if it ended.
	Ended string `json:"ended,omitempty"`
	// Reloads counts the times `runbook resume --reload` pinned the
	// runbook again from its origin (only when not 0).
	Reloads int `json:"reloads,omitempty"`

	steps   []*stepState // as folded from the journal, for a resume
	root    string       // the host root the run recorded
	records int          // journal lines, the header included
	calls   int          // program calls journaled
	// callBytes: the output excerpts of the call records.
	callBytes int
	// files is the current pin: the header's, or the last repin's.
	files []journal.PinnedFile
	// keptPin is where the last repin keeps the pin before it.
	keptPin string
}

// Child is a program started by a process of the run, as journaled.
type Child struct {
	PID   int    `json:"pid"`
	Prog  string `json:"prog"`
	Step  int    `json:"step"`
	ticks uint64
	boot  string
	token string
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
	// InDoubt: the step failed because a mutating program was cut off
	// after it started; the host may have changed.
	InDoubt bool `json:"in_doubt,omitempty"`
	// Started is when the step first started, Ended when it completed
	// or failed (absent while it runs); RFC 3339, UTC.
	Started string `json:"started"`
	Ended   string `json:"ended,omitempty"`
	// Calls are the programs the step ran, over all its attempts.
	Calls []Call `json:"calls"`
}

// Call is one program a run executed, as its call record tells it.
type Call struct {
	// Argv is the program and its arguments, credentials redacted and
	// secrets masked.
	Argv []string `json:"argv"`
	// Exit is the exit status, -1 when the program did not run to its
	// end (Error says why).
	Exit       int `json:"exit"`
	DurationMs int `json:"duration_ms"`
	// Stdout and Stderr are the first MaxCallExcerpt bytes of each.
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
	// Truncated says the output or the argv was cut.
	Truncated bool   `json:"truncated"`
	Error     string `json:"error,omitempty"`
}

func callOf(r *journal.Record) Call {
	c := Call{Argv: r.Argv, Exit: r.Exit, DurationMs: r.Ms, Stdout: r.Stdout, Stderr: r.Stderr, Truncated: r.Truncated, Error: r.Error}
	if r.Error != "" {
		c.Exit = -1
	}
	return c
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
	InDoubt  bool
	Reboots  []journal.Record // reboot intents, over all attempts
	Started  string           // of the first attempt
	Ended    string           // of the completed or failed record
	Calls    []Call
	// repinned: the step completed before a resume --reload, which
	// matched it against the new pin by kind, name and call, not by
	// position; later resumes match it so too.
	repinned bool
}

// fold builds a run's status from its records, one at a time, so that
// a journal is read as a stream.
type fold struct {
	st          *Status
	steps       []*stepState
	lastSession int
	lastEnd     int
	n           int
	endRec      journal.Record
	keepResults bool
	children    []Child         // of the last session, started and not known to be done
	warned      map[string]bool // the warnings seen so far
}

func newFold(runDir string, h *journal.Header, keepResults bool) *fold {
	st := &Status{
		Runbook:  h.Runbook,
		ID:       h.ID,
		Params:   statusParams(h),
		Origin:   h.Origin,
		RunDir:   runDir,
		Journal:  filepath.Join(runDir, journalName),
		Log:      filepath.Join(runDir, logName),
		Started:  h.Time,
		Updated:  h.Time,
		Steps:    []StepStatus{},
		Backups:  []Backup{},
		Warnings: []string{},
		Version:  h.Version,
		records:  1,
		root:     h.Options.Root,
		files:    h.Files,
	}
	return &fold{st: st, lastSession: -1, lastEnd: -1, keepResults: keepResults}
}

// statusParams are the recorded parameters, with each secret shown as
// "<secret>" (its value is not in the journal).
func statusParams(h *journal.Header) json.RawMessage {
	p := h.Params
	if len(p) == 0 {
		p = json.RawMessage("{}")
	}
	if len(h.Secrets) == 0 {
		return p
	}
	b := append([]byte(nil), bytes.TrimSpace(p)...)
	b = b[:len(b)-1]
	for _, name := range h.Secrets {
		if len(b) > 1 {
			b = append(b, ',')
		}
		k, _ := json.Marshal(name)
		b = append(append(b, k...), `:"<secret>"`...)
	}
	return append(b, '}')
}

func (f *fold) get(seq int) *stepState {
	if seq < 1 || seq > len(f.steps) {
		return nil
	}
	return f.steps[seq-1]
}

// add folds one record in.
func (f *fold) add(r *journal.Record) {
	st := f.st
	i := f.n
	f.n++
	st.records++
	if r.Time != "" {
		st.Updated = r.Time
	}
	switch r.Type {
	case journal.RecSession:
		f.lastSession = i
		f.children = f.children[:0]
	case journal.RecEnd:
		// Not the end of a child: an abort, from another process, may
		// follow the death of the one that waited for it.
		f.lastEnd = i
		f.endRec = *r
	case journal.RecStarted:
		s := f.get(r.Seq)
		if s == nil {
			if r.Seq != len(f.steps)+1 {
				return // out of order: the reader refuses it
			}
			s = &stepState{Seq: r.Seq, Started: r.Time}
			f.steps = append(f.steps, s)
		}
		if s.Attempts > 0 && !s.Done && !s.Failed {
			// The last attempt was cut short: what it did is unknown,
			// so it counts as having changed the host.
			s.Changed = true
		}
		s.Name, s.Kind, s.Call, s.Key, s.Pos = r.Name, r.Kind, r.Call, r.Key, r.Pos
		s.repinned = false
		s.Attempts++
		s.Done, s.Failed, s.Error, s.Result, s.InDoubt, s.Ended = false, false, "", nil, false, ""
		f.children = f.children[:0]
	case journal.RecCompleted:
		if s := f.get(r.Seq); s != nil {
			s.Done, s.Status, s.Ended = true, r.Status, r.Time
			if f.keepResults {
				s.Result = r.Result
			}
			s.Changed = s.Changed || r.Changed
			if s.Status == "" {
				s.Status = StepOK
			}
		}
		f.children = f.children[:0]
	case journal.RecFailed:
		if s := f.get(r.Seq); s != nil {
			s.Failed, s.Error, s.InDoubt, s.Ended = true, r.Error, r.InDoubt, r.Time
			s.Changed = s.Changed || r.Changed || r.InDoubt
		}
		f.children = f.children[:0]
	case journal.RecReboot:
		if s := f.get(r.Seq); s != nil {
			s.Reboots = append(s.Reboots, *r)
		}
	case journal.RecBackup:
		// A file is about to be replaced: the step changes the host.
		if s := f.get(r.Seq); s != nil {
			s.Changed = true
		}
		b := Backup{Path: r.Path, Existed: r.Existed, Step: r.Seq}
		if r.File != "" {
			b.Backup = filepath.Join(st.RunDir, r.File)
		}
		st.Backups = append(st.Backups, b)
	case journal.RecPrint:
		f.warning(r)
	case journal.RecInterrupted:
		st.Interrupted = r.Signal
	case journal.RecCall:
		st.callBytes += len(r.Stdout) + len(r.Stderr)
		if s := f.get(r.Seq); s != nil {
			s.Calls = append(s.Calls, callOf(r))
		} else if r.Seq == 0 {
			st.Calls = append(st.Calls, callOf(r))
		}
	case journal.RecRepin:
		st.files, st.keptPin = r.Files, r.Path
		st.Reloads++
		for _, s := range f.steps {
			if s.Done {
				s.repinned = true
			}
		}
	case journal.RecChild:
		if r.PID == 0 {
			st.calls++ // journaled before it starts, and again once it runs
		}
		// Children run one at a time: the one before this has ended.
		f.children = append(f.children[:0], Child{PID: r.PID, Prog: r.Prog, Step: r.Seq, ticks: r.Ticks, boot: r.BootID, token: r.Key})
	}
}

// finish derives the state. holder is the live process holding the
// state dir, if any.
func (f *fold) finish(holder *Holder, damage *journal.Error) *Status {
	st := f.st
	st.steps = f.steps
	for _, s := range f.steps {
		ss := StepStatus{Seq: s.Seq, Name: s.Name, Kind: s.Kind, Pos: s.Pos, Attempts: s.Attempts, Changed: s.Changed, InDoubt: s.InDoubt,
			Started: s.Started, Ended: s.Ended, Calls: s.Calls}
		if ss.Calls == nil {
			ss.Calls = []Call{}
		}
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
	steps := f.steps
	switch {
	case f.lastEnd >= 0 && f.lastEnd > f.lastSession:
		end := &f.endRec
		st.State = end.State
		st.Refused = end.Status == "refused"
		st.Ended = end.Time
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
	if holder == nil {
		for _, c := range f.children {
			if childAlive(&c) {
				st.Children = append(st.Children, c)
			}
		}
	}
	if damage != nil {
		e := damage.Error()
		if st.Error == nil {
			st.Error = &e
		}
	}
	st.Duration = runDuration(st, time.Now())
	return st
}

// runDuration is the run's length in seconds, to the millisecond: to
// its end, to now while it runs, to its last record while it waits (for
// a reboot, a resume).
func runDuration(st *Status, now time.Time) float64 {
	start, err := time.Parse(time.RFC3339Nano, st.Started)
	if err != nil {
		return 0
	}
	end := now
	switch {
	case st.Ended != "":
		end, err = time.Parse(time.RFC3339Nano, st.Ended)
	case st.State != StateRunning:
		end, err = time.Parse(time.RFC3339Nano, st.Updated)
	}
	if err != nil || end.Before(start) {
		return 0
	}
	return math.Round(end.Sub(start).Seconds()*1000) / 1000
}

// statusOf derives a run's status from a journal read whole.
func statusOf(runDir string, jd *journal.Data, holder *Holder, shipped fs.FS) *Status {
	f := newFold(runDir, &jd.Header, true)
	for i := range jd.Records {
		f.add(&jd.Records[i])
	}
	st := f.finish(holder, jd.Damage)
	if shipped != nil {
		st.SourceChanged, st.SourceNote = sourceChanged(st, shipped)
	}
	return st
}

// scanStatus derives a run's status from its journal read as a stream,
// in memory that does not grow with the size of results or outputs.
// On damage it returns what it read before the damaged line, and the
// error.
func scanStatus(runDir string, holder func() *Holder, shipped fs.FS) (*Status, error) {
	p := filepath.Join(runDir, journalName)
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	defer f.Close()
	rd, err := journal.NewReader(f, p)
	if err != nil {
		return nil, err
	}
	rd.SkipResults = true
	fo := newFold(runDir, rd.Header(), false)
	var rerr error
	for {
		var r journal.Record
		ok, err := rd.Next(&r)
		if err != nil {
			rerr = err
			break
		}
		if !ok {
			break
		}
		fo.add(&r)
	}
	var dmg *journal.Error
	if rerr != nil {
		errors.As(rerr, &dmg)
	} else {
		dmg = rd.Damage()
	}
	st := fo.finish(holder(), dmg)
	if shipped != nil {
		st.SourceChanged, st.SourceNote = sourceChanged(st, shipped)
	}
	return st, rerr
}
