package sitetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// Options configure Run.
type Options struct {
	// Paths are scenario files and directories of them; none means
	// "tests" in the current directory.
	Paths []string
	// Run, when set, keeps the scenarios whose name it matches.
	Run *regexp.Regexp
	// JUnit, when set, is the file the JUnit XML report is written to.
	JUnit string
	// Verbose prints every scenario's log, not only the failing ones'.
	Verbose bool
	// Update rewrites the archive files that cmp compares with when they
	// differ, instead of failing.
	Update bool
	// Keep keeps the work directories and says where they are.
	Keep bool
	// Site, when set, is the directory copied to $WORK/site for every
	// scenario, instead of the one above each scenario's directory.
	Site string
	// Parallel bounds the scenarios run at once; 0 means GOMAXPROCS.
	Parallel int
	// Timeout bounds the whole run: commands still running then are
	// killed and their scenarios fail. 0 means no bound.
	Timeout time.Duration
	// Binary is this program's executable: `runbook` in every scenario,
	// and the simulated programs.
	Binary string
	// Getenv reads the environment of the run, for [env:NAME].
	Getenv func(string) string
	// Context, when it is cancelled (a signal), makes Run return at once
	// with an error wrapping its cause, leaving the scenarios that still
	// run to be ended with the process.
	Context context.Context
	// Stdout receives the report.
	Stdout io.Writer
}

// Summary counts what Run did.
type Summary struct {
	Passed, Failed, Skipped int
	// Updated lists the scenario files --update rewrote.
	Updated []string
	// WorkDir holds the work directories, with Keep.
	WorkDir string
}

// UsageError is a mistake in what Run was asked to do, found before any
// scenario ran: every problem, one per entry.
type UsageError struct {
	Problems []string
	// Hint is a command to run for help.
	Hint string
}

func (e *UsageError) Error() string { return strings.Join(e.Problems, "\n") }

// DefaultDir is where Run looks for scenarios when given no path.
const DefaultDir = "tests"

// Run runs the scenarios named by opts and reports on opts.Stdout as
// `go test` does: a line per scenario, the log of each failing one, and
// a last line with the counts. It returns a *UsageError, having run
// nothing, when the scenarios cannot be run as asked; otherwise the
// summary (scenarios that fail are in Summary.Failed, not an error),
// or an error writing the JUnit report.
func Run(opts Options) (*Summary, error) {
	r, err := prepare(opts)
	if err != nil {
		return nil, err
	}
	return r.run()
}

// runner is one Run.
type runner struct {
	opts      Options
	binary    string
	scenarios []*scenario
	sites     map[string][]string // site dir -> files to copy
	parallel  int
}

func prepare(opts Options) (*runner, error) {
	if opts.Context == nil {
		opts.Context = context.Background()
	}
	if opts.Getenv == nil {
		opts.Getenv = func(string) string { return "" }
	}
	if opts.Stdout == nil {
		opts.Stdout = io.Discard
	}
	r := &runner{opts: opts, binary: opts.Binary, sites: map[string][]string{}, parallel: opts.Parallel}
	if r.parallel <= 0 {
		r.parallel = runtime.GOMAXPROCS(0)
	}
	paths := opts.Paths
	if len(paths) == 0 {
		paths = []string{DefaultDir}
		if _, err := os.Stat(DefaultDir); err != nil {
			return nil, noScenarios(paths)
		}
	}
	var probs []string
	if r.binary == "" || !filepath.IsAbs(r.binary) {
		probs = append(probs, fmt.Sprintf("binary %q: want the absolute path of this program", r.binary))
	}
	files, fprobs := findScenarios(paths)
	probs = append(probs, fprobs...)
	if len(files) == 0 && len(fprobs) == 0 {
		return nil, noScenarios(paths)
	}
	var names []string
	for _, f := range files {
		sc, sprobs := parseScenario(f)
		probs = append(probs, sprobs...)
		if sc == nil {
			continue
		}
		names = append(names, sc.name)
		if opts.Run != nil && !opts.Run.MatchString(sc.name) {
			continue
		}
		r.scenarios = append(r.scenarios, sc)
	}
	// Names as testscript gives them: a second x is x#1.
	taken := map[string]bool{}
	for _, sc := range r.scenarios {
		base := sc.name
		for i := 1; taken[sc.name]; i++ {
			sc.name = base + "#" + strconv.Itoa(i)
		}
		taken[sc.name] = true
	}
	if opts.Run != nil && len(r.scenarios) == 0 && len(files) > 0 {
		probs = append(probs, fmt.Sprintf("--run %q: matches none of the scenarios: %s", opts.Run.String(), strings.Join(names, ", ")))
	}
	if len(probs) == 0 {
		probs = append(probs, tryInit(r.scenarios, r.binary)...)
		probs = append(probs, r.findSites()...)
	}
	if opts.JUnit != "" {
		if fi, err := os.Stat(filepath.Dir(opts.JUnit)); err != nil || !fi.IsDir() {
			probs = append(probs, fmt.Sprintf("--junit %s: its directory %s does not exist; create it, or write the report elsewhere", opts.JUnit, filepath.Dir(opts.JUnit)))
		} else if fi, err := os.Stat(opts.JUnit); err == nil && fi.IsDir() {
			probs = append(probs, fmt.Sprintf("--junit %s: is a directory; give a file name such as %s", opts.JUnit, filepath.Join(opts.JUnit, "runbook-junit.xml")))
		}
	}
	if len(probs) > 0 {
		return nil, &UsageError{Problems: probs, Hint: "runbook test --help"}
	}
	return r, nil
}

