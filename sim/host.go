package sim

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/runbook-dev/runbook/builtins"
	"github.com/runbook-dev/runbook/internal/environ"
)

// Host is a builtins.Host on a simulated host, in process: the simulated
// programs run as function calls, files live under the root.
type Host struct {
	root  string
	files *builtins.OSHost
}

// NewHost opens the simulated host in root, a directory made by Init.
func NewHost(root string) (*Host, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("simulated host %s: %w", root, err)
	}
	if !isRoot(abs) {
		return nil, fmt.Errorf("%s: no simulated host here; make one with 'runbook sim init DIR'", abs)
	}
	files, err := builtins.NewOSHost(abs)
	if err != nil {
		return nil, fmt.Errorf("simulated host: %w", err)
	}
	return &Host{root: abs, files: files}, nil
}

// Root returns the directory of the simulated host.
func (h *Host) Root() string { return h.root }

// Close releases the handle on the root.
func (h *Host) Close() error { return h.files.Close() }

// LookPath resolves a simulated program: a path is kept as it is, a bare
// name maps to ROOT/bin/<name>. Programs the host does not have (others,
// or xe-switch-network-backend on release 9) are not found.
func (h *Host) LookPath(name string) (string, error) {
	base := path.Base(name)
	if !IsProgram(base) {
		return "", fmt.Errorf("%s: not a simulated program (the simulated host runs %s): %w", name, strings.Join(Programs(), ", "), exec.ErrNotFound)
	}
	if _, err := os.Lstat(filepath.Join(h.root, "bin", base)); err != nil {
		return "", fmt.Errorf("%s: not installed on this release of the simulated host: %w", name, exec.ErrNotFound)
	}
	if strings.Contains(name, "/") {
		return name, nil
	}
	return filepath.Join(h.root, "bin", base), nil
}

// Boot performs the boot of the simulated dom0, in process, as `runbook
// sim boot` does (see Boot). opts.Exec runs the units' commands that are
// not simulated programs, such as the boot hook's `runbook resume`.
func (h *Host) Boot(ctx context.Context, opts BootOptions) (*BootResult, error) {
	return Boot(ctx, h.root, opts)
}

// Exec runs a simulated program in process, as Main with RUNBOOK_ROOT set
// to the root and cmd.Env added. A kill fault does not signal anything:
// Exec returns an error wrapping ErrKilled instead.
func (h *Host) Exec(ctx context.Context, cmd builtins.Command) (builtins.Result, error) {
	if err := ctx.Err(); err != nil {
		return builtins.Result{}, fmt.Errorf("%s: %w", cmd.Path, err)
	}
	if _, err := h.LookPath(cmd.Path); err != nil {
		return builtins.Result{}, err
	}
	env := append([]string{"RUNBOOK_ROOT=" + h.root}, cmd.Env...)
	getenv := environ.Getter(env)
	var stdout, stderr bytes.Buffer
	killed := false
	inv := invocation{
		argv:   append([]string{cmd.Path}, cmd.Args...),
		getenv: getenv,
		stdout: &stdout,
		stderr: &stderr,
		kill:   func() { killed = true },
	}
	code := inv.run()
	res := builtins.Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes(), ExitCode: code}
	if killed {
		return res, fmt.Errorf("%s: %w", cmd.Path, ErrKilled)
	}
	return res, nil
}

// ReadFile implements builtins.Host.
func (h *Host) ReadFile(name string) ([]byte, error) { return h.files.ReadFile(name) }

// WriteFile implements builtins.Host.
func (h *Host) WriteFile(name string, data []byte, perm fs.FileMode) error {
	return h.files.WriteFile(name, data, perm)
}

// Lstat implements builtins.Host.
func (h *Host) Lstat(name string) (fs.FileInfo, error) { return h.files.Lstat(name) }

// Readlink implements builtins.Host.
func (h *Host) Readlink(name string) (string, error) { return h.files.Readlink(name) }

// Symlink implements builtins.Host.
func (h *Host) Symlink(target, name string) error { return h.files.Symlink(target, name) }

// Remove implements builtins.Host.
func (h *Host) Remove(name string) error { return h.files.Remove(name) }
