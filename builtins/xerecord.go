package builtins

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"go.starlark.net/starlark"
)

// This file reads what `xe <class>-list` and `xe <class>-param-list` print:
// records of "<name> (<tag>): <value>" lines, one blank-line-separated block
// per object. The layout (xapi cli_printer.ml multi_line_record) pads the
// labels into a right-aligned column; transcripts pasted from the web often
// lose that padding, so the parser keys on the "(<tag>)" and the colon, not
// on columns.

// FieldKind says how xe renders a field's value.
type FieldKind int

const (
	// Scalar is a single value, tagged "( RO)" or "( RW)".
	Scalar FieldKind = iota
	// Set is a "; "-separated list, tagged "(SRO)" or "(SRW)".
	Set
	// Map is a "; "-separated list of "key: value" entries, tagged "(MRO)"
	// or "(MRW)".
	Map
)

// String returns the Go name of the kind.
func (k FieldKind) String() string {
	switch k {
	case Scalar:
		return "Scalar"
	case Set:
		return "Set"
	case Map:
		return "Map"
	}
	return fmt.Sprintf("FieldKind(%d)", int(k))
}

// Field is one line of an xe record.
type Field struct {
	// Name is the field name, such as "uuid" or "other-config".
	Name string
	// Kind is Scalar, Set or Map, from the first letter of the tag.
	Kind FieldKind
	// Writable is true for RW tags: the field can be set with param-set
	// (or, for sets and maps, param-add).
	Writable bool
	// Deprecated is true when the label carries " [DEPRECATED]".
	Deprecated bool
	// Value is the text after ": " as xe rendered it, without the line
	// ending; an empty value is "" whether or not the trailing space
	// survived.
	Value string
}

// Record is one object of xe output, its fields in the printed order.
type Record []Field

// deprecatedMark is appended to the label of a deprecated field.
const deprecatedMark = " [DEPRECATED]"

// maxQuoted bounds how much of a bad line an error message repeats.
const maxQuoted = 72

// ParseRecords parses the standard output of an xe list or param-list
// command. Records are separated by one or more blank lines; each other
// line must be a field line. Empty output means no records.
func ParseRecords(out string) ([]Record, error) {
	records := []Record{}
	var cur Record
	lineNo := 0
	for len(out) > 0 {
		lineNo++
		var line string
		if i := strings.IndexByte(out, '\n'); i >= 0 {
			line, out = out[:i], out[i+1:]
		} else {
			line, out = out, ""
		}
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" {
			if cur != nil {
				records = append(records, cur)
				cur = nil
			}
			continue
		}
		f, ok := parseField(line)
		if !ok {
			return nil, fmt.Errorf("line %d: not an xe record field: %q", lineNo, truncate(line, maxQuoted))
		}
		cur = append(cur, f)
	}
	if cur != nil {
		records = append(records, cur)
	}
	return records, nil
}

// parseField parses "<pad><name> (<tag>)[ [DEPRECATED]]<pad>: <value>".
// The name is everything before the first " (", so a value may hold any
// text, including ": " and "(".
func parseField(line string) (Field, bool) {
	var f Field
	rest := strings.TrimLeft(line, " \t")
	i := strings.Index(rest, " (")
	if i <= 0 {
		return f, false
	}
	f.Name = rest[:i]
	if strings.ContainsAny(f.Name, " \t:") {
		return f, false
	}
	rest = rest[i+1:] // "(<tag>)..."
	if len(rest) < 5 || rest[4] != ')' {
		return f, false
	}
	switch rest[1:4] {
	case " RO":
		f.Kind = Scalar
	case " RW":
		f.Kind, f.Writable = Scalar, true
	case "SRO":
		f.Kind = Set
	case "SRW":
		f.Kind, f.Writable = Set, true
	case "MRO":
		f.Kind = Map
	case "MRW":
		f.Kind, f.Writable = Map, true
	default:
		return f, false
	}
	rest = rest[5:]
	if strings.HasPrefix(rest, deprecatedMark) {
		f.Deprecated = true
		rest = rest[len(deprecatedMark):]
	}
	rest = strings.TrimLeft(rest, " \t")
	if !strings.HasPrefix(rest, ":") {
		return f, false
	}
	rest = rest[1:]
	switch {
	case rest == "":
		// The trailing space of an empty value was lost.
	case rest[0] == ' ':
		f.Value = rest[1:]
	default:
		return f, false
	}
	return f, true
}

// truncate shortens s to at most n bytes, cutting at a rune boundary and
// marking the cut with "...".
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - 3
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// Set splits a set value into its elements ("a; b" -> ["a", "b"]). An
// empty value is an empty set.
func (f Field) Set() []string {
	if f.Value == "" {
		return []string{}
	}
	return strings.Split(f.Value, "; ")
}

// Map splits a map value "k1: v1; k2: v2" into key/value pairs in the
// printed order. The first ": " of an entry separates the key from the
// value; an entry without one is a key with an empty value (a trailing
// ":" is dropped from it, since that is "k: " with its space lost). An
// empty value is an empty map.
func (f Field) Map() [][2]string {
	if f.Value == "" {
		return nil
	}
	entries := strings.Split(f.Value, "; ")
	kv := make([][2]string, 0, len(entries))
	for _, e := range entries {
		if k, v, ok := strings.Cut(e, ": "); ok {
			kv = append(kv, [2]string{k, v})
		} else {
			kv = append(kv, [2]string{strings.TrimSuffix(e, ":"), ""})
		}
	}
	return kv
}

// Value converts the record into a Starlark dict from field name to value:
// a str for a scalar, a list of str for a set, and a dict from str to str
// for a map, each in the printed order.
func (r Record) Value() *starlark.Dict {
	d := starlark.NewDict(len(r))
	for _, f := range r {
		var v starlark.Value
		switch f.Kind {
		case Set:
			elems := f.Set()
			l := make([]starlark.Value, len(elems))
			for i, e := range elems {
				l[i] = starlark.String(e)
			}
			v = starlark.NewList(l)
		case Map:
			kv := f.Map()
			m := starlark.NewDict(len(kv))
			for _, e := range kv {
				_ = m.SetKey(starlark.String(e[0]), starlark.String(e[1])) // str keys: cannot fail
			}
			v = m
		default:
			v = starlark.String(f.Value)
		}
		_ = d.SetKey(starlark.String(f.Name), v) // str keys: cannot fail
	}
	return d
}

// RecordsValue converts records into a Starlark list of dicts (see
// Record.Value).
func RecordsValue(rs []Record) *starlark.List {
	l := make([]starlark.Value, len(rs))
	for i, r := range rs {
		l[i] = r.Value()
	}
	return starlark.NewList(l)
}
