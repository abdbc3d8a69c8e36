package engine_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine"
)

// The caps of a run: each is a clear error that says what to do.
func TestRunCaps(t *testing.T) {
	tests := []struct {
		name string
		set  func(e *engine.Engine)
		src  string
		want string
		code int
	}{
		{"result over 1 MiB", nil, `step("big", lambda: "x" * (2 * 1024 * 1024))`,
			`step "big" returned 2097154 bytes, more than the 1 MiB a step may record: return only what later steps need`, engine.ExitUsage},
		{"journal records", func(e *engine.Engine) { e.MaxRecords = 40 }, `
for i in range(100):
    read_file("/etc/hostname", default = "")
`, "the run has written 38 journal records, the most a run may: a loop outside step() that calls a host builtin on every turn? Put the loop inside one step", engine.ExitUsage},
		{"program calls", func(e *engine.Engine) { e.MaxCalls = 5 }, `
def poll():
    for i in range(100):
        xe("host-list", params = "uuid", minimal = True)
step("poll", poll)
`, "the run has started 5 programs, the most a run may", engine.ExitFailed}, // the step fails on it
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _, out := newSimEngine(t)
			if tt.set != nil {
				tt.set(e)
			}
			err := runSource(t, e, tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error with %q\n%s", err, tt.want, out)
			}
			var se *engine.StepError
			if !errors.As(err, &se) || engine.ExitCode(err) != tt.code {
				t.Errorf("exit %d, want %d", engine.ExitCode(err), tt.code)
			}
		})
	}
}
