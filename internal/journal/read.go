package journal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// Data is a journal read back whole: its header and records.
type Data struct {
	Header  Header
	Records []Record
	// Damage is set when the journal is damaged but the run was aborted
	// after the damage: the abort is the last word, so it reads.
	Damage *Error
}

// Read reads a whole journal (for a resume, which needs every result).
// A torn last line is not written; any other damage, a header of an
// unknown version or a broken schema is an *Error naming the line,
// unless the run was aborted afterwards. A journal with no complete
// header is an *Error wrapping ErrNoHeader.
func Read(path string) (*Data, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	defer f.Close()
	rd, err := NewReader(f, path)
	if err != nil {
		return nil, err
	}
	jd := &Data{Header: *rd.Header()}
	for {
		var r Record
		ok, err := rd.Next(&r)
		if err != nil {
			return jd, err
		}
		if !ok {
			break
		}
		jd.Records = append(jd.Records, r)
	}
	jd.Damage = rd.Damage()
	return jd, nil
}

// Reader reads a journal as a stream, one record at a time, checking
// each line's checksum (v2), its schema and the order of steps as it
// goes: memory does not grow with the journal.
type Reader struct {
	path string
	lr   lineReader
	h    Header
	v    int
	line int // lines read, the header included
	prev []byte
	val  validator
	seen uint64
	// SkipResults drops results (status needs none) after checking them.
	SkipResults bool

	damage  *Error
	aborted *Record // the end record that follows the damage
	done    bool
}

// NewReader reads and checks the header of the journal in r.
func NewReader(r io.Reader, path string) (*Reader, error) {
	rd := &Reader{path: path, lr: lineReader{br: bufio.NewReaderSize(r, 64<<10), max: maxLineV1}}
	line, complete, err := rd.lr.next()
	if err != nil && err != io.EOF {
		return nil, &Error{Path: path, Err: err}
	}
	if err == io.EOF || !complete {
		return nil, &Error{Path: path, Err: ErrNoHeader}
	}
	rd.line = 1
	h, err := decodeHeader(line)
	if err != nil {
		je := &Error{Path: path, Line: 1, Err: fmt.Errorf("%v: the journal cannot be trusted; inspect it, then give the run up with 'runbook abort'", err)}
		// A damaged header, then an abort: the abort is the last word.
		rd.v = probeVersion(line)
		if rd.v < MinVersion || rd.v > Version {
			rd.v = Version
		}
		if rec := rd.abortAfter(line); rec != nil {
			json.Unmarshal(line, &rd.h) // what can be read of it, for messages
			rd.damage, rd.aborted = je, rec
			return rd, nil
		}
		return nil, je
	}
	rd.h, rd.v = *h, h.V
	if rd.v >= 2 {
		rd.lr.max = MaxLine
		c, _ := crcOf(line)
		rd.prev = append([]byte(nil), c...)
	}
	return rd, nil
}

// Header returns the journal's header.
func (rd *Reader) Header() *Header { return &rd.h }

// Damage returns the damage found before an abort record, if any.
func (rd *Reader) Damage() *Error { return rd.damage }

// Line returns the number of lines read so far.
func (rd *Reader) Line() int { return rd.line }

// Next reads the next record into r. It returns false at the end.
func (rd *Reader) Next(r *Record) (bool, error) {
	if rd.done {
		return false, nil
	}
	if rd.aborted != nil {
		*r = *rd.aborted
		rd.aborted, rd.done = nil, true
		return true, nil
	}
	line, complete, err := rd.lr.next()
	if err == io.EOF || (err == nil && !complete) {
		// The end, or a torn last line: never written.
		rd.done = true
		return false, nil
	}
	rd.line++
	if err == nil {
		err = rd.decode(line, r)
	}
	if err != nil {
		je := &Error{Path: rd.path, Line: rd.line, Err: fmt.Errorf("%v: the journal cannot be trusted from this line on; inspect it, then give the run up with 'runbook abort'", err)}
		if rec := rd.abortAfter(line); rec != nil {
			rd.damage = je
			*r = *rec
			rd.done = true
			return true, nil
		}
		rd.done = true
		return false, je
	}
	return true, nil
}

