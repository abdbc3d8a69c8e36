package journal

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// decodeRecord reads the body of one journal line (the JSON object
// without its closing brace, and without the checksum in version 2)
// into r, and the set of keys it had into seen. Only the form
// appendRecord writes is accepted: compact, keys in their fixed order,
// each at most once, integers without leading zeros, booleans true.
func decodeRecord(b []byte, r *Record, seen *uint64) error {
	*r = Record{}
	*seen = 0
	if len(b) < 2 || b[0] != '{' {
		return fmt.Errorf("not a JSON object")
	}
	d := &decoder{data: b, text: string(b)}
	i := 1
	last := -1
	for {
		key, next, err := plainString(d, i)
		if err != nil {
			return fmt.Errorf("offset %d: key: %v", i, err)
		}
		idx, ok := fieldIndex[key]
		if !ok {
			return fmt.Errorf("offset %d: unknown field %q", i, key)
		}
		if idx <= last {
			return fmt.Errorf("offset %d: field %q out of order or repeated", i, key)
		}
		last = idx
		*seen |= 1 << idx
		if next >= len(b) || b[next] != ':' {
			return fmt.Errorf("offset %d: want ':' after %q", next, key)
		}
		i = next + 1
		switch key {
		case "seq", "attempt", "pid", "ticks", "exit", "ms":
			j := i
			for j < len(b) && b[j] >= '0' && b[j] <= '9' {
				j++
			}
			// A call's exit status is written even when 0; every other
			// zero is written by leaving the field out.
			zeroOK := key == "exit" && r.Type == RecCall && j == i+1
			if j == i || (b[i] == '0' && !zeroOK) {
				return fmt.Errorf("offset %d: %s: want a positive integer", i, key)
			}
			n, err := strconv.ParseUint(string(b[i:j]), 10, 63)
			if err != nil || (key != "ticks" && n > 1<<31) {
				return fmt.Errorf("offset %d: %s: out of range", i, key)
			}
			i = j
			switch key {
			case "seq":
				r.Seq = int(n)
			case "attempt":
				r.Attempt = int(n)
			case "pid":
				r.PID = int(n)
			case "ticks":
				r.Ticks = n
			case "exit":
				r.Exit = int(n)
			case "ms":
				r.Ms = int(n)
			}
		case "changed", "in_doubt", "existed", "truncated":
			if !hasAt(b, i, "true") {
				return fmt.Errorf("offset %d: %s: want true (false is written by leaving the field out)", i, key)
			}
			i += 4
			switch key {
			case "changed":
				r.Changed = true
			case "in_doubt":
				r.InDoubt = true
			case "truncated":
				r.Truncated = true
			default:
				r.Existed = true
			}
		case "argv":
			argv, next, err := stringArray(d, i)
			if err != nil {
				return fmt.Errorf("offset %d: argv: %v", i, err)
			}
			r.Argv, i = argv, next
		case "files":
			end, ok := skipValue(b, i, 0)
			if !ok {
				return fmt.Errorf("offset %d: files: not a JSON value", i)
			}
			var files []PinnedFile
			if err := json.Unmarshal(b[i:end], &files); err != nil || len(files) == 0 {
				return fmt.Errorf("offset %d: files: want a non-empty list of {\"name\", \"sha256\"}", i)
			}
			// One spelling only: what appendFiles writes.
			if canon := appendFiles(nil, files); string(canon[len(`,"files":`):]) != string(b[i:end]) {
				return fmt.Errorf("offset %d: files: not in the journal's encoding", i)
			}
			for k, f := range files {
				if f.Name == "" || !isHex(f.SHA256, 64) {
					return fmt.Errorf("offset %d: files[%d]: want a name and a sha256 of 64 hex digits", i, k)
				}
			}
			r.Files = files
			i = end
		case "result":
			end, ok := skipValue(b, i, 0)
			if !ok || !json.Valid(b[i:end]) {
				return fmt.Errorf("offset %d: result: not a JSON value", i)
			}
			// A copy: b is the reader's buffer, reused for the next line.
			r.Result = append(json.RawMessage(nil), b[i:end]...)
			i = end
		default:
			s, next, err := plainString(d, i)
			if err != nil {
				return fmt.Errorf("offset %d: %s: %v", i, key, err)
			}
			// A string of its own, not a window on the whole line (which
			// may hold a large result that must not stay in memory).
			s = strings.Clone(s)
			if s == "" {
				return fmt.Errorf("offset %d: %s: empty (an empty value is written by leaving the field out)", i, key)
			}
			i = next
			switch key {
			case "type":
				r.Type = s
			case "time":
				r.Time = s
			case "name":
				r.Name = s
			case "kind":
				r.Kind = s
			case "call":
				r.Call = s
			case "key":
				r.Key = s
			case "pos":
				r.Pos = s
			case "status":
				r.Status = s
			case "error":
				r.Error = s
			case "boot_id":
				r.BootID = s
			case "reason":
				r.Reason = s
			case "msg":
				r.Msg = s
			case "path":
				r.Path = s
			case "file":
				r.File = s
			case "signal":
				r.Signal = s
			case "state":
				r.State = s
			case "prog":
				r.Prog = s
			case "mode":
				r.Mode = s
			case "stdout":
				r.Stdout = s
			case "stderr":
				r.Stderr = s
			}
		}
		if i == len(b) {
			if *seen&1 == 0 {
				return fmt.Errorf("no type")
			}
			return nil
		}
		if b[i] != ',' {
			return fmt.Errorf("offset %d: want ',' between fields", i)
		}
		i++
	}
}

