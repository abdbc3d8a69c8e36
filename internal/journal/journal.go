package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"
)

// Format versions. Version is what new journals are written in; every
// version from MinVersion on is read (and appended to in its own format).
const (
	// Version 2 adds a CRC-32C to every line, chained to the line
	// before, the header's "secrets", the "child" record and "in_doubt".
	// Version 3 adds the header's "version", the "call" record, and the
	// "repin" record (resume --reload) with its "files".
	Version    = 3
	MinVersion = 1
)

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
	RecChild       = "child"       // a program was started; waited for next (v2)
	RecCall        = "call"        // a program ended: argv, exit, output excerpts (v3)
	RecEnd         = "end"         // the run ended: succeeded, failed, refused, aborted
	RecRepin       = "repin"       // the runbook was pinned again from its origin (v3)
)

// Caps. A record is one line; a step result is most of a large one.
const (
	// MaxResult is the most a step's recorded result may take, encoded.
	MaxResult = 1 << 20
	// MaxText bounds each other string a record carries (an error, a
	// printed message); longer ones are cut by the engine.
	MaxText = 64 << 10
	// MaxLine is the longest line of a version 2 journal.
	MaxLine = MaxResult + 4*MaxText
	// maxLineV1 is the longest line read from a version 1 journal, which
	// had no cap on results.
	maxLineV1 = 1 << 30
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
	// Secrets names the secret parameters (v2): their values are not in
	// Params but in the run directory's secrets file.
	Secrets []string `json:"secrets,omitempty"`
	// Version is the version of the runbook binary that started the run
	// (v3), as internal/version tells it.
	Version string `json:"version,omitempty"`
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
// record type are omitted; schema lists which type has which field in
// which version. A field added here must also be added to appendRecord,
// decodeRecord and schema (TestRecordFieldsRoundTrip fails otherwise).
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
	InDoubt bool            `json:"in_doubt,omitempty"`
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
	Ticks   uint64          `json:"ticks,omitempty"`
	Prog    string          `json:"prog,omitempty"`
	Mode    string          `json:"mode,omitempty"`

	// The fields of a call record (v3). Exit is written for every call
	// record that has no Error (0 included); Error says the program did
	// not run to its end (not started, cut off, killed).
	Argv      []string `json:"argv,omitempty"`
	Exit      int      `json:"exit,omitempty"`
	Ms        int      `json:"ms,omitempty"`
	Stdout    string   `json:"stdout,omitempty"`
	Stderr    string   `json:"stderr,omitempty"`
	Truncated bool     `json:"truncated,omitempty"`
	// Files is the new pin of a repin record: every file, with its hash.
	Files []PinnedFile `json:"files,omitempty"`
}

// Error reports a journal that cannot be trusted: damaged, of an unknown
// format, or with no complete header. Line is 1-based, 0 for the file.
type Error struct {
	Path string
	Line int
	Err  error
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("journal %s:%d: %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("journal %s: %v", e.Path, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// ErrNoHeader: the journal has no complete first line. The header is
// fsynced before any step acts, so the run never started.
var ErrNoHeader = errors.New("no complete header: the run never started")

// WriteFunc writes b to f as f.Write does. Tests replace it to make the
// disk fill up; nil means f.Write.
type WriteFunc func(f *os.File, b []byte) (int, error)

// Options tune a Writer.
type Options struct {
	// Now stamps records that have no time (time.Now if nil).
	Now func() time.Time
	// NoSync skips fsync: benchmarks only, to show what durability costs.
	NoSync bool
	// Write replaces f.Write (tests: a full disk).
	Write WriteFunc
}

// Writer is an open, append-only journal file.
type Writer struct {
	path   string
	f      *os.File
	v      int
	buf    []byte
	prev   [8]byte // hex CRC of the last line (v2)
	size   int64   // bytes known to be whole lines
	dirty  bool    // appended since the last fsync
	broken error   // a failed write that could not be undone
	opt    Options
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// lineCRC is the checksum of a line's body (everything before
// `,"crc":"`), chained to the previous line's checksum text.
func lineCRC(prev []byte, body []byte) uint32 {
	c := crc32.Update(0, castagnoli, prev)
	return crc32.Update(c, castagnoli, body)
}

const (
	crcPrefix = `,"crc":"`
	// crcSuffixLen is len(`,"crc":"12345678"}`).
	crcSuffixLen = len(crcPrefix) + 8 + 2
	zeroCRC      = "00000000"
)

// appendCRC closes a line body with its chained checksum and a newline,
// and returns the checksum's text.
func appendCRC(b []byte, prev []byte, bodyStart int) ([]byte, [8]byte) {
	c := lineCRC(prev, b[bodyStart:])
	var h [8]byte
	for i := 7; i >= 0; i-- {
		h[i] = hexDigits[c&0xf]
		c >>= 4
	}
	b = append(b, crcPrefix...)
	b = append(b, h[:]...)
	return append(b, '"', '}', '\n'), h
}

// crcOf returns the checksum text at the end of a line (without its
// newline), if the line ends as a version 2 line does.
func crcOf(line []byte) ([]byte, bool) {
	n := len(line)
	if n < crcSuffixLen+1 || string(line[n-crcSuffixLen:n-10]) != crcPrefix || line[n-2] != '"' || line[n-1] != '}' {
		return nil, false
	}
	h := line[n-10 : n-2]
	for _, c := range h {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return nil, false
		}
	}
	return h, true
}

// EncodeHeader renders a header line (with its newline) in version h.V.
func EncodeHeader(h *Header) ([]byte, error) {
	if h.V < 3 && h.Version != "" {
		c := *h
		c.Version = "" // not a field of versions 1 and 2
		h = &c
	}
	line, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("encode journal header: %w", err)
	}
	if h.V < 2 {
		return append(line, '\n'), nil
	}
	body := line[:len(line)-1]
	out, _ := appendCRC(append([]byte(nil), body...), []byte(zeroCRC), 0)
	return out, nil
}

// Create creates a journal whose first line is h, durably: the file and
// its directory entry are fsynced before it returns.
func Create(path string, h *Header, opt Options) (*Writer, error) {
	if h.V < MinVersion || h.V > Version {
		return nil, fmt.Errorf("create journal: version %d: want %d to %d", h.V, MinVersion, Version)
	}
	line, err := EncodeHeader(h)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create journal: %w", err)
	}
	w := &Writer{path: path, f: f, v: h.V, opt: opt}
	copy(w.prev[:], zeroCRC)
	if h.V >= 2 {
		c, _ := crcOf(line[:len(line)-1])
		copy(w.prev[:], c)
	}
	if err := w.write(line, true); err != nil {
		f.Close()
		return nil, err
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		f.Close()
		return nil, fmt.Errorf("create journal: %w", err)
	}
	return w, nil
}