// decode checks one line (without its newline) and reads it into r.
func (rd *Reader) decode(line []byte, r *Record) error {
	body := line
	if rd.v >= 2 {
		c, ok := crcOf(line)
		if !ok {
			return errors.New("damaged line (no checksum)")
		}
		body = line[:len(line)-crcSuffixLen]
		if want := lineCRC(rd.prev, body); !crcEqual(c, want) {
			return errors.New("damaged line (checksum mismatch: changed, or a line before it is missing)")
		}
		rd.prev = append(rd.prev[:0], c...)
	} else {
		if len(line) == 0 || line[len(line)-1] != '}' {
			return errors.New("damaged line (not a JSON object)")
		}
		body = line[:len(line)-1]
	}
	if err := decodeRecord(body, r, &rd.seen); err != nil {
		return fmt.Errorf("damaged line (%v)", err)
	}
	if err := checkSchema(rd.v, r, rd.seen); err != nil {
		return err
	}
	if err := rd.val.check(r); err != nil {
		return err
	}
	if rd.SkipResults {
		r.Result = nil
	}
	return nil
}

func crcEqual(text []byte, c uint32) bool {
	for i := 7; i >= 0; i-- {
		if text[i] != hexDigits[c&0xf] {
			return false
		}
		c >>= 4
	}
	return true
}

// abortAfter reads to the end of the journal after a damaged line and
// returns its last record if that is an abort appended after the damage
// (with a checksum chained to the line before it, in v2), nil otherwise.
func (rd *Reader) abortAfter(damaged []byte) *Record {
	prev := append([]byte(nil), damaged...)
	last := prev
	n := 0
	for {
		line, complete, err := rd.lr.next()
		if err != nil || !complete {
			break
		}
		prev, last = last, append([]byte(nil), line...)
		n++
	}
	if n == 0 {
		return nil // the damaged line is the last: not an abort
	}
	body := last
	if c, ok := crcOf(last); ok || rd.v >= 2 {
		if !ok {
			return nil
		}
		body = last[:len(last)-crcSuffixLen]
		chain := []byte(zeroCRC)
		if pc, ok := crcOf(prev); ok {
			chain = pc
		}
		if !crcEqual(c, lineCRC(chain, body)) {
			return nil
		}
	} else {
		if len(last) == 0 || last[len(last)-1] != '}' {
			return nil
		}
		body = last[:len(last)-1]
	}
	var r Record
	var seen uint64
	if decodeRecord(body, &r, &seen) != nil || checkSchema(Version, &r, seen) != nil || r.Type != RecEnd || r.State != "aborted" {
		return nil
	}
	rd.line += n
	return &r
}

// lineReader returns lines without their newline, up to max bytes each.
type lineReader struct {
	br  *bufio.Reader
	buf []byte
	max int
}

// next returns the next line; complete is false for a last line with
// no newline. A line over max bytes is an error.
func (lr *lineReader) next() (line []byte, complete bool, err error) {
	lr.buf = lr.buf[:0]
	for {
		chunk, err := lr.br.ReadSlice('\n')
		switch {
		case err == nil:
			if len(lr.buf) == 0 {
				return chunk[:len(chunk)-1], true, nil
			}
			lr.buf = append(lr.buf, chunk[:len(chunk)-1]...)
			if len(lr.buf) > lr.max {
				return nil, false, fmt.Errorf("line longer than %d bytes", lr.max)
			}
			return lr.buf, true, nil
		case errors.Is(err, bufio.ErrBufferFull):
			lr.buf = append(lr.buf, chunk...)
			if len(lr.buf) > lr.max {
				// Skip the rest of the line: the caller reports it.
				for errors.Is(err, bufio.ErrBufferFull) {
					_, err = lr.br.ReadSlice('\n')
				}
				return nil, false, fmt.Errorf("line longer than %d bytes", lr.max)
			}
		case err == io.EOF:
			lr.buf = append(lr.buf, chunk...)
			if len(lr.buf) == 0 {
				return nil, false, io.EOF
			}
			return lr.buf, false, nil
		default:
			return nil, false, err
		}
	}
}

