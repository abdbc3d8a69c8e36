package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/go-multierror"
	"github.com/runbook-dev/runbook/builtins"
	"github.com/runbook-dev/runbook/internal/netmask"
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
	"secret":  "a secret, given with --secret NAME=FILE or the environment variable RUNBOOK_SECRET_<NAME>",
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
	if !validParamType(typ) || typ == "list:secret" {
		return nil, fmt.Errorf("%s %s: type %q: want one of str, int, bool, ipv4, netmask, cidr, ifname, secret, list, list:<type>", fnName, name, typ)
	}
	if typ == "secret" && def != nil && def != starlark.None {
		return nil, fmt.Errorf("%s %s: a secret cannot have a default (the runbook's source is not secret); leave it required, or default = None", fnName, name)
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
	if !utf8.ValidString(s) {
		return &badValue{"want valid UTF-8 text (the value has bytes that are not UTF-8)"}
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029 {
			return &badValue{"want a value without control characters (newline, NUL, tab, C1 controls, U+2028/U+2029...)"}
		}
	}
	switch typ {
	case "ipv4":
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is4() {
			return &badValue{"want an IPv4 address such as 10.10.51.11"}
		}
	case "netmask":
		if _, err := maskBits(s); err != nil {
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

// maskBits checks a netmask parameter: dotted and contiguous, not
// 0.0.0.0, with a hint for a prefix length given instead.
func maskBits(s string) (int, error) {
	if n, err := strconv.Atoi(strings.TrimPrefix(s, "/")); err == nil && n >= 0 && n <= 32 {
		return 0, &badValue{fmt.Sprintf("want a dotted netmask such as %s (for /%d)", netmask.Dotted(n), n)}
	}
	ones, err := netmask.Bits(s)
	switch {
	case errors.Is(err, netmask.ErrNotDotted):
		return 0, &badValue{"want a dotted netmask such as 255.255.255.0"}
	case err != nil || ones == 0:
		return 0, &badValue{"want a contiguous netmask (ones then zeros) such as 255.255.255.0"}
	}
	return ones, nil
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
	// Secrets are the values of the secret parameters, by name; they are
	// never journaled.
	Secrets map[string]string
}

// SecretNames lists the secret parameters given, sorted.
func (p *ParamValues) SecretNames() []string {
	var names []string
	for n := range p.Secrets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// JSON encodes the values as a JSON object in declaration order, without
// the secrets.
func (p *ParamValues) JSON() json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	for _, n := range p.Names {
		if _, secret := p.Secrets[n]; secret {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
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
	return Resolve(rb, ParamInput{Flags: flags, File: file})
}

// ParamInput is where a run's parameter values come from.
type ParamInput struct {
	// Flags are the --param values, "name=value".
	Flags []string
	// File is a params file, a JSON object (nil if none).
	File []byte
	// Secrets are the values of secret parameters, by name (from
	// --secret NAME=FILE or RUNBOOK_SECRET_<NAME>).
	Secrets map[string]string
}

// SecretEnv is the environment variable that gives the secret parameter
// name.
func SecretEnv(name string) string { return "RUNBOOK_SECRET_" + strings.ToUpper(name) }

// Resolve checks the values of in against the runbook's declarations
// and fills in defaults. A secret parameter is taken only from
// in.Secrets: on the command line or in a file its value would be seen
// by others (ps, the shell's history). Every problem is reported at
// once, in a *ParamError.
func Resolve(rb *Runbook, in ParamInput) (*ParamValues, error) {
	flags, file := in.Flags, in.File
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
	secretRefused := func(name, where string) {
		bad("%s: a secret cannot be given %s, where others can read it (ps, shell history, the file): give it with --secret %s=FILE (a file only you can read) or the environment variable %s", name, where, name, SecretEnv(name))
	}
	if file != nil && !utf8.Valid(file) {
		i := 0
		for i < len(file) {
			r, n := utf8.DecodeRune(file[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		errs = multierror.Append(errs, fmt.Errorf("%s: params file: byte %d is not UTF-8: write the file in UTF-8", rb.Name, i+1))
		file = nil
	}
	if file != nil {
		dups, derr := duplicateKeys(file)
		for _, k := range dups {
			bad("%s: given twice in the params file; keep one", quoteName(k))
		}
		dec := json.NewDecoder(bytes.NewReader(file))
		dec.UseNumber()
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil || derr != nil {
			if err == nil {
				err = derr
			}
			errs = multierror.Append(errs, fmt.Errorf("%s: params file: %v: want a JSON object such as {\"ip\": \"10.10.51.11\"}", rb.Name, err))
		}
		for k, v := range obj {
			if d, ok := decls[k]; ok && d.Type == "secret" {
				secretRefused(k, "in a params file")
				given[k] = nil
				continue
			}
			given[k] = v
		}
	}
	for _, f := range flags {
		name, value, ok := strings.Cut(f, "=")
		if !ok {
			errs = multierror.Append(errs, fmt.Errorf("%s: --param %q: want NAME=VALUE", rb.Name, f))
			continue
		}
		if d, ok := decls[name]; ok && d.Type == "secret" {
			secretRefused(name, "with --param")
			given[name] = nil
			continue
		}
		given[name] = value
		text[name] = true
	}
	secrets := map[string]string{}
	for name, v := range in.Secrets {
		d, ok := decls[name]
		if !ok || d.Type != "secret" {
			what := "no such parameter"
			if ok {
				what = "not a secret parameter; give it with --param"
			}
			bad("%s: given as a secret (--secret or %s), but %s", quoteName(name), SecretEnv(name), what)
			continue
		}
		if _, tried := given[name]; tried {
			continue
		}
		if v == "" {
			bad("%s: the secret is empty", name)
			given[name] = nil
			continue
		}
		if err := checkScalar("secret", v); err != nil {
			bad("%s: the secret: %v", name, err)
			given[name] = nil
			continue
		}
		secrets[name] = v
	}
	values := starlark.StringDict{}
	for name, v := range secrets {
		values[name] = starlark.String(v)
	}
	for name, v := range given {
		if d, ok := decls[name]; ok && d.Type == "secret" {
			continue // refused above
		}
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
		if d.Required() && d.Type == "secret" {
			bad("%s: missing; want a secret: --secret %s=FILE (a file only you can read) or the environment variable %s", d.Name, d.Name, SecretEnv(d.Name))
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
	return &ParamValues{Names: names, Values: values, Secrets: secrets}, nil
}

func quoteName(name string) string {
	if validIdent(name) {
		return name
	}
	return strconv.Quote(name)
}

// duplicateKeys returns the keys a JSON object repeats (encoding/json
// would keep the last one silently).
func duplicateKeys(b []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	t, err := dec.Token()
	if err != nil || t != json.Delim('{') {
		return nil, err
	}
	seen := map[string]bool{}
	var dups []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return dups, err
		}
		k, _ := t.(string)
		if seen[k] && !slices.Contains(dups, k) {
			dups = append(dups, k)
		}
		seen[k] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return dups, err
		}
	}
	return dups, nil
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
