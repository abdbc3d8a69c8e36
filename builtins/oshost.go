package builtins

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/runbook-dev/runbook/internal/environ"
)

// OSHost is the real host: it runs real programs and touches real files,
// every file name taken under Root. A Root other than "/" is opened as an
// os.Root, so no name can resolve outside it through ".." or a symbolic
// link.
type OSHost struct {
	root   string
	fsroot *os.Root // nil when root is "/"
	// PathDirs are searched, in order, before $PATH for program names
	// without a slash.
	PathDirs []string
	// FallbackDirs are searched after $PATH.
	FallbackDirs []string
	// Environ is the base environment of every program (os.Environ()
	// when nil).
	Environ []string
	// beforeRename, when set (tests only), runs between writing and
	// renaming the temporary file of WriteFile; an error stops there.
	beforeRename func(tmp string) error
}

var _ Host = (*OSHost)(nil)

// NewOSHost returns a host whose files live under root, an existing
// directory ("/" on a real dom0).
func NewOSHost(root string) (*OSHost, error) {
	if root == "" {
		root = "/"
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("root %s: %w", root, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("root: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("root %s: not a directory", abs)
	}
	h := &OSHost{root: abs}
	if abs != "/" {
		r, err := os.OpenRoot(abs)
		if err != nil {
			return nil, fmt.Errorf("root: %w", err)
		}
		h.fsroot = r
	}
	return h, nil
}

// Root returns the directory host paths are taken under.
func (h *OSHost) Root() string { return h.root }

// Close releases the root directory handle.
func (h *OSHost) Close() error {
	if h.fsroot != nil {
		return h.fsroot.Close()
	}
	return nil
}

// rel checks that name is an absolute, clean host path and returns it
// relative to the root (for os.Root) or as an OS path (for root "/").
// Under a root other than "/", symbolic links on the way are resolved as
// the host would see them: an absolute target starts again at the root,
// and ".." never climbs above it. followLast says whether a link in the
// final component is followed too.
func (h *OSHost) rel(name string, followLast bool) (string, error) {
	if !strings.HasPrefix(name, "/") {
		return "", fmt.Errorf("%q: not an absolute path; write it from the host's root, e.g. %q", name, "/"+strings.TrimPrefix(name, "./"))
	}
	if strings.ContainsRune(name, 0) {
		return "", fmt.Errorf("%q: path contains a NUL byte", name)
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", fmt.Errorf("%q: path contains \"..\"; give the real path under the root", name)
		}
	}
	if h.fsroot == nil {
		return path.Clean(name), nil
	}
	return h.resolve(name, followLast)
}

// maxLinks bounds the symbolic links followed for one path, like the
// kernel's ELOOP limit.
const maxLinks = 40

// resolve walks name under the root, replacing symbolic links by their
// targets, and returns a path relative to the root with no link left on
// the way (but possibly the last component, if !followLast).
func (h *OSHost) resolve(name string, followLast bool) (string, error) {
	todo := splitPath(name)
	var done []string
	links := 0
	for len(todo) > 0 {
		part := todo[0]
		todo = todo[1:]
		switch part {
		case ".":
			continue
		case "..":
			if len(done) > 0 {
				done = done[:len(done)-1]
			}
			continue
		}
		cur := path.Join(append(done, part)...)
		if len(todo) == 0 && !followLast {
			done = append(done, part)
			break
		}
		fi, err := h.fsroot.Lstat(cur)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			// A missing component: the rest does not exist either.
			done = append(done, part)
			continue
		}
		if links++; links > maxLinks {
			return "", fmt.Errorf("%s: too many levels of symbolic links", name)
		}
		target, err := h.fsroot.Readlink(cur)
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(target, "/") {
			done = nil
		}
		todo = append(splitPath(target), todo...)
	}
	if len(done) == 0 {
		return ".", nil
	}
	return path.Join(done...), nil
}

func splitPath(p string) []string {
	var parts []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return parts
}

// LocalPath returns where a host path lives on the local file system,
// for messages.
func (h *OSHost) LocalPath(name string) string {
	if h.root == "/" {
		return name
	}
	return filepath.Join(h.root, filepath.FromSlash(name))
}

