package sim

import (
	"slices"
	"sort"
	"strings"
)

// The generated commands of every class: <class>-list, -param-list,
// -param-get, and -param-set, -param-add, -param-remove and -param-clear
// where the class has fields they apply to (cli_operations.ml
// make_param_funs).

func (x *xeCall) generated(cl *class) []*xeCommand {
	proto := cl.proto(x.m)
	var names, setNames []string
	var settable, addable, clearable bool
	for _, f := range proto.fields {
		if f.hidden {
			continue
		}
		names = append(names, f.name)
		if f.getSet != nil {
			setNames = append(setNames, f.name+":contains")
		}
		settable = settable || f.set != nil || f.addMap != nil || f.setInMap != nil
		addable = addable || f.addSet != nil || f.addMap != nil
		clearable = clearable || f.set != nil || f.getSet != nil || f.getMap != nil
	}
	var settableNames, clearNames []string
	for _, f := range proto.fields {
		if !f.hidden && f.set != nil {
			settableNames = append(settableNames, f.name)
		}
	}
	for _, f := range proto.fields {
		if !f.hidden && (f.addMap != nil || f.setInMap != nil) {
			settableNames = append(settableNames, f.name+":")
		}
		if !f.hidden && (f.set != nil || f.getSet != nil || f.getMap != nil) {
			clearNames = append(clearNames, f.name)
		}
	}
	n := cl.name
	plural := n + "s"
	var cmds []*xeCommand
	if settable {
		cmds = append(cmds, &xeCommand{name: n + "-param-set", reqd: []string{"uuid"}, optn: settableNames,
			help: "Sets the parameter specified. Use 'map-param:key=value' for a key of a map parameter.",
			run:  func(x *xeCall) error { return x.paramSet(cl) }})
	}
	cmds = append(cmds,
		&xeCommand{name: n + "-list", optn: append(append([]string{"params", "database:"}, names...), setNames...),
			help:     "Lists all the " + plural + ", filtering on the optional arguments. Use 'map-param:key=value' to filter on a map parameter.",
			standard: n == "vm" || n == "network",
			run:      func(x *xeCall) error { return x.list(cl) }},
		&xeCommand{name: n + "-param-list", reqd: []string{"uuid"}, optn: []string{"database:"},
			help: "Lists all the parameters of the object with the given uuid.",
			run:  func(x *xeCall) error { return x.paramList(cl) }},
		&xeCommand{name: n + "-param-get", reqd: []string{"uuid", "param-name"}, optn: []string{"param-key", "database:"},
			help: "Gets one parameter of the object. Use 'param-key=<key>' for one key of a map parameter.",
			run:  func(x *xeCall) error { return x.paramGet(cl) }},
	)
	if addable {
		cmds = append(cmds,
			&xeCommand{name: n + "-param-add", reqd: []string{"uuid", "param-name"}, optn: []string{"param-key"},
				help: "Adds to a set parameter (param-key=<key>) or a map parameter (key=value pairs).",
				run:  func(x *xeCall) error { return x.paramAdd(cl) }},
			&xeCommand{name: n + "-param-remove", reqd: []string{"uuid", "param-name", "param-key"},
				help: "Removes a member of a set or a key of a map.",
				run:  func(x *xeCall) error { return x.paramRemove(cl) }},
		)
	}
	if clearable {
		cmds = append(cmds, &xeCommand{name: n + "-param-clear", reqd: []string{"uuid", "param-name"},
			help: "Clears the parameter (param-name can be " + strings.Join(clearNames, ",") + ").",
			run:  func(x *xeCall) error { return x.paramClear(cl) }})
	}
	return cmds
}

// filterParams are the parameters of a list command that are filters.
func (x *xeCall) filterParams(cl *class) []kv {
	out := slices.Clone(cl.defFilters)
	for _, p := range x.params {
		if p.K == "params" || slices.Contains(stdParams, p.K) || strings.HasPrefix(p.K, "database:") {
			continue
		}
		out = append(out, p)
	}
	return out
}

