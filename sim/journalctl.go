package sim

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// journalctl is systemd's journalctl (219, as on a CentOS 7 dom0) over
// the journal of the dom0: -u UNIT (repeatable), -b [N|-N|ID], -k (the
// kernel's messages of this boot), -t IDENT, -o short|cat, -q,
// --no-pager and --list-boots.

func journalctl(root string, args []string, stdout, stderr io.Writer) int {
	var units, idents []string
	boot, kernelOnly, quiet, list := "", false, false, false
	hasBoot := false
	output := "short"
	for i := 0; i < len(args); i++ {
		a := args[i]
		val := func() (string, bool) {
			if k, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(k, "--") {
				return v, true
			}
			if len(a) > 2 && a[0] == '-' && a[1] != '-' {
				return a[2:], true
			}
			if i+1 < len(args) {
				i++
				return args[i], true
			}
			fmt.Fprintf(stderr, "journalctl: option '%s' requires an argument\n", a)
			return "", false
		}
		name, _, _ := strings.Cut(a, "=")
		switch {
		case name == "-u" || name == "--unit" || strings.HasPrefix(a, "-u"):
			v, ok := val()
			if !ok {
				return 1
			}
			if !strings.Contains(v, ".") {
				v += ".service"
			}
			units = append(units, v)
		case name == "-t" || name == "--identifier" || strings.HasPrefix(a, "-t"):
			v, ok := val()
			if !ok {
				return 1
			}
			idents = append(idents, v)
		case name == "-o" || name == "--output" || strings.HasPrefix(a, "-o"):
			v, ok := val()
			if !ok {
				return 1
			}
			if v != "short" && v != "cat" {
				fmt.Fprintf(stderr, "Unknown output format '%s'.\n", v)
				return 1
			}
			output = v
		case name == "-b" || name == "--boot":
			hasBoot = true
			if v, ok := strings.CutPrefix(a, "--boot="); ok {
				boot = v
			} else if i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") || i+1 < len(args) && isBootOffset(args[i+1]) {
				i++
				boot = args[i]
			}
		case strings.HasPrefix(a, "-b"):
			hasBoot, boot = true, a[2:]
		case a == "-k" || a == "--dmesg":
			kernelOnly, hasBoot = true, true
		case a == "-q" || a == "--quiet":
			quiet = true
		case a == "--no-pager" || a == "-l" || a == "--full" || a == "-a" || a == "--all":
		case a == "--list-boots":
			list = true
		default:
			if strings.HasPrefix(a, "--") {
				fmt.Fprintf(stderr, "journalctl: unrecognized option '%s'\n", a)
			} else if strings.HasPrefix(a, "-") {
				fmt.Fprintf(stderr, "journalctl: invalid option -- '%s'\n", strings.TrimPrefix(a, "-")[:1])
			} else {
				fmt.Fprintf(stderr, "Failed to add match '%s': Invalid argument\n", a)
			}
			return 1
		}
	}
	entries, err := readJournal(root)
	if err != nil {
		fmt.Fprintf(stderr, "journalctl (simulated): %v\n", err)
		return 1
	}
	// The boots, oldest first.
	var boots []journalEntry
	for _, e := range entries {
		if len(boots) == 0 || boots[len(boots)-1].Boot != e.Boot {
			boots = append(boots, e)
		}
	}
	current := strings.TrimSpace(readFileString(root, bootIDFile))
	if list {
		for i, b := range boots {
			fmt.Fprintf(stdout, "%3d %s %s\n", i-len(boots)+1, strings.ReplaceAll(b.BootID, "-", ""), formatLong(b.Time))
		}
		return 0
	}
	wantBoot := ""
	if hasBoot {
		id, err := pickBoot(boot, boots, current)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		wantBoot = id
	}
	var out []journalEntry
	for _, e := range entries {
		if wantBoot != "" && e.BootID != wantBoot {
			continue
		}
		if kernelOnly && !e.Kernel {
			continue
		}
		if len(units) > 0 && !contains(units, e.Unit) {
			continue
		}
		if len(idents) > 0 && !contains(idents, e.Ident) {
			continue
		}
		out = append(out, e)
	}
	if !quiet && len(entries) > 0 {
		fmt.Fprintf(stdout, "-- Logs begin at %s, end at %s. --\n", formatLong(entries[0].Time), formatLong(entries[len(entries)-1].Time))
	}
	if len(out) == 0 {
		if !quiet {
			io.WriteString(stdout, "-- No entries --\n")
		}
		return 0
	}
	host := strings.TrimSpace(readFileString(root, "etc/hostname"))
	for i, e := range out {
		if i > 0 && out[i-1].BootID != e.BootID && output == "short" {
			io.WriteString(stdout, "-- Reboot --\n")
		}
		if output == "cat" {
			fmt.Fprintln(stdout, e.Msg)
			continue
		}
		ident := e.Ident
		if e.PID != 0 {
			ident = fmt.Sprintf("%s[%d]", e.Ident, e.PID)
		}
		fmt.Fprintf(stdout, "%s %s %s: %s\n", time.UnixMicro(e.Time).Format("Jan 02 15:04:05"), host, ident, e.Msg)
	}
	return 0
}

func isBootOffset(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

// pickBoot resolves -b's argument: empty or 0 is the current boot, -N
// the Nth before it, N the Nth from the first, else a boot id.
func pickBoot(arg string, boots []journalEntry, current string) (string, error) {
	if arg == "" {
		return current, nil
	}
	if n, err := strconv.Atoi(arg); err == nil {
		idx := -1
		for i, b := range boots {
			if b.BootID == current {
				idx = i
			}
		}
		switch {
		case n <= 0 && idx >= 0 && idx+n >= 0:
			return boots[idx+n].BootID, nil
		case n > 0 && n <= len(boots):
			return boots[n-1].BootID, nil
		case n == 0:
			return current, nil
		}
		return "", fmt.Errorf("Failed to look up boot %s: Cannot assign requested address", arg)
	}
	for _, b := range boots {
		if strings.ReplaceAll(b.BootID, "-", "") == strings.ReplaceAll(arg, "-", "") {
			return b.BootID, nil
		}
	}
	return "", fmt.Errorf("Failed to look up boot %s: No such boot ID in journal", arg)
}

func formatLong(us int64) string {
	return time.UnixMicro(us).Format("Mon 2006-01-02 15:04:05 MST")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