// Open opens an existing journal for appending, in its own format
// version. A partial last line, left by a power cut or a full disk in
// the middle of an append, was never written as far as the journal is
// concerned: it is cut off first. A journal with no complete header is
// an *Error wrapping ErrNoHeader.
func Open(path string, opt Options) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	w, err := open(f, path, opt)
	if err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

func open(f *os.File, path string, opt Options) (*Writer, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	size := fi.Size()
	end, err := lastNewlineEnd(f, size)
	if err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	if end == 0 {
		return nil, &Error{Path: path, Err: ErrNoHeader}
	}
	if end != size {
		if err := f.Truncate(end); err != nil {
			return nil, fmt.Errorf("cut torn journal line: %w", err)
		}
		if err := f.Sync(); err != nil {
			return nil, fmt.Errorf("cut torn journal line: %w", err)
		}
	}
	first, err := readLine(f, 0, min(end, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	v := probeVersion(first)
	if v < MinVersion || v > Version {
		return nil, &Error{Path: path, Line: 1, Err: versionError(v)}
	}
	w := &Writer{path: path, f: f, v: v, size: end, opt: opt}
	copy(w.prev[:], zeroCRC)
	if v >= 2 {
		last, err := lastLine(f, end)
		if err != nil {
			return nil, fmt.Errorf("open journal: %w", err)
		}
		if c, ok := crcOf(last); ok {
			copy(w.prev[:], c)
		}
	}
	if _, err := f.Seek(end, io.SeekStart); err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	return w, nil
}

// AppendAbort ends the run of the journal at path as aborted, however
// damaged the journal is: the abort is chained to its last whole line
// (in that line's format version when it can be told, else the
// current one), so that a reader takes it as the last word.
func AppendAbort(path string, opt Options) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("open journal: %w", err)
	}
	defer f.Close()
	w, err := open(f, path, opt)
	if err != nil {
		var je *Error
		if !errors.As(err, &je) || errors.Is(err, ErrNoHeader) {
			return err
		}
		// A header of no known version: damaged. Chain to the last line.
		fi, serr := f.Stat()
		if serr != nil {
			return serr
		}
		w = &Writer{path: path, f: f, v: Version, size: fi.Size(), opt: opt}
		copy(w.prev[:], zeroCRC)
		if last, lerr := lastLine(f, fi.Size()); lerr == nil {
			if c, ok := crcOf(last); ok {
				copy(w.prev[:], c)
			}
		}
		if _, err := f.Seek(fi.Size(), io.SeekStart); err != nil {
			return err
		}
	}
	if err := w.Append(&Record{Type: RecEnd, State: "aborted"}, true); err != nil {
		return err
	}
	w.f = nil // closed by the deferred Close
	return nil
}

func versionError(v int) error {
	return fmt.Errorf("format version %d, this runbook reads versions %d to %d: use the runbook release that started the run, or give the run up with 'runbook abort'", v, MinVersion, Version)
}

// probeVersion reads "v" of a header line, 0 if it has none.
func probeVersion(line []byte) int {
	var probe struct {
		Type string `json:"type"`
		V    int    `json:"v"`
	}
	if json.Unmarshal(bytes.TrimSuffix(line, []byte{'\n'}), &probe) != nil || probe.Type != RecRun {
		return 0
	}
	return probe.V
}

