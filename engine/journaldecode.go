package engine

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// decodeRecord reads one journal line into r. Resume reads every line of
// the journal, so lines as appendRecord writes them take a fast path
// without reflection; anything else (escapes in a string, an unknown
// field, odd spacing) goes through encoding/json, which also reports
// damage.
func decodeRecord(line []byte, r *Record) error {
	if fastDecodeRecord(line, r) {
		return nil
	}
	*r = Record{}
	return json.Unmarshal(line, r)
}

// fastDecodeRecord decodes a compact JSON object whose strings have no
// escapes; it reports false, leaving r in any state, for anything else.
func fastDecodeRecord(b []byte, r *Record) bool {
	*r = Record{}
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return false
	}
	d := &decoder{data: b, text: string(b)}
	i := 1
	if b[i] == '}' {
		return i == len(b)-1
	}
	for {
		key, next, ok := plainString(d, i)
		if !ok || next >= len(b) || b[next] != ':' {
			return false
		}
		i = next + 1
		switch key {
		case "type", "time", "name", "kind", "call", "key", "pos", "status", "error", "boot_id", "reason", "msg", "path", "file", "signal", "state", "mode":
			s, next, ok := plainString(d, i)
			if !ok {
				return false
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
			case "mode":
				r.Mode = s
			}
		case "seq", "attempt", "pid":
			j := i
			for j < len(b) && b[j] >= '0' && b[j] <= '9' {
				j++
			}
			n, err := strconv.Atoi(string(b[i:j]))
			if err != nil {
				return false
			}
			i = j
			switch key {
			case "seq":
				r.Seq = n
			case "attempt":
				r.Attempt = n
			case "pid":
				r.PID = n
			}
		case "changed", "existed":
			var v bool
			switch {
			case hasAt(b, i, "true"):
				v, i = true, i+4
			case hasAt(b, i, "false"):
				i += 5
			default:
				return false
			}
			if key == "changed" {
				r.Changed = v
			} else {
				r.Existed = v
			}
		case "result":
			end, ok := skipValue(b, i, 0)
			if !ok || !json.Valid(b[i:end]) {
				return false
			}
			r.Result = json.RawMessage(b[i:end])
			i = end
		default:
			return false
		}
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i++
		case '}':
			return i == len(b)-1 && r.Type != ""
		default:
			return false
		}
	}
}

func hasAt(b []byte, i int, word string) bool {
	return len(b)-i >= len(word) && string(b[i:i+len(word)]) == word
}

// plainString reads the JSON string at b[i] with the value decoder's
// string reader, returning it and the index after its closing quote.
// Invalid UTF-8 is left to encoding/json, which replaces it.
func plainString(d *decoder, i int) (string, int, bool) {
	if i >= len(d.data) || d.data[i] != '"' {
		return "", 0, false
	}
	d.pos = i
	s, err := d.str()
	if err != nil || !utf8.ValidString(s) {
		return "", 0, false
	}
	return s, d.pos, true
}

// skipValue returns the index just after the JSON value at b[i]. It does
// not validate the value (DecodeValue does, when the result is used),
// only its extent: strings with escapes, nested arrays and objects.
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
