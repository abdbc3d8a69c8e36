package journal

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// This file is the journal's codec for step results. A completed step's
// value is written as one JSON value and, on resume, read back as the same
// Starlark value, so that a replayed step returns exactly what the live
// one did. Plain JSON covers None, bools, ints, floats, UTF-8 strings,
// lists and str-keyed dicts (in dict order); the other kinds are one-key
// objects whose key starts with "$":
//
//	{"$float": "nan"|"+inf"|"-inf"}   {"$str_b64": base64}   {"$bytes": base64}
//	{"$tuple": [...]}   {"$dict": {...}}   {"$struct": {...}}
//
// A dict with a key starting with "$" is always wrapped in "$dict", so a
// plain object never has such a key and the tags cannot be mistaken.
//
// Decoding runs for every completed step on resume, so it is a
// hand-written scanner over the bytes, with no reflection and no
// map[string]any in between.

// maxValueDepth bounds how deeply lists, tuples, dicts and structs may
// nest in a journaled value. Real results nest a few levels; a value that
// contains itself would otherwise recurse forever.
const maxValueDepth = 64

// wantValue lists the kinds of value a step may return.
const wantValue = "want None, bool, int, float, str, bytes, list, tuple, dict with str keys or struct"

// valueError is an unsupported value found while encoding. The path is
// built while the recursion unwinds, so a value that encodes costs nothing.
type valueError struct {
	rev []string // path elements, innermost first
	msg string
}

func (e *valueError) Error() string {
	var b strings.Builder
	b.WriteString("result")
	for i := len(e.rev) - 1; i >= 0; i-- {
		b.WriteString(e.rev[i])
	}
	b.WriteString(": ")
	b.WriteString(e.msg)
	return b.String()
}

// AppendValue appends the JSON encoding of v to buf. A value of a kind the
// journal cannot keep (a function, a set, a dict with a non-str key, a
// struct from another constructor, a value nested deeper than 64 levels,
// as a list that contains itself is) is an error naming where it is, such
// as `result[2]["x"]: got function, want None, bool, ...`; buf is then
// returned unchanged.
func AppendValue(buf []byte, v starlark.Value) ([]byte, error) {
	n := len(buf)
	out, err := appendValue(buf, v, 0)
	if err != nil {
		return buf[:n], err
	}
	return out, nil
}

func appendValue(buf []byte, v starlark.Value, depth int) ([]byte, *valueError) {
	switch v := v.(type) {
	case starlark.NoneType:
		return append(buf, "null"...), nil
	case starlark.Bool:
		if v {
			return append(buf, "true"...), nil
		}
		return append(buf, "false"...), nil
	case starlark.Int:
		if i, ok := v.Int64(); ok {
			return strconv.AppendInt(buf, i, 10), nil
		}
		return v.BigInt().Append(buf, 10), nil
	case starlark.Float:
		return appendFloat(buf, float64(v)), nil
	case starlark.String:
		if utf8.ValidString(string(v)) {
			return appendString(buf, string(v)), nil
		}
		return appendBase64(buf, `{"$str_b64":`, string(v)), nil
	case starlark.Bytes:
		return appendBase64(buf, `{"$bytes":`, string(v)), nil
	case *starlark.List:
		if depth++; depth > maxValueDepth {
			return buf, tooDeep()
		}
		return appendElems(buf, v, depth)
	case starlark.Tuple:
		if depth++; depth > maxValueDepth {
			return buf, tooDeep()
		}
		buf = append(buf, `{"$tuple":`...)
		buf, err := appendElems(buf, v, depth)
		return append(buf, '}'), err
	case *starlark.Dict:
		if depth++; depth > maxValueDepth {
			return buf, tooDeep()
		}
		return appendDict(buf, v, depth)
	case *starlarkstruct.Struct:
		if c := v.Constructor(); c != starlarkstruct.Default {
			return buf, &valueError{msg: fmt.Sprintf("got struct made by %s, %s", c, wantValue)}
		}
		if depth++; depth > maxValueDepth {
			return buf, tooDeep()
		}
		buf = append(buf, `{"$struct":{`...)
		for i := range v.Len() {
			name, x := v.AttrAt(i)
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendString(buf, name)
			buf = append(buf, ':')
			var err *valueError
			if buf, err = appendValue(buf, x, depth); err != nil {
				err.rev = append(err.rev, "."+name)
				return buf, err
			}
		}
		return append(buf, "}}"...), nil
	case nil:
		return buf, &valueError{msg: "got Go nil, " + wantValue}
	}
	return buf, &valueError{msg: fmt.Sprintf("got %s, %s", v.Type(), wantValue)}
}

