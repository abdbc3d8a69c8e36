package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/go-multierror"
	"github.com/runbook-dev/runbook/builtins"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// ParamDecl is one parameter a runbook declares with param(...) at its
// top level.
type ParamDecl struct {
	Name    string
	Type    string // see paramTypes
	Doc     string
	Example string         // a value for the simulated host and the docs
	Default starlark.Value // nil when the parameter is required
	Choices []string
	Pos     syntax.Position
}

// Required reports whether the parameter has no default.
func (d *ParamDecl) Required() bool { return d.Default == nil }

// Optional reports whether the parameter defaults to None (not given).
func (d *ParamDecl) Optional() bool { return d.Default == starlark.None }

// paramTypes lists the scalar types; "list" and "list:<scalar>" are
// lists of those (plain "list" is a list of str).
var paramTypes = map[string]string{
	"str":     "a string",
	"int":     "an integer",
	"bool":    "true or false",
	"ipv4":    "an IPv4 address such as 10.10.51.11",
	"netmask": "a dotted, contiguous netmask such as 255.255.255.0",
	"cidr":    "an IPv4 network such as 10.10.51.0/24",
	"ifname":  "a network device name of 1-15 letters, digits, '.', '-' or '_' (e.g. eth2)",
}

func validParamType(t string) bool {
	if elem, ok := strings.CutPrefix(t, "list:"); ok {
		_, ok := paramTypes[elem]
		return ok
	}
	if t == "list" {
		return true
	}
	_, ok := paramTypes[t]
	return ok
}

func elemType(t string) (string, bool) {
	if t == "list" {
		return "str", true
	}
	return strings.CutPrefix(t, "list:")
}

// Want describes, for messages, what a value of the parameter must be.
func (d *ParamDecl) Want() string {
	if len(d.Choices) > 0 {
		return "one of " + strings.Join(d.Choices, ", ")
	}
	if et, ok := elemType(d.Type); ok {
		return "a comma-separated list of distinct items, each " + paramTypes[et]
	}
	return paramTypes[d.Type]
}

// unpackParam reads the arguments of param(...), for the static scan and
// for the call at run time alike.
func unpackParam(fnName string, args starlark.Tuple, kwargs []starlark.Tuple) (*ParamDecl, error) {
	var (
		name, typ, doc = "", "str", ""
		def            starlark.Value
		choices        *starlark.List
		example        starlark.Value = starlark.None
	)
	if err := starlark.UnpackArgs(fnName, args, kwargs,
		"name", &name, "type?", &typ, "default?", &def, "doc?", &doc,
		"choices?", &choices, "example?", &example); err != nil {
		return nil, err
	}
	d := &ParamDecl{Name: name, Type: typ, Doc: doc, Default: def}
	if !validIdent(name) {
		return nil, fmt.Errorf("%s: name %q: want a lower-case identifier such as link_timeout", fnName, name)
	}
	if !validParamType(typ) {
		return nil, fmt.Errorf("%s %s: type %q: want one of str, int, bool, ipv4, netmask, cidr, ifname, list, list:<type>", fnName, name, typ)
	}
	if choices != nil {
		for i := range choices.Len() {
			s, ok := starlark.AsString(choices.Index(i))
			if !ok {
				return nil, fmt.Errorf("%s %s: choices[%d]: got %s, want str", fnName, name, i, choices.Index(i).Type())
			}
			d.Choices = append(d.Choices, s)
		}
	}
	if example != starlark.None {
		d.Example = ParamText(example)
	}
	if def != nil && def != starlark.None {
		v, err := d.fromJSON(starlarkToJSON(def))
		if err != nil {
			return nil, fmt.Errorf("%s %s: default: %v", fnName, name, err)
		}
		d.Default = v
	}
	return d, nil
}

func validIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || 'a' <= c && c <= 'z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// ParamText renders a value the way a user types it on the command line.
func ParamText(v starlark.Value) string {
	switch v := v.(type) {
	case starlark.String:
		return string(v)
	case starlark.Bool:
		if v {
			return "true"
		}
		return "false"
	case starlark.NoneType:
		return ""
	case *starlark.List:
		var parts []string
		for i := range v.Len() {
			parts = append(parts, ParamText(v.Index(i)))
		}
		return strings.Join(parts, ",")
	}
	return v.String()
}

// starlarkToJSON converts a parameter value to the JSON-shaped Go value
// that fromJSON reads (string, json.Number, bool, []any).
func starlarkToJSON(v starlark.Value) any {
	switch v := v.(type) {
	case starlark.NoneType:
		return nil
	case starlark.String:
		return string(v)
	case starlark.Int:
		return json.Number(v.String())
	case starlark.Bool:
		return bool(v)
	case *starlark.List:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = starlarkToJSON(v.Index(i))
		}
		return out
	case starlark.Tuple:
		out := make([]any, len(v))
		for i := range v {
			out[i] = starlarkToJSON(v[i])
		}
		return out
	}
	return v // reported as a wrong type
}