func (x *xeCall) list(cl *class) error {
	all := cl.records(x.m)
	recs := all
	for _, f := range x.filterParams(cl) {
		var err error
		if recs, err = filterRecords(recs, f); err != nil {
			return err
		}
	}
	printAll, err := x.boolParam("all")
	if err != nil {
		return err
	}
	if printAll {
		recs = all
	}
	var chosen []string
	if ps, ok := x.param("params"); ok {
		if ps != "all" {
			chosen = strings.Split(ps, ",")
		}
	} else {
		chosen = cl.defaults
		if cl.name == "pif" && !x.p.rel.pifListMAC() {
			// Before xapi v23.31.0 the default fields had "mac", which
			// matches no field, and no host-uuid.
			chosen = []string{"uuid", "device", "currently-attached", "VLAN", "network-uuid"}
		}
	}
	var out [][]pfield
	for _, r := range recs {
		var pf []pfield
		for _, f := range r.fields {
			if chosen != nil && !slices.Contains(chosen, f.name) || f.hidden {
				continue
			}
			v := "<expensive field>"
			if !f.expensive {
				v = f.get()
			}
			pf = append(pf, pfield{f.label(), v})
		}
		out = append(out, pf)
	}
	x.pr.table(out)
	return nil
}

// fieldType tells how a parameter name addresses a record: a field by
// name, or a key of a map or set field ("name:key", or the old form
// "name-key").
type fieldType struct {
	kind byte // 'n'ormal, 's'et or 'm'ap
	name string
}

func getFieldType(name string, r *record) (fieldType, error) {
	if r.field(name) != nil {
		return fieldType{'n', name}, nil
	}
	if real, _, ok := strings.Cut(name, ":"); ok {
		f := r.field(real)
		switch {
		case f == nil:
			return fieldType{}, cliErr("Unknown field '%s'", name)
		case f.getSet != nil:
			return fieldType{'s', f.name}, nil
		case f.getMap != nil:
			return fieldType{'m', f.name}, nil
		}
		return fieldType{}, cliErr("Field '%s' is not a set or map", f.name)
	}
	byLength := func(keep func(*field) bool) []*field {
		var fs []*field
		for _, f := range r.fields {
			if keep(f) {
				fs = append(fs, f)
			}
		}
		sort.SliceStable(fs, func(i, j int) bool { return len(fs[i].name) > len(fs[j].name) })
		return fs
	}
	for _, f := range byLength(func(f *field) bool { return f.getMap != nil }) {
		if strings.HasPrefix(name, f.name+"-") {
			return fieldType{'m', f.name}, nil
		}
	}
	for _, f := range byLength(func(f *field) bool { return f.getSet != nil }) {
		if strings.HasPrefix(name, f.name+"-") {
			return fieldType{'s', f.name}, nil
		}
	}
	return fieldType{}, cliErr("Unknown field '%s'", name)
}

// filterRecords keeps the records that match one filter. The field type
// is read from the first record; with no records nothing is checked.
func filterRecords(recs []*record, p kv) ([]*record, error) {
	if len(recs) == 0 {
		return recs, nil
	}
	ft, err := getFieldType(p.K, recs[0])
	if err != nil {
		return nil, err
	}
	if ft.kind == 's' && p.K[len(ft.name)+1:] != "contains" {
		return nil, cliErr("Invalid syntax for set filtering (should be set-param:contains=key)")
	}
	var out []*record
	for _, r := range recs {
		f := r.field(ft.name)
		eq := func(a, b string) bool {
			if f.caseInsensitive {
				return strings.EqualFold(a, b)
			}
			return a == b
		}
		var keep bool
		switch ft.kind {
		case 'n':
			keep = eq(f.get(), p.V)
		case 'm':
			v, ok := mapGet(f.getMap(), p.K[len(ft.name)+1:])
			keep = ok && eq(v, p.V)
		case 's':
			keep = slices.ContainsFunc(f.getSet(), func(m string) bool { return eq(m, p.V) })
		}
		if keep {
			out = append(out, r)
		}
	}
	return out, nil
}

// lookup finds the object named by uuid=, or UUID_INVALID.
func (x *xeCall) lookup(cl *class) (*record, error) {
	uuid, _ := x.param("uuid")
	for _, r := range cl.records(x.m) {
		if r.uuid == uuid {
			return r, nil
		}
	}
	return nil, uuidInvalid(cl.table, uuid)
}

// lookupField is field_lookup: an unknown name is a missing parameter.
// paramField finds the record named by uuid= and its field named by
// param-name=, for the param-get/-add/-remove/-clear commands.
func (x *xeCall) paramField(cl *class) (*field, error) {
	r, err := x.lookup(cl)
	if err != nil {
		return nil, err
	}
	name, _ := x.param("param-name")
	return lookupField(r, name)
}

