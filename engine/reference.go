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
	// Example is a short use of it, in Starlark; the reference test
	// compiles every example.
	Example string
}

// engineDocs documents the names the engine itself predeclares.
var engineDocs = []BuiltinDoc{
	{"step(name, fn, *args, **kwargs)", `Runs fn(*args, **kwargs) once as a named step and returns its result, which must be data: None, bool, int, float, str, bytes, list, tuple, dict with str keys, or struct. A started record is fsynced before fn runs, a completed record (with the result) or a failed one after. On resume a completed step is not run again: it returns its recorded result; the step that was in progress runs again from its start, so make it idempotent (check, then act). Steps do not nest.`, `def forget(uuid):
    xe("pif-forget", uuid = uuid)
    return uuid

forgotten = step("forget eth2", forget, "c3a33059-662b-a8c9-e3c8-1418bc773d5f")`},
	{"param(name, type=\"str\", default=<required>, doc=\"\", choices=None, example=None)", `Declares a parameter at the top level of the main file and returns its value. Arguments must be constants: every parameter is checked before the runbook runs. Types: str, int, bool, ipv4, netmask (dotted, contiguous), cidr, ifname, list (of str) and list:<type>. default=None makes the parameter optional (None when not given); example is shown by runbook show and used by runbook simulate.`, `ip = param("ip", type = "ipv4", doc = "the storage address", example = "10.10.51.11")
slaves = param("slaves", type = "list:ifname", default = ["eth2", "eth3"])`},
	{"refuse(problems)", `Stops the run because its inputs do not fit this host, printing every problem (a str or a list of str). Exit status 2 if nothing was changed on the host yet (the run then does not block the next one), otherwise 1.`, `problems = []
if not exists("/proc/net/bonding"):
    problems.append("the bonding driver is not loaded")
if problems:
    refuse(problems)`},
	{"reboot_and_resume(reason)", `The durable reboot, a step of its own, called at the top level. Journals the intent and the boot id (fsynced), installs the boot hook /etc/systemd/system/runbook-resume.service and its multi-user.target.wants link (ordered after the network and xapi; ExecStart runs this binary's "resume --state-dir DIR"), runs the reboot program (--reboot) and ends the process with exit status 0. On resume the step completes only if the boot id changed; otherwise it reboots again, at most once more, then fails. The hook is removed when the run ends, however it ends. Before the first live step after a reboot the engine waits for xapi to answer (up to --xapi-timeout).`, `reboot_and_resume("switch the network backend to bridge")`},
	{"warn(msg)", `Prints a warning (to stderr, and the journal).`, `warn("mode 7 (balance-slb) spreads no load for dom0 traffic")`},
	{"dry_run", `True during runbook run --dry-run: read-only builtins run, mutating ones only print what they would do and return a placeholder ("<dry-run>", [] with minimal=True, True for file changes). The steps after a reboot it would make, and those whose inputs hold a "<dry-run>" placeholder, are shown as skipped and not run (they return "<dry-run>").`, `if dry_run:
    print("a dry run: the checks after the changes are skipped")`},
	{"print(*args)", `Prints to the output and the journal (not again when a resume replays the steps around it).`, `print("bond %s is up with %d slaves" % ("bond51", 2))`},
	{"fail(*args)", `Fails the run (inside a step: fails the step) with a message.`, `fail("bond51 has no active slave")`},
	{"struct(**fields)", `An immutable record, e.g. struct(uuid=u, name=n); fields read as s.uuid.`, `host = struct(uuid = "6a982c58-b742-2346-37f2-4fb9c93d838d", name = "xen01")
print(host.name)`},
	{"json.encode(x), json.decode(s), json.indent(s)", `JSON conversion (go.starlark.net/lib/json).`, `cfg = json.decode('{"mtu": 9000}')
print(json.encode(cfg))`},
	{"net.cidr(ip, netmask)", `The IPv4 network of an address: net.cidr("10.10.51.11", "255.255.255.0") is "10.10.51.0/24".`, `subnet = net.cidr("10.10.51.11", "255.255.255.0")  # "10.10.51.0/24"`},
	{"net.overlaps(a, b)", `Whether two CIDR networks share addresses.`, `if net.overlaps("10.10.51.0/24", "10.10.0.0/16"):
    refuse("the storage subnet overlaps the management one")`},
	{"net.contains(cidr, ip)", `Whether ip is inside the network.`, `ok = net.contains("10.10.51.0/24", "10.10.51.11")  # True`},
	{"net.prefix_len(netmask), net.netmask(n)", `Converts between a dotted netmask and a prefix length.`, `bits = net.prefix_len("255.255.255.0")  # 24
mask = net.netmask(24)  # "255.255.255.0"`},
	{"net.is_ipv4(s), net.is_netmask(s), net.is_host(ip, netmask)", `Checks: an IPv4 address; a dotted, contiguous netmask; an address that is neither the network nor the broadcast address.`, `usable = net.is_host("10.10.51.0", "255.255.255.0")  # False: the network address`},
	{"sleep(seconds)", `Pauses for seconds (an int or a float, up to 86400), for a host that needs time after a change; a signal interrupts it. It is not a step and is not journaled: a resume skips the sleeps of the part it replays, and a dry run skips every sleep. To wait for a condition, use wait_until rather than a fixed sleep.`, `ifup("eth2")
sleep(5)  # let the switch port negotiate before the next change`},
	{"wait_until(fn, timeout, interval=1, name=None)", `Calls fn() at once, then every interval seconds, until it returns a true value, and returns that value; fn usually reads the host (xe lists, bonding_status, read_file). When timeout seconds pass first (fn is called once more at the deadline), it fails with an error saying how long it waited, how many calls it made and what fn last returned. Outside a step it is one journaled step of its own (named name, or "wait until <fn>"), so its result must be data, and a resume replays a completed wait_until without calling fn again; a wait cut short by a crash or a signal waits again from the start. Inside a step it is part of that step. In a dry run fn is called once: if it is not yet true, the wait is shown and fn's value returned without waiting. An error raised by fn fails at once.`, `def slaves_up():
    st = bonding_status("bond51")
    if all([s.mii_status == "up" for s in st.slaves]):
        return st
    return None

st = wait_until(slaves_up, timeout = 60, interval = 2, name = "wait for the slaves of bond51")
print("active slave: %s" % st.active_slave)`},
	{"attempt()", `Inside a step function: which attempt of the step this is, 1 the first time it runs, 2 and more when it runs again after an earlier process was cut short in it (a crash, a signal) or after it failed and the run was resumed. A dry run is always attempt 1. On a first attempt a step may trust what an earlier step read about the host (a batched read of the pool); on a later one part of its own work may already be done, so it reads the host again before it acts. Outside a step it is an error.`, `def create_bond(network, pifs, known):
    if attempt() > 1:
        known = xe("bond-list", params = "uuid,master,slaves")  # read again: a crash may have left it done
    for b in known:
        if sorted(b["slaves"]) == sorted(pifs):
            return b["uuid"]
    return xe("bond-create", network_uuid = network, pif_uuids = pifs)`},
	{"load(\"lib/xen.star\", \"name\", ...)", `Loads names from a file relative to the loading file, inside the runbook's directory; each file runs once per process. The file is pinned with the runbook when a run starts.`, `load("lib/xen.star", "find_host", "pif_by_device")`},
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
		writeDoc(&b, BuiltinDoc{Sig: f.Sig, Doc: f.Doc, Example: f.Example})
	}
	b.WriteString("## Engine builtins\n\n")
	for _, d := range engineDocs {
		writeDoc(&b, d)
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func writeDoc(b *strings.Builder, d BuiltinDoc) {
	fmt.Fprintf(b, "### `%s`\n\n%s\n\n", d.Sig, d.Doc)
	if d.Example != "" {
		fmt.Fprintf(b, "```python\n%s\n```\n\n", d.Example)
	}
}
