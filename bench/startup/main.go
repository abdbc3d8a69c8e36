// Command startup measures the start-up of the runbook command: the wall
// time and the peak resident set size (from wait4, the number
// /usr/bin/time -v prints as "Maximum resident set size") of `runbook
// list`, `runbook status` and `runbook status --json` on a state dir
// holding a finished nfs-bond run, with `runbook version` as the floor (a
// process of this binary doing nothing).
//
// Usage, from the module root:
//
//	go run ./bench/startup [-n 50] [-bin PATH]
//
// It needs only Go (bash is not used).
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

func main() {
	n := flag.Int("n", 50, "runs of each command")
	bin := flag.String("bin", "", "the runbook binary (default: build ./cmd/runbook)")
	flag.Parse()
	if err := run(*n, *bin); err != nil {
		fmt.Fprintln(os.Stderr, "startup:", err)
		os.Exit(1)
	}
}

func run(n int, bin string) error {
	work, err := os.MkdirTemp("", "runbook-startup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if bin == "" {
		root, err := moduleRoot()
		if err != nil {
			return err
		}
		bin = filepath.Join(work, "runbook")
		build := exec.Command("go", "build", "-o", bin, "./cmd/runbook")
		build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build runbook: %w", err)
		}
	} else if bin, err = filepath.Abs(bin); err != nil {
		return err
	}
	host, state := filepath.Join(work, "host"), filepath.Join(work, "state")
	env := append(os.Environ(),
		"RUNBOOK_ROOT="+host,
		"RUNBOOK_XE="+filepath.Join(host, "bin", "xe"),
		"RUNBOOK_IFUP="+filepath.Join(host, "bin", "ifup"),
		"RUNBOOK_REBOOT="+filepath.Join(host, "bin", "reboot"),
		"RUNBOOK_STATE_DIR="+state,
		"NO_COLOR=1",
	)
	for _, args := range [][]string{
		{"sim", "init", "--xapi-delay", "0", host},
		{"run", "nfs-bond", "-p", "ip=10.10.51.11", "-p", "netmask=255.255.255.0", "-p", "evacuate=true"},
		{"sim", "boot", "--root", host}, // the boot hook resumes the run
	} {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("runbook %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	cmd := exec.Command(bin, "status", "--json")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), `"state": "succeeded"`) {
		return fmt.Errorf("the prepared run did not succeed: %v\n%s", err, out)
	}

	fmt.Printf("runbook start-up: %d runs of each command, state dir with a finished nfs-bond run (%d steps)\n\n", n, strings.Count(string(out), `"seq"`))
	fmt.Println("| command | median wall | min wall | max peak RSS |")
	fmt.Println("| --- | --- | --- | --- |")
	for _, args := range [][]string{{"version"}, {"list"}, {"status"}, {"status", "--json"}} {
		var walls []time.Duration
		var rss int64
		for i := 0; i < n; i++ {
			cmd := exec.Command(bin, args...)
			cmd.Env = env
			t0 := time.Now()
			err := cmd.Run()
			d := time.Since(t0)
			if err != nil {
				return fmt.Errorf("runbook %s: %v", strings.Join(args, " "), err)
			}
			walls = append(walls, d)
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				rss = max(rss, ru.Maxrss) // KiB on Linux
			}
		}
		sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
		fmt.Printf("| runbook %s | %.2f ms | %.2f ms | %.1f MB |\n", strings.Join(args, " "),
			ms(walls[len(walls)/2]), ms(walls[0]), float64(rss)/1024)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "cmd", "runbook")); err == nil {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run me inside the runbook module, or pass -bin")
		}
		dir = parent
	}
}
