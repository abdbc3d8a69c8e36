package engine

import (
	"strconv"
	"strings"
	"time"
)

// The recap: one line at the end of a run, like Ansible's, that counts
// the steps of the whole run by how they ended, those of earlier
// processes of the run (replayed from the journal) included.

// recapOrder is the order of the recap's counts.
var recapOrder = []string{"would", StepChanged, StepOK, StepRebooted, stepSkipped, StepFailed}

// recapWords is how the recap names a status where it differs.
var recapWords = map[string]string{"would": "would change", stepSkipped: "skipped"}

// counted records how a step of this process ended, for the recap.
func (r *runner) counted(status string) {
	if r.counts == nil {
		r.counts = map[string]int{}
	}
	r.counts[status]++
}

// countText renders the recap's counts: "9 changed, 8 ok, 1 rebooted".
func (r *runner) countText() string {
	all := map[string]int{}
	for k, n := range r.counts {
		all[k] += n
	}
	for _, s := range r.replay {
		if s.Done && s.Seq <= r.cursor {
			all[s.Status]++
		}
	}
	var parts []string
	for _, k := range recapOrder {
		if n := all[k]; n > 0 {
			w := k
			if rw, ok := recapWords[k]; ok {
				w = rw
			}
			parts = append(parts, strconv.Itoa(n)+" "+w)
		}
	}
	if len(parts) == 0 {
		return "no steps"
	}
	return strings.Join(parts, ", ")
}

// recap reports how the run ended: head is the outcome ("succeeded",
// "paused for a reboot"), prep the word before the run's duration.
func (r *runner) recap(head, prep string) {
	r.e.Report.EndProgress()
	what := r.rb.Name + ": " + head
	if r.dry {
		what = r.rb.Name + ": dry run"
		if head != StateSucceeded {
			what += " " + head
		}
	}
	r.e.Report.Recap(what, prep, r.e.now().Sub(r.started), r.countText())
}

// recapStart is when the run began, for the recap: the journal header's
// time for a resumed run, else now.
func recapStart(header string, now time.Time) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, header); err == nil {
		return t
	}
	return now
}
