package builtins

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"

	"go.starlark.net/starlark"
)

// Env is what the host builtins of one run need; the engine builds it.
type Env struct {
	// Host is the machine the run acts on.
	Host Host
	// Xe and Ifup are the programs run by xe() and ifup().
	Xe, Ifup string
	// Environ holds KEY=VALUE entries added to every program's
	// environment (RUNBOOK_ROOT, RUNBOOK_STATE_DIR, PATH).
	Environ []string
	// CallTimeout bounds each program run unless the call gives timeout=.
	CallTimeout time.Duration
	// DryRun: read-only calls run, mutating ones are only reported.
	DryRun bool
	// Effects receives what the builtins do to the host.
	Effects Effects
	// Ctx is cancelled when the run is interrupted.
	Ctx context.Context
	// PollInterval is how often bonding_status(wait=) re-reads the file.
	PollInterval time.Duration
}

// Effects is how builtins report to the engine.
type Effects interface {
	// Changed records that the current step changed the host.
	Changed()
	// WouldRun reports, in a dry run, what a mutating call would do.
	WouldRun(what string)
	// Backup keeps the content a file had before the run replaced or
	// removed it (existed is false for a file that did not exist).
	Backup(name string, old []byte, mode fs.FileMode, existed bool) error
}

// Func is a host builtin: every call outside a step is journaled as a
// step of its own, so Describe must render the call deterministically.
type Func struct {
	Name string
	// Doc is the one-line signature and summary shown in references.
	Doc string
	// Call runs the builtin.
	Call func(env *Env, thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)
	// Describe renders a call for the journal and for messages, with
	// credentials redacted; nil uses the generic rendering.
	Describe func(args starlark.Tuple, kwargs []starlark.Tuple) string
}

// Funcs returns the host builtins, sorted by name.
func Funcs() []Func {
	fs := []Func{
		{Name: "xe", Call: xeBuiltin, Describe: describeXe,
			Doc: "xe(command, *args, minimal=False, check=True, timeout=None, **params)"},
		{Name: "run", Call: runBuiltin,
			Doc: "run(program, *args, check=True, read_only=False, timeout=None, stdin=None)"},
		{Name: "which", Call: whichBuiltin, Doc: "which(program) -> path or None"},
		{Name: "read_file", Call: readFileBuiltin, Doc: "read_file(path, default=<error>)"},
		{Name: "exists", Call: existsBuiltin, Doc: "exists(path) -> bool"},
		{Name: "file_write", Call: fileWriteBuiltin, Describe: describeFileWrite,
			Doc: "file_write(path, content, mode=0o644) -> changed"},
		{Name: "remove_file", Call: removeFileBuiltin, Doc: "remove_file(path) -> changed"},
		{Name: "symlink", Call: symlinkBuiltin, Doc: "symlink(target, path) -> changed"},
		{Name: "ifup", Call: ifupBuiltin, Doc: "ifup(device, timeout=None)"},
		{Name: "bonding_status", Call: bondingStatusBuiltin, Doc: "bonding_status(bond, wait=0)"},
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].Name < fs[j].Name })
	return fs
}

// Render renders a call of f for the journal and messages.
func (f *Func) Render(args starlark.Tuple, kwargs []starlark.Tuple) string {
	if f.Describe != nil {
		return f.Describe(args, kwargs)
	}
	return DescribeCall(f.Name, args, kwargs)
}

// DescribeCall renders name(args..., k=v...) with Starlark reprs.
func DescribeCall(name string, args starlark.Tuple, kwargs []starlark.Tuple) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('(')
	for i, a := range args {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.String())
	}
	for i, kv := range kwargs {
		if i > 0 || len(args) > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s=%s", kv[0].(starlark.String).GoString(), kv[1].String())
	}
	b.WriteByte(')')
	return b.String()
}

// ShortName is the step name of a builtin called outside a step: the
// builtin and its first string argument ("xe pif-forget", "ifup bond51").
func ShortName(name string, args starlark.Tuple) string {
	if len(args) > 0 {
		if s, ok := starlark.AsString(args[0]); ok && len(s) < 120 && !strings.ContainsAny(s, "\n\r") {
			return name + " " + s
		}
	}
	return name
}
