package sitetest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/runbook-dev/runbook/sim"
)

// scenario is one scenario file, checked before anything runs.
type scenario struct {
	file string // as found: the path given, or DIR/NAME.txtar
	name string // the file's base name without .txtar/.txt, as testscript names it
	// simArgs are the words of its "# sim:" line; opts the options they
	// give (the default pool without one).
	simArgs []string
	simLine int
	opts    sim.InitOptions
	site    string // the directory copied to $WORK/site, or ""
}

// findScenarios expands paths (files, or directories whose *.txtar and
// *.txt files are scenarios, in name order) into scenario files. A path
// that does not exist is a problem; a directory without scenarios is
// not, but finding none at all is, for the caller.
func findScenarios(paths []string) ([]string, []string) {
	var files, probs []string
	seen := map[string]bool{}
	add := func(f string) {
		abs, err := filepath.Abs(f)
		if err != nil {
			abs = f
		}
		if !seen[abs] {
			seen[abs] = true
			files = append(files, f)
		}
	}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				probs = append(probs, fmt.Sprintf("%s: no such file or directory; give .txtar scenario files or directories of them", p))
			} else {
				probs = append(probs, err.Error())
			}
			continue
		}
		if !fi.IsDir() {
			add(p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			probs = append(probs, err.Error())
			continue
		}
		var names []string
		for _, e := range entries {
			if !e.IsDir() && isScenarioName(e.Name()) {
				names = append(names, e.Name())
			}
		}
		sort.Strings(names)
		for _, n := range names {
			add(filepath.Join(p, n))
		}
	}
	return files, probs
}

func isScenarioName(n string) bool {
	return !strings.HasPrefix(n, ".") && (strings.HasSuffix(n, ".txtar") || strings.HasSuffix(n, ".txt"))
}

// scenarioName is testscript's name for a file: its base name without
// the extension.
func scenarioName(file string) string {
	n := filepath.Base(file)
	if s, ok := strings.CutSuffix(n, ".txtar"); ok {
		return s
	}
	return strings.TrimSuffix(n, ".txt")
}

// simPrefix starts the line of a scenario that gives its host's options.
const simPrefix = "# sim:"

// parseScenario reads a scenario file and checks what can be checked
// before it runs: its "# sim:" line, which must be in the comment block
// at its top, and the conditions that only go test has. Problems are
// "FILE:LINE: text".
func parseScenario(file string) (*scenario, []string) {
	sc := &scenario{file: file, name: scenarioName(file)}
	a, probs := readArchive(file)
	if a == nil {
		return nil, probs
	}
	at := func(line int, format string, args ...any) {
		probs = append(probs, fmt.Sprintf("%s:%d: %s", file, line, fmt.Sprintf(format, args...)))
	}
	top := true // still in the comment block at the top
	simLine := 0
	for i, line := range strings.Split(string(a.Comment), "\n") {
		n := i + 1
		trim := strings.TrimSpace(line)
		if trim != "" && !strings.HasPrefix(trim, "#") {
			top = false
		}
		if rest, ok := strings.CutPrefix(trim, simPrefix); ok {
			switch {
			case !top:
				at(n, "the %q line must be in the comments at the top of the scenario, before its first command", simPrefix)
			case simLine != 0:
				at(n, "a second %q line (the first is line %d): give every option on one line", simPrefix, simLine)
			default:
				simLine, sc.simLine = n, n
				for _, p := range sc.setSim(rest) {
					at(n, "%s %s: %s", simPrefix, strings.TrimSpace(rest), p)
				}
			}
			continue
		}
		if strings.HasPrefix(trim, "#") {
			continue
		}
		for _, w := range strings.Fields(trim) {
			if !strings.HasPrefix(w, "[") {
				break
			}
			cond := strings.TrimSpace(strings.TrimPrefix(strings.Trim(w, "[]"), "!"))
			switch cond {
			case "short", "net":
				at(n, "condition [%s] is go test's (it reads go test's -short flag); runbook test runs outside go test: use [env:NAME], true when the variable NAME is set", cond)
			}
		}
	}
	return sc, probs
}

// readArchive parses a scenario file as txtar. A line "-- --" makes
// txtar.Parse panic (go-internal v1.16.0: its start and end markers
// overlap), and testscript with it: such a line is a problem here, before
// the file gets there.
func readArchive(file string) (a *txtar.Archive, probs []string) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, []string{err.Error()}
	}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if len(line) < len("-- x --") && strings.HasPrefix(line, "-- ") && strings.HasSuffix(line, " --") {
			probs = append(probs, fmt.Sprintf("%s:%d: %q: a file marker without a name; write -- NAME --", file, i+1, line))
		}
	}
	if len(probs) > 0 {
		return nil, probs
	}
	defer func() {
		if r := recover(); r != nil {
			a, probs = nil, []string{fmt.Sprintf("%s:1: not a txtar archive testscript can read: %v", file, r)}
		}
	}()
	return txtar.Parse(data), nil
}

// setSim parses the options of a "# sim:" line with sim init's own
// parser and returns the problems with them.
func (sc *scenario) setSim(text string) []string {
	words := strings.Fields(text)
	for _, w := range words {
		if strings.ContainsAny(w, `'"\$`) {
			return []string{fmt.Sprintf("%q: the line is split at spaces, without quotes or variables: give plain options such as --nics 6 --vif db01:eth2", w)}
		}
	}
	opts, probs := sim.ParseInitOptions(words)
	if opts.Boot == "auto" {
		probs = append(probs, "--boot auto: scenarios use the manual boot model: the script's boot command performs each boot the run asks for")
	}
	sc.simArgs, sc.opts = words, opts
	return probs
}

// tryInit makes the pool of each distinct "# sim:" line once in a
// temporary directory, so that the problems only making the pool finds
// (a VIF naming a guest the pool lacks) are reported before anything
// runs, naming the file and line.
func tryInit(scs []*scenario, binary string) []string {
	var probs []string
	tried := map[string]string{}
	for _, sc := range scs {
		key := strings.Join(sc.simArgs, " ")
		if key == "" {
			continue
		}
		msg, done := tried[key]
		if !done {
			dir, err := os.MkdirTemp("", "runbook-test-sim")
			if err != nil {
				return []string{fmt.Sprintf("try the simulated host: %v", err)}
			}
			opts := sc.opts
			opts.Binary = binary
			if _, err := sim.InitPool(filepath.Join(dir, "host"), opts); err != nil {
				msg = err.Error()
			}
			os.RemoveAll(dir)
			tried[key] = msg
		}
		if msg != "" {
			probs = append(probs, fmt.Sprintf("%s:%d: %s %s: %s", sc.file, sc.simLine, simPrefix, key, msg))
		}
	}
	return probs
}
