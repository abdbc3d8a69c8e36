package journal

import (
	"errors"
	"fmt"
	"strings"
)

// recordSchema is what a record type may and must carry in a version.
type recordSchema struct {
	allowed, required uint64
}

func mask(keys ...string) uint64 {
	var m uint64
	for _, k := range keys {
		i, ok := fieldIndex[k]
		if !ok {
			panic("journal: schema names unknown field " + k)
		}
		m |= 1 << i
	}
	return m
}

// schemas[v][type] lists the fields of each record type of version v.
// A new version copies the last one and adds to it.
var schemas = func() map[int]map[string]recordSchema {
	v1 := map[string]recordSchema{
		RecSession:     {mask("type", "time", "pid", "boot_id", "mode"), mask("type", "mode")},
		RecStarted:     {mask("type", "time", "seq", "name", "kind", "call", "key", "pos", "attempt"), mask("type", "seq", "name", "kind", "key", "attempt")},
		RecCompleted:   {mask("type", "time", "seq", "status", "changed", "result"), mask("type", "seq")},
		RecFailed:      {mask("type", "time", "seq", "changed", "error"), mask("type", "seq")},
		RecReboot:      {mask("type", "time", "seq", "boot_id", "reason", "attempt"), mask("type", "seq", "attempt")},
		RecPrint:       {mask("type", "time", "seq", "msg", "kind"), mask("type")},
		RecBackup:      {mask("type", "time", "seq", "path", "file", "existed"), mask("type", "path")},
		RecInterrupted: {mask("type", "time", "signal"), mask("type", "signal")},
		RecXapi:        {mask("type", "time", "boot_id"), mask("type")},
		RecEnd:         {mask("type", "time", "state", "status", "error", "changed"), mask("type", "state")},
	}
	v2 := map[string]recordSchema{}
	for k, s := range v1 {
		v2[k] = s
	}
	v2[RecFailed] = recordSchema{v1[RecFailed].allowed | mask("in_doubt"), v1[RecFailed].required}
	// A child is journaled twice: before it starts (its key, the token in
	// its environment) and once it runs (its pid and start time).
	v2[RecChild] = recordSchema{mask("type", "time", "seq", "key", "boot_id", "pid", "ticks", "prog"), mask("type", "key")}

	v3 := map[string]recordSchema{}
	for k, s := range v2 {
		v3[k] = s
	}
	// Program calls (the header's "version" is checked in decodeHeader):
	// a call record follows the child records of a program once it has
	// ended: its argv (credentials redacted), its exit status or the
	// error that cut it off, its duration and the first bytes of its
	// output; "truncated" says something was cut.
	v3[RecCall] = recordSchema{mask("type", "time", "seq", "argv", "exit", "ms", "stdout", "stderr", "truncated", "error"), mask("type", "argv")}
	// resume --reload: the runbook pinned again from its origin, between
	// steps. path is the directory the previous pin is kept in
	// ("pinned.1", ...); files the new pin, as the header's files.
	v3[RecRepin] = recordSchema{mask("type", "time", "path", "files"), mask("type", "path", "files")}
	return map[int]map[string]recordSchema{1: v1, 2: v2, 3: v3}
}()

