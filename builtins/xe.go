package builtins

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// ExecError is a program that ran and exited non-zero. Its message
// carries the (redacted) command line, the exit status and the
// program's stderr verbatim.
type ExecError struct {
	Argv   []string // redacted
	Code   int
	Stderr string
	Stdout string
}

func (e *ExecError) Error() string {
	msg := fmt.Sprintf("%s: exit status %d", ShellJoin(e.Argv), e.Code)
	out := strings.TrimRight(e.Stderr, "\n")
	if out == "" {
		out = strings.TrimRight(e.Stdout, "\n")
	}
	if out != "" {
		msg += ":\n" + out
	}
	return msg
}

// isReadCommand classifies xe commands by the rule the README states:
// the generated reads of every class (<class>-list, -param-get,
// -param-list) and help, and the commands of the CLI server's table
// (cli_frontend.ml) whose verb reports without acting: get-* (such as
// host-get-vms-which-prevent-evacuation, pool-get-cpu-features),
// compute-* (host-compute-free-memory, pool-ha-compute-...), cpu-info and
// data-source-query. host-get-system-status is the exception: it writes a
// status report into a file. Everything else is taken as mutating; a
// call can say otherwise with read_only=.
func isReadCommand(cmd string) bool {
	switch {
	case cmd == "help", strings.HasSuffix(cmd, "-list"),
		strings.HasSuffix(cmd, "-param-get"), strings.HasSuffix(cmd, "-param-list"):
		return true
	case cmd == "host-get-system-status":
		return false
	case strings.Contains(cmd, "-get-"), strings.Contains(cmd, "-compute-"),
		strings.HasSuffix(cmd, "-cpu-info"), strings.HasSuffix(cmd, "-data-source-query"):
		return true
	}
	return false
}

// IsReadCommand reports whether an xe command only reads.
func IsReadCommand(cmd string) bool { return isReadCommand(cmd) }

// returnsRecords reports whether the command prints xe records: the
// lists and param-lists, and host-get-vms-which-prevent-evacuation (one
// record per blocking VM: uuid, name-label, reason).
func returnsRecords(cmd string) bool {
	return strings.HasSuffix(cmd, "-list") || cmd == "host-get-vms-which-prevent-evacuation"
}

// Redact replaces the credentials in an xe argument list so that they
// never reach the journal, the status or a message: the values of the
// switches -pw and -pwf (xe's connection options), and of every
// key=value argument whose key is a credential (see isCredentialKey).
func Redact(argv []string) []string {
	out := make([]string, len(argv))
	copy(out, argv)
	cmd := xeCommand(argv)
	for i := 0; i < len(out); i++ {
		a := out[i]
		if a == "-pw" || a == "-pwf" {
			if i+1 < len(out) {
				out[i+1] = "<redacted>"
				i++
			}
			continue
		}
		if k, _, ok := strings.Cut(a, "="); ok && isCredentialKey(cmd, k) {
			out[i] = k + "=<redacted>"
		}
	}
	return out
}

// credentialValues returns the secret values of an xe argument list,
// for masking in what xe prints.
func credentialValues(argv []string) []string {
	var vals []string
	cmd := xeCommand(argv)
	for i, a := range argv {
		if (a == "-pw" || a == "-pwf") && i+1 < len(argv) && argv[i+1] != "" {
			vals = append(vals, argv[i+1])
		}
		if k, v, ok := strings.Cut(a, "="); ok && v != "" && isCredentialKey(cmd, k) {
			vals = append(vals, v)
		}
	}
	return vals
}

// xeCommand is the xe command of an argument list: the first word that
// is not a switch or its value, "" if none.
func xeCommand(argv []string) string {
	for i := 0; i < len(argv); i++ {
		a := argv[i]
		switch {
		case a == "-u" || a == "-pw" || a == "-pwf" || a == "-s" || a == "-h" || a == "-p":
			i++
		case strings.HasPrefix(a, "-") || strings.Contains(a, "="):
		case filepath.Base(a) == "xe":
		default:
			return a
		}
	}
	return ""
}

// isCredentialKey reports whether an xe parameter carries a secret:
// xe's own password= and passwordfile= (and -pw=/-pwf=), any parameter
// whose name (after the last ':' of a map key such as
// device-config:password) says password, passwd, secret or token
// (master-password, host-password, proxy-password, remote-password,
// wlb_password, xenserver_password, chappassword, ...), and the values
// of user-password-change (old=, new=) and secret-create (value=).
func isCredentialKey(cmd, key string) bool {
	k := strings.ToLower(key)
	if i := strings.LastIndexByte(k, ':'); i >= 0 {
		k = k[i+1:]
	}
	switch {
	case k == "-pw" || k == "-pwf" || k == "passwordfile" || k == "token":
		return true
	case strings.Contains(k, "password") || strings.Contains(k, "passwd") || strings.Contains(k, "secret"):
		return true
	case cmd == "user-password-change" && (k == "old" || k == "new"):
		return true
	case cmd == "secret-create" && k == "value":
		return true
	}
	return false
}