func lookupField(r *record, name string) (*field, error) {
	if f := r.field(name); f != nil {
		return f, nil
	}
	return nil, apiErr("Missing parameter", name)
}

func (x *xeCall) paramList(cl *class) error {
	r, err := x.lookup(cl)
	if err != nil {
		return err
	}
	var pf []pfield
	for _, f := range r.fields {
		if !f.hidden {
			pf = append(pf, pfield{f.label(), f.get()})
		}
	}
	x.pr.table([][]pfield{pf})
	return nil
}

func (x *xeCall) paramGet(cl *class) error {
	f, err := x.paramField(cl)
	if err != nil {
		return err
	}
	if key, ok := x.param("param-key"); ok && f.getMap != nil {
		v, ok := mapGet(f.getMap(), key)
		if !ok {
			return cliErr("Key %s not found in map", key)
		}
		x.pr.list(v)
		return nil
	}
	x.pr.list(f.get())
	return nil
}

func (x *xeCall) paramSet(cl *class) error {
	r, err := x.lookup(cl)
	if err != nil {
		return err
	}
	for _, p := range x.params {
		if p.K == "uuid" || slices.Contains(stdParams, p.K) {
			continue
		}
		ft, err := getFieldType(p.K, r)
		if err != nil {
			return err
		}
		f := r.field(ft.name)
		switch ft.kind {
		case 'm':
			key := p.K[len(ft.name)+1:]
			switch {
			case f.setInMap != nil:
				err = f.setInMap(key, p.V)
			case f.addMap == nil:
				err = cliErr("Map field '%s' is read-only.", ft.name)
			default:
				if _, ok := mapGet(f.getMap(), key); ok {
					f.removeMap(key)
				}
				err = f.addMap(key, p.V)
			}
		case 's':
			err = cliErr("Cannot param-set on set fields")
		default:
			switch {
			case f.set != nil:
				err = f.set(p.V)
			case f.addMap != nil:
				err = cliErr("Field '%s' is a map or set. use the 'name:key=value' syntax.", p.K)
			default:
				err = cliErr("Field '%s' is read-only.", p.K)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (x *xeCall) paramAdd(cl *class) error {
	f, err := x.paramField(cl)
	if err != nil {
		return err
	}
	switch {
	case f.addSet != nil:
		key, ok := x.param("param-key")
		if !ok {
			return cliErr("When adding a key to a set, use the syntax: *-param-add param-name=<name> param-key=<key>")
		}
		return f.addSet(key)
	case f.addMap != nil:
		for _, p := range x.params {
			if slices.Contains([]string{"uuid", "param-name", "param-key"}, p.K) || slices.Contains(stdParams, p.K) {
				continue
			}
			if err := f.addMap(p.K, p.V); err != nil {
				return err
			}
		}
		return nil
	case f.getSet != nil || f.getMap != nil:
		return cliErr("Parameter is read-only")
	}
	return cliErr("Can only add to parameters of type Set or Map")
}

func (x *xeCall) paramRemove(cl *class) error {
	f, err := x.paramField(cl)
	if err != nil {
		return err
	}
	key, _ := x.param("param-key")
	switch {
	case f.getSet != nil && f.removeSet != nil:
		if !slices.Contains(f.getSet(), key) {
			return cliErr("Key %s is not in the set", key)
		}
		return f.removeSet(key)
	case f.getMap != nil && f.removeMap != nil:
		if _, ok := mapGet(f.getMap(), key); !ok {
			return cliErr("Key %s is not in map", key)
		}
		return f.removeMap(key)
	case f.getSet != nil || f.getMap != nil:
		return cliErr("Cannot remove parameters from read-only map")
	}
	return cliErr("Can only remove from parameters of type Set or Map")
}

func (x *xeCall) paramClear(cl *class) error {
	f, err := x.paramField(cl)
	if err != nil {
		return err
	}
	switch {
	case f.getSet != nil && f.removeSet != nil:
		for _, v := range slices.Clone(f.getSet()) {
			if err := f.removeSet(v); err != nil {
				return err
			}
		}
		return nil
	case f.getMap != nil && f.removeMap != nil:
		for _, e := range slices.Clone(f.getMap()) {
			if err := f.removeMap(e.K); err != nil {
				return err
			}
		}
		return nil
	case f.set != nil:
		if f.set("") != nil {
			return cliErr("Cannot clear this parameter")
		}
		return nil
	}
	return cliErr("Can only clear RW parameters")
}