// ReadFile implements Host.
func (h *OSHost) ReadFile(name string) ([]byte, error) {
	p, err := h.rel(name, true)
	if err != nil {
		return nil, err
	}
	if h.fsroot == nil {
		return os.ReadFile(p)
	}
	return h.fsroot.ReadFile(p)
}

// Lstat implements Host.
func (h *OSHost) Lstat(name string) (fs.FileInfo, error) {
	p, err := h.rel(name, false)
	if err != nil {
		return nil, err
	}
	if h.fsroot == nil {
		return os.Lstat(p)
	}
	return h.fsroot.Lstat(p)
}

// Readlink implements Host.
func (h *OSHost) Readlink(name string) (string, error) {
	p, err := h.rel(name, false)
	if err != nil {
		return "", err
	}
	if h.fsroot == nil {
		return os.Readlink(p)
	}
	return h.fsroot.Readlink(p)
}

// Symlink implements Host.
func (h *OSHost) Symlink(target, name string) error {
	p, err := h.rel(name, false)
	if err != nil {
		return err
	}
	if err := h.mkdirAll(path.Dir(p)); err != nil {
		return err
	}
	if h.fsroot == nil {
		err = os.Symlink(target, p)
	} else {
		err = h.fsroot.Symlink(target, p)
	}
	if err != nil {
		return err
	}
	return h.syncDir(path.Dir(p))
}

// Remove implements Host.
func (h *OSHost) Remove(name string) error {
	p, err := h.rel(name, false)
	if err != nil {
		return err
	}
	if h.fsroot == nil {
		err = os.Remove(p)
	} else {
		err = h.fsroot.Remove(p)
	}
	if err != nil {
		return err
	}
	return h.syncDir(path.Dir(p))
}

func (h *OSHost) mkdirAll(dir string) error {
	if h.fsroot == nil {
		return os.MkdirAll(dir, 0o755)
	}
	if dir == "." {
		return nil
	}
	return h.fsroot.MkdirAll(dir, 0o755)
}

func (h *OSHost) openFile(p string, flag int, perm fs.FileMode) (*os.File, error) {
	if h.fsroot == nil {
		return os.OpenFile(p, flag, perm)
	}
	return h.fsroot.OpenFile(p, flag, perm)
}

func (h *OSHost) syncDir(dir string) error {
	d, err := h.openFile(dir, os.O_RDONLY, 0)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// TempName is the name WriteFile gives the temporary file it renames
// over name. It is fixed, not random, so that a write interrupted by a
// crash leaves a file the next write of the same name replaces.
func TempName(name string) string {
	dir, base := path.Split(name)
	return dir + "." + base + ".runbook-tmp"
}

// WriteFile implements Host: temporary file, fsync, rename, fsync of the
// directory.
func (h *OSHost) WriteFile(name string, data []byte, perm fs.FileMode) error {
	p, err := h.rel(name, false)
	if err != nil {
		return err
	}
	if err := h.mkdirAll(path.Dir(p)); err != nil {
		return err
	}
	if fi, err := h.Lstat(name); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("%s: is a symbolic link; write its target instead", name)
	}
	tmp := TempName(p)
	f, err := h.openFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Chmod(perm)
	}
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil && h.beforeRename != nil {
		if err := h.beforeRename(tmp); err != nil {
			return err
		}
	}
	if werr == nil {
		if h.fsroot == nil {
			werr = os.Rename(tmp, p)
		} else {
			werr = h.fsroot.Rename(tmp, p)
		}
	}
	if werr != nil {
		if h.fsroot == nil {
			os.Remove(tmp)
		} else {
			h.fsroot.Remove(tmp)
		}
		return werr
	}
	return h.syncDir(path.Dir(p))
}

// LookPath implements Host. Names with a slash are used as they are;
// others are searched in PathDirs, $PATH (of Environ), then FallbackDirs.
func (h *OSHost) LookPath(name string) (string, error) {
	if name == "" {
		return "", errors.New("empty program name")
	}
	if strings.Contains(name, "/") {
		if err := isExecutable(name); err != nil {
			return "", err
		}
		return name, nil
	}
	var dirs []string
	dirs = append(dirs, h.PathDirs...)
	dirs = append(dirs, filepath.SplitList(h.getenv("PATH"))...)
	dirs = append(dirs, h.FallbackDirs...)
	for _, d := range dirs {
		if d == "" {
			continue
		}
		p := filepath.Join(d, name)
		if isExecutable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: %w", name, exec.ErrNotFound)
}

func isExecutable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return fmt.Errorf("%s: %w", p, fs.ErrPermission)
	}
	return nil
}

