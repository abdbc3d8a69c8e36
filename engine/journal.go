package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// JournalVersion is the format version written in every journal header.
// A journal of another version is refused, never guessed at.
const JournalVersion = 1

// Record types, the "type" field of each journal line.
const (
	RecRun         = "run"         // header, first line
	RecSession     = "session"     // a process started working on the run
	RecStarted     = "started"     // a step is about to act (fsynced first)
	RecCompleted   = "completed"   // a step returned; its result follows
	RecFailed      = "failed"      // a step raised an error
	RecReboot      = "reboot"      // intent to reboot, with the boot id before
	RecPrint       = "print"       // output of print() or warn()
	RecBackup      = "backup"      // a file's previous content was saved
	RecInterrupted = "interrupted" // a signal stopped the process
	RecXapi        = "xapi"        // xapi answered after a new boot
	RecEnd         = "end"         // the run ended: succeeded, failed, refused, aborted
)

// Header is the first line of a journal: what was run, with what, where.
type Header struct {
	Type    string            `json:"type"`
	V       int               `json:"v"`
	ID      string            `json:"id"`
	Runbook string            `json:"runbook"`
	Origin  string            `json:"origin"`
	Main    string            `json:"main"`
	Files   []PinnedFile      `json:"files"`
	Params  json.RawMessage   `json:"params"`
	Options RecordedOptions   `json:"options"`
	Time    string            `json:"time"`
	Extra   map[string]string `json:"extra,omitempty"`
}

// PinnedFile is one runbook file copied into the run directory.
type PinnedFile struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
}

// RecordedOptions are the options a run was started with; resume uses
// them so that it needs only the state directory.
type RecordedOptions struct {
	Root        string `json:"root"`
	Xe          string `json:"xe"`
	Ifup        string `json:"ifup"`
	Reboot      string `json:"reboot"`
	Path        string `json:"path"`
	XapiTimeout string `json:"xapi_timeout"`
	CallTimeout string `json:"call_timeout"`
	MaxSteps    uint64 `json:"max_steps"`
}

// Record is one journal line after the header. Fields not used by a
// record type are omitted.
type Record struct {
	Type    string          `json:"type"`
	Time    string          `json:"time,omitempty"`
	Seq     int             `json:"seq,omitempty"`
	Name    string          `json:"name,omitempty"`
	Kind    string          `json:"kind,omitempty"`
	Call    string          `json:"call,omitempty"`
	Key     string          `json:"key,omitempty"`
	Pos     string          `json:"pos,omitempty"`
	Attempt int             `json:"attempt,omitempty"`
	Status  string          `json:"status,omitempty"`
	Changed bool            `json:"changed,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   string          `json:"error,omitempty"`
	BootID  string          `json:"boot_id,omitempty"`
	Reason  string          `json:"reason,omitempty"`
	Msg     string          `json:"msg,omitempty"`
	Path    string          `json:"path,omitempty"`
	File    string          `json:"file,omitempty"`
	Existed bool            `json:"existed,omitempty"`
	Signal  string          `json:"signal,omitempty"`
	State   string          `json:"state,omitempty"`
	PID     int             `json:"pid,omitempty"`
	Mode    string          `json:"mode,omitempty"`
}

// JournalError reports a journal that cannot be trusted: damaged in the
// middle, or of an unknown format.
type JournalError struct {
	Path string
	Line int
	Err  error
}

func (e *JournalError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("journal %s:%d: %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("journal %s: %v", e.Path, e.Err)
}

func (e *JournalError) Unwrap() error { return e.Err }

// Journal is an open, append-only journal file.
type Journal struct {
	path   string
	f      *os.File
	buf    []byte
	dirty  bool // appended since the last fsync
	noSync bool // benchmarks only: measure the cost of fsync
	now    func() time.Time
}

// CreateJournal creates a journal whose first line is h, durably.
func CreateJournal(path string, h *Header, now func() time.Time) (*Journal, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create journal: %w", err)
	}
	line, err := json.Marshal(h)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("encode journal header: %w", err)
	}
	j := &Journal{path: path, f: f, now: now}
	if err := j.write(append(line, '\n'), true); err != nil {
		f.Close()
		return nil, err
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		f.Close()
		return nil, fmt.Errorf("create journal: %w", err)
	}
	return j, nil
}

// OpenJournal opens an existing journal for appending. A partial last
// line, left by a power cut in the middle of an append, was never
// written as far as the journal is concerned: it is cut off first.
func OpenJournal(path string, now func() time.Time) (*Journal, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open journal: %w", err)
	}
	if size := fi.Size(); size > 0 {
		end, err := lastNewlineEnd(f, size)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("open journal: %w", err)
		}
		if end != size {
			if err := f.Truncate(end); err != nil {
				f.Close()
				return nil, fmt.Errorf("cut torn journal line: %w", err)
			}
			if err := f.Sync(); err != nil {
				f.Close()
				return nil, fmt.Errorf("cut torn journal line: %w", err)
			}
		}
	}
	if _, err := f.Seek(0, 2); err != nil {
		f.Close()
		return nil, fmt.Errorf("open journal: %w", err)
	}
	return &Journal{path: path, f: f, now: now}, nil
}

// lastNewlineEnd returns the offset just after the last '\n' in f.
func lastNewlineEnd(f *os.File, size int64) (int64, error) {
	const chunk = 4096
	buf := make([]byte, chunk)
	for end := size; end > 0; {
		start := max(end-chunk, 0)
		n, err := f.ReadAt(buf[:end-start], start)
		if err != nil && n != int(end-start) {
			return 0, err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return start + int64(i) + 1, nil
		}
		end = start
	}
	return 0, nil
}

// Close closes the journal file, after an fsync if anything appended
// since the last one is not on disk yet.
func (j *Journal) Close() error {
	if j == nil || j.f == nil {
		return nil
	}
	var err error
	if j.dirty {
		err = j.Sync()
	}
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	j.f = nil
	return err
}

// Sync makes everything appended so far durable.
func (j *Journal) Sync() error {
	j.dirty = false
	if j.noSync {
		return nil
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("sync: %w", unwrapPath(err))
	}
	return nil
}

func (j *Journal) write(line []byte, sync bool) error {
	if _, err := j.f.Write(line); err != nil {
		return fmt.Errorf("append: %w", unwrapPath(err))
	}
	j.dirty = true
	if sync {
		return j.Sync()
	}
	return nil
}

// Append writes one record; with sync it is on disk when Append returns.
func (j *Journal) Append(r *Record, sync bool) error {
	if r.Time == "" && j.now != nil {
		r.Time = j.now().UTC().Format(time.RFC3339Nano)
	}
	j.buf = appendRecord(j.buf[:0], r)
	return j.write(j.buf, sync)
}

// appendRecord encodes r as one JSON line without reflection: it runs
// twice per step.
func appendRecord(b []byte, r *Record) []byte {
	b = append(b, `{"type":`...)
	b = appendJSONString(b, r.Type)
	str := func(key, v string) {
		if v != "" {
			b = append(b, ',', '"')
			b = append(b, key...)
			b = append(b, '"', ':')
			b = appendJSONString(b, v)
		}
	}
	num := func(key string, v int) {
		if v != 0 {
			b = append(b, ',', '"')
			b = append(b, key...)
			b = append(b, '"', ':')
			b = strconv.AppendInt(b, int64(v), 10)
		}
	}
	flag := func(key string, v bool) {
		if v {
			b = append(b, ',', '"')
			b = append(b, key...)
			b = append(b, `":true`...)
		}
	}
	str("time", r.Time)
	num("seq", r.Seq)
	str("name", r.Name)
	str("kind", r.Kind)
	str("call", r.Call)
	str("key", r.Key)
	str("pos", r.Pos)
	num("attempt", r.Attempt)
	str("status", r.Status)
	flag("changed", r.Changed)
	if r.Result != nil {
		b = append(b, `,"result":`...)
		b = append(b, r.Result...)
	}
	str("error", r.Error)
	str("boot_id", r.BootID)
	str("reason", r.Reason)
	str("msg", r.Msg)
	str("path", r.Path)
	str("file", r.File)
	flag("existed", r.Existed)
	str("signal", r.Signal)
	str("state", r.State)
	num("pid", r.PID)
	str("mode", r.Mode)
	return append(b, '}', '\n')
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD, as encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\ufffd")
	}
	return appendString(b, s)
}

