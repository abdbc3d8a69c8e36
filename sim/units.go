package sim

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/runbook-dev/runbook/internal/environ"
)

// The systemd units a boot starts: every unit linked in a
// /etc/systemd/system/*.target.wants/ directory of the dom0, ordered as
// systemd orders one transaction: After= and Before= among them and the
// targets (a target comes after the units it wants), xapi's start of day
// as xapi.service, and the unit name where nothing orders two units.

const (
	systemDir = "etc/systemd/system"
	wantsDir  = systemDir + "/multi-user.target.wants"
	// xapiUnit is the node of xapi's start of day in the ordering.
	xapiUnit = "xapi.service"
)

// unit is a parsed unit file.
type unit struct {
	Name        string
	Description string
	After       []string
	Before      []string
	// WantedBy are the targets whose wants directories link it.
	WantedBy   []string
	Conditions []string // ConditionPathExists= values
	Type       string
	ExecStart  [][]string
	Env        []string
	// Console is set when StandardOutput= (or StandardError=) sends
	// the output to the console as well as the journal.
	Console bool
	// LoadErr is why the unit could not be loaded, if it could not.
	LoadErr string
}

// enabledUnits reads the units linked in the wants directories of the
// targets under root.
func enabledUnits(root string) []*unit {
	dirs, _ := filepath.Glob(filepath.Join(root, systemDir, "*.target.wants"))
	byName := map[string]*unit{}
	for _, d := range dirs {
		target := strings.TrimSuffix(filepath.Base(d), ".wants")
		ents, _ := os.ReadDir(d)
		for _, e := range ents {
			name := e.Name()
			if !strings.HasSuffix(name, ".service") {
				continue
			}
			u := byName[name]
			if u == nil {
				u = readUnit(root, filepath.Join(d, name), name)
				byName[name] = u
			}
			u.WantedBy = append(u.WantedBy, target)
		}
	}
	var out []*unit
	for _, u := range byName {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// readUnit reads an enabled unit: the target of the link in the wants
// directory, taken under the root, or the file itself, or the unit of the
// same name in etc/systemd/system or usr/lib/systemd/system.
func readUnit(root, link, name string) *unit {
	var data []byte
	var err error
	if target, lerr := os.Readlink(link); lerr == nil {
		file := target
		if path.IsAbs(target) {
			file = filepath.Join(root, target)
		} else {
			file = filepath.Join(filepath.Dir(link), target)
		}
		if rel, rerr := filepath.Rel(root, file); rerr == nil && !strings.HasPrefix(rel, "..") {
			data, err = os.ReadFile(file)
		} else {
			err = fmt.Errorf("%s links outside the root", link)
		}
	} else {
		data, err = os.ReadFile(link)
	}
	if err != nil {
		for _, d := range []string{systemDir, "usr/lib/systemd/system"} {
			if data, err = os.ReadFile(filepath.Join(root, d, name)); err == nil {
				break
			}
		}
	}
	u := &unit{Name: name, Description: name, Type: "simple"}
	if err != nil {
		u.LoadErr = "not-found"
		return u
	}
	parseUnit(u, string(data))
	return u
}

// parseUnit reads the settings of a unit file that the boot uses.
func parseUnit(u *unit, data string) {
	var section string
	lines := strings.Split(data, "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		for strings.HasSuffix(line, "\\") && i+1 < len(lines) {
			i++
			line = strings.TrimSuffix(line, "\\") + " " + strings.TrimSpace(lines[i])
		}
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			section = strings.Trim(line, "[]")
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch section + "." + k {
		case "Unit.Description":
			u.Description = v
		case "Unit.After":
			u.After = append(u.After, strings.Fields(v)...)
		case "Unit.Before":
			u.Before = append(u.Before, strings.Fields(v)...)
		case "Unit.ConditionPathExists":
			if v == "" {
				u.Conditions = nil
			} else {
				u.Conditions = append(u.Conditions, v)
			}
		case "Service.Type":
			u.Type = v
		case "Service.Environment":
			u.Env = append(u.Env, shellSplit(v)...)
		case "Service.ExecStartPre", "Service.ExecStart", "Service.ExecStartPost":
			if v == "" {
				u.ExecStart = nil
				continue
			}
			argv := execWords(v, u.Name)
			if len(argv) > 0 {
				u.ExecStart = append(u.ExecStart, argv)
			}
		case "Service.StandardOutput", "Service.StandardError":
			if strings.Contains(v, "console") || strings.Contains(v, "tty") {
				u.Console = true
			}
		}
	}
}

// execWords splits a command line of ExecStart=: specifiers (%%, %n)
// first, then words as systemd quotes them. A leading "-" (ignore the
// exit status) is kept on the first word; the other prefixes are dropped.
func execWords(v, name string) []string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '%' && i+1 < len(v) {
			switch v[i+1] {
			case '%':
				b.WriteByte('%')
			case 'n':
				b.WriteString(name)
			case 'N':
				b.WriteString(strings.TrimSuffix(name, ".service"))
			default:
				b.WriteByte(v[i+1])
			}
			i++
			continue
		}
		b.WriteByte(v[i])
	}
	s := b.String()
	ignore := false
	for len(s) > 0 && strings.IndexByte("-@+!:", s[0]) >= 0 {
		if s[0] == '-' {
			ignore = true
		}
		s = s[1:]
	}
	w := shellSplit(s)
	if len(w) > 0 && ignore {
		w[0] = "-" + w[0]
	}
	return w
}

