package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/runbook-dev/runbook/engine"
	"github.com/runbook-dev/runbook/internal/journal"
)

// tempBinaryWarning warns, before a run or a resume, when the boot hook
// that reboot_and_resume installs would run a binary that will not be
// there after the reboot: one that `go run` built in a temporary or
// build-cache directory. It only matters on a real host (root /, whose
// boot runs the hook) and for a runbook that can reboot.
func (c *cli) tempBinaryWarning(bin, root string, files map[string][]byte) {
	if !isRealRoot(root) || !canReboot(files) {
		return
	}
	where := temporaryDir(bin, c.getenv)
	if where == "" {
		return
	}
	fmt.Fprintf(c.stderr, "warning: this runbook can reboot the host, and the boot hook would run this binary, %s,\n"+
		"  which is in %s (a 'go run' build?): after the reboot it will be gone and the run will not resume by itself;\n"+
		"  install a built binary and run that instead: go build -o /usr/local/bin/runbook ./cmd/runbook\n", bin, where)
}

// resumeBinaryWarning is tempBinaryWarning for the run a resume continues:
// its recorded root and its pinned runbook.
func (c *cli) resumeBinaryWarning(e *engine.Engine) {
	st, err := e.Status()
	if err != nil || st == nil || st.Journal == "" {
		return
	}
	f, err := os.Open(st.Journal)
	if err != nil {
		return
	}
	line, _ := bufio.NewReaderSize(f, 64<<10).ReadBytes('\n')
	f.Close()
	var h journal.Header
	if json.Unmarshal(line, &h) != nil {
		return
	}
	files := map[string][]byte{}
	filepath.WalkDir(filepath.Join(st.RunDir, "pinned"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, err := os.ReadFile(p); err == nil {
				files[p] = b
			}
		}
		return nil
	})
	c.tempBinaryWarning(e.Binary, h.Options.Root, files)
}

func isRealRoot(root string) bool {
	abs, err := filepath.Abs(root)
	return err == nil && abs == "/"
}

// canReboot reports whether a runbook's files call reboot_and_resume.
func canReboot(files map[string][]byte) bool {
	for _, src := range files {
		if strings.Contains(string(src), "reboot_and_resume(") {
			return true
		}
	}
	return false
}

// temporaryDir returns the temporary or build-cache directory bin is
// in, or "": the system's temporary directories, TMPDIR, GOTMPDIR and
// GOCACHE, and the go-build directories of `go run` and the build cache.
func temporaryDir(bin string, getenv func(string) string) string {
	if bin == "" {
		return ""
	}
	if p, err := filepath.EvalSymlinks(bin); err == nil {
		bin = p
	}
	bin = filepath.Clean(bin)
	dirs := []string{"/tmp", "/var/tmp", "/dev/shm"}
	for _, k := range []string{"TMPDIR", "GOTMPDIR", "GOCACHE"} {
		if v := getenv(k); v != "" && filepath.IsAbs(v) {
			dirs = append(dirs, filepath.Clean(v))
		}
	}
	for _, d := range dirs {
		if d != "/" && strings.HasPrefix(bin, d+string(filepath.Separator)) {
			return d
		}
	}
	for _, part := range strings.Split(filepath.ToSlash(filepath.Dir(bin)), "/") {
		if strings.HasPrefix(part, "go-build") {
			return "a Go build directory (" + part + ")"
		}
	}
	return ""
}