// badValue is a parameter value problem: the value is quoted by the
// caller, the message says what is wanted.
type badValue struct{ want string }

func (b *badValue) Error() string { return b.want }

// fromText parses a --param value.
func (d *ParamDecl) fromText(s string) (starlark.Value, error) {
	if s == "" && d.Optional() {
		return starlark.None, nil
	}
	if _, ok := elemType(d.Type); ok {
		items := []any{}
		if strings.TrimSpace(s) != "" {
			for _, it := range strings.Split(s, ",") {
				items = append(items, strings.TrimSpace(it))
			}
		}
		return d.fromJSON(items)
	}
	switch d.Type {
	case "int":
		if _, err := strconv.ParseInt(s, 10, 64); err != nil {
			return nil, &badValue{"want an integer"}
		}
		return d.fromJSON(json.Number(s))
	case "bool":
		switch strings.ToLower(s) {
		case "true", "yes", "1", "on":
			return starlark.True, nil
		case "false", "no", "0", "off":
			return starlark.False, nil
		}
		return nil, &badValue{"want true or false"}
	}
	return d.fromJSON(s)
}

// fromJSON checks a value from a params file (or a converted --param or
// default) and returns it as a Starlark value.
func (d *ParamDecl) fromJSON(v any) (starlark.Value, error) {
	if v == nil {
		if d.Optional() {
			return starlark.None, nil
		}
		return nil, &badValue{"want " + d.Want() + " (null is allowed only for a parameter whose default is None)"}
	}
	if et, ok := elemType(d.Type); ok {
		arr, ok := v.([]any)
		if !ok {
			if s, isStr := v.(string); isStr {
				return d.fromText(s)
			}
			return nil, &badValue{"want a list of strings"}
		}
		seen := map[string]bool{}
		items := make([]starlark.Value, 0, len(arr))
		for i, it := range arr {
			s, ok := it.(string)
			if !ok {
				return nil, &badValue{fmt.Sprintf("want a list of strings (item %d is not a string)", i+1)}
			}
			if err := checkScalar(et, s); err != nil {
				return nil, &badValue{fmt.Sprintf("%v (item %q)", err, s)}
			}
			if seen[s] {
				return nil, &badValue{fmt.Sprintf("want distinct items (%q is listed twice)", s)}
			}
			seen[s] = true
			items = append(items, starlark.String(s))
		}
		return starlark.NewList(items), nil
	}
	switch d.Type {
	case "int":
		var n json.Number
		switch x := v.(type) {
		case json.Number:
			n = x
		case float64:
			n = json.Number(strconv.FormatFloat(x, 'f', -1, 64))
		case string:
			return d.fromText(x)
		default:
			return nil, &badValue{"want an integer"}
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			return nil, &badValue{"want an integer"}
		}
		if err := d.checkChoice(strconv.FormatInt(i, 10)); err != nil {
			return nil, err
		}
		return starlark.MakeInt64(i), nil
	case "bool":
		switch x := v.(type) {
		case bool:
			return starlark.Bool(x), nil
		case string:
			return d.fromText(x)
		}
		return nil, &badValue{"want true or false"}
	}
	s, ok := v.(string)
	if !ok {
		return nil, &badValue{"want " + d.Want()}
	}
	if err := checkScalar(d.Type, s); err != nil {
		return nil, err
	}
	if err := d.checkChoice(s); err != nil {
		return nil, err
	}
	return starlark.String(s), nil
}

func (d *ParamDecl) checkChoice(s string) error {
	if len(d.Choices) == 0 {
		return nil
	}
	for _, c := range d.Choices {
		if c == s {
			return nil
		}
	}
	return &badValue{"want one of " + strings.Join(d.Choices, ", ")}
}

// checkScalar validates a string of a scalar type. Every type refuses
// control characters: a newline in a value would inject a line into the
// configuration files runbooks write.
func checkScalar(typ, s string) error {
	for _, c := range s {
		if c < 0x20 || c == 0x7f {
			return &badValue{"want a value without control characters (newline, NUL, tab...)"}
		}
	}
	switch typ {
	case "ipv4":
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is4() {
			return &badValue{"want an IPv4 address such as 10.10.51.11"}
		}
	case "netmask":
		if _, err := MaskBits(s); err != nil {
			return err
		}
	case "cidr":
		p, err := netip.ParsePrefix(s)
		if err != nil || !p.Addr().Is4() {
			return &badValue{"want an IPv4 network such as 10.10.51.0/24"}
		}
	case "ifname":
		if !builtins.ValidIfname(s) {
			return &badValue{"want " + paramTypes["ifname"]}
		}
	}
	return nil
}