func (h *OSHost) environ() []string {
	if h.Environ != nil {
		return h.Environ
	}
	return os.Environ()
}

func (h *OSHost) getenv(key string) string { return environ.Get(h.environ(), key) }

// Exec implements Host. The program runs in its own process group, so a
// timeout or cancellation kills it and everything it started.
func (h *OSHost) Exec(ctx context.Context, c Command) (Result, error) {
	prog, err := h.LookPath(c.Path)
	if err != nil {
		return Result{}, err
	}
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, prog, c.Args...)
	cmd.Args[0] = c.Path
	cmd.Env = append(append([]string(nil), h.environ()...), c.Env...)
	if c.Stdin != nil {
		cmd.Stdin = bytes.NewReader(c.Stdin)
	}
	var stdout, stderr cappedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	if err = cmd.Start(); err == nil {
		if c.Started != nil {
			c.Started(cmd.Process.Pid)
		}
		err = cmd.Wait()
	}
	res := Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes(), Overflow: stdout.over || stderr.over}
	if ctxErr := ctx.Err(); ctxErr != nil && cmd.Process != nil {
		if errors.Is(ctxErr, context.DeadlineExceeded) {
			return res, &cutOffError{fmt.Errorf("%s: no answer within %s (killed); if it is just slow, raise --call-timeout or give the call timeout=", c.Path, c.Timeout)}
		}
		return res, &cutOffError{fmt.Errorf("%s: %w", c.Path, ctxErr)}
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return res, &cutOffError{fmt.Errorf("%s: killed by signal %s", c.Path, SignalName(ws.Signal()))}
		}
		res.ExitCode = exit.ExitCode()
		return res, nil
	}
	if err != nil {
		return res, err
	}
	return res, nil
}

// cappedBuffer keeps the first MaxOutput bytes written to it and counts
// the rest as overflow, so a program that floods its output cannot
// exhaust memory.
type cappedBuffer struct {
	buf  bytes.Buffer
	over bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if room := MaxOutput - b.buf.Len(); len(p) > room {
		b.buf.Write(p[:max(room, 0)])
		b.over = true
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *cappedBuffer) Bytes() []byte { return b.buf.Bytes() }

// signalNames are the names of the signals a program is commonly killed
// by; Go's own names ("killed") read badly after "killed by signal".
var signalNames = map[syscall.Signal]string{
	syscall.SIGHUP: "SIGHUP", syscall.SIGINT: "SIGINT", syscall.SIGQUIT: "SIGQUIT",
	syscall.SIGILL: "SIGILL", syscall.SIGABRT: "SIGABRT", syscall.SIGBUS: "SIGBUS",
	syscall.SIGFPE: "SIGFPE", syscall.SIGKILL: "SIGKILL", syscall.SIGSEGV: "SIGSEGV",
	syscall.SIGPIPE: "SIGPIPE", syscall.SIGALRM: "SIGALRM", syscall.SIGTERM: "SIGTERM",
	syscall.SIGUSR1: "SIGUSR1", syscall.SIGUSR2: "SIGUSR2", syscall.SIGXCPU: "SIGXCPU",
	syscall.SIGXFSZ: "SIGXFSZ",
}

// SignalName returns a signal's name, such as SIGKILL.
func SignalName(s syscall.Signal) string {
	if n, ok := signalNames[s]; ok {
		return n
	}
	return fmt.Sprintf("signal %d", int(s))
}

// cutOffError is a program that did not finish on its own; it matches
// ErrCutOff.
type cutOffError struct{ err error }

func (e *cutOffError) Error() string        { return e.err.Error() }
func (e *cutOffError) Unwrap() error        { return e.err }
func (e *cutOffError) Is(target error) bool { return target == ErrCutOff }
