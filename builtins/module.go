package builtins

import (
	"context"
	"fmt"
	"io/fs"
	"os/exec"
	"sort"
	"strings"
	"time"

	"go.starlark.net/starlark"
)

// Env is what the host builtins of one run need; the engine builds it.
type Env struct {
	// Host is the machine the run acts on.
	Host Host
	// Xe and Ifup are the programs run by xe() and ifup().
	Xe, Ifup string
	// Environ holds KEY=VALUE entries added to every program's
	// environment (RUNBOOK_ROOT, RUNBOOK_STATE_DIR, PATH).
	Environ []string
	// CallTimeout bounds each program run unless the call gives timeout=.
	CallTimeout time.Duration
	// DryRun: read-only calls run, mutating ones are only reported.
	DryRun bool
	// Effects receives what the builtins do to the host.
	Effects Effects
	// Ctx is cancelled when the run is interrupted.
	Ctx context.Context
	// PollInterval is how often bonding_status(wait=) re-reads the file.
	PollInterval time.Duration
	// Waiting, when set, is told what a long call waits for ("eth3 link
	// still down"), for the progress of the step; "" clears it.
	Waiting func(what string)
}

// waiting tells the engine what the call in progress waits for.
func (env *Env) waiting(what string) {
	if env.Waiting != nil {
		env.Waiting(what)
	}
}

// Effects is how builtins report to the engine.
type Effects interface {
	// Changed records that the current step changed the host.
	Changed()
	// InDoubt records that a mutating program was cut off (timed out,
	// killed by a signal) after it started: it may have changed the host.
	InDoubt(what string)
	// WouldRun reports, in a dry run, what a mutating call would do.
	WouldRun(what string)
	// Backup keeps the content a file had before the run replaced or
	// removed it (existed is false for a file that did not exist).
	Backup(name string, old []byte, mode fs.FileMode, existed bool) error
}

// Func is a host builtin: every call outside a step is journaled as a
// step of its own, so Describe must render the call deterministically.
type Func struct {
	Name string
	// Sig is the call signature shown in references.
	Sig string
	// Doc says what the builtin does, its result and its errors.
	Doc string
	// Example is a short use of it, in Starlark, for the reference.
	Example string
	// Call runs the builtin.
	Call func(env *Env, thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)
	// Describe renders a call for the journal and for messages, with
	// credentials redacted; nil uses the generic rendering.
	Describe func(args starlark.Tuple, kwargs []starlark.Tuple) string
}

