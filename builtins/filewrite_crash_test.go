package builtins

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fileWriteChild is set in the environment of the child process that
// TestFileWriteKilledBeforeRename kills: ROOT|NAME, the host root and the
// host path to write.
const fileWriteChild = "RUNBOOK_TEST_FILEWRITE_CHILD"

// Contents of different lengths, so that any mix of the two shows.
var (
	oldContent = bytes.Repeat([]byte("old content line\n"), 40000)
	newContent = bytes.Repeat([]byte("NEW CONTENT, LONGER LINE\n"), 50000)
)

// TestFileWriteKilledBeforeRename kills a process with SIGKILL inside
// WriteFile, after the temporary file is written and synced and before
// the rename: the target holds the old content (or still does not
// exist), never a mix; the next write of the same file, as the re-run
// step of a resume does, leaves the new content and no temporary file.
func TestFileWriteKilledBeforeRename(t *testing.T) {
	if spec := os.Getenv(fileWriteChild); spec != "" {
		runKilledWrite(spec)
		return
	}
	tried, whole, bad := 0, 0, 0
	defer func() {
		t.Logf("file_write kills: %d tried, %d old or new content, %d mixes or temporary files left", tried, whole, bad)
	}()
	for _, tt := range []struct {
		name    string
		osRoot  bool // root "/" (plain OS paths) instead of an os.Root
		existed bool
	}{
		{"replace", false, true},
		{"create", false, false},
		{"replace-root-slash", true, true},
		{"create-root-slash", true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tried++
			defer func() {
				if t.Failed() {
					bad++
				} else {
					whole++
				}
			}()
			dir := t.TempDir()
			root, name := dir, "/etc/sysconfig/network-scripts/ifcfg-bond51"
			if tt.osRoot {
				root, name = "/", filepath.ToSlash(filepath.Join(dir, "etc/sysconfig/network-scripts/ifcfg-bond51"))
			}
			local := filepath.Join(dir, "etc/sysconfig/network-scripts/ifcfg-bond51")
			if err := os.MkdirAll(filepath.Dir(local), 0o755); err != nil {
				t.Fatal(err)
			}
			if tt.existed {
				if err := os.WriteFile(local, oldContent, 0o644); err != nil {
					t.Fatal(err)
				}
			}

			cmd := exec.Command(os.Args[0], "-test.run=^TestFileWriteKilledBeforeRename$", "-test.count=1")
			cmd.Env = append(os.Environ(), fileWriteChild+"="+root+"|"+name)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("child: got %v, want killed\n%s", err, out)
			}
			if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("child: got %v, want killed by SIGKILL before the rename\n%s", err, out)
			}

			// The target: the old content or nothing, never a mix.
			got, err := os.ReadFile(local)
			switch {
			case tt.existed && err != nil:
				t.Errorf("after the kill the target is gone: %v", err)
			case tt.existed && !bytes.Equal(got, oldContent):
				t.Errorf("after the kill the target holds %d bytes (%q...), want the old %d bytes", len(got), got[:min(40, len(got))], len(oldContent))
			case !tt.existed && err == nil:
				t.Errorf("after the kill a target that did not exist holds %d bytes", len(got))
			}
			// The kill came between the temporary file and the rename.
			tmp := filepath.Join(filepath.Dir(local), path.Base(TempName(name)))
			if b, err := os.ReadFile(tmp); err != nil || !bytes.Equal(b, newContent) {
				t.Errorf("the temporary file %s: %d bytes, %v; want the whole new content (the kill came elsewhere)", tmp, len(b), err)
			}

			// The re-run of the step.
			h, err := NewOSHost(root)
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			if err := h.WriteFile(name, newContent, 0o644); err != nil {
				t.Fatalf("re-run: %v", err)
			}
			if got, _ := os.ReadFile(local); !bytes.Equal(got, newContent) {
				t.Errorf("after the re-run the target holds %d bytes, want the new %d", len(got), len(newContent))
			}
			if fi, err := os.Stat(local); err != nil || fi.Mode().Perm() != 0o644 {
				t.Errorf("after the re-run: %v, mode %v; want 0644", err, fi.Mode())
			}
			ents, err := os.ReadDir(filepath.Dir(local))
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range ents {
				if strings.Contains(e.Name(), "runbook-tmp") {
					t.Errorf("a temporary file is left after the re-run: %s", e.Name())
				}
			}
		})
	}
}

// runKilledWrite is the child: it writes the new content and kills
// itself between the temporary file and the rename.
func runKilledWrite(spec string) {
	root, name, _ := strings.Cut(spec, "|")
	h, err := NewOSHost(root)
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(3)
	}
	h.beforeRename = func(tmp string) error {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(time.Minute)
		return errors.New("not killed")
	}
	err = h.WriteFile(name, newContent, 0o644)
	os.Stderr.WriteString("WriteFile returned: " + errString(err) + "\n")
	os.Exit(4)
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
