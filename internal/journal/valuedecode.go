package journal

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// DecodeValue reads back a value written by AppendValue. Dicts and structs
// keep the order of the text. Errors start with the byte offset of the
// problem ("offset 12: ...").
func DecodeValue(data []byte) (starlark.Value, error) {
	// Strings without escapes are views of one copy of the input: one
	// allocation instead of one per string, at the price of keeping the
	// whole text alive while any of them is.
	d := decoder{data: data, text: string(data)}
	d.space()
	v, err := d.value()
	if err != nil {
		return nil, err
	}
	d.space()
	if d.pos < len(d.data) {
		return nil, d.errorf("%s after the value", d.what())
	}
	return v, nil
}

// decoder is a scanner over one JSON value.
type decoder struct {
	data  []byte
	text  string // the same bytes
	pos   int
	depth int
	// elems and items are stacks shared by the nested lists and dicts
	// being read, so that each gets a slice or table of its final size.
	elems []starlark.Value
	items []item
	// keys interns object keys (see key).
	keys map[string]starlark.Value
}

type item struct {
	key starlark.Value // a starlark.String
	val starlark.Value
	pos int // of the key, for errors
}

func (d *decoder) errorf(format string, args ...any) error {
	return fmt.Errorf("offset %d: %s", d.pos, fmt.Sprintf(format, args...))
}

// what describes the byte at the current position for an error message.
func (d *decoder) what() string {
	if d.pos >= len(d.data) {
		return "unexpected end of input"
	}
	r, size := utf8.DecodeRune(d.data[d.pos:])
	if r == utf8.RuneError && size == 1 {
		return fmt.Sprintf("unexpected byte %#02x", d.data[d.pos])
	}
	return fmt.Sprintf("unexpected %q", r)
}