// maskValues replaces every occurrence of each value in s.
func maskValues(s string, vals []string) string {
	for _, v := range vals {
		if v != "" && strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, "<redacted>")
		}
	}
	return s
}

// ShellJoin renders argv for people (dry runs, status -v): words a
// shell would split are single-quoted. It is never run by a shell.
func ShellJoin(argv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		if a != "" && !strings.ContainsAny(a, " \t\n'\"\\$`;&|<>()*?[]{}!#~") {
			parts[i] = a
			continue
		}
		parts[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(parts, " ")
}

// xeArgs builds xe's argument list from a call: positional strings pass
// as they are, keyword params become key=value with '_' turned into '-'.
type xeCall struct {
	argv    []string // without the program
	minimal bool
	check   bool
	timeout time.Duration
	// readOnly is the caller's read_only=, nil when not given: the
	// command's classification decides.
	readOnly *bool
}

// read reports whether the call only reads: read_only= when given, else
// the command's classification.
func (c *xeCall) read() bool {
	if c.readOnly != nil {
		return *c.readOnly
	}
	return isReadCommand(c.argv[0])
}

func parseXeCall(args starlark.Tuple, kwargs []starlark.Tuple) (*xeCall, error) {
	c := &xeCall{check: true}
	if len(args) == 0 {
		return nil, errors.New("xe: missing command, e.g. xe(\"pif-list\", host_uuid=host)")
	}
	for i, a := range args {
		s, ok := starlark.AsString(a)
		if !ok {
			return nil, fmt.Errorf("xe: argument %d: got %s, want str (pass key=value as a keyword argument)", i+1, a.Type())
		}
		if i == 0 && (s == "" || strings.ContainsAny(s, "= \n")) {
			return nil, fmt.Errorf("xe: command %q: want an xe command such as \"pif-list\"", s)
		}
		if strings.ContainsRune(s, 0) {
			return nil, fmt.Errorf("xe: argument %d contains a NUL byte", i+1)
		}
		c.argv = append(c.argv, s)
	}
	for _, kv := range kwargs {
		k := string(kv[0].(starlark.String))
		v := kv[1]
		switch k {
		case "minimal":
			b, ok := v.(starlark.Bool)
			if !ok {
				return nil, fmt.Errorf("xe: minimal: got %s, want bool", v.Type())
			}
			c.minimal = bool(b)
			continue
		case "check":
			b, ok := v.(starlark.Bool)
			if !ok {
				return nil, fmt.Errorf("xe: check: got %s, want bool", v.Type())
			}
			c.check = bool(b)
			continue
		case "read_only":
			switch b := v.(type) {
			case starlark.NoneType:
			case starlark.Bool:
				ro := bool(b)
				c.readOnly = &ro
			default:
				return nil, fmt.Errorf("xe: read_only: got %s, want bool or None", v.Type())
			}
			continue
		case "timeout":
			d, err := durationArg("xe", v)
			if err != nil {
				return nil, err
			}
			c.timeout = d
			continue
		}
		val, err := xeValue(k, v)
		if err != nil {
			return nil, err
		}
		c.argv = append(c.argv, strings.ReplaceAll(k, "_", "-")+"="+val)
	}
	if c.minimal {
		c.argv = append(c.argv, "--minimal")
	}
	return c, nil
}

// xeValue renders a keyword value as xe expects it.
func xeValue(key string, v starlark.Value) (string, error) {
	switch v := v.(type) {
	case starlark.String:
		if strings.ContainsRune(string(v), 0) {
			return "", fmt.Errorf("xe: %s: value contains a NUL byte", key)
		}
		return string(v), nil
	case starlark.Bool:
		if v {
			return "true", nil
		}
		return "false", nil
	case starlark.Int:
		return v.String(), nil
	case *starlark.List, starlark.Tuple:
		var parts []string
		it := starlark.Iterate(v)
		defer it.Done()
		var x starlark.Value
		for it.Next(&x) {
			s, ok := starlark.AsString(x)
			if !ok {
				return "", fmt.Errorf("xe: %s: list item: got %s, want str", key, x.Type())
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ","), nil
	}
	return "", fmt.Errorf("xe: %s: got %s, want str, int, bool or list of str", key, v.Type())
}

func durationArg(fn string, v starlark.Value) (time.Duration, error) {
	switch v := v.(type) {
	case starlark.NoneType:
		return 0, nil
	case starlark.Int:
		n, ok := v.Int64()
		if !ok || n <= 0 {
			return 0, fmt.Errorf("%s: timeout: got %s, want a positive number of seconds", fn, v)
		}
		return time.Duration(n) * time.Second, nil
	case starlark.Float:
		if v <= 0 {
			return 0, fmt.Errorf("%s: timeout: got %s, want a positive number of seconds", fn, v)
		}
		return time.Duration(float64(v) * float64(time.Second)), nil
	}
	return 0, fmt.Errorf("%s: timeout: got %s, want seconds (int or float)", fn, v.Type())
}

// describeXe renders an xe call for the journal, credentials redacted.
func describeXe(args starlark.Tuple, kwargs []starlark.Tuple) string {
	c, err := parseXeCall(args, kwargs)
	if err != nil {
		return DescribeCall("xe", args, kwargs)
	}
	s := "xe " + ShellJoin(Redact(c.argv))
	if !c.check {
		s += " (check=False)"
	}
	if c.readOnly != nil {
		s += fmt.Sprintf(" (read_only=%s)", starlark.Bool(*c.readOnly))
	}
	return s
}

func resultStruct(code int, stdout, stderr string) starlark.Value {
	return starlarkstruct.FromStringDict(starlarkstruct.Default, starlark.StringDict{
		"code":   starlark.MakeInt(code),
		"stdout": starlark.String(stdout),
		"stderr": starlark.String(stderr),
	})
}

func (env *Env) timeout(d time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return env.CallTimeout
}

// xeBuiltin implements xe(command, *args, minimal=False, check=True,
// read_only=None, timeout=None, **params).
func xeBuiltin(env *Env, thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	c, err := parseXeCall(args, kwargs)
	if err != nil {
		return nil, err
	}
	command := c.argv[0]
	read := c.read()
	shown := append([]string{"xe"}, Redact(c.argv)...)
	if env.DryRun && !read {
		env.would(Would{Kind: "exec", Argv: append([]string{env.Xe}, shown[1:]...), Text: ShellJoin(shown), Changes: env.xeChanges(c.argv), Placeholder: c.check && !c.minimal})
		switch {
		case !c.check:
			return resultStruct(0, "", ""), nil
		case c.minimal:
			return starlark.NewList(nil), nil
		}
		return placeholder(), nil
	}
	env.waiting(xeWaiting(shown))
	res, err := env.Host.Exec(env.Ctx, Command{Path: env.Xe, Args: c.argv, Env: env.Environ, Timeout: env.timeout(c.timeout)})
	env.waiting("")
	if errors.Is(err, exec.ErrNotFound) {
		return nil, &notFoundError{fmt.Sprintf("%s: the xe program %q was not found (PATH, /opt/xensource/bin): run on a XenServer / XCP-ng dom0, or point --xe (RUNBOOK_XE) at it", ShellJoin(shown), env.Xe)}
	}
	if err != nil {
		return nil, cutOff(env, shown, !read, err)
	}
	creds := credentialValues(c.argv)
	stdout, stderr := maskValues(string(res.Stdout), creds), maskValues(string(res.Stderr), creds)
	if res.ExitCode == 0 && !read {
		env.Effects.Changed()
	}
	if res.Overflow {
		return nil, overflowError(shown)
	}
	if !c.check {
		return resultStruct(res.ExitCode, stdout, stderr), nil
	}
	if res.ExitCode != 0 {
		return nil, &ExecError{Argv: shown, Code: res.ExitCode, Stderr: stderr, Stdout: stdout}
	}
	switch {
	case c.minimal:
		return MinimalValue(ParseMinimal(stdout)), nil
	case returnsRecords(command):
		recs, err := ParseRecords(stdout)
		if err != nil {
			return nil, fmt.Errorf("%s: output: %v", ShellJoin(shown), err)
		}
		return RecordsValue(recs), nil
	}
	return starlark.String(strings.TrimSpace(stdout)), nil
}

// xeWaiting says what a slow xe call waits for, for the step's
// progress: "evacuating host UUID" for host-evacuate, else the call
// (credentials redacted), cut to a line.
func xeWaiting(shown []string) string {
	if len(shown) > 1 && shown[1] == "host-evacuate" {
		for _, a := range shown[2:] {
			if k, v, ok := strings.Cut(a, "="); ok && (k == "uuid" || k == "host" || k == "name-label") {
				return "evacuating host " + v
			}
		}
		return "evacuating the host"
	}
	text := ShellJoin(shown)
	if len(text) > 100 {
		text = text[:97] + "..."
	}
	return "waiting for " + text
}

// cutOff reports a program that could not finish. A mutating one that
// was started and cut off may have acted: its step is in doubt.
func cutOff(env *Env, shown []string, mutating bool, err error) error {
	if mutating && errors.Is(err, ErrCutOff) && env.Ctx.Err() == nil {
		what := ShellJoin(shown)
		env.Effects.InDoubt(what)
		return fmt.Errorf("%s: %v\nin doubt: it was cut off after it started, so the host may have changed; check what it did, then resume or abort the run", what, err)
	}
	return fmt.Errorf("%s: %v", ShellJoin(shown), err)
}

// overflowError is a program whose output went over MaxOutput.
func overflowError(shown []string) error {
	return fmt.Errorf("%s: wrote more than %d MiB to stdout or stderr, more than a runbook may read: narrow the read (for xe, params= and filters such as host-uuid=)", ShellJoin(shown), MaxOutput>>20)
}
