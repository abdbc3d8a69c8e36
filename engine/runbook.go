package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/runbook-dev/runbook/internal/journal"
)

// fileOptions is the Starlark dialect of runbooks: scripts, so top-level
// if/for/while and re-assignment are allowed; recursion is not.
var fileOptions = &syntax.FileOptions{
	Set:             true,
	While:           true,
	TopLevelControl: true,
	GlobalReassign:  true,
}

// ShippedOrigin is the Origin of a runbook embedded in the binary.
const ShippedOrigin = "shipped"

// Runbook is a parsed runbook: its main file, every file it loads, its
// parameters and its description.
type Runbook struct {
	// Name is the runbook's name: the main file's base name without .star.
	Name string
	// Origin is ShippedOrigin or the absolute path of the main file.
	Origin string
	// Main is the main file's name inside Files ("nfs-bond.star").
	Main string
	// Doc is the module docstring; its first line is the description.
	Doc string
	// Params are the declared parameters, in declaration order.
	Params []ParamDecl
	// Files holds the source of the main file and of every file it
	// loads, directly or not, by slash-separated name relative to the
	// main file's directory.
	Files map[string][]byte

	progs map[string]*starlark.Program
}

// Description returns the first line of the docstring.
func (rb *Runbook) Description() string {
	first, _, _ := strings.Cut(strings.TrimSpace(rb.Doc), "\n")
	return strings.TrimSpace(first)
}

// Param returns the declaration of the named parameter, or nil.
func (rb *Runbook) Param(name string) *ParamDecl {
	for i := range rb.Params {
		if rb.Params[i].Name == name {
			return &rb.Params[i]
		}
	}
	return nil
}

// LoadError reports a runbook that cannot be read or compiled. Nothing
// was run.
type LoadError struct {
	Runbook string
	Err     error
}

func (e *LoadError) Error() string { return e.Err.Error() }
func (e *LoadError) Unwrap() error { return e.Err }

// isPath reports whether a RUNBOOK argument names a file rather than a
// shipped runbook.
func isPath(arg string) bool {
	return strings.ContainsRune(arg, '/') || strings.HasSuffix(arg, ".star")
}

// ShippedNames lists the runbooks at the top of a shipped file system.
func ShippedNames(shipped fs.FS) []string {
	matches, _ := fs.Glob(shipped, "*.star")
	names := make([]string, 0, len(matches))
	for _, m := range matches {
		names = append(names, strings.TrimSuffix(m, ".star"))
	}
	sort.Strings(names)
	return names
}

// Open finds a runbook by shipped name or path and parses it with every
// file it loads.
func Open(arg string, shipped fs.FS) (*Runbook, error) {
	if isPath(arg) {
		abs, err := filepath.Abs(arg)
		if err != nil {
			return nil, &LoadError{Runbook: arg, Err: err}
		}
		dir, base := filepath.Split(abs)
		name := strings.TrimSuffix(base, ".star")
		if _, err := os.Stat(abs); err != nil {
			return nil, &LoadError{Runbook: name, Err: fmt.Errorf("runbook %s: %w; give the path of a .star file, or a shipped runbook's name (runbook list)", arg, errors.Unwrap(err))}
		}
		return parseRunbook(os.DirFS(dir), base, name, abs)
	}
	main := arg + ".star"
	if _, err := fs.Stat(shipped, main); err != nil {
		return nil, &LoadError{Runbook: arg, Err: fmt.Errorf("unknown runbook %q: want one of %s, or a path to a .star file", arg, strings.Join(ShippedNames(shipped), ", "))}
	}
	return parseRunbook(shipped, main, arg, ShippedOrigin)
}

// parseRunbook reads main and, following load statements, every file it
// needs from fsys; compiles each; and reads the docstring and parameter
// declarations of main.
func parseRunbook(fsys fs.FS, main, name, origin string) (*Runbook, error) {
	rb := &Runbook{Name: name, Origin: origin, Main: main, Files: map[string][]byte{}, progs: map[string]*starlark.Program{}}
	fail := func(err error) (*Runbook, error) { return nil, &LoadError{Runbook: name, Err: err} }
	todo := []string{main}
	var mainFile *syntax.File
	parsed := map[string]*syntax.File{}
	for len(todo) > 0 {
		file := todo[0]
		todo = todo[1:]
		if _, done := rb.Files[file]; done {
			continue
		}
		src, err := fs.ReadFile(fsys, file)
		if err != nil {
			return fail(fmt.Errorf("read %s: %w", file, errors.Unwrap(err)))
		}
		f, prog, err := starlark.SourceProgramOptions(fileOptions, file, src, isPredeclared)
		if err != nil {
			return fail(compileError(err))
		}
		rb.Files[file] = src
		rb.progs[file] = prog
		parsed[file] = f
		if file == main {
			mainFile = f
		}
		for _, stmt := range f.Stmts {
			load, ok := stmt.(*syntax.LoadStmt)
			if !ok {
				continue
			}
			target, err := resolveLoad(file, load.ModuleName())
			if err != nil {
				return fail(fmt.Errorf("%s: %w", load.Module.TokenPos, err))
			}
			if _, err := fs.Stat(fsys, target); err != nil {
				return fail(fmt.Errorf("%s: load %q: no file %s next to the runbook", load.Module.TokenPos, load.ModuleName(), target))
			}
			todo = append(todo, target)
		}
	}
	if err := checkLoadNames(parsed); err != nil {
		return fail(err)
	}
	rb.Doc = docstring(mainFile)
	decls, err := scanParams(mainFile)
	if err != nil {
		return fail(err)
	}
	rb.Params = decls
	return rb, nil
}