// stringArray reads the non-empty JSON array of strings at d.data[i],
// compact, as appendRecord writes it; its strings may be empty (a
// program's argument may be).
func stringArray(d *decoder, i int) ([]string, int, error) {
	b := d.data
	if i >= len(b) || b[i] != '[' {
		return nil, 0, fmt.Errorf("want an array of strings")
	}
	var out []string
	i++
	for {
		s, next, err := plainString(d, i)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, strings.Clone(s))
		if next >= len(b) {
			return nil, 0, fmt.Errorf("unterminated array")
		}
		switch b[next] {
		case ',':
			i = next + 1
		case ']':
			return out, next + 1, nil
		default:
			return nil, 0, fmt.Errorf("want ',' or ']' in the array")
		}
	}
}

// isHex reports whether s is n lower-case hex digits.
func isHex(s string, n int) bool {
	return len(s) == n && strings.Trim(s, "0123456789abcdef") == ""
}

func hasAt(b []byte, i int, word string) bool {
	return len(b)-i >= len(word) && string(b[i:i+len(word)]) == word
}

// plainString reads the JSON string at b[i] with the value decoder's
// string reader, returning it and the index after its closing quote.
func plainString(d *decoder, i int) (string, int, error) {
	if i >= len(d.data) || d.data[i] != '"' {
		return "", 0, fmt.Errorf("want a string")
	}
	d.pos = i
	s, err := d.str()
	if err != nil {
		return "", 0, err
	}
	if !utf8.ValidString(s) {
		return "", 0, fmt.Errorf("invalid UTF-8")
	}
	return s, d.pos, nil
}

// skipValue returns the index just after the JSON value at b[i]. It does
// not validate the value (json.Valid does), only its extent: strings
// with escapes, nested arrays and objects.
func skipValue(b []byte, i, depth int) (int, bool) {
	if i >= len(b) || depth > maxValueDepth+2 {
		return 0, false
	}
	switch b[i] {
	case '"':
		for j := i + 1; j < len(b); j++ {
			switch b[j] {
			case '\\':
				j++
			case '"':
				return j + 1, true
			}
		}
		return 0, false
	case '{', '[':
		closer := byte('}')
		if b[i] == '[' {
			closer = ']'
		}
		j := i + 1
		if j < len(b) && b[j] == closer {
			return j + 1, true
		}
		for j < len(b) {
			var ok bool
			if j, ok = skipValue(b, j, depth+1); !ok {
				return 0, false
			}
			if j < len(b) && b[i] == '{' && b[j] == ':' {
				if j, ok = skipValue(b, j+1, depth+1); !ok {
					return 0, false
				}
			}
			if j >= len(b) {
				return 0, false
			}
			switch b[j] {
			case ',':
				j++
			case closer:
				return j + 1, true
			default:
				return 0, false
			}
		}
		return 0, false
	}
	j := i
	for j < len(b) {
		c := b[j]
		if c == ',' || c == '}' || c == ']' || c == ':' {
			break
		}
		j++
	}
	if j == i {
		return 0, false
	}
	return j, true
}
