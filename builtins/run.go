package builtins

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"go.starlark.net/starlark"
)

// describeRun renders a run() call for the journal, credentials redacted
// as for xe (run("xe", ...) is an xe call too).
func describeRun(args starlark.Tuple, kwargs []starlark.Tuple) string {
	red := make(starlark.Tuple, len(args))
	var strs []string
	for _, a := range args {
		s, ok := starlark.AsString(a)
		if !ok {
			return DescribeCall("run", args, kwargs)
		}
		strs = append(strs, s)
	}
	for i, s := range Redact(strs) {
		red[i] = starlark.String(s)
	}
	// stdin is often a secret (a password on standard input): the
	// journal keeps only its size.
	kw := make([]starlark.Tuple, len(kwargs))
	for i, kv := range kwargs {
		kw[i] = kv
		if s, ok := starlark.AsString(kv[1]); ok && string(kv[0].(starlark.String)) == "stdin" {
			kw[i] = starlark.Tuple{kv[0], starlark.String(fmt.Sprintf("<%d bytes>", len(s)))}
		}
	}
	return DescribeCall("run", red, kw)
}

// runBuiltin implements run(program, *args, check=True, read_only=False,
// timeout=None, stdin=None): exec a program with an argument list, never
// through a shell.
func runBuiltin(env *Env, thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) == 0 {
		return nil, errors.New("run: missing program, e.g. run(\"xe-switch-network-backend\", \"bridge\")")
	}
	var argv []string
	for i, a := range args {
		s, ok := starlark.AsString(a)
		if !ok {
			return nil, fmt.Errorf("run: argument %d: got %s, want str", i+1, a.Type())
		}
		if strings.ContainsRune(s, 0) {
			return nil, fmt.Errorf("run: argument %d contains a NUL byte", i+1)
		}
		argv = append(argv, s)
	}
	if argv[0] == "" {
		return nil, errors.New("run: empty program name")
	}
	check, readOnly := true, false
	var timeout time.Duration
	var stdin []byte
	for _, kv := range kwargs {
		k, v := string(kv[0].(starlark.String)), kv[1]
		switch k {
		case "check", "read_only":
			b, ok := v.(starlark.Bool)
			if !ok {
				return nil, fmt.Errorf("run: %s: got %s, want bool", k, v.Type())
			}
			if k == "check" {
				check = bool(b)
			} else {
				readOnly = bool(b)
			}
		case "timeout":
			d, err := durationArg("run", v)
			if err != nil {
				return nil, err
			}
			timeout = d
		case "stdin":
			if v == starlark.None {
				continue
			}
			s, ok := starlark.AsString(v)
			if !ok {
				return nil, fmt.Errorf("run: stdin: got %s, want str", v.Type())
			}
			stdin = []byte(s)
		default:
			return nil, fmt.Errorf("run: unexpected keyword argument %s (arguments of the program are positional strings)", k)
		}
	}
	shown := Redact(argv)
	if env.DryRun && !readOnly {
		env.would(Would{Kind: "exec", Argv: shown, Text: ShellJoin(shown), Placeholder: check})
		if !check {
			return resultStruct(0, "", ""), nil
		}
		return placeholder(), nil
	}
	res, err := env.Host.Exec(env.Ctx, Command{Path: argv[0], Args: argv[1:], Env: env.Environ, Stdin: stdin, Timeout: env.timeout(timeout)})
	if errors.Is(err, exec.ErrNotFound) && !strings.Contains(argv[0], "/") {
		return nil, &notFoundError{fmt.Sprintf("%s: program %q not found (looked next to xe, in PATH, /opt/xensource/bin, /usr/sbin, /sbin, /usr/bin and /bin); check which(%q) first if it is optional", ShellJoin(Redact(argv)), argv[0], argv[0])}
	}
	if err != nil {
		return nil, cutOff(env, shown, !readOnly, err)
	}
	creds := credentialValues(argv)
	res.Stdout, res.Stderr = []byte(maskValues(string(res.Stdout), creds)), []byte(maskValues(string(res.Stderr), creds))
	if res.ExitCode == 0 && !readOnly {
		env.Effects.Changed()
	}
	if res.Overflow {
		return nil, overflowError(shown)
	}
	if !check {
		return resultStruct(res.ExitCode, string(res.Stdout), string(res.Stderr)), nil
	}
	if res.ExitCode != 0 {
		return nil, &ExecError{Argv: shown, Code: res.ExitCode, Stderr: string(res.Stderr), Stdout: string(res.Stdout)}
	}
	return starlark.String(strings.TrimSpace(string(res.Stdout))), nil
}

// whichBuiltin implements which(program): its path, or None.
func whichBuiltin(env *Env, thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	if err := starlark.UnpackPositionalArgs("which", args, kwargs, 1, &name); err != nil {
		return nil, err
	}
	p, err := env.Host.LookPath(name)
	if err != nil {
		return starlark.None, nil
	}
	return starlark.String(p), nil
}

// ifupBuiltin implements ifup(device): exec the ifup program; a failure
// carries its output.
func ifupBuiltin(env *Env, thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var device string
	var tv starlark.Value = starlark.None
	if err := starlark.UnpackArgs("ifup", args, kwargs, "device", &device, "timeout?", &tv); err != nil {
		return nil, err
	}
	if !ValidIfname(device) {
		return nil, fmt.Errorf("ifup: device %q: want a network device name such as bond51", device)
	}
	timeout, err := durationArg("ifup", tv)
	if err != nil {
		return nil, err
	}
	argv := []string{env.Ifup, device}
	if env.DryRun {
		env.would(Would{Kind: "exec", Argv: argv, Text: ShellJoin(argv)})
		return starlark.None, nil
	}
	res, err := env.Host.Exec(env.Ctx, Command{Path: env.Ifup, Args: []string{device}, Env: env.Environ, Timeout: env.timeout(timeout)})
	if err != nil {
		return nil, cutOff(env, argv, true, err)
	}
	if res.ExitCode != 0 {
		out := strings.TrimRight(string(res.Stdout)+string(res.Stderr), "\n")
		return nil, &ExecError{Argv: argv, Code: res.ExitCode, Stderr: out}
	}
	env.Effects.Changed()
	return starlark.None, nil
}
