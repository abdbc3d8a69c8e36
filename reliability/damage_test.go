package reliability

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/internal/journal"
)

// TestJournalDamage changes one byte of a real journal (nfs-bond paused
// for its reboot), at every position in the full set and at 1,500
// seeded positions in the sample, and reads it back: each change must
// be refused with an error naming its line, or be the last line's
// newline (a torn last line, not written). None may be accepted, panic
// or hang. A few of them also go through the command: resume refuses
// (exit 2) and runs nothing, abort still works.
func TestJournalDamage(t *testing.T) {
	t.Parallel()
	h := newHost(t, crashInit...)
	if r := h.run(append([]string{"run"}, nfsBondArgs...)...); r.code != 0 {
		t.Fatalf("run: %v", r)
	}
	st := h.status()
	good, err := os.ReadFile(st.Journal)
	if err != nil {
		t.Fatal(err)
	}
	want, err := journal.Read(st.Journal)
	if err != nil {
		t.Fatalf("the real journal does not read: %v", err)
	}
	nrec := len(want.Records)
	// The changes fall on every kind of line the journal has: call
	// records (format 3) among them, by a good share of its bytes.
	kinds := map[string]bool{}
	for _, r := range want.Records {
		kinds[r.Type] = true
	}
	for _, k := range []string{journal.RecStarted, journal.RecCompleted, journal.RecChild, journal.RecCall, journal.RecReboot} {
		if !kinds[k] {
			t.Fatalf("the journal has no %s record: the sweep would not cover it", k)
		}
	}
	rng := rand.New(rand.NewPCG(11, uint64(len(good))))
	type change struct {
		at int
		to byte
	}
	var changes []change
	if full() {
		for i := range good {
			for _, to := range []byte{good[i] ^ 0x01, good[i] ^ 0x20, 'x'} {
				if to != good[i] {
					changes = append(changes, change{i, to})
				}
			}
		}
	} else {
		for len(changes) < 1500 {
			i := rng.IntN(len(good))
			to := byte(rng.IntN(256))
			if to != good[i] {
				changes = append(changes, change{i, to})
			}
		}
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "journal.jsonl")
	var refused, torn, accepted, panics, hangs int
	for n, c := range changes {
		bad := append([]byte(nil), good...)
		bad[c.at] = c.to
		if err := os.WriteFile(p, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		type outcome struct {
			jd  *journal.Data
			err error
			pan any
		}
		done := make(chan outcome, 1)
		go func() {
			defer func() {
				if v := recover(); v != nil {
					done <- outcome{pan: v}
				}
			}()
			jd, err := journal.Read(p)
			done <- outcome{jd: jd, err: err}
		}()
		var o outcome
		select {
		case o = <-done:
		case <-time.After(10 * time.Second):
			hangs++
			t.Errorf("change %d (byte %d to %q): Read still running after 10s", n, c.at, c.to)
			continue
		}
		var je *journal.Error
		switch {
		case o.pan != nil:
			panics++
			t.Errorf("byte %d to %q: panic: %v", c.at, c.to, o.pan)
		case o.err != nil && errors.As(o.err, &je) && (je.Line > 0 || errors.Is(o.err, journal.ErrNoHeader)) && strings.Contains(o.err.Error(), p):
			refused++
		case o.err == nil && c.at == len(good)-1 && len(o.jd.Records) == nrec-1:
			torn++ // the last newline: a torn last line, never written
		default:
			accepted++
			t.Errorf("byte %d (line %d) changed from %q to %q: accepted (error %v)", c.at, strings.Count(string(good[:c.at]), "\n")+1, good[c.at], c.to, o.err)
		}
	}
	damageFigure.add(len(changes), refused, torn, accepted, panics, hangs)

	// Through the command: a damaged line in the middle and a damaged
	// header; resume refuses and runs nothing, abort still works, and
	// the state dir is not blocked any more.
	for _, line := range []int{0, 3, strings.Count(string(good), "\n") - 1} {
		t.Run(fmt.Sprintf("cli-line%d", line+1), func(t *testing.T) {
			t.Parallel()
			h := newHost(t, crashInit...)
			if r := h.run(append([]string{"run"}, nfsBondArgs...)...); r.code != 0 {
				t.Fatalf("run: %v", r)
			}
			st := h.status()
			data, _ := os.ReadFile(st.Journal)
			lines := strings.SplitAfter(string(data), "\n")
			lines[line] = strings.Replace(lines[line], `"type"`, `"typo"`, 1)
			os.WriteFile(st.Journal, []byte(strings.Join(lines, "")), 0o600)
			calls := h.calls().Calls
			var problems []string
			r := h.run("resume")
			if r.code != 2 || !strings.Contains(r.stderr, fmt.Sprintf("journal.jsonl:%d:", line+1)) {
				problems = append(problems, fmt.Sprintf("resume: want exit 2 naming line %d: %v", line+1, r))
			}
			if got := h.calls().Calls; got != calls {
				problems = append(problems, fmt.Sprintf("resume ran %d programs", got-calls))
			}
			if r := h.run("abort"); r.code != 0 {
				problems = append(problems, fmt.Sprintf("abort: %v", r))
			}
			if fileExists(filepath.Join(h.root, "etc/systemd/system/runbook-resume.service")) {
				problems = append(problems, "the boot hook is left after the abort")
			}
			if st := h.status(); st.State != "aborted" {
				problems = append(problems, fmt.Sprintf("after the abort: state %s, want aborted", st.State))
			}
			if r := h.run(append([]string{"run"}, storageNICArgs...)...); r.code == 3 {
				problems = append(problems, fmt.Sprintf("a new run after the abort is refused: %v", r))
			}
			good := len(problems) == 0
			damageFigure.add(1, b2i(good), 0, b2i(!good))
			if !good {
				t.Error(strings.Join(problems, "\n"))
			}
		})
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
