package sim

import (
	"strconv"
	"strings"
)

// field is one field of an xe record, as records.ml declares it: how to
// read it, and which of set, add and remove it supports. The tag printed
// after the name follows from those.
type field struct {
	name   string
	get    func() string
	getSet func() []string
	getMap func() []kv

	set       func(string) error
	addSet    func(string) error
	removeSet func(string) error
	addMap    func(k, v string) error
	removeMap func(k string) error
	setInMap  func(k, v string) error

	expensive, hidden, deprecated, caseInsensitive bool
}

// label is the field name with its tag: ( RO), ( RW), (SRO), (SRW),
// (MRO) or (MRW), and [DEPRECATED] when it is.
func (f *field) label() string {
	var tag string
	switch {
	case f.getSet != nil && f.addSet == nil:
		tag = " (SRO)"
	case f.getSet != nil:
		tag = " (SRW)"
	case f.getMap != nil && f.addMap == nil:
		tag = " (MRO)"
	case f.getMap != nil:
		tag = " (MRW)"
	case f.set == nil:
		tag = " ( RO)"
	default:
		tag = " ( RW)"
	}
	if f.deprecated {
		tag += " [DEPRECATED]"
	}
	return f.name + tag
}

// record is one object of a class, with its fields in declared order.
type record struct {
	uuid   string
	fields []*field
}

func (r *record) field(name string) *field {
	for _, f := range r.fields {
		if f.name == name {
			return f
		}
	}
	return nil
}

// Field constructors.

func ro(name, value string) *field {
	return &field{name: name, get: func() string { return value }}
}

func roBool(name string, v bool) *field { return ro(name, strconv.FormatBool(v)) }

func roInt(name string, v int64) *field { return ro(name, strconv.FormatInt(v, 10)) }

// roRef renders a reference: the uuid, or <not in database> for null.
func roRef(name, uuid string) *field { return ro(name, refString(uuid)) }

func refString(uuid string) string {
	if uuid == "" {
		return nullRef
	}
	return uuid
}

// nullRef is how the CLI prints a null reference.
const nullRef = "<not in database>"

// roSet is a read-only set rendered with "; ".
func roSet(name string, vals []string) *field {
	return &field{name: name, get: func() string { return strings.Join(vals, "; ") }, getSet: func() []string { return vals }}
}

// roMap is a read-only map.
func roMap(name string, m []kv) *field {
	return &field{name: name, get: func() string { return renderMap(m) }, getMap: func() []kv { return m }}
}

// rwMap is a map that can be added to and removed from (other-config).
func rwMap(name string, m *[]kv, typ, uuid string) *field {
	return &field{
		name:   name,
		get:    func() string { return renderMap(*m) },
		getMap: func() []kv { return *m },
		addMap: func(k, v string) error {
			if _, ok := mapGet(*m, k); ok {
				return apiErr("MAP_DUPLICATE_KEY", typ, name, uuid, k)
			}
			*m = append(*m, kv{k, v})
			return nil
		},
		removeMap: func(k string) error { *m = mapDel(*m, k); return nil },
	}
}

// rwExtraMap is a writable map the model does not act on, kept in the
// object's extra maps.
func rwExtraMap(name string, maps *extraMaps, typ, uuid string) *field {
	if *maps == nil {
		*maps = extraMaps{}
	}
	m := (*maps)[name]
	f := rwMap(name, &m, typ, uuid)
	add, remove := f.addMap, f.removeMap
	store := func() {
		if len(m) == 0 {
			delete(*maps, name)
		} else {
			(*maps)[name] = m
		}
	}
	f.addMap = func(k, v string) error { err := add(k, v); store(); return err }
	f.removeMap = func(k string) error { err := remove(k); store(); return err }
	return f
}

// rwSet is a set of strings that can be added to and removed from,
// rendered with sep.
func rwSet(name string, s *[]string, sep string) *field {
	return &field{
		name:   name,
		get:    func() string { return strings.Join(*s, sep) },
		getSet: func() []string { return *s },
		addSet: func(v string) error {
			for _, e := range *s {
				if e == v {
					return nil
				}
			}
			*s = append(*s, v)
			return nil
		},
		removeSet: func(v string) error {
			out := (*s)[:0:0]
			for _, e := range *s {
				if e != v {
					out = append(out, e)
				}
			}
			*s = out
			return nil
		},
	}
}

// rwString is a writable string stored in the object.
func rwString(name string, p *string) *field {
	return &field{name: name, get: func() string { return *p }, set: func(v string) error { *p = v; return nil }}
}

// rwExtra is a writable field the model does not act on: its value is
// kept in the object's extra map, with def until it is set. check
// validates a new value.
func rwExtra(name string, extra *[]kv, def string, check func(string) error) *field {
	return &field{
		name: name,
		get: func() string {
			if v, ok := mapGet(*extra, name); ok {
				return v
			}
			return def
		},
		set: func(v string) error {
			if check != nil {
				if err := check(v); err != nil {
					return err
				}
			}
			*extra = mapSet(*extra, name, v)
			return nil
		},
	}
}

// rwRef is a writable reference the model does not act on: empty is the
// null reference.
func rwRef(name string, extra *[]kv, check func(string) error) *field {
	f := rwExtra(name, extra, "", check)
	get := f.get
	f.get = func() string { return refString(get()) }
	return f
}

// checkBool is safe_bool_of_string: only true and false.
func checkBool(name string) func(string) error {
	return func(v string) error {
		if v != "true" && v != "false" {
			return cliErr("Failed to parse parameter '%s': expecting a boolean (true or false)", name)
		}
		return nil
	}
}

func checkInt(name string) func(string) error {
	return func(v string) error {
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return cliErr("Failed to parse parameter '%s': expecting an integer", name)
		}
		return nil
	}
}

// renderMap renders a map as "k1: v1; k2: v2".
func renderMap(m []kv) string {
	parts := make([]string, len(m))
	for i, e := range m {
		parts[i] = e.K + ": " + e.V
	}
	return strings.Join(parts, "; ")
}

func expensive(f *field) *field  { f.expensive = true; return f }
func hidden(f *field) *field     { f.hidden = true; return f }
func deprecated(f *field) *field { f.deprecated = true; return f }