func noScenarios(paths []string) error {
	return &UsageError{Problems: []string{fmt.Sprintf("no scenarios (*.txtar) in %s; write one, or export a runbook with its starter scenarios: runbook export nfs-bond DIR", strings.Join(paths, ", "))}, Hint: "runbook test --help"}
}

// findSites decides the site of every scenario and lists its files.
func (r *runner) findSites() []string {
	skips := map[string][]string{}
	for _, sc := range r.scenarios {
		dir := r.opts.Site
		if dir == "" {
			dir = filepath.Dir(filepath.Dir(sc.file))
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return []string{err.Error()}
		}
		sc.site = abs
		scDir, _ := filepath.Abs(filepath.Dir(sc.file))
		skips[abs] = append(skips[abs], scDir)
	}
	if r.opts.Site != "" {
		if fi, err := os.Stat(r.opts.Site); err != nil || !fi.IsDir() {
			return []string{fmt.Sprintf("--site %s: not a directory; give the directory of the site's runbooks", r.opts.Site)}
		}
	}
	var probs []string
	for dir, skip := range skips {
		files, err := siteFiles(dir, skip)
		if err != nil {
			probs = append(probs, err.Error())
		}
		r.sites[dir] = files
	}
	sort.Strings(probs)
	return probs
}

// result is how one scenario went.
type result struct {
	sc       *scenario
	failed   bool
	skipped  bool
	skipMsg  string // why, when skipped
	log      string
	duration time.Duration
	updated  bool
	done     chan struct{}
}

