// Package atomicfile replaces a file atomically and durably: the engine's
// small state files (current, the host claim) and the simulated host's
// files. The atomic part is github.com/google/renameio/v2 (a temporary
// file in the same directory, fsynced, renamed over the target, removed
// on failure); renameio leaves durability of the rename to the caller,
// so Write also fsyncs the directory. The real host's file_write keeps
// its own, inside an os.Root (builtins.OSHost).
package atomicfile

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/google/renameio/v2"
)

// WriteFunc writes b to f as f.Write does; nil means f.Write. The engine
// passes its write hook, through which tests fill the disk up.
type WriteFunc func(f *os.File, b []byte) (int, error)

// Write replaces path with data, mode perm: readers see the old content
// or the new, never a part, and once Write returns the new content and
// its name are on disk. On failure path is unchanged and the temporary
// file is gone.
func Write(path string, data []byte, perm fs.FileMode, write WriteFunc) error {
	dir := filepath.Dir(path)
	pf, err := renameio.NewPendingFile(path, renameio.WithTempDir(dir), renameio.WithStaticPermissions(perm))
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer pf.Cleanup()
	var n int
	if write != nil {
		n, err = write(pf.File, data)
	} else {
		n, err = pf.Write(data)
	}
	if err == nil && n < len(data) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := pf.CloseAtomicallyReplace(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("write %s: sync its directory: %w", path, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("write %s: sync its directory: %w", path, err)
	}
	return nil
}