// JournalData is a journal read back: its header and records.
type JournalData struct {
	Header  Header
	Records []Record
	// Damage is set when a line in the middle could not be read; the
	// journal is then usable only if the run was aborted after it.
	Damage *JournalError
}

// ReadJournal reads a journal. A torn last line is ignored; a damaged
// line elsewhere or a header of another format version is an error,
// unless the run was aborted afterwards (the abort is the last word).
func ReadJournal(path string) (*JournalData, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	return parseJournal(path, data)
}

func parseJournal(path string, data []byte) (*JournalData, error) {
	if i := bytes.LastIndexByte(data, '\n'); i+1 != len(data) {
		data = data[:i+1] // torn last line: never written
	}
	jd := &JournalData{}
	if len(data) == 0 {
		return nil, &JournalError{Path: path, Err: errors.New("empty: the run never started")}
	}
	nl := bytes.IndexByte(data, '\n')
	var probe struct {
		Type string `json:"type"`
		V    int    `json:"v"`
	}
	if err := json.Unmarshal(data[:nl], &probe); err != nil || probe.Type != RecRun {
		return nil, &JournalError{Path: path, Line: 1, Err: errors.New("not a runbook journal header")}
	}
	var versionErr *JournalError
	if probe.V != JournalVersion {
		versionErr = &JournalError{Path: path, Line: 1, Err: fmt.Errorf("format version %d, this runbook reads version %d: use the runbook release that started the run, or give the run up with 'runbook abort'", probe.V, JournalVersion)}
	}
	if err := json.Unmarshal(data[:nl], &jd.Header); err != nil && versionErr == nil {
		return nil, &JournalError{Path: path, Line: 1, Err: fmt.Errorf("header: %v", err)}
	}
	jd.Records = make([]Record, 0, bytes.Count(data, []byte{'\n'}))
	line := 1
	for rest := data[nl+1:]; len(rest) > 0; {
		line++
		end := bytes.IndexByte(rest, '\n')
		text := rest[:end]
		rest = rest[end+1:]
		var r Record
		if err := decodeRecord(text, &r); err != nil || r.Type == "" {
			if jd.Damage == nil {
				jd.Damage = &JournalError{Path: path, Line: line, Err: errors.New("damaged line: the journal cannot be trusted past this point; inspect it, then give the run up with 'runbook abort'")}
			}
			continue
		}
		jd.Records = append(jd.Records, r)
	}
	if versionErr != nil {
		// Records of another version are read only for an abort, which
		// this release writes itself.
		jd.Damage = versionErr
	}
	if jd.Damage != nil {
		if n := len(jd.Records); n == 0 || jd.Records[n-1].Type != RecEnd || jd.Records[n-1].State != StateAborted {
			return jd, jd.Damage
		}
	}
	return jd, nil
}