// expandEnv replaces $$ by $ and ${VAR} / $VAR by the unit's
// Environment= values (unset variables expand to nothing).
func expandEnv(word string, env []string) string {
	get := environ.Getter(env)
	var b strings.Builder
	for i := 0; i < len(word); i++ {
		if word[i] != '$' || i+1 >= len(word) {
			b.WriteByte(word[i])
			continue
		}
		switch {
		case word[i+1] == '$':
			b.WriteByte('$')
			i++
		case word[i+1] == '{':
			end := strings.IndexByte(word[i:], '}')
			if end < 0 {
				b.WriteString(word[i:])
				i = len(word)
				continue
			}
			b.WriteString(get(word[i+2 : i+end]))
			i += end
		default:
			j := i + 1
			for j < len(word) && (word[j] == '_' || word[j] >= 'A' && word[j] <= 'Z' || word[j] >= 'a' && word[j] <= 'z' || j > i+1 && word[j] >= '0' && word[j] <= '9') {
				j++
			}
			if j == i+1 {
				b.WriteByte('$')
				continue
			}
			b.WriteString(get(word[i+1 : j]))
			i = j - 1
		}
	}
	return b.String()
}

// orderUnits returns the jobs of a boot in the order systemd runs them:
// the units and the pseudo-unit xapi.service (start of day), with the
// targets as ordering points. Among jobs that are ready, targets and
// xapi.service come first, then units by name. A cycle is broken at the
// first unit by name, with a note of it.
func orderUnits(units []*unit) (order []string, notes []string) {
	after := map[string]map[string]bool{} // node -> nodes it comes after
	nodes := map[string]bool{xapiUnit: true, "multi-user.target": true, "xapi-init-complete.target": true}
	isUnit := map[string]bool{}
	addEdge := func(first, then string) {
		if after[then] == nil {
			after[then] = map[string]bool{}
		}
		after[then][first] = true
	}
	for _, u := range units {
		nodes[u.Name] = true
		isUnit[u.Name] = true
		for _, t := range u.WantedBy {
			nodes[t] = true
		}
	}
	addEdge(xapiUnit, "xapi-init-complete.target")
	addEdge(xapiUnit, "multi-user.target")
	for _, u := range units {
		for _, t := range u.WantedBy {
			addEdge(u.Name, t)
		}
		for _, a := range u.After {
			if nodes[a] || strings.HasSuffix(a, ".target") {
				nodes[a] = true
				addEdge(a, u.Name)
			}
		}
		for _, b := range u.Before {
			if nodes[b] || strings.HasSuffix(b, ".target") {
				nodes[b] = true
				addEdge(u.Name, b)
			}
		}
	}
	done := map[string]bool{}
	ready := func(n string) bool {
		for a := range after[n] {
			if nodes[a] && !done[a] {
				return false
			}
		}
		return true
	}
	var all []string
	for n := range nodes {
		all = append(all, n)
	}
	sort.Strings(all)
	for len(done) < len(all) {
		pick := ""
		for pass := 0; pass < 2 && pick == ""; pass++ {
			for _, n := range all {
				if done[n] || !ready(n) || (pass == 0) == isUnit[n] {
					continue
				}
				pick = n
				break
			}
		}
		if pick == "" {
			// An ordering cycle: systemd drops a job to break it.
			for _, n := range all {
				if !done[n] && isUnit[n] {
					pick = n
					break
				}
			}
			if pick == "" {
				for _, n := range all {
					if !done[n] {
						pick = n
						break
					}
				}
			}
			notes = append(notes, fmt.Sprintf("Found ordering cycle on %s/start", pick))
		}
		done[pick] = true
		if isUnit[pick] || pick == xapiUnit {
			order = append(order, pick)
		}
	}
	return order, notes
}