// checkLoadNames checks every name each load() takes from a file
// against that file's globals, before anything runs: a name missing
// there would otherwise fail only when the load statement executes. Every
// problem is reported, one per line, in file order.
func checkLoadNames(parsed map[string]*syntax.File) error {
	globals := func(f *syntax.File) []string {
		var names []string
		if m, ok := f.Module.(*resolve.Module); ok {
			for _, b := range m.Globals {
				if b.First != nil {
					names = append(names, b.First.Name)
				}
			}
		}
		return names
	}
	files := make([]string, 0, len(parsed))
	for name := range parsed {
		files = append(files, name)
	}
	sort.Strings(files)
	var problems []string
	for _, file := range files {
		for _, stmt := range parsed[file].Stmts {
			load, ok := stmt.(*syntax.LoadStmt)
			if !ok {
				continue
			}
			target, err := resolveLoad(file, load.ModuleName())
			if err != nil || parsed[target] == nil {
				continue
			}
			have := globals(parsed[target])
			for _, id := range load.From {
				// The compiler has refused names with a leading _ already.
				if !slices.Contains(have, id.Name) {
					msg := fmt.Sprintf("%s: load %q: %s defines no %s", id.NamePos, load.ModuleName(), target, id.Name)
					if near := nearest(id.Name, have); near != "" {
						msg += fmt.Sprintf(" (did you mean %s?)", near)
					}
					problems = append(problems, msg)
				}
			}
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	return nil
}

// compileError reports every problem the resolver found, one per line,
// each starting with its position. The resolver suggests only names of
// the file itself for an undefined name; the builtins are added here.
func compileError(err error) error {
	var list resolve.ErrorList
	if !errors.As(err, &list) {
		return err
	}
	var candidates []string
	for n := range predeclaredSet() {
		candidates = append(candidates, n)
	}
	for n := range starlark.Universe {
		candidates = append(candidates, n)
	}
	sort.Strings(candidates)
	lines := make([]string, len(list))
	for i, e := range list {
		msg := e.Msg
		if name, ok := strings.CutPrefix(msg, "undefined: "); ok && !strings.Contains(name, " ") {
			if near := nearest(name, candidates); near != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", near)
			}
		}
		lines[i] = fmt.Sprintf("%s: %s", e.Pos, msg)
	}
	return errors.New(strings.Join(lines, "\n"))
}

// resolveLoad turns a load() module string into a file name relative to
// the runbook's directory: relative to the loading file, never outside.
func resolveLoad(from, module string) (string, error) {
	if module == "" || strings.HasPrefix(module, "/") || strings.HasPrefix(module, "@") {
		return "", fmt.Errorf("load %q: want a path relative to the runbook, such as \"lib/xen.star\"", module)
	}
	target := path.Join(path.Dir(from), module)
	if !fs.ValidPath(target) {
		return "", fmt.Errorf("load %q: the path leaves the runbook's directory; copy the file next to the runbook", module)
	}
	if !strings.HasSuffix(target, ".star") {
		return "", fmt.Errorf("load %q: want a .star file", module)
	}
	return target, nil
}

func docstring(f *syntax.File) string {
	if f == nil || len(f.Stmts) == 0 {
		return ""
	}
	if e, ok := f.Stmts[0].(*syntax.ExprStmt); ok {
		if lit, ok := e.X.(*syntax.Literal); ok && lit.Token == syntax.STRING {
			if s, ok := lit.Value.(string); ok {
				return s
			}
		}
	}
	return ""
}

// scanParams finds the param(...) calls of the main file's top level
// (outside functions) and evaluates their constant arguments, so that
// parameters are known, checked and documented before anything runs.
func scanParams(f *syntax.File) ([]ParamDecl, error) {
	var decls []ParamDecl
	var err error
	seen := map[string]bool{}
	syntax.Walk(f, func(n syntax.Node) bool {
		if err != nil {
			return false
		}
		switch n := n.(type) {
		case *syntax.DefStmt, *syntax.LambdaExpr:
			return false
		case *syntax.CallExpr:
			id, ok := n.Fn.(*syntax.Ident)
			if !ok || id.Name != "param" {
				return true
			}
			var args starlark.Tuple
			var kwargs []starlark.Tuple
			thread := &starlark.Thread{Name: "params"}
			for _, a := range n.Args {
				expr := a
				var key string
				if bin, ok := a.(*syntax.BinaryExpr); ok && bin.Op == syntax.EQ {
					key = bin.X.(*syntax.Ident).Name
					expr = bin.Y
				}
				v, e := starlark.EvalExprOptions(fileOptions, thread, expr, nil)
				if e != nil {
					start, _ := expr.Span()
					msg := strings.TrimPrefix(e.Error(), start.String()+": ")
					err = fmt.Errorf("%s: param: arguments must be constants: %s", start, msg)
					return false
				}
				if key == "" {
					args = append(args, v)
				} else {
					kwargs = append(kwargs, starlark.Tuple{starlark.String(key), v})
				}
			}
			start, _ := n.Span()
			d, e := unpackParam("param", args, kwargs)
			if e != nil {
				err = fmt.Errorf("%s: %v", start, e)
				return false
			}
			if seen[d.Name] {
				err = fmt.Errorf("%s: param %s: declared twice", start, d.Name)
				return false
			}
			seen[d.Name] = true
			d.Pos = start
			decls = append(decls, *d)
		}
		return true
	})
	return decls, err
}

// pin writes every file of the runbook under dir (the run's pinned
// copy) and returns their names and hashes.
func (rb *Runbook) pin(dir string, e *Engine) ([]journal.PinnedFile, error) {
	names := make([]string, 0, len(rb.Files))
	for n := range rb.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	files := make([]journal.PinnedFile, 0, len(names))
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return nil, fmt.Errorf("pin runbook: %w", err)
		}
		if err := e.writeFileSync(p, rb.Files[n], 0o600); err != nil {
			return nil, fmt.Errorf("pin runbook: %w", err)
		}
		files = append(files, journal.PinnedFile{Name: n, SHA256: hashHex(rb.Files[n])})
	}
	dirs := map[string]bool{dir: true}
	for _, n := range names {
		for d := filepath.Dir(filepath.Join(dir, filepath.FromSlash(n))); len(d) >= len(dir); d = filepath.Dir(d) {
			dirs[d] = true
		}
	}
	dirs[filepath.Dir(dir)] = true
	for d := range dirs {
		if err := syncDir(d); err != nil {
			return nil, fmt.Errorf("pin runbook: %w", err)
		}
	}
	return files, nil
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// openPinned parses the pinned copy of a run's runbook and checks it
// against files, the hashes of its current pin in the journal (the
// header's, or the last repin's).
func openPinned(dir string, h *journal.Header, files []journal.PinnedFile) (*Runbook, error) {
	fsys := os.DirFS(dir)
	for _, pf := range files {
		b, err := fs.ReadFile(fsys, pf.Name)
		if err != nil {
			return nil, &LoadError{Runbook: h.Runbook, Err: fmt.Errorf("pinned copy of the runbook: %w", err)}
		}
		if hashHex(b) != pf.SHA256 {
			return nil, &LoadError{Runbook: h.Runbook, Err: fmt.Errorf("pinned copy of the runbook: %s was modified after the run started (sha256 %s, journal says %s); give the run up with 'runbook abort'", pf.Name, hashHex(b)[:12], pf.SHA256[:12])}
		}
	}
	return parseRunbook(fsys, h.Main, h.Runbook, h.Origin)
}

