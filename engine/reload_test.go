package engine

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/runbook-dev/runbook/internal/journal"
)

// A reload killed at any point between writing its new pin and moving
// it in place leaves a run whose next resume finds the pin the journal
// names in pinned/.
func TestRecoverPin(t *testing.T) {
	oldSrc, newSrc := []byte("old\n"), []byte("new\n")
	newFiles := []journal.PinnedFile{{Name: "a.star", SHA256: hashHex(newSrc)}}
	oldFiles := []journal.PinnedFile{{Name: "a.star", SHA256: hashHex(oldSrc)}}
	write := func(t *testing.T, dir string, b []byte) {
		t.Helper()
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "a.star"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name     string
		setup    func(t *testing.T, run string)
		st       Status // files, keptPin: what the journal says
		wantPin  []byte
		wantKept []byte // in pinned.1, nil for none
	}{
		{"killed before the repin record", func(t *testing.T, run string) {
			write(t, filepath.Join(run, pinnedDir), oldSrc)
			write(t, filepath.Join(run, nextPinDir), newSrc)
		}, Status{files: oldFiles}, oldSrc, nil},
		{"killed after the record, before the moves", func(t *testing.T, run string) {
			write(t, filepath.Join(run, pinnedDir), oldSrc)
			write(t, filepath.Join(run, nextPinDir), newSrc)
		}, Status{files: newFiles, keptPin: "pinned.1", Reloads: 1}, newSrc, oldSrc},
		{"killed between the moves", func(t *testing.T, run string) {
			write(t, filepath.Join(run, "pinned.1"), oldSrc)
			write(t, filepath.Join(run, nextPinDir), newSrc)
		}, Status{files: newFiles, keptPin: "pinned.1", Reloads: 1}, newSrc, oldSrc},
		{"a second reload, killed before its record", func(t *testing.T, run string) {
			write(t, filepath.Join(run, "pinned.1"), oldSrc)
			write(t, filepath.Join(run, pinnedDir), newSrc)
			write(t, filepath.Join(run, nextPinDir), []byte("newer\n"))
		}, Status{files: newFiles, keptPin: "pinned.1", Reloads: 1}, newSrc, oldSrc},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := t.TempDir()
			tt.setup(t, run)
			st := tt.st
			st.RunDir = run
			if err := recoverPin(&st); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(run, pinnedDir, "a.star"))
			if err != nil || string(got) != string(tt.wantPin) {
				t.Errorf("pinned/a.star: got %q (%v), want %q", got, err, tt.wantPin)
			}
			if _, err := os.Lstat(filepath.Join(run, nextPinDir)); !os.IsNotExist(err) {
				t.Errorf("%s is still there (%v)", nextPinDir, err)
			}
			kept, err := os.ReadFile(filepath.Join(run, "pinned.1", "a.star"))
			if tt.wantKept == nil {
				if err == nil {
					t.Errorf("pinned.1 exists, want none")
				}
			} else if string(kept) != string(tt.wantKept) {
				t.Errorf("pinned.1/a.star: got %q (%v), want %q", kept, err, tt.wantKept)
			}
		})
	}
}
