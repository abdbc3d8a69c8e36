package sim

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// A fault is armed either for a call number (Call) or for the calls that
// match a regular expression (Match, with Nth): the second kind is what a
// site's test wants, as adding a step to a runbook shifts every call
// number after it.

// callText is what a --match fault's regular expression is matched
// against: the program's base name and its arguments, joined by single
// spaces ("xe pif-forget uuid=..."), however the program was invoked.
func callText(argv []string) string {
	if len(argv) == 0 {
		return ""
	}
	words := append([]string{filepath.Base(argv[0])}, argv[1:]...)
	return strings.Join(words, " ")
}

// takeFault removes and returns the fault that fires at call n, whose
// argv is given (the zero fault when none does). A --call fault fires at
// its number; a --match fault counts the calls that match it from when
// it was armed and fires at the Nth. When several would fire at the same
// call, the first armed does; the others do not count that call, so they
// fire at the next one that matches.
func (s *store) takeFault(n int, argv []string) fault {
	text := callText(argv)
	fired := -1
	for i := range s.st.Book.Faults {
		f := &s.st.Book.Faults[i]
		hit := false
		if f.Match == "" {
			hit = f.Call == n
		} else if re, err := regexp.Compile(f.Match); err == nil && re.MatchString(text) {
			if fired >= 0 {
				continue
			}
			f.Seen++
			hit = f.Seen >= max(f.Nth, 1)
		}
		if hit && fired < 0 {
			fired = i
		}
	}
	if fired < 0 {
		return fault{}
	}
	f := s.st.Book.Faults[fired]
	s.st.Book.Faults = slices.Delete(s.st.Book.Faults, fired, fired+1)
	return f
}

// target says which call a fault is armed for, for sim show.
func (f fault) target() string {
	if f.Match == "" {
		return fmt.Sprintf("call %d", f.Call)
	}
	left := max(f.Nth, 1) - f.Seen
	if left == 1 {
		return fmt.Sprintf("the next call matching %q", f.Match)
	}
	return fmt.Sprintf("the %d%s call matching %q from now", left, ordinal(left), f.Match)
}

func ordinal(n int) string {
	switch {
	case n%100 >= 11 && n%100 <= 13:
		return "th"
	case n%10 == 1:
		return "st"
	case n%10 == 2:
		return "nd"
	case n%10 == 3:
		return "rd"
	}
	return "th"
}
