package journal

import "strconv"

// fields lists the record keys in the order appendRecord writes them; the
// decoder accepts them in this order only, so every line has one
// spelling and a checksum over its bytes means one thing.
var fields = []string{"type", "time", "seq", "name", "kind", "call", "key", "pos", "attempt",
	"status", "changed", "in_doubt", "result", "error", "boot_id", "reason", "msg", "path",
	"file", "existed", "signal", "state", "pid", "ticks", "prog", "mode",
	// v3: call records
	"argv", "exit", "ms", "stdout", "stderr", "truncated",
	// v3: repin records
	"files"}

// fieldIndex maps a key to its place in fields.
var fieldIndex = func() map[string]int {
	m := make(map[string]int, len(fields))
	for i, f := range fields {
		m[f] = i
	}
	return m
}()

// appendRecord encodes r as the body of one JSON line, without its
// closing brace: the writer adds the checksum (v2) or the brace (v1).
// It runs twice per step, so it is written out without reflection.
func appendRecord(b []byte, r *Record) []byte {
	b = append(b, `{"type":`...)
	b = appendJSONString(b, r.Type)
	str := func(key, v string) {
		if v != "" {
			b = append(b, ',', '"')
			b = append(b, key...)
			b = append(b, '"', ':')
			b = appendJSONString(b, v)
		}
	}
	num := func(key string, v uint64) {
		if v != 0 {
			b = append(b, ',', '"')
			b = append(b, key...)
			b = append(b, '"', ':')
			b = strconv.AppendUint(b, v, 10)
		}
	}
	flag := func(key string, v bool) {
		if v {
			b = append(b, ',', '"')
			b = append(b, key...)
			b = append(b, `":true`...)
		}
	}
	str("time", r.Time)
	num("seq", uint64(max(r.Seq, 0)))
	str("name", r.Name)
	str("kind", r.Kind)
	str("call", r.Call)
	str("key", r.Key)
	str("pos", r.Pos)
	num("attempt", uint64(max(r.Attempt, 0)))
	str("status", r.Status)
	flag("changed", r.Changed)
	flag("in_doubt", r.InDoubt)
	if r.Result != nil {
		b = append(b, `,"result":`...)
		b = append(b, r.Result...)
	}
	str("error", r.Error)
	str("boot_id", r.BootID)
	str("reason", r.Reason)
	str("msg", r.Msg)
	str("path", r.Path)
	str("file", r.File)
	flag("existed", r.Existed)
	str("signal", r.Signal)
	str("state", r.State)
	num("pid", uint64(max(r.PID, 0)))
	num("ticks", r.Ticks)
	str("prog", r.Prog)
	str("mode", r.Mode)
	if len(r.Argv) > 0 {
		b = append(b, `,"argv":[`...)
		for i, a := range r.Argv {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, a)
		}
		b = append(b, ']')
	}
	if r.Exit != 0 || (r.Type == RecCall && r.Error == "") {
		// A call's exit status 0 is written: it says the program ran.
		b = append(b, `,"exit":`...)
		b = strconv.AppendUint(b, uint64(max(r.Exit, 0)), 10)
	}
	num("ms", uint64(max(r.Ms, 0)))
	str("stdout", r.Stdout)
	str("stderr", r.Stderr)
	flag("truncated", r.Truncated)
	if len(r.Files) > 0 {
		b = appendFiles(b, r.Files)
	}
	return b
}

// appendFiles writes a repin record's files in their one spelling:
// [{"name":...,"sha256":...},...], in the order given.
func appendFiles(b []byte, files []PinnedFile) []byte {
	b = append(b, `,"files":[`...)
	for i, f := range files {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = appendJSONString(b, f.Name)
		b = append(b, `,"sha256":`...)
		b = appendJSONString(b, f.SHA256)
		b = append(b, '}')
	}
	return append(b, ']')
}
