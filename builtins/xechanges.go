package builtins

import (
	"fmt"
	"strings"
)

// What a dry run shows of an xe call that sets fields: each field's
// current value, read by a real read-only xe call, and the new one
// (`other-config:x: "a" -> "b"`). A read that fails leaves the new value
// only; nothing is ever read for a credential.

// Change is one field an xe call would set, for the dry run.
type Change struct {
	// Field is the field as the call names it: "MTU",
	// "other-config:x" (a key of a map field), "mode" and "IP" of
	// pif-reconfigure-ip.
	Field string `json:"field"`
	// Current is the value the dry run read; null when the field (a
	// map key) is not set, or when the read could not tell (Known is
	// then false).
	Current *string `json:"current"`
	// New is the value the call would set; null when it removes it.
	New *string `json:"new"`
	// Known says the read could tell the current value.
	Known bool `json:"known"`
}

// text renders the change for the human dry run.
func (c Change) text() string {
	show := func(v *string, none string) string {
		if v == nil {
			return none
		}
		return fmt.Sprintf("%q", *v)
	}
	newText := show(c.New, "(removed)")
	switch {
	case !c.Known:
		return c.Field + ": " + newText + " (the current value could not be read)"
	case c.Current != nil && c.New != nil && *c.Current == *c.New:
		return c.Field + ": " + newText + " (unchanged)"
	}
	return c.Field + ": " + show(c.Current, "(not set)") + " -> " + newText
}

// Lines is what the human dry run prints for the action: Text, then one
// indented line per change.
func (w Would) Lines() string {
	s := w.Text
	for _, c := range w.Changes {
		s += "\n  " + c.text()
	}
	return s
}

// xeArgs splits an xe argument list (without the command) into its
// key=value pairs, in order; switches and bare words are left out.
func xeArgs(argv []string) (pairs [][2]string) {
	for _, a := range argv {
		if strings.HasPrefix(a, "-") {
			continue
		}
		if k, v, ok := strings.Cut(a, "="); ok {
			pairs = append(pairs, [2]string{k, v})
		}
	}
	return pairs
}

func argValue(pairs [][2]string, key string) (string, bool) {
	for _, p := range pairs {
		if p[0] == key {
			return p[1], true
		}
	}
	return "", false
}

// pifIPFields are pif-reconfigure-ip's arguments and the pif-list
// fields that hold them.
var pifIPFields = [][2]string{{"mode", "IP-configuration-mode"}, {"IP", "IP"}, {"netmask", "netmask"}, {"gateway", "gateway"}, {"DNS", "DNS"}}

// xeChanges reads, for a dry run, the current values of the fields a
// mutating xe call would set: CLASS-param-set, the map keys of
// CLASS-param-add and the key of CLASS-param-remove (as
// CLASS-param-get), and pif-reconfigure-ip (one pif-list). Other
// commands have none.
func (env *Env) xeChanges(argv []string) []Change {
	cmd := argv[0]
	pairs := xeArgs(argv[1:])
	uuid, ok := argValue(pairs, "uuid")
	if !ok || uuid == "" {
		return nil
	}
	strp := func(s string) *string { return &s }
	var out []Change
	switch {
	case cmd == "pif-reconfigure-ip":
		var given [][2]string
		var params []string
		for _, f := range pifIPFields {
			if _, ok := argValue(pairs, f[0]); ok {
				given = append(given, f)
				params = append(params, f[1])
			}
		}
		if len(given) == 0 {
			return nil
		}
		cur, err := env.readXe("pif-list", "uuid="+uuid, "params="+strings.Join(params, ","))
		var rec Record
		if err == nil {
			recs, perr := ParseRecords(cur)
			if perr == nil && len(recs) == 1 {
				rec = recs[0]
			}
		}
		for _, f := range given {
			v, _ := argValue(pairs, f[0])
			c := Change{Field: f[0], New: strp(v)}
			for _, fl := range rec {
				if fl.Name == f[1] {
					c.Current, c.Known = strp(fl.Value), true
					if f[0] == "mode" && strings.EqualFold(fl.Value, v) {
						// xapi shows Static for mode=static.
						c.Current = strp(v)
					}
				}
			}
			out = append(out, c)
		}
	case strings.HasSuffix(cmd, "-param-set"):
		class := strings.TrimSuffix(cmd, "-param-set")
		for _, p := range pairs {
			if p[0] == "uuid" || isCredentialKey(cmd, p[0]) {
				continue
			}
			out = append(out, env.readField(class, uuid, p[0], strp(p[1])))
		}
	case strings.HasSuffix(cmd, "-param-add"):
		class := strings.TrimSuffix(cmd, "-param-add")
		name, ok := argValue(pairs, "param-name")
		if !ok || isCredentialKey(cmd, name) {
			return nil
		}
		for _, p := range pairs {
			if p[0] == "uuid" || p[0] == "param-name" || p[0] == "param-key" || isCredentialKey(cmd, p[0]) {
				continue
			}
			out = append(out, env.readField(class, uuid, name+":"+p[0], strp(p[1])))
		}
	case strings.HasSuffix(cmd, "-param-remove"):
		class := strings.TrimSuffix(cmd, "-param-remove")
		name, ok1 := argValue(pairs, "param-name")
		key, ok2 := argValue(pairs, "param-key")
		if !ok1 || !ok2 || isCredentialKey(cmd, name) || isCredentialKey(cmd, key) {
			return nil
		}
		out = append(out, env.readField(class, uuid, name+":"+key, nil))
	}
	return out
}

// readField reads one field (NAME, or NAME:KEY for a key of a map) with
// CLASS-param-get, for the change to newValue.
func (env *Env) readField(class, uuid, field string, newValue *string) Change {
	c := Change{Field: field, New: newValue}
	args := []string{class + "-param-get", "uuid=" + uuid}
	name, key, isKey := strings.Cut(field, ":")
	args = append(args, "param-name="+name)
	if isKey {
		args = append(args, "param-key="+key)
	}
	cur, err := env.readXe(args...)
	switch {
	case err == nil:
		c.Current, c.Known = &cur, true
	case isKey && strings.Contains(err.Error(), "not found in map"):
		// xe's answer for a key the map does not have.
		c.Known = true
	}
	return c
}

// readXe runs a read-only xe call for the dry run and returns its
// output without the final line ending; a non-zero exit is an error
// carrying xe's message.
func (env *Env) readXe(args ...string) (string, error) {
	res, err := env.Host.Exec(env.Ctx, Command{Path: env.Xe, Args: args, Env: env.Environ, Timeout: env.timeout(0)})
	if err != nil {
		return "", err
	}
	if res.ExitCode != 0 {
		return "", &ExecError{Argv: append([]string{"xe"}, args...), Code: res.ExitCode, Stderr: string(res.Stderr), Stdout: string(res.Stdout)}
	}
	if res.Overflow {
		return "", overflowError(append([]string{"xe"}, args...))
	}
	return strings.TrimRight(string(res.Stdout), "\r\n"), nil
}
