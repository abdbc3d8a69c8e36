package engine

import "github.com/runbook-dev/runbook/internal/journal"

// warning folds in a print record: the messages a run warned about, in
// the order warn() journaled them. A message journaled twice (a warn() at
// the top level runs again when a resume reaches it live after the
// journal's end) is kept once, at its first place.
func (f *fold) warning(r *journal.Record) {
	if r.Kind != "warning" || f.warned[r.Msg] {
		return
	}
	if f.warned == nil {
		f.warned = map[string]bool{}
	}
	f.warned[r.Msg] = true
	f.st.Warnings = append(f.st.Warnings, r.Msg)
}