// checkSchema checks a record's fields and values against its version.
func checkSchema(v int, r *Record, seen uint64) error {
	s, ok := schemas[v][r.Type]
	if !ok {
		return fmt.Errorf("unknown record type %q in format version %d", r.Type, v)
	}
	if extra := seen &^ s.allowed; extra != 0 {
		return fmt.Errorf("%s record: field %s not in format version %d", r.Type, fieldNames(extra), v)
	}
	if missing := s.required &^ seen; missing != 0 {
		return fmt.Errorf("%s record: missing %s", r.Type, fieldNames(missing))
	}
	bad := func(field, value string, want ...string) error {
		for _, w := range want {
			if value == w {
				return nil
			}
		}
		return fmt.Errorf("%s record: %s %q: want one of %q", r.Type, field, value, want)
	}
	switch r.Type {
	case RecSession:
		return bad("mode", r.Mode, "run", "resume")
	case RecStarted:
		if len(r.Key) != 24 || strings.Trim(r.Key, "0123456789abcdef") != "" {
			return fmt.Errorf("started record: key %q is not 24 hex digits", r.Key)
		}
	case RecCompleted:
		return bad("status", r.Status, "", "ok", "changed", "rebooted")
	case RecPrint:
		return bad("kind", r.Kind, "", "warning")
	case RecCall:
		// Ran to its end (an exit status) or not (an error): one of them.
		if hasExit := seen&mask("exit") != 0; hasExit == (r.Error != "") {
			return errors.New("call record: want an exit status or an error, one of them")
		}
	case RecEnd:
		if err := bad("state", r.State, "succeeded", "failed", "aborted"); err != nil {
			return err
		}
		return bad("status", r.Status, "", "refused")
	}
	return nil
}

func fieldNames(m uint64) string {
	var names []string
	for i, f := range fields {
		if m&(1<<i) != 0 {
			names = append(names, f)
		}
	}
	return strings.Join(names, ", ")
}

// validator checks the order of steps across records: step numbers are
// contiguous, a step is started again only while it is unfinished (the
// same step, the next attempt), and what happens in a step happens
// between its start and its end.
type validator struct {
	n        int    // the last step started
	open     bool   // step n is started and not yet completed or failed
	done     bool   // step n completed
	attempts int    // starts of step n
	key      string // of step n
	// repinned: a repin came after step n stopped unfinished, so its
	// next attempt may be another step (the fixed one).
	repinned bool
}

func (v *validator) check(r *Record) error {
	inStep := func() error {
		if r.Seq == 0 || (r.Seq == v.n && v.open) {
			return nil
		}
		return fmt.Errorf("%s record for step %d, but %s", r.Type, r.Seq, v.where())
	}
	switch r.Type {
	case RecStarted:
		switch {
		case r.Seq == v.n+1 && (v.n == 0 || v.done):
			if r.Attempt != 1 {
				return fmt.Errorf("started record: step %d starts with attempt %d, want 1", r.Seq, r.Attempt)
			}
			v.n, v.attempts, v.key = r.Seq, 0, r.Key
		case r.Seq == v.n && !v.done && v.n > 0:
			if r.Key != v.key && !v.repinned {
				return fmt.Errorf("started record: step %d starts again as another step (key %s, was %s)", r.Seq, r.Key, v.key)
			}
		default:
			return fmt.Errorf("started record for step %d, but %s", r.Seq, v.where())
		}
		if r.Attempt != v.attempts+1 {
			return fmt.Errorf("started record: step %d attempt %d, want %d", r.Seq, r.Attempt, v.attempts+1)
		}
		v.attempts++
		v.open, v.done, v.repinned = true, false, false
		v.key = r.Key
	case RecCompleted, RecFailed:
		if r.Seq != v.n || !v.open {
			return fmt.Errorf("%s record for step %d, but %s", r.Type, r.Seq, v.where())
		}
		v.open, v.done = false, r.Type == RecCompleted
	case RecReboot:
		if r.Seq != v.n || !v.open {
			return fmt.Errorf("reboot record for step %d, but %s", r.Seq, v.where())
		}
	case RecPrint, RecBackup, RecChild, RecCall:
		return inStep()
	case RecRepin:
		// Written by a resume before its first live action: step n, if
		// unfinished, was cut short or failed by an earlier process.
		v.repinned = !v.done && v.n > 0
	}
	return nil
}

func (v *validator) where() string {
	switch {
	case v.n == 0:
		return "no step has started"
	case v.open:
		return fmt.Sprintf("step %d is in progress", v.n)
	case v.done:
		return fmt.Sprintf("the last step, %d, completed", v.n)
	}
	return fmt.Sprintf("the last step, %d, failed", v.n)
}
