package sim

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// The journal of a dom0: what systemd's journal would hold of the units
// a boot ran (their output and systemd's lines about them), the kernel's
// messages and what initscripts logs through logger. It is a JSON-lines
// file under the root, read by the simulated journalctl. Its entries carry
// the wall-clock time they were written, as the real journal does; the
// snapshot leaves the journal out (it records each boot's units in the
// model instead).

const journalFile = stateDir + "/journal.jsonl"

// journalEntry is one line of the journal.
type journalEntry struct {
	Boot   int    `json:"boot"`
	BootID string `json:"boot_id"`
	// Time is the wall-clock time in microseconds since the epoch.
	Time   int64  `json:"time"`
	Unit   string `json:"unit,omitempty"`
	Ident  string `json:"ident"`
	PID    int    `json:"pid,omitempty"`
	Kernel bool   `json:"kernel,omitempty"`
	Msg    string `json:"msg"`
}

// appendJournal appends entries to the journal of root. Each is one
// write, so concurrent writers do not mix lines.
func appendJournal(root string, entries ...journalEntry) error {
	f, err := os.OpenFile(filepath.Join(root, journalFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Time == 0 {
			e.Time = time.Now().UnixMicro()
		}
		line, err := json.Marshal(e)
		if err == nil {
			_, err = f.Write(append(line, '\n'))
		}
		if err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// readJournal reads every entry of the journal of root.
func readJournal(root string) ([]journalEntry, error) {
	f, err := os.Open(filepath.Join(root, journalFile))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []journalEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var e journalEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("%s: %w", journalFile, err)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// entry makes a journal entry of the local host's current boot.
func (p *proc) entry(ident, msg string) journalEntry {
	h := p.m.localHost()
	return journalEntry{Boot: h.Dom0.BootCount, BootID: h.Dom0.BootID, Ident: ident, PID: os.Getpid(), Msg: msg}
}

// logf is logger -t IDENT: a line in the journal of the local dom0.
func (p *proc) logf(ident, format string, args ...any) {
	appendJournal(p.s.root, p.entry(ident, fmt.Sprintf(format, args...)))
}

// kmsg is a line of the kernel's log.
func (p *proc) kmsg(format string, args ...any) {
	e := p.entry("kernel", fmt.Sprintf(format, args...))
	e.Kernel, e.PID = true, 0
	appendJournal(p.s.root, e)
}

// k is the kernel of the local host.
func (p *proc) k() *kernel { return &p.m.localHost().Dom0.Kernel }

// readFileString reads a host file under root, "" when it cannot.
func readFileString(root, name string) string {
	data, _ := os.ReadFile(filepath.Join(root, name))
	return string(data)
}
