package reliability

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The secret of TestSecrets: quotes and a backslash, so that its JSON
// form differs from its text.
const secretValue = `Hunter2"S3cr\et-Zq9`

// TestSecrets runs a runbook that uses a secret parameter every way it
// can (xe credentials, a program's argv, its stdin and its output,
// print, warn, a step's argument and result, an error), across a reboot
// and its resume, given by file and by environment; then searches every
// file the run left (the state dir, the host but the simulator's own
// record of xe's argv) and every output for the value. The -p and
// params-file forms are refused.
func TestSecrets(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"file", "env"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			h := newHost(t, crashInit...)
			var problems []string
			outputs := map[string]string{}
			run := func(name string, extra []string, args ...string) result {
				r := h.runEnv(extra, args...)
				outputs[name+" stdout"], outputs[name+" stderr"] = r.stdout, r.stderr
				return r
			}
			args := []string{"run", star(t, "secrets")}
			var extra []string
			if how == "file" {
				f := writeFile(t, filepath.Join(h.dir, "pw"), secretValue+"\n")
				os.Chmod(f, 0o600)
				args = append(args, "--secret", "pw="+f)
			} else {
				extra = []string{"RUNBOOK_SECRET_PW=" + secretValue}
			}
			run("dry run", extra, append(args, "--dry-run")...)
			if r := run("run", extra, args...); r.code != 0 {
				t.Fatalf("run: %v", r)
			}
			st := h.status()
			sf := filepath.Join(st.RunDir, "secrets")
			if fi, err := os.Stat(sf); err != nil || fi.Mode().Perm() != 0o600 {
				problems = append(problems, fmt.Sprintf("while the run waits for its reboot, its secrets file %s: %v", sf, err))
			}
			outputs["boot unit"] = h.hookText()
			run("status-paused", nil, "status")
			run("status-json-paused", nil, "status", "--json")
			r := h.bootAndResume()
			outputs["resume stdout"], outputs["resume stderr"] = r.stdout, r.stderr
			// The hook's output, both streams, is on the boot's console.
			if r.code != 1 || !strings.Contains(r.stdout+r.stderr, "it broke: <secret>") {
				problems = append(problems, fmt.Sprintf("resume: want the last step to fail with the secret masked: %v", r))
			}
			if !strings.Contains(r.stdout, "after the reboot: <secret>") {
				problems = append(problems, "the resume did not get the secret back (or did not mask it): "+r.stdout)
			}
			run("status", nil, "status")
			run("status-json", nil, "status", "--json")
			run("abort", nil, "abort")
			if fileExists(sf) {
				problems = append(problems, "the secrets file outlived the run")
			}
			// The value did reach the programs.
			reached := false
			for _, argv := range h.calls().Argv {
				for _, a := range argv {
					reached = reached || strings.Contains(a, secretValue)
				}
			}
			if !reached {
				problems = append(problems, "the secret never reached a program: the test passes nothing")
			}
			files := 0
			for _, dir := range []string{h.state, h.root} {
				filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
					if err != nil {
						return nil
					}
					if d.IsDir() {
						if p == filepath.Join(h.root, "var", "lib", "xsim") || p == filepath.Join(h.root, "bin") {
							return filepath.SkipDir // the simulated host's own record of argv; its programs
						}
						return nil
					}
					b, err := os.ReadFile(p)
					if err != nil {
						return nil
					}
					files++
					outputs[p] = string(b)
					return nil
				})
			}
			leaks := 0
			for where, text := range outputs {
				for _, form := range []string{secretValue, `Hunter2\"S3cr\\et-Zq9`, "S3cr"} {
					if strings.Contains(text, form) {
						leaks++
						i := strings.Index(text, form)
						problems = append(problems, fmt.Sprintf("%s shows the secret: ...%s...", where, clipAround(text, i)))
						break
					}
				}
			}
			secretFigure.add(files, len(outputs)-files, leaks)
			if len(problems) > 0 {
				t.Error(strings.Join(problems, "\n"))
			}
		})
	}
	t.Run("refused-on-the-command-line", func(t *testing.T) {
		t.Parallel()
		h := newHost(t, crashInit...)
		pf := paramsFile(t, h, fmt.Sprintf(`{"pw": %q}`, "x"+secretValue))
		for _, args := range [][]string{{"-p", "pw=" + secretValue}, {"--params-file", pf}} {
			r := h.run(append([]string{"run", star(t, "secrets")}, args...)...)
			ok := r.code == 2 && strings.Contains(r.stderr, "--secret pw=FILE") && strings.Contains(r.stderr, "RUNBOOK_SECRET_PW") && !strings.Contains(r.stderr, "S3cr")
			secretFigure.add(0, 1, b2i(!ok))
			if !ok {
				t.Errorf("%s: want exit 2 saying how to give a secret, without it: %v", args[0], r)
			}
		}
	})
}
