package engine

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Defaults of Reporter.ProgressAfter and Reporter.ProgressEvery.
const (
	DefaultProgressAfter = 3 * time.Second
	DefaultProgressEvery = 30 * time.Second
)

// progress is the step in progress: since when, and what it waits for,
// as the builtin says (Reporter.Waiting).
type progress struct {
	name  string
	start time.Time
	what  string
	// nextLine is when the next line of elapsed time is due (piped
	// output and the log).
	nextLine time.Time
	stop     chan struct{}
	done     chan struct{}
}

func (r *Reporter) progressAfter() time.Duration {
	if r.ProgressAfter > 0 {
		return r.ProgressAfter
	}
	return DefaultProgressAfter
}

func (r *Reporter) progressEvery() time.Duration {
	if r.ProgressEvery > 0 {
		return r.ProgressEvery
	}
	return DefaultProgressEvery
}

// StepStarted reports a step that starts (a line that reads with the end
// lines: "  ...      verify bond51") and follows it until Step or
// EndProgress: a step still running after a while shows its elapsed time
// and what it waits for.
func (r *Reporter) StepStarted(name string) {
	r.EndProgress()
	label := fmt.Sprintf("%-9s", "...")
	r.emit(r.out, "  "+r.dim.Sprint(label)+name+"\n", "  "+label+name+"\n")
	r.follow(name)
}

// Activity follows something the engine waits for outside a step (xapi
// after a reboot) as StepStarted follows a step, without a start line.
func (r *Reporter) Activity(name, what string) {
	r.EndProgress()
	r.follow(name)
	r.Waiting(what)
}

func (r *Reporter) follow(name string) {
	every := r.progressEvery()
	tick := min(time.Second, every, r.progressAfter())
	now := time.Now()
	p := &progress{name: name, start: now, nextLine: now.Add(every), stop: make(chan struct{}), done: make(chan struct{})}
	r.mu.Lock()
	r.prog = p
	r.mu.Unlock()
	go func() {
		defer close(p.done)
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case now := <-t.C:
				r.tick(p, now)
			}
		}
	}()
}

// Waiting sets what the step in progress waits for ("eth3 link still
// down"), shown with its elapsed time; "" clears it. Builtins call it
// through builtins.Env.Waiting.
func (r *Reporter) Waiting(what string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.prog != nil {
		r.prog.what = strings.TrimSpace(strings.ReplaceAll(what, "\n", " "))
	}
}

// EndProgress stops following the step in progress, if any, and clears
// its updating line.
func (r *Reporter) EndProgress() {
	r.mu.Lock()
	p := r.prog
	r.prog = nil
	r.clearLine()
	r.mu.Unlock()
	if p != nil {
		close(p.stop)
		<-p.done
	}
}

// tick shows the elapsed time of p: on a terminal, the updating line
// once p has run ProgressAfter; otherwise, and in the log, a line every
// ProgressEvery.
func (r *Reporter) tick(p *progress, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.prog != p {
		return
	}
	elapsed := now.Sub(p.start)
	text := "  ... " + p.name + ": " + HumanDuration(elapsed)
	if p.what != "" {
		text += ", " + p.what
	}
	if r.mask != nil {
		text = r.mask(text)
	}
	line := !now.Before(p.nextLine)
	if line {
		p.nextLine = p.nextLine.Add(r.progressEvery())
		for !now.Before(p.nextLine) {
			p.nextLine = p.nextLine.Add(r.progressEvery())
		}
	}
	if r.Terminal {
		if elapsed >= r.progressAfter() {
			// \r and erase to the end of the line: the line is rewritten
			// in place, and cleared before anything else is printed.
			io.WriteString(r.out, "\r"+r.dim.Sprint(text)+"\x1b[K")
			r.lineOpen = true
		}
		if line {
			r.logLocked(text + "\n")
		}
		return
	}
	if line {
		io.WriteString(r.out, text+"\n")
		r.logLocked(text + "\n")
	}
}

// clearLine erases a terminal's updating line; r.mu is held.
func (r *Reporter) clearLine() {
	if r.lineOpen {
		io.WriteString(r.out, "\r\x1b[K")
		r.lineOpen = false
	}
}

// HumanDuration renders a duration for people: 0.4s, 42s, 1m42s, 2h05m:
// the recap, progress lines, and the durations of status and runs.
func HumanDuration(d time.Duration) string {
	switch {
	case d < 0:
		d = 0
		fallthrough
	case d < 10*time.Second:
		s := d.Round(100 * time.Millisecond).Seconds()
		if s == float64(int(s)) {
			return fmt.Sprintf("%ds", int(s))
		}
		return fmt.Sprintf("%.1fs", s)
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Round(time.Second).Seconds()))
	case d < time.Hour:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	}
	d = d.Round(time.Minute)
	return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
}
