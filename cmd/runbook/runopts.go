package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/runbook-dev/runbook/engine"
	"github.com/spf13/pflag"
)

// secretOpts is --secret NAME=FILE, repeatable: a secret parameter's
// value read from a file (a value on the command line is visible in ps).
type secretOpts struct {
	specs []string
}

func (s *secretOpts) register(fs *pflag.FlagSet) {
	fs.StringArrayVar(&s.specs, "secret", nil, "a secret parameter's value from a file (repeatable; or the environment variable RUNBOOK_SECRET_<NAME>)")
	describe(fs, "secret", "NAME=FILE", "", "")
}

// values reads the secrets given with --secret, then, for every secret
// parameter the runbook declares and --secret did not give, its
// RUNBOOK_SECRET_<NAME> variable. One trailing newline of a file is not
// part of the value.
func (s *secretOpts) values(c *cli, rb *engine.Runbook) (map[string]string, error) {
	out := map[string]string{}
	var problems []string
	for _, spec := range s.specs {
		name, file, ok := strings.Cut(spec, "=")
		if !ok || name == "" || file == "" {
			problems = append(problems, fmt.Sprintf("--secret %q: want NAME=FILE, a file that holds the value", spec))
			continue
		}
		b, err := os.ReadFile(file)
		if err != nil {
			problems = append(problems, fmt.Sprintf("--secret %s: %v", name, err))
			continue
		}
		b = bytes.TrimSuffix(b, []byte("\n"))
		b = bytes.TrimSuffix(b, []byte("\r"))
		out[name] = string(b)
	}
	for _, d := range rb.Params {
		if d.Type != "secret" {
			continue
		}
		if _, ok := out[d.Name]; ok {
			continue
		}
		if v := c.getenv(engine.SecretEnv(d.Name)); v != "" {
			out[d.Name] = v
		}
	}
	if len(problems) > 0 {
		return nil, &usageError{msg: strings.Join(problems, "\n"), hint: "runbook help run"}
	}
	return out, nil
}

// childWait is --child-wait (RUNBOOK_CHILD_WAIT): how long run and
// resume wait for a program a dead earlier process left running.
func childWait(c *cli, fs *pflag.FlagSet) *time.Duration {
	d := engine.DefaultChildWait
	if c.getenv != nil {
		var err error
		if d, err = envDuration(c.getenv, "RUNBOOK_CHILD_WAIT", engine.DefaultChildWait); err != nil {
			c.envErr = err
			d = engine.DefaultChildWait
		}
	}
	p := new(time.Duration)
	fs.DurationVar(p, "child-wait", d, "how long to wait for a program an earlier, killed, runbook process left running, before refusing")
	describe(fs, "child-wait", "DUR", "RUNBOOK_CHILD_WAIT", engine.DefaultChildWait.String())
	return p
}
