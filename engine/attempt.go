package engine

import "go.starlark.net/starlark"

// attemptBuiltin implements attempt(): which attempt of the step in
// progress this is, 1 the first time; 2 and more when the step runs again
// because an earlier process was cut short in it (a crash, a signal, a
// reboot it did not survive) or because it failed and the run was
// resumed. A step can trust what an earlier step read about the host on
// its first attempt; on a later one the host may already hold part of
// its own work, so it reads again before it acts.
func (r *runner) attemptBuiltin(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs("attempt", args, kwargs, 0); err != nil {
		return nil, err
	}
	if r.cur == nil {
		return nil, misuse("attempt: called outside a step: it tells a step function whether it runs for the first time; call it inside the function given to step()")
	}
	return starlark.MakeInt(r.cur.attempt), nil
}
