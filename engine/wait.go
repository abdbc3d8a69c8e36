package engine

import (
	"fmt"
	"math"
	"time"

	"github.com/runbook-dev/runbook/builtins"
	"go.starlark.net/starlark"
)

// kindWait is the step kind of a wait_until called outside a step.
const kindWait = "wait_until"

// maxWait bounds sleep and wait_until: a day, which no procedure on a
// host needs to exceed in one call, and far from time.Duration's limits.
const maxWait = 24 * time.Hour

// defaultInterval is how often wait_until calls fn unless told.
const defaultInterval = time.Second

// sleepBuiltin implements sleep(seconds): a pause, not a step. It is
// not journaled; a resume skips the sleeps of the part it replays (they
// happened before the steps after them started), and a dry run skips
// them all (nothing it would wait for has changed).
func (r *runner) sleepBuiltin(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var secs starlark.Value
	if err := starlark.UnpackArgs("sleep", args, kwargs, "seconds", &secs); err != nil {
		return nil, err
	}
	d, err := seconds("sleep", "seconds", secs, true)
	if err != nil {
		return nil, err
	}
	if r.dry || (r.cur == nil && r.replaying()) {
		return starlark.None, nil
	}
	return starlark.None, r.pause(d)
}

// waitUntilBuiltin implements wait_until(fn, timeout, interval=1,
// name=None): call fn until it returns a true value and return that
// value, or fail when timeout seconds pass first. Outside a step it is a
// step of its own, so a resume replays its recorded result without
// calling fn; inside a step it is part of that step.
func (r *runner) waitUntilBuiltin(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var (
		fn                starlark.Callable
		timeout, interval starlark.Value
		name              starlark.Value = starlark.None
	)
	if err := starlark.UnpackArgs("wait_until", args, kwargs, "fn", &fn, "timeout", &timeout, "interval?", &interval, "name?", &name); err != nil {
		return nil, err
	}
	w := &waiter{r: r, thread: thread, fn: fn, interval: defaultInterval}
	var err error
	if w.timeout, err = seconds("wait_until", "timeout", timeout, false); err != nil {
		return nil, err
	}
	if interval != nil {
		if w.interval, err = seconds("wait_until", "interval", interval, false); err != nil {
			return nil, err
		}
	}
	stepName := "wait until " + fn.Name()
	if name != starlark.None {
		s, ok := starlark.AsString(name)
		if !ok {
			return nil, fmt.Errorf("wait_until: name: got %s, want str", name.Type())
		}
		stepName = s
	}
	if r.cur != nil {
		return w.poll()
	}
	spec := stepSpec{name: stepName, kind: kindWait, call: builtins.DescribeCall("wait_until", args, kwargs), pos: callerPos(thread)}
	return r.runStep(spec, nil, nil, w.poll)
}

// waiter is one wait_until: fn, how long, how often.
type waiter struct {
	r        *runner
	thread   *starlark.Thread
	fn       starlark.Callable
	timeout  time.Duration
	interval time.Duration
}

// poll calls fn at once, then every interval, and once more at the
// deadline, until it returns a true value.
func (w *waiter) poll() (starlark.Value, error) {
	deadline := time.Now().Add(w.timeout)
	for calls := 1; ; calls++ {
		v, err := starlark.Call(w.thread, w.fn, nil, nil)
		if err != nil {
			return nil, err
		}
		if v.Truth() {
			return v, nil
		}
		if w.r.dry {
			// Waiting changes nothing: a note, not a change the dry run counts.
			w.r.e.Report.Note("  dry run: would wait up to %s (every %s) until %s returns a true value; it returned %s now", w.timeout, w.interval, w.fn.Name(), clip(v.String(), 80))
			return v, nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil, fmt.Errorf("wait_until: %s did not return a true value within %s (%s, every %s); it last returned %s; if the host is just slow, raise timeout=",
				w.fn.Name(), w.timeout, plural(calls, "call"), w.interval, clip(v.String(), 200))
		}
		if err := w.r.pause(min(w.interval, left)); err != nil {
			return nil, err
		}
	}
}

// pause waits for d, or until the run is interrupted (the signal's error).
func (r *runner) pause(d time.Duration) error {
	if d <= 0 {
		return r.ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-r.ctx.Done():
		return r.ctx.Err()
	}
}

// seconds reads a number of seconds (int or float) for fnName's arg.
func seconds(fnName, arg string, v starlark.Value, zeroOK bool) (time.Duration, error) {
	var f float64
	switch x := v.(type) {
	case starlark.Int:
		i, ok := x.Int64()
		if !ok {
			i = math.MaxInt64
		}
		f = float64(i)
	case starlark.Float:
		f = float64(x)
	default:
		return 0, fmt.Errorf("%s: %s: got %s, want a number of seconds", fnName, arg, v.Type())
	}
	lo := "more than 0"
	if zeroOK {
		lo = "from 0"
	}
	if math.IsNaN(f) || f < 0 || (f == 0 && !zeroOK) || f > maxWait.Seconds() {
		return 0, fmt.Errorf("%s: %s: got %s, want a number of seconds %s up to %d (a day)", fnName, arg, v.String(), lo, int(maxWait.Seconds()))
	}
	return time.Duration(f * float64(time.Second)), nil
}