// MaskBits returns the prefix length of a dotted, contiguous netmask.
func MaskBits(s string) (int, error) {
	if n, err := strconv.Atoi(strings.TrimPrefix(s, "/")); err == nil && n >= 0 && n <= 32 {
		return 0, &badValue{fmt.Sprintf("want a dotted netmask such as %s (for /%d)", dottedMask(n), n)}
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return 0, &badValue{"want a dotted netmask such as 255.255.255.0"}
	}
	b := a.As4()
	m := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	ones := 0
	for ones < 32 && m&(1<<(31-ones)) != 0 {
		ones++
	}
	if ones == 0 || m<<ones != 0 {
		return 0, &badValue{"want a contiguous netmask (ones then zeros) such as 255.255.255.0"}
	}
	return ones, nil
}

func dottedMask(n int) string {
	m := ^uint32(0) << (32 - n)
	if n == 0 {
		m = 0
	}
	return fmt.Sprintf("%d.%d.%d.%d", m>>24, m>>16&0xff, m>>8&0xff, m&0xff)
}

// ParamError lists every problem with the parameters of a run, one per
// line; nothing was run.
type ParamError struct {
	Runbook string
	Err     *multierror.Error
}

func (e *ParamError) Error() string { return e.Err.Error() }

// Unwrap returns the individual problems.
func (e *ParamError) Unwrap() []error { return e.Err.WrappedErrors() }

func linesFormat(errs []error) string {
	lines := make([]string, len(errs))
	for i, e := range errs {
		lines[i] = e.Error()
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// ParamValues are a run's resolved parameters, in declaration order.
type ParamValues struct {
	Names  []string
	Values starlark.StringDict
}

// JSON encodes the values as a JSON object in declaration order.
func (p *ParamValues) JSON() json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, n := range p.Names {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(n)
		v, _ := json.Marshal(starlarkToJSON(p.Values[n]))
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// ResolveParams checks the values given on the command line (flags,
// "name=value") and in a params file (a JSON object, may be nil) against
// the runbook's declarations and fills in defaults. Every problem is
// reported at once, in a *ParamError.
func ResolveParams(rb *Runbook, flags []string, file []byte) (*ParamValues, error) {
	var errs *multierror.Error
	bad := func(format string, a ...any) {
		errs = multierror.Append(errs, fmt.Errorf(rb.Name+": param "+format, a...))
	}
	decls := map[string]*ParamDecl{}
	var names []string
	for i := range rb.Params {
		d := &rb.Params[i]
		decls[d.Name] = d
		names = append(names, d.Name)
	}
	given := map[string]any{}
	text := map[string]bool{}
	if file != nil {
		dec := json.NewDecoder(bytes.NewReader(file))
		dec.UseNumber()
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			errs = multierror.Append(errs, fmt.Errorf("%s: params file: %v: want a JSON object such as {\"ip\": \"10.10.51.11\"}", rb.Name, err))
		}
		for k, v := range obj {
			given[k] = v
		}
	}
	for _, f := range flags {
		name, value, ok := strings.Cut(f, "=")
		if !ok {
			errs = multierror.Append(errs, fmt.Errorf("%s: --param %q: want NAME=VALUE", rb.Name, f))
			continue
		}
		given[name] = value
		text[name] = true
	}
	values := starlark.StringDict{}
	for name, v := range given {
		d, ok := decls[name]
		if !ok {
			hint := ""
			if near := nearest(name, names); near != "" {
				hint = fmt.Sprintf("; did you mean %s?", near)
			}
			shown := name
			if !validIdent(name) {
				shown = strconv.Quote(name)
			}
			bad("%s: unknown parameter%s (see: runbook show %s)", shown, hint, rb.Name)
			continue
		}
		var (
			val starlark.Value
			err error
		)
		if text[name] {
			val, err = d.fromText(v.(string))
		} else {
			val, err = d.fromJSON(v)
		}
		if err != nil {
			bad("%s: got %s, %v", name, quoteGot(v), err)
			continue
		}
		values[name] = val
	}
	for _, d := range rb.Params {
		if _, ok := values[d.Name]; ok {
			continue
		}
		if _, tried := given[d.Name]; tried {
			continue
		}
		if d.Required() {
			eg := d.Example
			if eg == "" {
				eg = "VALUE"
			}
			bad("%s: missing; want %s, e.g. --param %s=%s", d.Name, d.Want(), d.Name, eg)
			continue
		}
		values[d.Name] = d.Default
	}
	if errs != nil {
		errs.ErrorFormat = linesFormat
		return nil, &ParamError{Runbook: rb.Name, Err: errs}
	}
	return &ParamValues{Names: names, Values: values}, nil
}

func quoteGot(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case json.Number:
		return string(x) + " (a number)"
	case bool:
		return fmt.Sprintf("%t (a boolean)", x)
	case []any:
		b, _ := json.Marshal(x)
		return string(b) + " (a list)"
	case nil:
		return "null"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// nearest returns the candidate closest to s by edit distance, if close.
func nearest(s string, candidates []string) string {
	best, bestD := "", max(2, len(s)/3)+1
	for _, c := range candidates {
		d := editDistance(s, c)
		if len(s) >= 3 && strings.HasPrefix(c, s) {
			d = 1
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
