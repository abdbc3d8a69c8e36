package sitetest

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// report prints how one scenario went, as go test does: PASS, FAIL or
// SKIP with the name and time, then the log when it failed (or always
// with -v), indented.
func (r *runner) report(res *result, sum *Summary) {
	w := r.opts.Stdout
	secs := fmt.Sprintf("(%.1fs)", res.duration.Seconds())
	switch {
	case res.failed:
		sum.Failed++
		fmt.Fprintf(w, "FAIL %s %s\n", res.sc.name, secs)
	case res.skipped:
		sum.Skipped++
		fmt.Fprintf(w, "SKIP %s %s\n", res.sc.name, secs)
		fmt.Fprintf(w, "    %s\n", res.skipMsg)
	default:
		sum.Passed++
		fmt.Fprintf(w, "PASS %s %s\n", res.sc.name, secs)
	}
	if res.failed || r.opts.Verbose {
		if log := strings.TrimRight(res.log, "\n"); log != "" {
			for _, line := range strings.Split(log, "\n") {
				fmt.Fprintf(w, "    %s\n", line)
			}
		}
	}
	if res.updated {
		sum.Updated = append(sum.Updated, res.sc.file)
		fmt.Fprintf(w, "updated %s\n", res.sc.file)
	}
}

// line is the last line of the report.
func (s *Summary) line() string {
	l := fmt.Sprintf("%d passed, %d failed", s.Passed, s.Failed)
	if s.Skipped > 0 {
		l += fmt.Sprintf(", %d skipped", s.Skipped)
	}
	return l
}

// failure is the line of a failing scenario's log that says why, as
// testscript writes it: "FAIL: FILE:LINE: message".
func (res *result) failure() string {
	lines := strings.Split(res.log, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if m, ok := strings.CutPrefix(strings.TrimSpace(lines[i]), "FAIL: "); ok {
			return m
		}
	}
	return res.sc.file + ": failed"
}

// The JUnit XML schema as GitLab, Jenkins and the GitHub Actions
// reporters read it: testsuites > testsuite > testcase, a failure or
// skipped element in a testcase, its log in system-out.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut *junitText    `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",cdata"`
}

type junitText struct {
	Text string `xml:",cdata"`
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// writeJUnit writes the JUnit report of the results: one suite per
// directory of scenarios, a testcase per scenario named as in the text
// report, the failing line as the failure's message and the log as its
// text.
func writeJUnit(name string, results []*result) error {
	all := junitSuites{Name: "runbook test"}
	var total time.Duration
	index := map[string]int{}
	var times []time.Duration
	for _, res := range results {
		dir := filepath.ToSlash(filepath.Dir(res.sc.file))
		i, ok := index[dir]
		if !ok {
			i = len(all.Suites)
			index[dir] = i
			all.Suites = append(all.Suites, junitSuite{Name: dir, Timestamp: time.Now().UTC().Format("2006-01-02T15:04:05")})
			times = append(times, 0)
		}
		s := &all.Suites[i]
		c := junitCase{Name: res.sc.name, Classname: dir, File: filepath.ToSlash(res.sc.file), Time: seconds(res.duration)}
		switch {
		case res.failed:
			c.Failure = &junitMessage{Message: res.failure(), Type: "FAIL", Text: res.log}
			s.Failures++
			all.Failures++
		case res.skipped:
			c.Skipped = &junitMessage{Message: res.skipMsg, Text: res.log}
			s.Skipped++
			all.Skipped++
		default:
			c.SystemOut = &junitText{res.log}
		}
		s.Cases = append(s.Cases, c)
		s.Tests++
		all.Tests++
		times[i] += res.duration
		s.Time = seconds(times[i])
		total += res.duration
	}
	all.Time = seconds(total)
	data, err := xml.MarshalIndent(all, "", "  ")
	if err != nil {
		return fmt.Errorf("junit report: %w", err)
	}
	data = append([]byte(xml.Header), append(data, '\n')...)
	if err := os.WriteFile(name, data, 0o644); err != nil {
		return fmt.Errorf("junit report: %w", err)
	}
	return nil
}
