package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.starlark.net/starlark"
)

// Secrets. A parameter of type "secret" is given with --secret
// NAME=FILE or RUNBOOK_SECRET_<NAME>, never on the command line. Its
// value is kept, for a resume, only in the run directory's secrets file
// (0600), removed when the run ends; the journal's header names the
// secret parameters and holds no value. Wherever else a value could
// surface (program output, step results, errors, printed text, the
// log), the engine replaces it with "<secret>".

const (
	secretsName = "secrets"
	secretMask  = "<secret>"
)

// mask replaces every secret value of the run in s.
func (r *runner) mask(s string) string {
	return maskSecrets(s, r.secrets)
}

func maskSecrets(s string, secrets []string) string {
	for _, v := range secrets {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, secretMask)
		}
	}
	return s
}

// maskJSON masks a secret in JSON text: as it is, and as JSON escapes it.
func maskJSON(b []byte, secrets []string) []byte {
	out := b
	for _, v := range secrets {
		q, _ := json.Marshal(v)
		esc := string(q[1 : len(q)-1])
		for _, form := range []string{v, esc} {
			if form != "" && strings.Contains(string(out), form) {
				out = []byte(strings.ReplaceAll(string(out), form, secretMask))
			}
		}
	}
	return out
}

// secretValues lists the texts to mask, longest first (so that a value
// containing another is masked whole): each value as it is, and as a
// Starlark string literal (a step's call) and a JSON string (a result)
// quote it.
func secretValues(m map[string]string) []string {
	var vals []string
	for _, v := range m {
		if v == "" {
			continue
		}
		vals = append(vals, v)
		if q := starlark.String(v).String(); q[1:len(q)-1] != v {
			vals = append(vals, q[1:len(q)-1])
		}
		if q, _ := json.Marshal(v); string(q[1:len(q)-1]) != v {
			vals = append(vals, string(q[1:len(q)-1]))
		}
	}
	sort.Slice(vals, func(i, j int) bool { return len(vals[i]) > len(vals[j]) })
	return vals
}

// maskedError shows an error with the run's secrets masked, and keeps
// the error it wraps for errors.As and the exit status.
type maskedError struct {
	err     error
	secrets []string
}

func (e *maskedError) Error() string { return maskSecrets(e.err.Error(), e.secrets) }
func (e *maskedError) Unwrap() error { return e.err }

func maskErr(err error, secrets []string) error {
	if err == nil || len(secrets) == 0 {
		return err
	}
	return &maskedError{err: err, secrets: secrets}
}

// writeSecrets keeps the run's secret values for a resume.
func (e *Engine) writeSecrets(runDir string, m map[string]string) error {
	if len(m) == 0 {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := e.writeFileSync(filepath.Join(runDir, secretsName), b, 0o600); err != nil {
		return fmt.Errorf("keep the secrets for a resume: %w", err)
	}
	return nil
}

// readSecrets reads back the secrets a run kept; names are those the
// journal header lists.
func readSecrets(runDir string, names []string) (map[string]string, error) {
	if len(names) == 0 {
		return nil, nil
	}
	p := filepath.Join(runDir, secretsName)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &StateError{Err: fmt.Errorf("the run's secrets file %s is gone: the run cannot be resumed; give it up with 'runbook abort'", p)}
	}
	if err != nil {
		return nil, &StateError{Err: fmt.Errorf("read the run's secrets: %w", err)}
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, &StateError{Err: fmt.Errorf("the run's secrets file %s is damaged; give the run up with 'runbook abort'", p)}
	}
	for _, n := range names {
		if _, ok := m[n]; !ok {
			return nil, &StateError{Err: fmt.Errorf("the run's secrets file %s lacks %s; give the run up with 'runbook abort'", p, n)}
		}
	}
	return m, nil
}

// removeSecrets deletes the secrets file once the run no longer needs
// it (it ended).
func removeSecrets(runDir string) {
	p := filepath.Join(runDir, secretsName)
	if err := os.Remove(p); err == nil {
		syncDir(runDir)
	}
}
