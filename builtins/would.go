package builtins

import "go.starlark.net/starlark"

// Placeholder is what a mutating call that a dry run did not run returns
// in place of its output (with check=True and without minimal=True). The
// engine recognises it when it reaches a later call: that call's step is
// skipped rather than shown with a value nobody knows.
const Placeholder = "<dry-run>"

// Would is one mutating action that a dry run did not perform, as data:
// what `runbook run --dry-run --json` reports and what fleet tools (the
// Ansible collection's check and diff modes) show. Credentials are
// redacted from Argv and Text as everywhere else.
type Would struct {
	// Kind is what the action is: "exec" (a program: xe, run, ifup),
	// "write" (a file's content, with Diff), "chmod" (a file's mode
	// only), "remove", "symlink" or "reboot".
	Kind string `json:"kind"`
	// Argv is the program and its arguments, for "exec": the program as
	// it would be exec'd (the --xe or --ifup path for xe and ifup).
	Argv []string `json:"argv,omitempty"`
	// Path is the host path of a file action (the link for "symlink").
	Path string `json:"path,omitempty"`
	// Mode is the file mode a write or chmod would set, in octal
	// ("0644").
	Mode string `json:"mode,omitempty"`
	// Existed tells whether the file of a write existed before.
	Existed bool `json:"existed,omitempty"`
	// Diff is the unified diff of a write, from the old content (or
	// /dev/null) to the new.
	Diff string `json:"diff,omitempty"`
	// Target is what a symlink would point to.
	Target string `json:"target,omitempty"`
	// Reason is why a reboot would happen.
	Reason string `json:"reason,omitempty"`
	// Text is the line the human dry run prints for the action.
	Text string `json:"text"`
	// Changes are, for an exec of xe that sets fields (param-set,
	// param-add, param-remove, pif-reconfigure-ip), each field's current
	// value as a read in the dry run tells it, and the new one.
	Changes []Change `json:"changes,omitempty"`
	// Placeholder says the call returned Placeholder to the runbook in
	// place of its output, for the engine; not in the JSON.
	Placeholder bool `json:"-"`
}

// WouldRecorder is implemented by Effects that keep the actions of a dry
// run as data. Effects without it only get WouldRun(Text).
type WouldRecorder interface {
	WouldDo(w Would)
}

// would reports a mutating action a dry run skips.
func (env *Env) would(w Would) {
	if rec, ok := env.Effects.(WouldRecorder); ok {
		rec.WouldDo(w)
		return
	}
	env.Effects.WouldRun(w.Lines())
}

// placeholder is the value a skipped mutating call returns.
func placeholder() starlark.Value { return starlark.String(Placeholder) }
