// Command statusmem measures `runbook status --json` against the size of
// the journal it reads: the wall time and the peak resident set size
// (from wait4) for journals of 1 MB to 1 GB. Each journal is a real
// version-2 journal (written with internal/journal, checksums and all)
// of steps whose results are 256 KiB strings, so that its size grows
// with the bytes of recorded results, not with the number of steps: the
// status reads the journal as a stream and keeps no result.
//
// Usage, from the module root:
//
//	go run ./bench/statusmem [-bin PATH] [-sizes 1,16,256,1024] [-n 3]
//
// Sizes are in MB. It needs the disk space of the largest journal.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/runbook-dev/runbook/internal/journal"
)

func main() {
	bin := flag.String("bin", "bin/runbook", "the runbook binary (make build)")
	sizes := flag.String("sizes", "1,16,256,1024", "journal sizes, in MB")
	n := flag.Int("n", 3, "runs of status per size (the median is shown)")
	flag.Parse()
	if err := run(*bin, *sizes, *n); err != nil {
		fmt.Fprintln(os.Stderr, "statusmem:", err)
		os.Exit(1)
	}
}

func run(bin, sizes string, n int) error {
	abs, err := filepath.Abs(bin)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "runbook-statusmem-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	fmt.Printf("%-10s %-8s %-12s %-12s\n", "journal", "steps", "status time", "peak RSS")
	for _, s := range strings.Split(sizes, ",") {
		mb, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return err
		}
		state := filepath.Join(work, fmt.Sprintf("state-%d", mb))
		steps, size, err := makeJournal(state, int64(mb)<<20)
		if err != nil {
			return err
		}
		var times []time.Duration
		var rss []int64
		for range n {
			d, kb, err := status(abs, state)
			if err != nil {
				return err
			}
			times = append(times, d)
			rss = append(rss, kb)
		}
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		sort.Slice(rss, func(i, j int) bool { return rss[i] < rss[j] })
		fmt.Printf("%-10s %-8d %-12s %-12s\n", fmt.Sprintf("%d MB", size>>20), steps, times[n/2].Round(time.Millisecond), fmt.Sprintf("%.1f MB", float64(rss[n/2])/1024))
		os.RemoveAll(state)
	}
	return nil
}

// makeJournal writes a state dir whose current run's journal is about
// size bytes.
func makeJournal(state string, size int64) (int, int64, error) {
	id := "20260101T000000Z-nfs-bond"
	dir := filepath.Join(state, "runs", id)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, 0, err
	}
	os.Chmod(state, 0o700)
	os.Chmod(filepath.Join(state, "runs"), 0o700)
	if err := os.WriteFile(filepath.Join(state, "current"), []byte(id+"\n"), 0o600); err != nil {
		return 0, 0, err
	}
	h := &journal.Header{Type: journal.RecRun, V: journal.Version, ID: id, Runbook: "nfs-bond", Origin: "shipped", Main: "nfs-bond.star",
		Files:   []journal.PinnedFile{{Name: "nfs-bond.star", SHA256: strings.Repeat("0", 64)}},
		Params:  json.RawMessage(`{}`),
		Options: journal.RecordedOptions{Root: "/", Xe: "xe", Ifup: "ifup", Reboot: "reboot", XapiTimeout: "10m0s", CallTimeout: "10m0s", MaxSteps: 1},
		Time:    "2026-01-01T00:00:00Z"}
	w, err := journal.Create(filepath.Join(dir, "journal.jsonl"), h, journal.Options{NoSync: true})
	if err != nil {
		return 0, 0, err
	}
	result, _ := json.Marshal(strings.Repeat("x", 256<<10))
	w.Append(&journal.Record{Type: journal.RecSession, PID: 1, Mode: "run"}, false)
	var written int64
	steps := 0
	for written < size {
		steps++
		if err := w.Append(&journal.Record{Type: journal.RecStarted, Seq: steps, Name: fmt.Sprintf("read %d", steps), Kind: "step", Call: "read()", Key: "0123456789abcdef01234567", Pos: "nfs-bond.star:1:1", Attempt: 1}, false); err != nil {
			return 0, 0, err
		}
		if err := w.Append(&journal.Record{Type: journal.RecCompleted, Seq: steps, Status: "ok", Result: result}, false); err != nil {
			return 0, 0, err
		}
		written += int64(len(result)) + 300
	}
	if err := w.Close(); err != nil {
		return 0, 0, err
	}
	fi, err := os.Stat(filepath.Join(dir, "journal.jsonl"))
	if err != nil {
		return 0, 0, err
	}
	return steps, fi.Size(), nil
}

// status runs `runbook status --json` once: its wall time and peak RSS
// in KB.
func status(bin, state string) (time.Duration, int64, error) {
	cmd := exec.Command(bin, "status", "--json", "--state-dir", state)
	cmd.Stdout, cmd.Stderr = nil, os.Stderr
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, 0, fmt.Errorf("runbook status: %w", err)
	}
	d := time.Since(t0)
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	var kb int64
	if ru != nil {
		kb = ru.Maxrss
	}
	return d, kb, nil
}
