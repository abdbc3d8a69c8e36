package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "current")
	if err := Write(p, []byte("one\n"), 0o600, nil); err != nil {
		t.Fatal(err)
	}
	if err := Write(p, []byte("two\n"), 0o640, nil); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(p)
	if err != nil || string(got) != "two\n" {
		t.Fatalf("got %q, %v, want %q", got, err, "two\n")
	}
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode: got %v, want 0640 (not changed by the umask)", fi.Mode().Perm())
	}
	assertOnly(t, dir, "current")
}

// A write that fails (a full disk, through the hook) leaves the old
// content and no temporary file.
func TestWriteFailsCleanly(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "claim")
	if err := Write(p, []byte("old\n"), 0o600, nil); err != nil {
		t.Fatal(err)
	}
	full := func(f *os.File, b []byte) (int, error) {
		n, _ := f.Write(b[:1])
		return n, syscall.ENOSPC
	}
	err := Write(p, []byte("new content\n"), 0o600, full)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("got %v, want ENOSPC", err)
	}
	short := func(f *os.File, b []byte) (int, error) { return f.Write(b[:2]) }
	if err := Write(p, []byte("new content\n"), 0o600, short); err == nil {
		t.Fatal("a short write succeeded")
	}
	got, _ := os.ReadFile(p)
	if string(got) != "old\n" {
		t.Errorf("after failed writes: got %q, want the old content", got)
	}
	assertOnly(t, dir, "claim")
}

func assertOnly(t *testing.T, dir, name string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || ents[0].Name() != name {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %q, want only %q", names, name)
	}
}