func (d *decoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// expect consumes c, after optional white space.
func (d *decoder) expect(c byte) error {
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == c {
		d.pos++
		return nil
	}
	return d.errorf("%s, want %q", d.what(), c)
}

// peek returns the next byte after white space, or 0 at the end.
func (d *decoder) peek() byte {
	d.space()
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

func (d *decoder) literal(word string, v starlark.Value) (starlark.Value, error) {
	if !bytes.HasPrefix(d.data[d.pos:], []byte(word)) {
		return nil, d.errorf("%s, want a JSON value", d.what())
	}
	d.pos += len(word)
	return v, nil
}

func (d *decoder) value() (starlark.Value, error) {
	switch d.peek() {
	case 'n':
		return d.literal("null", starlark.None)
	case 't':
		return d.literal("true", starlark.True)
	case 'f':
		return d.literal("false", starlark.False)
	case '"':
		s, err := d.str()
		if err != nil {
			return nil, err
		}
		return starlark.String(s), nil
	case '[':
		if err := d.enter(); err != nil {
			return nil, err
		}
		elems, err := d.array()
		d.depth--
		if err != nil {
			return nil, err
		}
		return starlark.NewList(elems), nil
	case '{':
		return d.object()
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return d.number()
	}
	return nil, d.errorf("%s, want a JSON value", d.what())
}

func (d *decoder) enter() error {
	if d.depth++; d.depth > maxValueDepth {
		return d.errorf("nested deeper than %d levels", maxValueDepth)
	}
	return nil
}

// array reads "[v, ...]" into a slice of its own.
func (d *decoder) array() ([]starlark.Value, error) {
	d.pos++ // '['
	base := len(d.elems)
	defer func() { d.elems = d.elems[:base] }()
	if d.peek() == ']' {
		d.pos++
		return []starlark.Value{}, nil
	}
	for {
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		d.elems = append(d.elems, v)
		switch d.peek() {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return append([]starlark.Value(nil), d.elems[base:]...), nil
		default:
			return nil, d.errorf("%s, want ',' or ']'", d.what())
		}
	}
}

// object reads "{...}": a plain dict, or one of the tagged forms, whose
// tag is the first and only key.
func (d *decoder) object() (starlark.Value, error) {
	start := d.pos
	d.pos++ // '{'
	if d.peek() == '"' && d.pos+1 < len(d.data) && d.data[d.pos+1] == '$' {
		tagPos := d.pos
		tag, err := d.str()
		if err != nil {
			return nil, err
		}
		if err := d.expect(':'); err != nil {
			return nil, err
		}
		v, err := d.tagged(tag, tagPos)
		if err != nil {
			return nil, err
		}
		if err := d.expect('}'); err != nil {
			return nil, err
		}
		return v, nil
	}
	d.pos = start
	if err := d.enter(); err != nil {
		return nil, err
	}
	items, err := d.members(false)
	d.depth--
	if err != nil {
		return nil, err
	}
	return d.dict(items)
}

// tagged reads the value of a one-key "$..." object.
func (d *decoder) tagged(tag string, tagPos int) (starlark.Value, error) {
	switch tag {
	case "$float":
		s, err := d.stringValue(tag)
		if err != nil {
			return nil, err
		}
		switch s {
		case "nan":
			return starlark.Float(math.NaN()), nil
		case "+inf":
			return starlark.Float(math.Inf(1)), nil
		case "-inf":
			return starlark.Float(math.Inf(-1)), nil
		}
		return nil, fmt.Errorf("offset %d: $float: got %q, want \"nan\", \"+inf\" or \"-inf\"", tagPos, s)
	case "$str_b64", "$bytes":
		s, err := d.stringValue(tag)
		if err != nil {
			return nil, err
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("offset %d: %s: %v", tagPos, tag, err)
		}
		if tag == "$bytes" {
			return starlark.Bytes(b), nil
		}
		return starlark.String(b), nil
	case "$tuple":
		if d.peek() != '[' {
			return nil, d.errorf("%s, want '[' after \"$tuple\"", d.what())
		}
		if err := d.enter(); err != nil {
			return nil, err
		}
		elems, err := d.array()
		d.depth--
		if err != nil {
			return nil, err
		}
		return starlark.Tuple(elems), nil
	case "$dict", "$struct":
		if d.peek() != '{' {
			return nil, d.errorf("%s, want '{' after %q", d.what(), tag)
		}
		if err := d.enter(); err != nil {
			return nil, err
		}
		items, err := d.members(true)
		d.depth--
		if err != nil {
			return nil, err
		}
		if tag == "$dict" {
			return d.dict(items)
		}
		fields := make(starlark.StringDict, len(items))
		for _, it := range items {
			name := string(it.key.(starlark.String))
			if _, dup := fields[name]; dup {
				return nil, fmt.Errorf("offset %d: repeated field %s", it.pos, it.key)
			}
			fields[name] = it.val
		}
		return starlarkstruct.FromStringDict(starlarkstruct.Default, fields), nil
	}
	return nil, fmt.Errorf("offset %d: unknown tag %q", tagPos, tag)
}

// stringValue reads the JSON string that must follow tag.
func (d *decoder) stringValue(tag string) (string, error) {
	if d.peek() != '"' {
		return "", d.errorf("%s, want a string after %q", d.what(), tag)
	}
	return d.str()
}

// members reads the "key": value pairs of an object. Unless anyKey, a key
// that starts with "$" is refused: it would have been written inside
// "$dict". The result is only valid until the next call.
func (d *decoder) members(anyKey bool) ([]item, error) {
	d.pos++ // '{'
	base := len(d.items)
	if d.peek() == '}' {
		d.pos++
		return nil, nil
	}
	for {
		if d.peek() != '"' {
			d.items = d.items[:base]
			return nil, d.errorf("%s, want a string key", d.what())
		}
		keyPos := d.pos
		key, err := d.key()
		if err == nil && !anyKey && strings.HasPrefix(string(key.(starlark.String)), "$") {
			err = fmt.Errorf("offset %d: key %s outside \"$dict\"", keyPos, key)
		}
		if err == nil {
			err = d.expect(':')
		}
		var v starlark.Value
		if err == nil {
			v, err = d.value()
		}
		if err != nil {
			d.items = d.items[:base]
			return nil, err
		}
		d.items = append(d.items, item{key, v, keyPos})
		switch d.peek() {
		case ',':
			d.pos++
		case '}':
			d.pos++
			items := d.items[base:]
			d.items = d.items[:base]
			return items, nil
		default:
			d.items = d.items[:base]
			return nil, d.errorf("%s, want ',' or '}'", d.what())
		}
	}
}

// key reads an object key as a starlark.String, interned: a list of
// records repeats the same keys, and sharing them saves the allocation of
// the interface box each time.
func (d *decoder) key() (starlark.Value, error) {
	s, err := d.str()
	if err != nil {
		return nil, err
	}
	if k, ok := d.keys[s]; ok {
		return k, nil
	}
	k := starlark.Value(starlark.String(s))
	if d.keys == nil {
		d.keys = make(map[string]starlark.Value)
	}
	if len(d.keys) < 4096 {
		d.keys[s] = k
	}
	return k, nil
}

// dict builds a dict from items, refusing a repeated key.
func (d *decoder) dict(items []item) (*starlark.Dict, error) {
	dict := starlark.NewDict(len(items))
	for i, it := range items {
		_ = dict.SetKey(it.key, it.val) // str keys: cannot fail
		if dict.Len() != i+1 {
			return nil, fmt.Errorf("offset %d: repeated key %s", it.pos, it.key)
		}
	}
	return dict, nil
}

// str reads a JSON string.
func (d *decoder) str() (string, error) {
	start := d.pos
	i := start + 1 // after '"'
	i += plainPrefix(d.data[i:])
	if i < len(d.data) && d.data[i] == '"' {
		d.pos = i + 1
		return d.text[start+1 : i], nil
	}
	b := append([]byte(nil), d.data[start+1:i]...)
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return string(b), nil
		case c < 0x20:
			d.pos = i
			return "", d.errorf("control character %#02x in a string", c)
		case c != '\\':
			n := max(plainPrefix(d.data[i:]), 1)
			b = append(b, d.data[i:i+n]...)
			i += n
			continue
		}
		if i+1 >= len(d.data) {
			break
		}
		switch e := d.data[i+1]; e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := hex4(d.data[i+2:])
			if !ok {
				d.pos = i
				return "", d.errorf(`bad \u escape in a string`)
			}
			i += 6
			if utf16.IsSurrogate(r) {
				// A pair, or a lone half, which becomes U+FFFD.
				r2 := rune(-1)
				if i+1 < len(d.data) && d.data[i] == '\\' && d.data[i+1] == 'u' {
					if x, ok := hex4(d.data[i+2:]); ok {
						r2 = x
					}
				}
				r = utf16.DecodeRune(r, r2)
				if r != utf8.RuneError {
					i += 6
				}
			}
			b = utf8.AppendRune(b, r)
			continue
		default:
			d.pos = i
			return "", d.errorf("bad escape %q in a string", []byte{'\\', e})
		}
		i += 2
	}
	d.pos = start
	return "", d.errorf("string not closed")
}