// sourceChanged reports whether the runbook at its origin (the file on
// disk, or the runbooks shipped in this binary) differs from the run's
// current pin, and how; for a run that can be resumed, the note points
// at resume --reload.
func sourceChanged(st *Status, shipped fs.FS) (bool, string) {
	fsys := originFS(st.Origin, shipped)
	var notes []string
	for _, pf := range st.files {
		b, err := fs.ReadFile(fsys, pf.Name)
		if err != nil {
			notes = append(notes, pf.Name+" is gone")
		} else if hashHex(b) != pf.SHA256 {
			notes = append(notes, pf.Name+" was edited")
		}
	}
	if len(notes) == 0 {
		return false, ""
	}
	since := "since the run started"
	if st.Reloads > 0 {
		since = "since the last resume --reload"
	}
	note := strings.Join(notes, ", ") + " " + since + "; the run keeps using its pinned copy"
	if st.reloadable() {
		note += "; to continue with the runbook as it is now: runbook resume --reload"
	}
	return true, note
}

// originFS is where a run's runbook came from: the shipped runbooks, or
// the directory of its main file.
func originFS(origin string, shipped fs.FS) fs.FS {
	if origin == ShippedOrigin {
		return shipped
	}
	return os.DirFS(filepath.Dir(origin))
}