// Funcs returns the host builtins, sorted by name.
func Funcs() []Func {
	fs := []Func{
		{Name: "xe", Call: xeBuiltin, Describe: describeXe,
			Sig: "xe(command, *args, minimal=False, check=True, read_only=None, timeout=None, **params)",
			Doc: `Execs the xe program (--xe) with an argument list, never a shell. Keyword params become key=value with "_" turned into "-" (host_uuid=h gives host-uuid=h); lists are joined with commas; positional strings pass as they are ("other-config:management_purpose=Storage"). For *-list and *-param-list commands, and host-get-vms-which-prevent-evacuation, the result is a list of records: dicts in xe's field order, field names without their "( RO)" tag, map fields as dicts, set fields as lists. With minimal=True (which adds --minimal) it is a list of strings split on unescaped commas (empty output gives []). Otherwise it is the stripped stdout. A non-zero exit is an error carrying the argv, the exit status and xe's stderr verbatim; with check=False the result is struct(code, stdout, stderr) instead. Reads are the commands ending in -list, -param-get or -param-list, help, and those whose verb only reports: get-* (host-get-vms-which-prevent-evacuation), compute-* (host-compute-free-memory), cpu-info and data-source-query, but not host-get-system-status, which writes a file; every other command is mutating: it marks the step changed and a dry run only prints it. read_only=True makes a call a read (a dry run runs it, it never marks the step changed), read_only=False makes it mutating. Credentials (-pw, -pwf, password=, passwordfile=, and every parameter named like a password, such as master-password= or device-config:password=) are redacted from the journal, the status and every message, and their values are masked in xe's output. A mutating call that is cut off (timed out, killed by a signal) fails its step as in doubt: the host may have changed. Output over 32 MiB per stream is an error.`,
			Example: `host = xe("host-list", name_label = "xen01", minimal = True)[0]
pifs = xe("pif-list", host_uuid = host, device = "eth2")
uuid = xe("pif-list", host_uuid = host, device = "eth2", params = "uuid", minimal = True)[0]
xe("pif-param-set", "other-config:management_purpose=Storage", uuid = uuid)
r = xe("pif-param-get", uuid = uuid, param_name = "IP", check = False)
if r.code != 0:
    fail(r.stderr)
blocking = xe("host-get-vms-which-prevent-evacuation", uuid = host)  # a read: records
free = xe("host-compute-free-memory", host = host, read_only = True)`},
		{Name: "run", Call: runBuiltin, Describe: describeRun,
			Sig: "run(program, *args, check=True, read_only=False, timeout=None, stdin=None)",
			Doc: `Execs another program with an argument list, never a shell; a name without a slash is looked up in the directory of --xe, PATH, then /opt/xensource/bin and the sbin/bin directories. Returns the stripped stdout; errors as xe(). It is mutating unless read_only=True.`,
			Example: `driver = run("ethtool", "-i", "eth2", read_only = True)
run("modprobe", "bonding")`},
		{Name: "which", Call: whichBuiltin, Sig: "which(program)",
			Doc: `The path run() would use for program, or None if there is none.`,
			Example: `if which("xe-switch-network-backend") == None:
    refuse("this release cannot switch the network backend")`},
		{Name: "read_file", Call: readFileBuiltin, Sig: "read_file(path, default=<error>)",
			Doc:     `The content of a host file (an absolute path, taken under --root). A missing file is an error, or returns default when one is given.`,
			Example: `old = read_file("/etc/sysconfig/network-scripts/ifcfg-eth2", default = "")`},
		{Name: "exists", Call: existsBuiltin, Sig: "exists(path)",
			Doc: `Whether the host file (or symbolic link) exists.`,
			Example: `if exists("/etc/modprobe.d/blacklist-bridge.conf"):
    warn("the bridge module is blacklisted")`},
		{Name: "file_write", Call: fileWriteBuiltin, Describe: describeFileWrite,
			Sig:     "file_write(path, content, mode=0o644)",
			Doc:     `Replaces a host file atomically: a temporary file next to it, fsync, rename, fsync of the directory, so a crash leaves the old or the new content, never a mix. The previous content is kept in the run directory as a backup that runbook status lists. Returns True only when the content or the mode changed. A relative path, "..", or a symbolic link leading outside --root is an error.`,
			Example: `changed = file_write("/etc/sysconfig/network-scripts/ifcfg-bond51", "DEVICE=bond51\nONBOOT=yes\nBOOTPROTO=none\n")`},
		{Name: "remove_file", Call: removeFileBuiltin, Sig: "remove_file(path)",
			Doc:     `Deletes a host file, keeping its content as a backup. Returns False if it did not exist.`,
			Example: `remove_file("/etc/sysconfig/network-scripts/ifcfg-eth3")`},
		{Name: "symlink", Call: symlinkBuiltin, Sig: "symlink(target, path)",
			Doc: `Makes path a symbolic link to target (as systemctl enable does). Returns False if it already was; a file that is not a link in the way is an error.`,
			Example: `symlink("/etc/systemd/system/runbook-bond51.service",
        "/etc/systemd/system/multi-user.target.wants/runbook-bond51.service")`},
		{Name: "ifup", Call: ifupBuiltin, Sig: "ifup(device, timeout=None)",
			Doc:     `Execs the ifup program (--ifup) with the device. A failure is an error with its output. ifup exiting 0 proves little: check the result (bonding_status).`,
			Example: `ifup("bond51", timeout = 120)`},
		{Name: "bonding_status", Call: bondingStatusBuiltin, Sig: "bonding_status(bond, wait=0)",
			Doc: `Parses /proc/net/bonding/<bond> (under --root) into struct(driver_version, mode (as the kernel prints it), mode_name (the option name, e.g. active-backup), fail_over_mac, transmit_hash_policy, primary_slave, active_slave (None if none), mii_status, miimon, updelay, downdelay, slaves, ad_info). slaves is a list of struct(name, mii_status, speed, duplex, link_failures, hw_addr (the permanent MAC), aggregator_id, queue_id); ad_info, for 802.3ad only, is struct(lacp_rate, ad_select, aggregator). Reads the formats of kernels 2.6.18, 3.10, 4.4, 4.19 (with XenServer's balance-slb lines) and newer. With wait=N it polls until the bond and every slave are up or N seconds pass, then returns what it read. A missing file is an error saying the bond does not exist.`,
			Example: `st = bonding_status("bond51", wait = 30)
down = [s.name for s in st.slaves if s.mii_status != "up"]`},
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].Name < fs[j].Name })
	return fs
}

// Render renders a call of f for the journal and messages.
func (f *Func) Render(args starlark.Tuple, kwargs []starlark.Tuple) string {
	if f.Describe != nil {
		return f.Describe(args, kwargs)
	}
	return DescribeCall(f.Name, args, kwargs)
}

// DescribeCall renders name(args..., k=v...) with Starlark reprs.
func DescribeCall(name string, args starlark.Tuple, kwargs []starlark.Tuple) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('(')
	for i, a := range args {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.String())
	}
	for i, kv := range kwargs {
		if i > 0 || len(args) > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s=%s", kv[0].(starlark.String).GoString(), kv[1].String())
	}
	b.WriteByte(')')
	return b.String()
}

// ShortName is the step name of a builtin called outside a step: the
// builtin and its first string argument ("xe pif-forget", "ifup bond51").
func ShortName(name string, args starlark.Tuple) string {
	if len(args) > 0 {
		if s, ok := starlark.AsString(args[0]); ok && len(s) < 120 && !strings.ContainsAny(s, "\n\r") {
			return name + " " + s
		}
	}
	return name
}

// notFoundError is a program that could not be found: its message says
// where it was looked for, and it matches exec.ErrNotFound.
type notFoundError struct{ msg string }

func (e *notFoundError) Error() string { return e.msg }
func (e *notFoundError) Unwrap() error { return exec.ErrNotFound }
