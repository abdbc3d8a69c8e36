package engine

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/fatih/color"
)

// Reporter prints what a run does: one line per step as it starts and
// as it completes, the elapsed time of a step that takes long (progress.go),
// the runbook's print() and warn() output, notices and the recap. It is
// built in main with the writers and the colour decision; colour is never
// used on the log file, whose every line starts with a timestamp.
type Reporter struct {
	// Terminal says out is a terminal: a slow step's elapsed time is one
	// line updated in place instead of a line every ProgressEvery.
	Terminal bool
	// ProgressAfter is how long a step runs before a terminal shows its
	// elapsed time (DefaultProgressAfter if 0).
	ProgressAfter time.Duration
	// ProgressEvery is how often a slow step prints a line of elapsed
	// time when out is not a terminal, and in the log
	// (DefaultProgressEvery if 0).
	ProgressEvery time.Duration
	// Clock stamps the log's lines (time.Now if nil).
	Clock func() time.Time

	mu    sync.Mutex
	out   io.Writer
	err   io.Writer
	log   io.Writer
	mask  func(string) string
	color bool
	// prog is the step in progress, nil between steps; lineOpen says a
	// terminal shows its updating line, to be cleared before any output.
	prog     *progress
	lineOpen bool

	status map[string]*color.Color
	warn   *color.Color
	dim    *color.Color
	bold   *color.Color
}

// NewReporter returns a reporter writing to out (progress) and errw
// (warnings and errors), with or without colour.
func NewReporter(out, errw io.Writer, useColor bool) *Reporter {
	mk := func(attrs ...color.Attribute) *color.Color {
		c := color.New(attrs...)
		if useColor {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c
	}
	return &Reporter{
		out:   out,
		err:   errw,
		color: useColor,
		status: map[string]*color.Color{
			StepOK:       mk(color.FgGreen),
			StepChanged:  mk(color.FgYellow, color.Bold),
			StepFailed:   mk(color.FgRed, color.Bold),
			StepRebooted: mk(color.FgCyan, color.Bold),
			"would":      mk(color.FgMagenta),
			stepSkipped:  mk(color.FgBlue),
			"done":       mk(color.Faint),
		},
		warn: mk(color.FgYellow),
		dim:  mk(color.Faint),
		bold: mk(color.Bold),
	}
}

// setLog also copies everything (without colour) to w; nil stops it.
func (r *Reporter) setLog(w io.Writer) {
	r.mu.Lock()
	r.log = w
	r.mu.Unlock()
}

// setMask makes every later line pass through mask (a run's secrets).
func (r *Reporter) setMask(mask func(string) string) {
	r.mu.Lock()
	r.mask = mask
	r.mu.Unlock()
}

func (r *Reporter) emit(w io.Writer, colored, plain string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.emitLocked(w, colored, plain)
}

// emitLocked writes colored to w and plain to the log; r.mu is held.
func (r *Reporter) emitLocked(w io.Writer, colored, plain string) {
	if r.mask != nil {
		colored, plain = r.mask(colored), r.mask(plain)
	}
	r.clearLine()
	if w != nil {
		io.WriteString(w, colored)
	}
	r.logLocked(plain)
}

// logLocked writes text to the log, each line after a timestamp (local
// time, RFC 3339, to the second); r.mu is held.
func (r *Reporter) logLocked(text string) {
	if r.log == nil || text == "" {
		return
	}
	now := time.Now
	if r.Clock != nil {
		now = r.Clock
	}
	stamp := now().Local().Format(time.RFC3339) + " "
	var b strings.Builder
	for _, line := range strings.SplitAfter(text, "\n") {
		if line != "" {
			b.WriteString(stamp)
			b.WriteString(line)
		}
	}
	io.WriteString(r.log, b.String())
}

// LogOnly writes a line to the log only (the run log's session lines
// and the command's final error).
func (r *Reporter) LogOnly(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.mask != nil {
		msg = r.mask(msg)
	}
	r.logLocked(msg + "\n")
}

// Step reports a step that ended with the given status; it ends the
// step's progress.
func (r *Reporter) Step(status, name string, d time.Duration) {
	r.EndProgress()
	label := fmt.Sprintf("%-9s", status)
	c := r.status[status]
	colored := label
	if c != nil {
		colored = c.Sprint(label)
	}
	// Durations help people; on piped output they would make every
	// line differ from run to run, so only terminals and the log get them.
	dur, plainDur := "", ""
	if d >= 100*time.Millisecond {
		plainDur = "  " + d.Round(100*time.Millisecond).String()
		if r.color {
			dur = "  " + r.dim.Sprint(d.Round(100*time.Millisecond).String())
		}
	}
	r.emit(r.out, "  "+colored+name+dur+"\n", "  "+label+name+plainDur+"\n")
}

// Print reports a line of the runbook's print().
func (r *Reporter) Print(msg string) {
	r.emit(r.out, msg+"\n", msg+"\n")
}

// Warn reports a warning of the runbook or the engine.
func (r *Reporter) Warn(msg string) {
	msg = strings.ReplaceAll(msg, "\n", "\n  ")
	r.emit(r.err, r.warn.Sprint("warning: ")+msg+"\n", "warning: "+msg+"\n")
}

// Info reports what the engine is doing (resuming, waiting, rebooting).
func (r *Reporter) Info(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.emit(r.out, r.bold.Sprint(msg)+"\n", msg+"\n")
}

// Note reports a detail line, dimmed.
func (r *Reporter) Note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.emit(r.out, r.dim.Sprint(msg)+"\n", msg+"\n")
}

// WouldRun reports, in a dry run, what a mutating call would do.
func (r *Reporter) WouldRun(what string) {
	label := fmt.Sprintf("%-9s", "would")
	lines := strings.Split(strings.TrimRight(what, "\n"), "\n")
	plain := "  " + label + strings.Join(lines, "\n           ") + "\n"
	colored := "  " + r.status["would"].Sprint(label) + strings.Join(lines, "\n           ") + "\n"
	r.emit(r.out, colored, plain)
}

// Details prints, under a step's line, what the step would have done in
// a dry run.
func (r *Reporter) Details(lines []string) {
	for _, what := range lines {
		text := "           " + strings.ReplaceAll(strings.TrimRight(what, "\n"), "\n", "\n           ") + "\n"
		r.emit(r.out, r.status["would"].Sprint(text), text)
	}
}

// Recap reports how a run ended, as one line: head ("nfs-bond:
// succeeded"), how long the whole run took after prep ("in", "after"),
// and what its steps did ("9 changed, 8 ok, 1 rebooted").
func (r *Reporter) Recap(head, prep string, d time.Duration, counts string) {
	// Unlike a step's line, the recap has its duration on piped output
	// too (ssh without a terminal, CI logs): it is the figure people look
	// for at the end, and there is one such line a run.
	timed := head + " " + prep + " " + HumanDuration(d) + ": " + counts
	r.emit(r.out, r.bold.Sprint(timed)+"\n", timed+"\n")
}
