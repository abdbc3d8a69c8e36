package builtins

import (
	"context"
	"errors"
	"io/fs"
	"time"
)

// Host is everything a runbook can reach on the machine it runs on. The
// builtins act on the host only through it, so the same engine drives a
// real dom0 (OSHost) or the simulated one (package sim).
//
// File names given to a Host are absolute host paths ("/etc/hostname");
// the implementation maps them under its root and must refuse any name
// that would resolve outside it, through ".." or a symbolic link.
type Host interface {
	// Exec runs one program and waits for it. A program that runs and
	// exits non-zero is not an error: its status is in Result.ExitCode.
	// The error reports a program that could not be started, was killed
	// by a signal, or outlived cmd.Timeout or ctx.
	Exec(ctx context.Context, cmd Command) (Result, error)
	// LookPath resolves a program name the way Exec would.
	LookPath(name string) (string, error)

	// ReadFile returns the content of a host file.
	ReadFile(name string) ([]byte, error)
	// WriteFile replaces a host file atomically and durably: a reader
	// sees the old or the new content, never a mix, and after it returns
	// the new content survives a power cut. Missing parent directories
	// are created (0755).
	WriteFile(name string, data []byte, perm fs.FileMode) error
	// Lstat describes a host file without following a final symlink.
	Lstat(name string) (fs.FileInfo, error)
	// Readlink returns the target of a symbolic link.
	Readlink(name string) (string, error)
	// Symlink creates the link name pointing at target (verbatim).
	Symlink(target, name string) error
	// Remove deletes a file or an empty directory.
	Remove(name string) error
}

// Command is one program for Host.Exec. No shell is involved: Args reach
// the program exactly as given.
type Command struct {
	// Path is the program: an absolute path, or a name to look up.
	Path string
	// Args are the arguments after the program name.
	Args []string
	// Env holds extra KEY=VALUE entries added to the host's environment.
	Env []string
	// Stdin is the program's standard input (empty when nil).
	Stdin []byte
	// Timeout bounds the run; zero means no limit.
	Timeout time.Duration
	// Started, when set, is called with the program's process id once it
	// runs and before it is waited for (the engine journals it, so that a
	// later process knows a child may still be at work).
	Started func(pid int)
}

// MaxOutput is the most of each of a program's stdout and stderr a host
// keeps; the rest is read and dropped, and Result.Overflow is set.
const MaxOutput = 32 << 20

// ErrCutOff is wrapped by the error of a program that was started and
// did not finish on its own: it outlived its timeout or the context, or
// a signal killed it. Whatever it was doing may have happened or not.
var ErrCutOff = errors.New("cut off")

// Result is the outcome of a program that ran to completion.
type Result struct {
	Stdout   []byte
	Stderr   []byte
	ExitCode int
	// Overflow says the program wrote more than MaxOutput to stdout or
	// stderr; what it wrote past that was dropped.
	Overflow bool
}