// hex4 decodes the four hex digits at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// number reads a JSON number: an int when it has neither fraction nor
// exponent, a float otherwise.
func (d *decoder) number() (starlark.Value, error) {
	start := d.pos
	i := d.pos
	digits := func() int {
		n := 0
		for i < len(d.data) && '0' <= d.data[i] && d.data[i] <= '9' {
			i++
			n++
		}
		return n
	}
	neg := d.data[i] == '-'
	if neg {
		i++
	}
	intStart := i
	switch n := digits(); {
	case n == 0:
		d.pos = i
		return nil, d.errorf("%s, want a digit", d.what())
	case n > 1 && d.data[intStart] == '0':
		d.pos = intStart
		return nil, d.errorf("number with a leading zero")
	}
	intEnd := i
	isFloat := false
	if i < len(d.data) && d.data[i] == '.' {
		i++
		isFloat = true
		if digits() == 0 {
			d.pos = i
			return nil, d.errorf("%s, want a digit after '.'", d.what())
		}
	}
	if i < len(d.data) && (d.data[i] == 'e' || d.data[i] == 'E') {
		i++
		isFloat = true
		if i < len(d.data) && (d.data[i] == '+' || d.data[i] == '-') {
			i++
		}
		if digits() == 0 {
			d.pos = i
			return nil, d.errorf("%s, want a digit in the exponent", d.what())
		}
	}
	d.pos = i
	text := d.data[start:i]
	if isFloat {
		f, err := strconv.ParseFloat(string(text), 64)
		if err != nil {
			d.pos = start
			return nil, d.errorf("float %s out of range", text)
		}
		return starlark.Float(f), nil
	}
	if intEnd-intStart <= 18 {
		var n int64
		for _, c := range d.data[intStart:intEnd] {
			n = n*10 + int64(c-'0')
		}
		if neg {
			n = -n
		}
		return starlark.MakeInt64(n), nil
	}
	z, _ := new(big.Int).SetString(string(text), 10) // the syntax was checked above
	return starlark.MakeBigInt(z), nil
}