func (r *runner) run() (*Summary, error) {
	sum := &Summary{}
	params := testscript.Params{
		UpdateScripts: r.opts.Update,
		Setup:         r.setup,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits": ExitsCmd,
			"json":  JSONCmd,
			"boot":  r.bootCmd,
			"sim":   r.simCmd,
			"stub":  r.stubCmd,
		},
		Condition: r.condition,
	}
	if r.opts.Timeout > 0 {
		params.Deadline = time.Now().Add(r.opts.Timeout)
	}
	// The work directories live under one directory of ours, so that a
	// run cut short by a signal removes them too (testscript's own clean-up
	// runs only when every scenario has ended).
	dir, err := os.MkdirTemp("", "runbook-test-")
	if err != nil {
		return nil, fmt.Errorf("make the work directory: %w", err)
	}
	params.WorkdirRoot = dir
	if r.opts.Keep {
		sum.WorkDir = dir
	} else {
		defer os.RemoveAll(dir)
	}
	results := make([]*result, len(r.scenarios))
	before := make([][32]byte, len(r.scenarios))
	for i, sc := range r.scenarios {
		params.Files = append(params.Files, sc.file)
		results[i] = &result{sc: sc, done: make(chan struct{})}
		before[i] = fileSum(sc.file)
	}
	top := &topT{r: r, results: results, sem: make(chan struct{}, r.parallel)}
	// RunT calls Fatal when it cannot start, and Fatal must not return:
	// it runs in a goroutine of its own, which Fatal ends.
	startErr := make(chan error, 1)
	go func() {
		defer func() { startErr <- top.err }()
		testscript.RunT(top, params)
	}()
	if err := <-startErr; err != nil {
		return nil, err
	}
	for printed := 0; printed < len(results); printed++ {
		res := results[printed]
		select {
		case <-res.done:
		case <-r.opts.Context.Done():
			fmt.Fprintf(r.opts.Stdout, "%s, %d not finished\n", sum.line(), len(results)-printed)
			return sum, context.Cause(r.opts.Context)
		}
		res.updated = fileSum(res.sc.file) != before[printed]
		r.report(res, sum)
	}
	top.wg.Wait()
	fmt.Fprintf(r.opts.Stdout, "%s\n", sum.line())
	if sum.WorkDir != "" {
		fmt.Fprintf(r.opts.Stdout, "work directories kept in %s\n", sum.WorkDir)
	}
	if r.opts.JUnit != "" {
		if err := writeJUnit(r.opts.JUnit, results); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

func fileSum(name string) [32]byte {
	data, _ := os.ReadFile(name)
	return sha256.Sum256(data)
}

// condition evaluates the conditions testscript leaves to us.
func (r *runner) condition(cond string) (bool, error) {
	if name, ok := strings.CutPrefix(cond, "env:"); ok {
		if name == "" {
			return false, errors.New("want [env:NAME]")
		}
		return r.opts.Getenv(name) != "", nil
	}
	return false, fmt.Errorf("unknown condition; runbook test has [unix], [linux], [exec:PROGRAM], [env:NAME] and testscript's GOOS and GOARCH names")
}

// topT is the T that RunT runs the scenarios under: its Run starts a
// scenario in a goroutine of its own and returns when the scenario asks
// to run in parallel, as testing.T.Run does.
type topT struct {
	r       *runner
	results []*result
	next    int
	sem     chan struct{}
	wg      sync.WaitGroup
	err     error
}

func (t *topT) Skip(args ...any)  { t.Fatal(args...) }
func (t *topT) Fatal(args ...any) { t.err = errors.New(fmt.Sprint(args...)); runtime.Goexit() }
func (t *topT) Parallel()         {}
func (t *topT) Log(args ...any)   {}
func (t *topT) FailNow()          { t.Fatal("runbook test: the scenarios could not start") }
func (t *topT) Verbose() bool     { return t.r.opts.Verbose }

func (t *topT) Run(name string, f func(testscript.T)) {
	if t.next >= len(t.results) {
		t.Fatal("runbook test: more scenarios than files")
	}
	res := t.results[t.next]
	t.next++
	st := &scenarioT{top: t, res: res, parallel: make(chan struct{})}
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		defer close(res.done)
		defer func() {
			if st.acquired {
				res.duration = time.Since(st.start)
				<-t.sem
			}
			st.signalParallel()
		}()
		f(st)
	}()
	<-st.parallel
}

// scenarioT is the T of one scenario. FailNow and Skip end the
// scenario's goroutine (runtime.Goexit), as testing's do: testscript
// relies on them not returning.
type scenarioT struct {
	top      *topT
	res      *result
	mu       sync.Mutex
	log      strings.Builder
	parallel chan struct{}
	once     sync.Once
	acquired bool
	start    time.Time
}

func (t *scenarioT) signalParallel() { t.once.Do(func() { close(t.parallel) }) }

// Parallel lets RunT go on to the next scenario, then waits for a slot.
func (t *scenarioT) Parallel() {
	t.signalParallel()
	t.top.sem <- struct{}{}
	t.acquired = true
	t.start = time.Now()
}

func (t *scenarioT) Log(args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	text := fmt.Sprintln(args...)
	if !t.top.r.opts.Keep && t.log.Len() == 0 {
		// testscript names the work directory first because Run gives it
		// a root of its own; without --keep it is removed, so not shown.
		if first, rest, ok := strings.Cut(text, "\n"); ok && strings.HasPrefix(first, "WORK=") {
			text = rest
		}
	}
	t.log.WriteString(text)
	t.res.log = t.log.String()
}

func (t *scenarioT) Fatal(args ...any) {
	t.Log(args...)
	t.FailNow()
}

func (t *scenarioT) FailNow() {
	t.res.failed = true
	runtime.Goexit()
}

func (t *scenarioT) Skip(args ...any) {
	t.res.skipped = true
	t.res.skipMsg = strings.TrimSpace(fmt.Sprintln(args...))
	runtime.Goexit()
}

func (t *scenarioT) Verbose() bool { return t.top.r.opts.Verbose }

// Run runs f at once: scenarios have no subtests.
func (t *scenarioT) Run(name string, f func(testscript.T)) { f(t) }

// scenarioOf returns the scenario an Env belongs to.
func scenarioOf(env *testscript.Env) (*scenario, error) {
	st, ok := env.T().(*scenarioT)
	if !ok {
		return nil, errors.New("runbook test: a scenario without its T")
	}
	return st.res.sc, nil
}
