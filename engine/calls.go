package engine

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/runbook-dev/runbook/builtins"
	"github.com/runbook-dev/runbook/internal/journal"
)

// Program calls. Every program a run execs through the host (xe, ifup,
// run(), the xapi probe after a boot, the reboot program) is journaled
// once it has ended, in a "call" record of the step it belongs to: its
// argv with credentials redacted and secrets masked, its exit status
// (or the error that cut it off), its duration and the first bytes of
// its stdout and stderr. The record is not fsynced on its own: the
// step's completed or failed record, which is, follows it; a kill in
// between leaves it in the page cache, and a power cut loses only
// what the step's own record would have lost too.

const (
	// MaxCallExcerpt is how much of each of stdout and stderr a call
	// record keeps; the rest is cut and the record marked truncated.
	MaxCallExcerpt = 2 << 10
	// maxCallArg bounds each argument a call record keeps, and
	// maxCallArgs their number.
	maxCallArg  = 1 << 10
	maxCallArgs = 64
	// DefaultMaxCallOutput bounds the output excerpts of one run, over
	// all its processes: past it, calls are recorded without output
	// (marked truncated), so that the journal, and a status reading it,
	// stay small however many programs a run starts (DefaultMaxCalls).
	DefaultMaxCallOutput = 16 << 20
)

const redactedText = "<redacted>"

// callArgv is the argv a call record shows: the program as given, its
// arguments with credentials redacted (as everywhere else: see
// builtins.Redact) and the run's secrets masked, each cut to
// maxCallArg. It returns the credential values too, to mask them in the
// program's output, and whether anything was cut.
func (r *runner) callArgv(c builtins.Command) (argv, creds []string, cut bool) {
	red := builtins.Redact(c.Args)
	for i, a := range c.Args {
		if red[i] == a {
			continue
		}
		creds = append(creds, a)
		if _, v, ok := strings.Cut(a, "="); ok && v != "" && strings.HasSuffix(red[i], "="+redactedText) {
			creds = append(creds, v)
		}
	}
	argv = append(make([]string, 0, len(red)+1), c.Path)
	argv = append(argv, red...)
	if len(argv) > maxCallArgs {
		argv, cut = append(argv[:maxCallArgs:maxCallArgs], "..."), true
	}
	for i, a := range argv {
		a = r.mask(a)
		if len(a) > maxCallArg {
			a, cut = cutText(a, maxCallArg)+"...", true
		}
		argv[i] = strings.ToValidUTF8(a, "\ufffd")
	}
	return argv, creds, cut
}

// excerpt returns the first n bytes of out as text (cut at a character,
// invalid UTF-8 replaced), and whether anything was left out.
func excerpt(out []byte, n int) (string, bool) {
	s := string(out)
	cut := false
	if len(s) > n {
		s, cut = cutText(s, n), true
	}
	return strings.ToValidUTF8(s, "\ufffd"), cut
}

// cutText cuts s to at most n bytes, at the start of a character.
func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// recordCall journals a program call that has ended (res, err as the
// host returned them; the run's secrets already masked in res).
func (r *runner) recordCall(seq int, c builtins.Command, res builtins.Result, err error, took time.Duration) {
	if r.j == nil {
		return
	}
	argv, creds, cut := r.callArgv(c)
	rec := &journal.Record{Type: journal.RecCall, Seq: seq, Argv: argv, Ms: int(min(took.Milliseconds(), 1<<31)), Truncated: cut || res.Overflow}
	mask := func(s string) string {
		for _, v := range creds {
			if v != "" && strings.Contains(s, v) {
				s = strings.ReplaceAll(s, v, redactedText)
			}
		}
		return s
	}
	if err != nil {
		rec.Error = mask(err.Error())
	} else {
		rec.Exit = res.ExitCode
		if rec.Exit < 0 {
			// Not an exit status: a host that reports none this way.
			rec.Exit, rec.Error = 0, "the program did not exit normally"
		}
	}
	budget := r.e.maxCallOutput() - r.callBytes
	for _, o := range []struct {
		out []byte
		to  *string
	}{{res.Stdout, &rec.Stdout}, {res.Stderr, &rec.Stderr}} {
		if len(o.out) == 0 {
			continue
		}
		out := o.out
		if len(creds) > 0 {
			// Masked whole, before the cut: a credential cut in two at
			// the end of the excerpt would show its first half.
			out = []byte(mask(string(out)))
		}
		s, cut := excerpt(out, min(MaxCallExcerpt, max(budget, 0)))
		*o.to = s
		budget -= len(s)
		r.callBytes += len(s)
		rec.Truncated = rec.Truncated || cut
	}
	r.append(rec, false)
}

func (e *Engine) maxCallOutput() int {
	if e.MaxCallOutput > 0 {
		return e.MaxCallOutput
	}
	return DefaultMaxCallOutput
}