// decodeHeader checks a header line strictly: its checksum (v2), every
// field of its version present, typed and in range, no other field.
func decodeHeader(line []byte) (*Header, error) {
	v := probeVersion(line)
	if v == 0 {
		if c, ok := crcOf(line); ok {
			// A damaged v2 header reads as no header at all: say which.
			_ = c
			return nil, errors.New("damaged header (not a runbook journal header, or changed)")
		}
		return nil, errors.New("not a runbook journal header")
	}
	if v < MinVersion || v > Version {
		return nil, versionError(v)
	}
	body := line
	if v >= 2 {
		c, ok := crcOf(line)
		if !ok {
			return nil, errors.New("damaged header (no checksum)")
		}
		b := line[:len(line)-crcSuffixLen]
		if !crcEqual(c, lineCRC([]byte(zeroCRC), b)) {
			return nil, errors.New("damaged header (checksum mismatch)")
		}
		body = append(append([]byte(nil), b...), '}')
	}
	keys, err := objectKeys(body)
	if err != nil {
		return nil, fmt.Errorf("damaged header (%v)", err)
	}
	required := []string{"type", "v", "id", "runbook", "origin", "main", "files", "params", "options", "time"}
	optional := map[string]bool{"extra": true}
	if v >= 2 {
		optional["secrets"] = true
	}
	if v >= 3 {
		optional["version"] = true
	}
	if err := keySet("header", keys, required, optional); err != nil {
		return nil, err
	}
	var raw struct {
		Options json.RawMessage `json:"options"`
		Files   []json.RawMessage
		Params  json.RawMessage `json:"params"`
	}
	json.Unmarshal(body, &raw)
	okeys, err := objectKeys(raw.Options)
	if err != nil {
		return nil, fmt.Errorf("damaged header: options: %v", err)
	}
	if err := keySet("header options", okeys, []string{"root", "xe", "ifup", "reboot", "path", "xapi_timeout", "call_timeout", "max_steps"}, nil); err != nil {
		return nil, err
	}
	for i, f := range raw.Files {
		fkeys, err := objectKeys(f)
		if err != nil {
			return nil, fmt.Errorf("damaged header: files[%d]: %v", i, err)
		}
		if err := keySet(fmt.Sprintf("header files[%d]", i), fkeys, []string{"name", "sha256"}, nil); err != nil {
			return nil, err
		}
	}
	var h Header
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("damaged header (%v)", err)
	}
	if _, err := objectKeys(raw.Params); err != nil {
		return nil, fmt.Errorf("damaged header: params: %v", err)
	}
	if err := h.check(); err != nil {
		return nil, fmt.Errorf("damaged header: %v", err)
	}
	return &h, nil
}

func (h *Header) check() error {
	switch {
	case h.Type != RecRun:
		return fmt.Errorf("type %q", h.Type)
	case h.ID == "" || strings.ContainsAny(h.ID, "/\\\x00") || h.ID == "." || h.ID == "..":
		return fmt.Errorf("id %q is not a run id", h.ID)
	case h.Runbook == "" || h.Main == "" || h.Origin == "" || h.Time == "":
		return errors.New("runbook, main, origin and time must not be empty")
	case !path.IsAbs(h.Options.Root):
		return fmt.Errorf("options root %q is not an absolute path", h.Options.Root)
	}
	mainFound := false
	for _, f := range h.Files {
		if !fs.ValidPath(f.Name) || f.Name == "." {
			return fmt.Errorf("file name %q", f.Name)
		}
		if len(f.SHA256) != 64 || strings.Trim(f.SHA256, "0123456789abcdef") != "" {
			return fmt.Errorf("file %s: sha256 %q is not 64 lower-case hex digits", f.Name, f.SHA256)
		}
		mainFound = mainFound || f.Name == h.Main
	}
	if !mainFound {
		return fmt.Errorf("main file %q is not among the pinned files", h.Main)
	}
	for _, s := range h.Secrets {
		if s == "" {
			return errors.New("an empty secret name")
		}
	}
	return nil
}

// objectKeys returns the keys of the JSON object in b, in order,
// refusing a repeated key (encoding/json would keep the last silently).
func objectKeys(b []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if t != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	var keys []string
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k := t.(string)
		if seen[k] {
			return nil, fmt.Errorf("key %q repeated", k)
		}
		seen[k] = true
		keys = append(keys, k)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("text after the object")
	}
	return keys, nil
}

func keySet(what string, keys, required []string, optional map[string]bool) error {
	have := map[string]bool{}
	for _, k := range keys {
		have[k] = true
	}
	var missing, unknown []string
	for _, k := range required {
		if !have[k] {
			missing = append(missing, k)
		}
		delete(have, k)
	}
	for _, k := range keys {
		if have[k] && !optional[k] {
			unknown = append(unknown, k)
		}
	}
	switch {
	case len(missing) > 0:
		return fmt.Errorf("damaged header: %s: missing %s", what, strings.Join(missing, ", "))
	case len(unknown) > 0:
		return fmt.Errorf("damaged header: %s: field %s not in this format version", what, strings.Join(unknown, ", "))
	}
	return nil
}
