package reliability

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestInDoubtCall: a mutating xe call applies its effect and is then cut
// off (killed by a signal, or past its timeout). Its outcome is unknown:
// the step fails in doubt (status failed, "in_doubt": true,
// changed_host true, a message that the host may have changed), the
// next run is refused until a resume or an abort, and the resume
// finishes the run with the host as an uninterrupted run leaves it.
func TestInDoubtCall(t *testing.T) {
	t.Parallel()
	base := runBaseline(t, storageNICArgs)
	for _, tc := range []struct{ name, after string }{
		{"killed-by-a-signal", `kill -KILL $$`},
		{"timed-out", `exec sleep 30`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHost(t, crashInit...)
			once := filepath.Join(h.dir, "cut-once")
			xe := writeExec(t, filepath.Join(h.dir, "cutxe"), fmt.Sprintf(`#!/bin/sh
%[1]s "$@"; rc=$?
if [ "$1" = pif-reconfigure-ip ] && [ ! -e %[2]s ]; then : > %[2]s; %[3]s; fi
exit $rc
`, filepath.Join(h.root, "bin", "xe"), once, tc.after))
			var problems []string
			r := h.runEnv([]string{"RUNBOOK_XE=" + xe}, append([]string{"run", "--call-timeout", "3s"}, storageNICArgs...)...)
			if r.code != 1 || !strings.Contains(r.stderr, "the host may have changed") || strings.Contains(r.stderr, "nothing was changed") {
				problems = append(problems, fmt.Sprintf("run: want exit 1 saying the host may have changed: %v", r))
			}
			if tc.name == "killed-by-a-signal" && !strings.Contains(r.stderr, "killed by signal SIGKILL") {
				problems = append(problems, "the message does not name the signal: "+r.stderr)
			}
			st := h.status()
			var raw struct {
				Steps []struct {
					Status  string `json:"status"`
					InDoubt *bool  `json:"in_doubt"`
				} `json:"steps"`
			}
			json.Unmarshal([]byte(st.raw), &raw)
			inDoubt := false
			for _, s := range raw.Steps {
				if s.InDoubt != nil && *s.InDoubt && s.Status == "failed" {
					inDoubt = true
				}
			}
			if !inDoubt || st.State != "failed" || !st.ChangedHost {
				problems = append(problems, fmt.Sprintf("status: want a failed step in doubt and changed_host: %s", st.raw))
			}
			blocked := h.run(append([]string{"run"}, storageNICArgs...)...)
			if blocked.code != 3 {
				problems = append(problems, fmt.Sprintf("a new run after the in-doubt call: want exit 3: %v", blocked))
			}
			if r := h.runEnv([]string{"RUNBOOK_XE=" + xe}, "resume"); r.code != 0 {
				problems = append(problems, fmt.Sprintf("resume: %v", r))
			}
			d := base.state.diff(h.capture())
			if d != "" {
				problems = append(problems, "host differs from an uninterrupted run:\n"+d)
			}
			inDoubtFigure.add(len(problems) == 0, !inDoubt || !st.ChangedHost)
			if len(problems) > 0 {
				t.Error(strings.Join(problems, "\n"))
			}
		})
	}
}
