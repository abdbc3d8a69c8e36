package sim

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/runbook-dev/runbook/builtins"
)

func arm(t *testing.T, root string, args ...string) {
	t.Helper()
	var stdout, stderr strings.Builder
	args = append([]string{"fault", "--root", root}, args...)
	if code := Command(args, func(string) string { return "" }, &stdout, &stderr); code != 0 {
		t.Fatalf("sim %s: exit %d: %s", strings.Join(args, " "), code, stderr.String())
	}
}

// TestKillFaults runs xe under a helper parent process and checks that
// the parent is killed, before or after the call takes effect.
func TestKillFaults(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	parent := filepath.Join(t.TempDir(), "simparent")
	if err := os.Symlink(exe, parent); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		kind       string
		wantForget bool
	}{{"--kill-before", false}, {"--kill-after", true}} {
		t.Run(tt.kind, func(t *testing.T) {
			root := newRoot(t)
			eth2 := pifOf(t, root, "xen01", "eth2") // call 1
			arm(t, root, "--call", "2", tt.kind)
			cmd := exec.Command(parent, filepath.Join(root, "bin", "xe"), "pif-forget", "uuid="+eth2)
			cmd.Env = append(os.Environ(), "RUNBOOK_ROOT="+root)
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("parent: got %v, want killed", err)
			}
			if ws := ee.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("parent: got %v, want killed by SIGKILL", ee)
			}
			// openStore waits for the orphaned xe to release the lock.
			st := loadModel(t, root)
			if st.Book.Calls != 2 || len(st.Book.Faults) != 0 {
				t.Errorf("calls %d, faults %v: want 2 calls and the fault spent", st.Book.Calls, st.Book.Faults)
			}
			if forgotten := st.Model.pif(eth2) == nil; forgotten != tt.wantForget {
				t.Errorf("PIF forgotten: %v, want %v", forgotten, tt.wantForget)
			}
			// the next call runs normally.
			if r := run(t, root, "xe", "pif-list", "uuid="+eth2, "--minimal"); r.code != 0 {
				t.Errorf("call 3: %+v", r)
			}
		})
	}
}

func TestFailFault(t *testing.T) {
	root := newRoot(t)
	arm(t, root, "--call", "2", "--fail", "--stderr", "", "--code", "42")
	mustRun(t, root, "xe", "host-list")
	if r := run(t, root, "reboot"); r != (result{"", "", 42}) {
		t.Errorf("call 2: got %+v, want exit 42 and no output", r)
	}
	if st := loadModel(t, root); st.Model.localHost().Dom0.RebootPending {
		t.Errorf("a failed reboot asked for a reboot")
	}
	mustRun(t, root, "reboot")
}

func TestFailFaultOutput(t *testing.T) {
	root := newRoot(t)
	arm(t, root, "--call", "1", "--fail", "--stderr", "boom")
	if r := run(t, root, "xe", "host-list"); r != (result{"", "boom\n", 1}) {
		t.Errorf("got %+v, want stderr boom and exit 1", r)
	}
}

func TestHostExecKilled(t *testing.T) {
	root := newRoot(t)
	h, err := NewHost(root)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	arm(t, root, "--call", "1", "--kill-after")
	res, err := h.Exec(context.Background(), builtins.Command{Path: "reboot"})
	if !errors.Is(err, ErrKilled) {
		t.Fatalf("got %v, want ErrKilled", err)
	}
	if res.ExitCode != killedStatus {
		t.Errorf("exit %d", res.ExitCode)
	}
	if st := loadModel(t, root); !st.Model.localHost().Dom0.RebootPending {
		t.Errorf("kill-after: the reboot was not asked for")
	}
	// kill-before: no effect.
	root2 := newRoot(t)
	h2, err := NewHost(root2)
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Close()
	arm(t, root2, "--call", "1", "--kill-before")
	if _, err := h2.Exec(context.Background(), builtins.Command{Path: "reboot"}); !errors.Is(err, ErrKilled) {
		t.Fatalf("got %v, want ErrKilled", err)
	}
	if st := loadModel(t, root2); st.Model.localHost().Dom0.RebootPending {
		t.Errorf("kill-before: the reboot was asked for")
	}
}
