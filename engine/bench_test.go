package engine

// Benchmarks of the engine's own cost (make bench; results and how to
// read them in bench/RESULTS.md):
//
//   - BenchmarkSteps: a run of 10,000 steps that do nothing on the host,
//     per step, with the journal's fsync (the default) and without it;
//   - BenchmarkResume: the resume of a run interrupted after 1k, 10k and
//     100k completed steps: reading the journal and replaying them;
//   - BenchmarkDecodePool, BenchmarkAppendPool: a recorded xe pif-list
//     result of a 64-host pool, decoded (replay) and encoded (live step).
//
// They run the engine in process against the real host builtins (OSHost)
// on a temporary root; nothing here asserts a time.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"testing/fstest"

	"github.com/runbook-dev/runbook/internal/journal"
)

// stepsRunbook runs n steps whose function does nothing on the host.
// Each step has its own name and argument, as a real loop over devices
// would.
const stepsRunbook = `"""n steps that do nothing on the host."""
n = param("n", type = "int", default = 10, doc = "how many steps")

def nothing(i):
    return i

for i in range(n):
    step("step %d" % i, nothing, i)
`

// benchRun is one runbook ready to run in a temporary state dir, on a
// temporary root that has just a boot id.
type benchRun struct {
	dir    string
	rb     *Runbook
	pv     *ParamValues
	noSync bool
}

func newBenchRun(b *testing.B, steps int, noSync bool) *benchRun {
	b.Helper()
	dir := b.TempDir()
	root := filepath.Join(dir, "root")
	if err := os.MkdirAll(filepath.Join(root, "proc/sys/kernel/random"), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, bootIDPath), []byte("b0972fa4-133a-6254-afe9-421e7fb13080\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	src := filepath.Join(dir, "steps.star")
	if err := os.WriteFile(src, []byte(stepsRunbook), 0o644); err != nil {
		b.Fatal(err)
	}
	rb, err := Open(src, fstest.MapFS{})
	if err != nil {
		b.Fatal(err)
	}
	pv, err := ResolveParams(rb, []string{fmt.Sprintf("n=%d", steps)}, nil)
	if err != nil {
		b.Fatal(err)
	}
	return &benchRun{dir: dir, rb: rb, pv: pv, noSync: noSync}
}

// engine builds an engine as the CLI does, on the root of the run, with a
// state dir of the given name.
func (br *benchRun) engine(state string) *Engine {
	return &Engine{
		Options: Options{
			StateDir: filepath.Join(br.dir, state),
			Root:     filepath.Join(br.dir, "root"),
			Xe:       "/bin/false", Ifup: "/bin/false", Reboot: "/bin/false",
		},
		Report:  NewReporter(io.Discard, io.Discard, false),
		Shipped: fstest.MapFS{},
	}
}

// run starts a run with Engine.Run, the journal's fsync skipped when
// noSync is set.
func (br *benchRun) run(e *Engine) error {
	e.noSync = br.noSync
	return e.Run(context.Background(), br.rb, br.pv)
}

// BenchmarkSteps runs a runbook of 10,000 steps that do nothing on the
// host; ns/step is the engine's cost per step: the Starlark loop, the
// step's identity and key, two journal records (the first fsynced, unless
// nosync), the encoding of the result, the progress line.
func BenchmarkSteps(b *testing.B) {
	const steps = 10_000
	for _, mode := range []struct {
		name   string
		noSync bool
	}{{"fsync", false}, {"nosync", true}} {
		b.Run(mode.name, func(b *testing.B) {
			br := newBenchRun(b, steps, mode.noSync)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := br.run(br.engine(fmt.Sprintf("state%d", i))); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*steps), "ns/step")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N*steps), "allocs/step")
		})
	}
}

// interruptedRun makes the journal of a run killed while its step n+1
// was in progress: n steps completed, the started record of the next
// one last. It runs n+1 steps, then cuts the journal after that started
// record, as a kill -9 would have left it. It returns the state dir and
// the journal's bytes.
func interruptedRun(b *testing.B, br *benchRun, n int) (string, []byte) {
	b.Helper()
	e := br.engine("state")
	if err := br.run(e); err != nil {
		b.Fatal(err)
	}
	id, err := currentRun(e.StateDir)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(runDirOf(e.StateDir, id), journalName)
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	mark := []byte(`{"type":"started",`)
	seq := []byte(fmt.Sprintf(`"seq":%d,`, n+1))
	cut := -1
	for off := 0; off < len(data); {
		i := bytes.Index(data[off:], mark)
		if i < 0 {
			break
		}
		start := off + i
		end := start + bytes.IndexByte(data[start:], '\n') + 1
		if bytes.Contains(data[start:end], seq) {
			cut = end
			break
		}
		off = end
	}
	if cut < 0 {
		b.Fatalf("no started record of step %d in the journal", n+1)
	}
	data = data[:cut]
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	st, err := e.Status()
	if err != nil || st.State != StateInterrupted || len(st.Steps) != n+1 {
		b.Fatalf("prepared run: state %v, %d steps, error %v; want interrupted with %d steps", st.State, len(st.Steps), err, n+1)
	}
	return path, data
}

// BenchmarkResume resumes a run interrupted after n completed steps:
// read and check the journal, parse the pinned runbook, replay the n
// steps (their recorded results decoded, their identity checked), then
// run the interrupted step and end the run. ns/step shows it is linear.
func BenchmarkResume(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("steps=%d", n), func(b *testing.B) {
			br := newBenchRun(b, n+1, true)
			path, data := interruptedRun(b, br, n)
			e := br.engine("state")
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				if err := os.WriteFile(path, data, 0o600); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if err := e.Resume(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/step")
		})
	}
}

// BenchmarkReadJournal is the first part of a resume or a status: read
// and parse a journal of 10k completed steps.
func BenchmarkReadJournal(b *testing.B) {
	const n = 10_000
	br := newBenchRun(b, n+1, true)
	path, data := interruptedRun(b, br, n)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := journal.Read(path); err != nil {
			b.Fatal(err)
		}
	}
}
