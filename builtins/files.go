package builtins

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"go.starlark.net/starlark"
)

// readFileBuiltin implements read_file(path, default=<error>).
func readFileBuiltin(env *Env, thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	var def starlark.Value
	if err := starlark.UnpackArgs("read_file", args, kwargs, "path", &name, "default?", &def); err != nil {
		return nil, err
	}
	b, err := env.Host.ReadFile(name)
	if err != nil {
		if def != nil && errors.Is(err, fs.ErrNotExist) {
			return def, nil
		}
		return nil, fmt.Errorf("read_file %s: %v", name, pathErr(err))
	}
	return starlark.String(b), nil
}

// pathErr drops the local path from an error, which names the file as
// the runbook does already.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// existsBuiltin implements exists(path): whether the file (or link)
// exists.
func existsBuiltin(env *Env, thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	if err := starlark.UnpackPositionalArgs("exists", args, kwargs, 1, &name); err != nil {
		return nil, err
	}
	_, err := env.Host.Lstat(name)
	switch {
	case err == nil:
		return starlark.True, nil
	case errors.Is(err, fs.ErrNotExist):
		return starlark.False, nil
	}
	return nil, fmt.Errorf("exists %s: %v", name, pathErr(err))
}

func describeFileWrite(args starlark.Tuple, kwargs []starlark.Tuple) string {
	// The content is part of the identity of the step, but the journal
	// keeps only its size; the key hashes the full call.
	if len(args) >= 2 {
		if c, ok := starlark.AsString(args[1]); ok {
			short := starlark.Tuple{args[0], starlark.String(fmt.Sprintf("<%d bytes, %s>", len(c), shortHash(c)))}
			return DescribeCall("file_write", append(short, args[2:]...), kwargs)
		}
	}
	return DescribeCall("file_write", args, kwargs)
}

// fileWriteBuiltin implements file_write(path, content, mode=0o644):
// an atomic, durable replacement that keeps the previous content as a
// backup of the run and reports whether anything changed.
func fileWriteBuiltin(env *Env, thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name, content string
	mode := 0o644
	if err := starlark.UnpackArgs("file_write", args, kwargs, "path", &name, "content", &content, "mode?", &mode); err != nil {
		return nil, err
	}
	if mode < 0 || mode > 0o7777 {
		return nil, fmt.Errorf("file_write %s: mode %#o: want permission bits such as 0o644", name, mode)
	}
	perm := fs.FileMode(mode)
	old, err := env.Host.ReadFile(name)
	existed := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("file_write %s: %v", name, pathErr(err))
	}
	var oldPerm fs.FileMode
	if existed {
		fi, err := env.Host.Lstat(name)
		if err != nil {
			return nil, fmt.Errorf("file_write %s: %v", name, pathErr(err))
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return nil, fmt.Errorf("file_write %s: is a symbolic link; write the file it points to instead", name)
		}
		oldPerm = fi.Mode().Perm() | fi.Mode()&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)
		if string(old) == content && oldPerm == modeBits(perm) {
			return starlark.False, nil
		}
	}
	if env.DryRun {
		w := Would{Kind: "write", Path: name, Mode: fmt.Sprintf("%04o", mode), Existed: existed}
		what := fmt.Sprintf("write %s (mode %#o)", name, mode)
		if existed && string(old) == content {
			w.Kind = "chmod"
			what = fmt.Sprintf("chmod %#o %s (content unchanged)", mode, name)
		} else {
			w.Diff = UnifiedDiff(name, string(old), content, existed)
			what += "\n" + strings.TrimRight(w.Diff, "\n")
		}
		w.Text = what
		env.would(w)
		return starlark.True, nil
	}
	if err := env.Effects.Backup(name, old, oldPerm, existed); err != nil {
		return nil, fmt.Errorf("file_write %s: %v", name, err)
	}
	if err := env.Host.WriteFile(name, []byte(content), modeBits(perm)); err != nil {
		return nil, fmt.Errorf("file_write %s: %v", name, pathErr(err))
	}
	env.Effects.Changed()
	return starlark.True, nil
}

// modeBits converts Unix permission bits (as 0o4755) to an fs.FileMode.
func modeBits(m fs.FileMode) fs.FileMode {
	out := m & fs.ModePerm
	if m&0o4000 != 0 {
		out |= fs.ModeSetuid
	}
	if m&0o2000 != 0 {
		out |= fs.ModeSetgid
	}
	if m&0o1000 != 0 {
		out |= fs.ModeSticky
	}
	return out
}

// removeFileBuiltin implements remove_file(path): delete a file, keeping
// its content as a backup; False if it did not exist.
func removeFileBuiltin(env *Env, thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	if err := starlark.UnpackPositionalArgs("remove_file", args, kwargs, 1, &name); err != nil {
		return nil, err
	}
	fi, err := env.Host.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return starlark.False, nil
	}
	if err != nil {
		return nil, fmt.Errorf("remove_file %s: %v", name, pathErr(err))
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("remove_file %s: is a directory", name)
	}
	if env.DryRun {
		env.would(Would{Kind: "remove", Path: name, Text: "remove " + name})
		return starlark.True, nil
	}
	if fi.Mode().IsRegular() {
		old, err := env.Host.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("remove_file %s: %v", name, pathErr(err))
		}
		if err := env.Effects.Backup(name, old, fi.Mode(), true); err != nil {
			return nil, fmt.Errorf("remove_file %s: %v", name, err)
		}
	}
	if err := env.Host.Remove(name); err != nil {
		return nil, fmt.Errorf("remove_file %s: %v", name, pathErr(err))
	}
	env.Effects.Changed()
	return starlark.True, nil
}

// symlinkBuiltin implements symlink(target, path): make path a symbolic
// link to target (as systemctl enable does); False if it already is.
func symlinkBuiltin(env *Env, thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var target, name string
	if err := starlark.UnpackArgs("symlink", args, kwargs, "target", &target, "path", &name); err != nil {
		return nil, err
	}
	if target == "" || strings.ContainsRune(target, 0) {
		return nil, fmt.Errorf("symlink %s: target %q: want a path", name, target)
	}
	fi, err := env.Host.Lstat(name)
	switch {
	case err == nil && fi.Mode()&fs.ModeSymlink != 0:
		if cur, err := env.Host.Readlink(name); err == nil && cur == target {
			return starlark.False, nil
		}
	case err == nil:
		return nil, fmt.Errorf("symlink %s: a file that is not a link is in the way; move it aside first", name)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("symlink %s: %v", name, pathErr(err))
	}
	if env.DryRun {
		env.would(Would{Kind: "symlink", Path: name, Target: target, Text: fmt.Sprintf("ln -sf %s %s", target, name)})
		return starlark.True, nil
	}
	if err == nil {
		if err := env.Host.Remove(name); err != nil {
			return nil, fmt.Errorf("symlink %s: %v", name, pathErr(err))
		}
	}
	if err := env.Host.Symlink(target, name); err != nil {
		return nil, fmt.Errorf("symlink %s: %v", name, pathErr(err))
	}
	env.Effects.Changed()
	return starlark.True, nil
}
