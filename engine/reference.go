package engine

import (
	"fmt"
	"strings"

	"github.com/runbook-dev/runbook/builtins"
)

// BuiltinDoc documents one predeclared name of the runbook language.
type BuiltinDoc struct {
	Sig string
	Doc string
}

// engineDocs documents the names the engine itself predeclares.
var engineDocs = []BuiltinDoc{
	{"step(name, fn, *args, **kwargs)", `Runs fn(*args, **kwargs) once as a named step and returns its result, which must be data: None, bool, int, float, str, bytes, list, tuple, dict with str keys, or struct. A started record is fsynced before fn runs, a completed record (with the result) or a failed one after. On resume a completed step is not run again: it returns its recorded result; the step that was in progress runs again from its start, so make it idempotent (check, then act). Steps do not nest.`},
	{"param(name, type=\"str\", default=<required>, doc=\"\", choices=None, example=None)", `Declares a parameter at the top level of the main file and returns its value. Arguments must be constants: every parameter is checked before the runbook runs. Types: str, int, bool, ipv4, netmask (dotted, contiguous), cidr, ifname, list (of str) and list:<type>. default=None makes the parameter optional (None when not given); example is shown by runbook show and used by runbook simulate.`},
	{"refuse(problems)", `Stops the run because its inputs do not fit this host, printing every problem (a str or a list of str). Exit status 2 if nothing was changed on the host yet (the run then does not block the next one), otherwise 1.`},
	{"reboot_and_resume(reason)", `The durable reboot, a step of its own, called at the top level. Journals the intent and the boot id (fsynced), installs the boot hook /etc/systemd/system/runbook-resume.service and its multi-user.target.wants link (ordered after the network and xapi; ExecStart runs this binary's "resume --state-dir DIR"), runs the reboot program (--reboot) and ends the process with exit status 0. On resume the step completes only if the boot id changed; otherwise it reboots again, at most once more, then fails. The hook is removed when the run ends, however it ends. Before the first live step after a reboot the engine waits for xapi to answer (up to --xapi-timeout).`},
	{"warn(msg)", `Prints a warning (to stderr, and the journal).`},
	{"dry_run", `True during runbook run --dry-run: read-only builtins run, mutating ones only print what they would do and return a placeholder ("<dry-run>", [] with minimal=True, True for file changes).`},
	{"print(*args)", `Prints to the output and the journal (not again when a resume replays the steps around it).`},
	{"fail(*args)", `Fails the run (inside a step: fails the step) with a message.`},
	{"struct(**fields)", `An immutable record, e.g. struct(uuid=u, name=n); fields read as s.uuid.`},
	{"json.encode(x), json.decode(s), json.indent(s)", `JSON conversion (go.starlark.net/lib/json).`},
	{"net.cidr(ip, netmask)", `The IPv4 network of an address: net.cidr("10.10.51.11", "255.255.255.0") is "10.10.51.0/24".`},
	{"net.overlaps(a, b)", `Whether two CIDR networks share addresses.`},
	{"net.contains(cidr, ip)", `Whether ip is inside the network.`},
	{"net.prefix_len(netmask), net.netmask(n)", `Converts between a dotted netmask and a prefix length.`},
	{"net.is_ipv4(s), net.is_netmask(s), net.is_host(ip, netmask)", `Checks: an IPv4 address; a dotted, contiguous netmask; an address that is neither the network nor the broadcast address.`},
	{"load(\"lib/xen.star\", \"name\", ...)", `Loads names from a file relative to the loading file, inside the runbook's directory; each file runs once per process. The file is pinned with the runbook when a run starts.`},
}

// Reference renders the language reference of runbooks, every builtin
// with its signature, as Markdown: docs/builtins.md is generated from it.
func Reference() string {
	var b strings.Builder
	b.WriteString("# Runbook builtins\n\n")
	b.WriteString("<!-- Generated from the engine and builtins packages by `go test ./engine -run TestReference -update`; do not edit. -->\n\n")
	b.WriteString("Runbooks are Starlark (https://github.com/google/starlark-go/blob/master/doc/spec.md) with these predeclared names. See the README for the execution model.\n\n")
	b.WriteString("## Host builtins\n\nEach call outside a step is journaled as a step of its own. Paths are absolute host paths, taken under --root.\n\n")
	for _, f := range builtins.Funcs() {
		fmt.Fprintf(&b, "### `%s`\n\n%s\n\n", f.Sig, f.Doc)
	}
	b.WriteString("## Engine builtins\n\n")
	for _, d := range engineDocs {
		fmt.Fprintf(&b, "### `%s`\n\n%s\n\n", d.Sig, d.Doc)
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}
