package engine

import (
	"io"
	"io/fs"
	"os"

	"github.com/runbook-dev/runbook/internal/journal"
)

// RecordedOptions are the options a run was started with, as its
// journal keeps them.
type RecordedOptions = journal.RecordedOptions

// Caps of a run (README "Limits").
const (
	// DefaultMaxRecords bounds the journal lines of one run.
	DefaultMaxRecords = 1_000_000
)

func (e *Engine) maxRecords() int {
	if e.MaxRecords > 0 {
		return e.MaxRecords
	}
	return DefaultMaxRecords
}

// journalOptions are the options of every journal the engine writes.
func (e *Engine) journalOptions() journal.Options {
	return journal.Options{Now: e.now, NoSync: e.noSync, Write: e.WriteHook}
}

// write writes b to f through the write hook.
func (e *Engine) write(f *os.File, b []byte) (int, error) {
	if e.WriteHook != nil {
		return e.WriteHook(f, b)
	}
	return f.Write(b)
}

// writeFileSync writes a new file in the state dir and fsyncs it.
func (e *Engine) writeFileSync(p string, data []byte, perm fs.FileMode) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	n, err := e.write(f, data)
	if err == nil && n < len(data) {
		err = io.ErrShortWrite
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// logWriter appends to the run's log through the write hook; a full
// disk loses log lines, never the run.
type logWriter struct {
	e *Engine
	f *os.File
}

func (w *logWriter) Write(b []byte) (int, error) {
	w.e.write(w.f, b)
	return len(b), nil
}