func tooDeep() *valueError {
	return &valueError{msg: fmt.Sprintf("nested deeper than %d levels (does the value contain itself?)", maxValueDepth)}
}

// appendElems appends a list or tuple as a JSON array.
func appendElems(buf []byte, elems starlark.Indexable, depth int) ([]byte, *valueError) {
	buf = append(buf, '[')
	for i := range elems.Len() {
		if i > 0 {
			buf = append(buf, ',')
		}
		var err *valueError
		if buf, err = appendValue(buf, elems.Index(i), depth); err != nil {
			err.rev = append(err.rev, "["+strconv.Itoa(i)+"]")
			return buf, err
		}
	}
	return append(buf, ']'), nil
}

// appendDict appends a dict as a JSON object in dict order, wrapped in
// "$dict" when a key starts with "$".
func appendDict(buf []byte, d *starlark.Dict, depth int) ([]byte, *valueError) {
	items := d.Items() // two allocations; ranging over Entries costs more
	tagged := false
	for _, kv := range items {
		s, ok := kv[0].(starlark.String)
		if !ok {
			return buf, &valueError{msg: fmt.Sprintf("got dict with %s key %s, %s", kv[0].Type(), kv[0], wantValue)}
		}
		if strings.HasPrefix(string(s), "$") {
			tagged = true
		}
	}
	if tagged {
		buf = append(buf, `{"$dict":`...)
	}
	buf = append(buf, '{')
	for i, kv := range items {
		if i > 0 {
			buf = append(buf, ',')
		}
		key := kv[0].(starlark.String)
		buf = appendString(buf, string(key))
		buf = append(buf, ':')
		var err *valueError
		if buf, err = appendValue(buf, kv[1], depth); err != nil {
			err.rev = append(err.rev, "["+key.String()+"]")
			return buf, err
		}
	}
	buf = append(buf, '}')
	if tagged {
		buf = append(buf, '}')
	}
	return buf, nil
}

// appendFloat writes a finite float so that it reads back as a float: it
// always holds a '.' or an 'e'. NaN and the infinities, which JSON lacks,
// are tagged.
func appendFloat(buf []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(buf, `{"$float":"nan"}`...)
	case math.IsInf(f, 1):
		return append(buf, `{"$float":"+inf"}`...)
	case math.IsInf(f, -1):
		return append(buf, `{"$float":"-inf"}`...)
	}
	n := len(buf)
	buf = strconv.AppendFloat(buf, f, 'g', -1, 64)
	if bytes.IndexAny(buf[n:], ".e") < 0 {
		buf = append(buf, ".0"...)
	}
	return buf
}

// appendBase64 writes prefix, s in standard base64 as a JSON string, and
// the closing brace.
func appendBase64(buf []byte, prefix, s string) []byte {
	buf = append(buf, prefix...)
	buf = append(buf, '"')
	buf = base64.StdEncoding.AppendEncode(buf, []byte(s))
	return append(buf, `"}`...)
}

const hexDigits = "0123456789abcdef"

// appendString writes s, valid UTF-8, as a JSON string. Only what JSON
// requires is escaped.
func appendString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	for {
		n := plainPrefix(s)
		buf = append(buf, s[:n]...)
		if n == len(s) {
			return append(buf, '"')
		}
		switch c := s[n]; c {
		case '"', '\\':
			buf = append(buf, '\\', c)
		case '\n':
			buf = append(buf, `\n`...)
		case '\r':
			buf = append(buf, `\r`...)
		case '\t':
			buf = append(buf, `\t`...)
		default:
			buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		s = s[n+1:]
	}
}

// plainPrefix returns the length of the longest prefix of s that a JSON
// string holds as it is: no '"', '\\' or control character. It tests
// eight bytes at a time, as strings are most of a journal.
func plainPrefix[T string | []byte](s T) int {
	const (
		ones = 0x0101010101010101
		high = 0x8080808080808080
	)
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		q := w ^ (ones * '"')
		b := w ^ (ones * '\\')
		// A byte below 0x20 (the zero bytes of q and b are such bytes)
		// sets its high bit here; the test is exact for "any".
		if ((w-ones*0x20)&^w|(q-ones)&^q|(b-ones)&^b)&high != 0 {
			break
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			break
		}
	}
	return i
}
