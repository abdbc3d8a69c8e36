package engine

// warningsOf returns the messages a run warned about, in the order warn()
// journaled them. A message journaled twice (a warn() at the top level
// runs again when a resume reaches it live after the journal's end) is
// kept once, at its first place.
func warningsOf(recs []Record) []string {
	out := []string{}
	seen := map[string]bool{}
	for i := range recs {
		r := &recs[i]
		if r.Type != RecPrint || r.Kind != "warning" || seen[r.Msg] {
			continue
		}
		seen[r.Msg] = true
		out = append(out, r.Msg)
	}
	return out
}