// readLine returns the first line of f at off, read up to limit bytes.
func readLine(f *os.File, off, limit int64) ([]byte, error) {
	buf := make([]byte, limit)
	n, err := f.ReadAt(buf, off)
	if err != nil && n == 0 {
		return nil, err
	}
	buf = buf[:n]
	if i := bytes.IndexByte(buf, '\n'); i >= 0 {
		return buf[:i], nil
	}
	return buf, nil
}

// lastLine returns the line that ends at end (its '\n' excluded).
func lastLine(f *os.File, end int64) ([]byte, error) {
	const chunk = 4096
	var tail []byte
	for start := end - 1; start > 0; {
		from := max(start-chunk, 0)
		buf := make([]byte, start-from)
		if _, err := f.ReadAt(buf, from); err != nil {
			return nil, err
		}
		tail = append(buf, tail...)
		if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
			return tail[i+1:], nil
		}
		if len(tail) > MaxLine {
			return tail, nil
		}
		start = from
	}
	buf := make([]byte, max(end-1, 0))
	if _, err := f.ReadAt(buf, 0); err != nil && len(buf) > 0 {
		return nil, err
	}
	return buf, nil
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

// Path returns the journal's file name.
func (w *Writer) Path() string { return w.path }

// Version returns the format version the journal is written in.
func (w *Writer) Version() int { return w.v }

// Close closes the journal file, after an fsync if anything appended
// since the last one is not on disk yet.
func (w *Writer) Close() error {
	if w == nil || w.f == nil {
		return nil
	}
	var err error
	if w.dirty {
		err = w.Sync()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	w.f = nil
	return err
}

// Sync makes everything appended so far durable.
func (w *Writer) Sync() error {
	w.dirty = false
	if w.opt.NoSync {
		return nil
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("sync: %w", unwrapPath(err))
	}
	return nil
}

// write appends whole lines. A write that fails part-way is undone
// (the file cut back to its last whole line), so that a later append
// never lands after a partial line; if even that fails, the writer
// refuses every later append.
func (w *Writer) write(lines []byte, sync bool) error {
	if w.broken != nil {
		return w.broken
	}
	var n int
	var err error
	if w.opt.Write != nil {
		n, err = w.opt.Write(w.f, lines)
	} else {
		n, err = w.f.Write(lines)
	}
	if err == nil && n < len(lines) {
		err = io.ErrShortWrite
	}
	if err != nil {
		err = fmt.Errorf("append: %w", unwrapPath(err))
		if n > 0 {
			if terr := w.f.Truncate(w.size); terr != nil {
				w.broken = fmt.Errorf("%w; and cutting the partial line failed: %v", err, terr)
				return w.broken
			}
			if _, serr := w.f.Seek(w.size, io.SeekStart); serr != nil {
				w.broken = fmt.Errorf("%w; and cutting the partial line failed: %v", err, serr)
				return w.broken
			}
		}
		return err
	}
	w.size += int64(n)
	w.dirty = true
	if sync {
		return w.Sync()
	}
	return nil
}

// Append writes one record; with sync it is on disk when Append returns.
// Records a journal's version does not have (a child record in version
// 1, a call record before version 3) are not written; fields it does
// not have are left out.
func (w *Writer) Append(r *Record, sync bool) error {
	if w.f == nil {
		return errors.New("append: journal closed")
	}
	if r.Time == "" {
		now := time.Now
		if w.opt.Now != nil {
			now = w.opt.Now
		}
		r.Time = now().UTC().Format(time.RFC3339Nano)
	}
	rec := *r
	if w.v < 3 && rec.Type == RecCall {
		return nil
	}
	if w.v < 2 {
		if rec.Type == RecChild {
			return nil
		}
		rec.InDoubt = false
	}
	if len(rec.Result) > MaxResult {
		return fmt.Errorf("append: a result of %d bytes is over the %d bytes a record may keep", len(rec.Result), MaxResult)
	}
	w.buf = appendRecord(w.buf[:0], &rec)
	if w.v >= 2 {
		var h [8]byte
		w.buf, h = appendCRC(w.buf, w.prev[:], 0)
		if err := w.write(w.buf, sync); err != nil {
			return err
		}
		w.prev = h
		return nil
	}
	w.buf = append(w.buf, '}', '\n')
	return w.write(w.buf, sync)
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD, as encoding/json does (the engine refuses such values before
// they get here).
func appendJSONString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\ufffd")
	}
	return appendString(b, s)
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Reseal recomputes the checksum chain of version 2 journal text after
// a deliberate edit (tests that model a forger who knows the format, so
// that the schema and replay checks behind the checksums are tested
// too). Lines without a checksum are left as they are.
func Reseal(data []byte) []byte {
	var out []byte
	prev := []byte(zeroCRC)
	for _, line := range bytes.SplitAfter(data, []byte{'\n'}) {
		body := bytes.TrimSuffix(line, []byte{'\n'})
		if _, ok := crcOf(body); !ok || len(body) == len(line) {
			out = append(out, line...)
			continue
		}
		var h [8]byte
		start := len(out)
		out = append(out, body[:len(body)-crcSuffixLen]...)
		out, h = appendCRC(out, prev, start)
		prev = append([]byte(nil), h[:]...)
	}
	return out
}
