package engine

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/fatih/color"
)

// Reporter prints what a run does: one line per step as it completes,
// the runbook's print() and warn() output, and notices. It is built in
// main with the writers and the colour decision; colour is never used on
// the log file.
type Reporter struct {
	mu    sync.Mutex
	out   io.Writer
	err   io.Writer
	log   io.Writer
	mask  func(string) string
	color bool

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
	if r.mask != nil {
		colored, plain = r.mask(colored), r.mask(plain)
	}
	io.WriteString(w, colored)
	if r.log != nil {
		io.WriteString(r.log, plain)
	}
}

// Step reports a step that ended with the given status.
func (r *Reporter) Step(status, name string, d time.Duration) {
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
