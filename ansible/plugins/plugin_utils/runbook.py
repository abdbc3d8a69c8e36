# -*- coding: utf-8 -*-
"""Controller-side helpers of the runbook.xen actions.

Everything here runs on the Ansible controller. The target (a XenServer /
XCP-ng dom0, whose Python may be 2.7 or 3.6) only ever runs the runbook
binary, xe and a few POSIX tools (cat, sha256sum, mkdir, cp, chmod, mv,
touch, rm), through the connection's low-level command execution, as
ansible.builtin.reboot does. Every command is built from an argument
list and each argument is shell-quoted: nothing of the task's values is
ever interpreted by the target's shell.

The runbook CLI contract relied on (README of the runbook project):
``runbook status --json`` (states none, running, rebooting, interrupted,
failed, succeeded, aborted; steps; changed_host; error; warnings),
``runbook run RUNBOOK -p NAME=VALUE ... [--secret NAME=FILE ...]
[--dry-run --json]`` (a secret parameter only ever from a file or the
environment; one trailing newline of the file is not part of the value),
``runbook resume``, the global options ``--state-dir --root --xe --ifup
--reboot``, and the exit statuses 0 (done, or paused for a reboot), 1
(failed), 2 (nothing changed: usage, parameters, refusal), 3 (busy).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import shlex

# The global options of the runbook CLI, by task option name.
GLOBAL_OPTIONS = (
    ("state_dir", "--state-dir"),
    ("root", "--root"),
    ("xe", "--xe"),
    ("ifup", "--ifup"),
    ("reboot", "--reboot"),
)

DEFAULT_BINARY = "/usr/local/bin/runbook"
DEFAULT_STATE_DIR = "/var/lib/runbook"
BOOT_ID_PATH = "/proc/sys/kernel/random/boot_id"
INVENTORY_PATH = "/etc/xensource-inventory"

# Run states of `runbook status --json`.
STATE_NONE = "none"
STATE_RUNNING = "running"
STATE_REBOOTING = "rebooting"
STATE_INTERRUPTED = "interrupted"
STATE_FAILED = "failed"
STATE_SUCCEEDED = "succeeded"
STATE_ABORTED = "aborted"

# Exit statuses of the runbook command.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_BUSY = 3

# A shell's "command not found".
EXIT_NOT_FOUND = 127

# ssh's exit status when the connection itself failed.
EXIT_SSH_LOST = 255

# RUN_ARGUMENT_SPEC is the argument spec of runbook.xen.run, as its
# documentation (plugins/modules/run.py and the runbook.xen.target
# fragment) describes it (tests/unit checks that they agree). The action
# checks the options itself, to report every problem at once in its own
# words; the spec names the valid options and marks the ones whose values
# are masked (no_log) in all the task returns.
RUN_ARGUMENT_SPEC = {
    "runbook": {"type": "str", "required": True},
    "params": {"type": "dict", "default": {}},
    "secrets": {"type": "dict", "default": {}, "no_log": True},
    "src": {"type": "path"},
    "timeout": {"type": "int", "default": 3600},
    "reboot_timeout": {"type": "int", "default": 900},
    "poll": {"type": "float", "default": 5},
    "binary": {"type": "path", "default": DEFAULT_BINARY},
    "state_dir": {"type": "path", "default": DEFAULT_STATE_DIR},
    "root": {"type": "path"},
    "xe": {"type": "str"},
    "ifup": {"type": "str"},
    "reboot": {"type": "str"},
}

PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

BOOL_WORDS = {
    "true": True, "yes": True, "1": True, "on": True,
    "false": False, "no": False, "0": False, "off": False,
}


class ConnectionLost(Exception):
    """The connection to the target failed: it may be rebooting."""


class RemoteError(Exception):
    """A command on the target did not do what was asked; the message
    says what, with the command's output."""


def shell_join(argv):
    """Render an argument list as one POSIX shell command line, each
    argument quoted, so that the target's shell runs exactly argv."""
    return " ".join(shlex.quote(str(a)) for a in argv)


def host_path(root, path):
    """A host path taken under root (the --root of a simulated host)."""
    if not root or root == "/":
        return path
    return root.rstrip("/") + path


class Remote:
    """Runs argument lists on the target through an action's connection."""

    def __init__(self, action):
        self._action = action

    def run(self, argv, in_data=None):
        """Run argv on the target; a dict with rc, stdout and stderr.
        Raises ConnectionLost when the connection itself failed."""
        # Imported here so that the pure helpers above and below load
        # without ansible (the unit tests).
        from ansible.errors import AnsibleConnectionFailure

        try:
            res = self._action._low_level_execute_command(shell_join(argv), in_data=in_data)
        except AnsibleConnectionFailure as e:
            raise ConnectionLost(str(e))
        rc = res.get("rc", 0)
        if rc == EXIT_SSH_LOST and getattr(self._action._connection, "transport", "") != "local":
            # ssh's own failure (none of the commands run exits 255): a
            # host going down under the command that rebooted it.
            raise ConnectionLost("exit status 255: %s" % output_of(res))
        return {"rc": rc, "stdout": res.get("stdout", ""), "stderr": res.get("stderr", "")}

    def reset(self):
        """Drop a connection that failed (a stale ssh master after a
        reboot) so that the next command opens a new one."""
        try:
            self._action._connection.reset()
        except Exception:  # a connection without reset, or one still down
            pass

    def read_file(self, path):
        """The content of a target file, or None when it cannot be read."""
        res = self.run(["cat", "--", path])
        if res["rc"] != 0:
            return None
        return res["stdout"]


def output_of(res):
    """A command's error output for a message: stderr, else stdout."""
    text = (res.get("stderr") or "").strip()
    if not text:
        text = (res.get("stdout") or "").strip()
    return text


# Options shared by the actions.


def check_str(args, name, problems, default=None, required=False):
    """A string option: its value, default when absent; a problem when it
    is not a non-empty string."""
    v = args.get(name)
    if v is None:
        if required:
            problems.append("%s: required, e.g. %s" % (name, EXAMPLES.get(name, "...")))
        return default
    if not isinstance(v, str) or v == "" or "\n" in v or "\0" in v:
        problems.append("%s: got %r, want a non-empty one-line string" % (name, v))
        return default
    return v


def check_number(args, name, problems, default, minimum=0, integer=True):
    """A positive number option (seconds)."""
    v = args.get(name)
    if v is None:
        return default
    try:
        n = int(v) if integer else float(v)
    except (TypeError, ValueError):
        problems.append("%s: got %r, want a number of seconds" % (name, v))
        return default
    if isinstance(v, bool) or n <= minimum:
        problems.append("%s: got %r, want a number of seconds above %s" % (name, v, minimum))
        return default
    return n


def check_bool(args, name, problems, default=False):
    """A boolean option."""
    v = args.get(name)
    if v is None:
        return default
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.lower() in BOOL_WORDS:
        return BOOL_WORDS[v.lower()]
    problems.append("%s: got %r, want true or false" % (name, v))
    return default


EXAMPLES = {
    "runbook": "nfs-bond (a shipped runbook) or /root/site/nfs-bond.star (a file on the target)",
}


def cli_options(args, problems):
    """The options that locate runbook on the target: binary and the
    global options. Values are as given; None for those not given."""
    opts = {"binary": check_str(args, "binary", problems, DEFAULT_BINARY),
            "state_dir": check_str(args, "state_dir", problems, DEFAULT_STATE_DIR)}
    for name, _ in GLOBAL_OPTIONS:
        if name != "state_dir":
            opts[name] = check_str(args, name, problems)
    for name in ("binary", "state_dir", "root"):
        v = opts.get(name)
        if v and not v.startswith("/"):
            problems.append("%s: got %r, want an absolute path on the target" % (name, v))
    return opts


def global_argv(opts):
    """The global options of a runbook command: always --state-dir, the
    others when given, and --no-color (ssh may give the command a
    terminal)."""
    argv = []
    for name, flag in GLOBAL_OPTIONS:
        v = opts.get(name)
        if v:
            argv += [flag, v]
    return argv + ["--no-color"]


def runbook_argv(opts, *args, **kw):
    """A full runbook command line: the binary (or kw binary), the
    command and its arguments, then the global options."""
    return [kw.get("binary") or opts["binary"]] + list(args) + global_argv(opts)


# Parameters.


def param_text(name, value, problems):
    """A parameter value as runbook's -p NAME=VALUE takes it (lists
    comma-separated, booleans true/false); None when it is left out."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        items = []
        for item in value:
            if isinstance(item, bool):
                item = "true" if item else "false"
            elif isinstance(item, (int, float)):
                item = str(item)
            elif not isinstance(item, str):
                problems.append("params.%s: item %r: want a string or a number" % (name, item))
                continue
            if "," in item:
                problems.append("params.%s: item %r contains a comma, which separates list items" % (name, item))
                continue
            items.append(item)
        return ",".join(items)
    problems.append("params.%s: got a %s, want a string, number, boolean or list" % (name, type(value).__name__))
    return None


def param_argv(params, problems):
    """The -p arguments of a parameter dict, in name order, with every
    problem of the dict added to problems."""
    if params is None:
        return []
    if not isinstance(params, dict):
        problems.append("params: got a %s, want a dict such as {ip: 10.10.51.11}" % type(params).__name__)
        return []
    argv = []
    for name in sorted(params, key=str):
        if not isinstance(name, str) or not PARAM_NAME.match(name):
            problems.append("params: %r is not a parameter name" % (name,))
            continue
        text = param_text(name, params[name], problems)
        if text is None:
            continue
        if any(ord(c) < 32 or ord(c) == 127 for c in text):
            problems.append("params.%s: contains a control character" % name)
            continue
        argv += ["-p", "%s=%s" % (name, text)]
    return argv


# Secrets.

# What a secret's value becomes in everything the actions return.
SECRET_MASK = "********"


def _control_char(c):
    """A character runbook refuses in any value (C0, DEL, C1, U+2028/9)."""
    o = ord(c)
    return o < 0x20 or o == 0x7F or 0x80 <= o < 0xA0 or o in (0x2028, 0x2029)


def secret_values(secrets, problems, params=None):
    """The secrets option: the values of the runbook's secret parameters
    by name, as strings (a null value leaves the parameter out). Every
    problem is added to problems, and none quotes a value."""
    if secrets is None:
        return {}
    if not isinstance(secrets, dict):
        problems.append("secrets: got a %s, want a dict such as {password: ...} (the value from a vault "
                        "variable)" % type(secrets).__name__)
        return {}
    out = {}
    for name in sorted(secrets, key=str):
        v = secrets[name]
        if not isinstance(name, str) or not PARAM_NAME.match(name):
            problems.append("secrets: %r is not a parameter name" % (name,))
            continue
        if isinstance(params, dict) and name in params:
            problems.append("secrets.%s: also given in params, whose values reach the target's command line; "
                            "give a secret parameter in secrets only" % name)
        if v is None:
            continue
        if not isinstance(v, str):
            kind = type(v).__name__
            problems.append("secrets.%s: got %s %s, want a string (quote it: YAML reads 0123 or 1e3 as a number "
                            "and changes it)" % (name, "an" if kind[:1] in "aeiou" else "a", kind))
            continue
        if v == "":
            problems.append("secrets.%s: empty; want the secret's value" % name)
            continue
        if any(_control_char(c) for c in v):
            problems.append("secrets.%s: contains a control character (newline, tab, NUL...), which runbook "
                            "refuses in any value" % name)
            continue
        out[name] = v
    return out


def no_log_values(argument_spec, args):
    """The values of the task's options marked no_log in argument_spec:
    every string (and number) inside them, whatever their shape, so that
    even a value the option check refuses is masked."""
    out = set()

    def walk(v):
        if isinstance(v, bool) or v is None:
            return
        if isinstance(v, dict):
            for item in v.values():
                walk(item)
        elif isinstance(v, (list, tuple, set)):
            for item in v:
                walk(item)
        elif isinstance(v, (int, float)):
            out.add(str(v))
        elif v != "":
            out.add(str(v))

    for name, spec in argument_spec.items():
        if spec.get("no_log"):
            walk((args or {}).get(name))
    return out


def secret_forms(values):
    """Each value as it is and as JSON and Python quote it (a value with a
    quote, a backslash or a non-ASCII letter looks otherwise in a JSON
    excerpt or a repr), longest first, so that no part of a longer one is
    left when a shorter one inside it is masked."""
    forms = set()
    for v in values:
        if not v:
            continue
        forms.add(v)
        forms.add(json.dumps(v)[1:-1])
        forms.add(json.dumps(v, ensure_ascii=False)[1:-1])
        forms.add(repr(v)[1:-1])
    return sorted((f for f in forms if f), key=lambda f: (-len(f), f))


def masked(value, forms):
    """value (a result: dicts, lists and strings) with every occurrence of
    each form (secret_forms()) replaced by SECRET_MASK, in keys too; other
    values are kept as they are."""
    if not forms:
        return value
    if isinstance(value, str):
        for f in forms:
            if f in value:
                value = value.replace(f, SECRET_MASK)
        return value
    if isinstance(value, dict):
        return dict((masked(k, forms), masked(v, forms)) for k, v in value.items())
    if isinstance(value, list):
        return [masked(v, forms) for v in value]
    if isinstance(value, tuple):
        return tuple(masked(v, forms) for v in value)
    return value


def secret_argv(paths):
    """The --secret NAME=PATH arguments of secret files, by name."""
    argv = []
    for name in sorted(paths):
        argv += ["--secret", "%s=%s" % (name, paths[name])]
    return argv


def same_value(recorded, given):
    """Whether a given parameter value means the value a run recorded."""
    if given is None:
        return True
    if isinstance(recorded, bool):
        if isinstance(given, bool):
            return given == recorded
        return BOOL_WORDS.get(str(given).lower()) == recorded
    if isinstance(recorded, list):
        if isinstance(given, str):
            given = given.split(",") if given else []
        if not isinstance(given, (list, tuple)) or len(given) != len(recorded):
            return False
        return all(same_value(r, g) for r, g in zip(recorded, given))
    if isinstance(recorded, (int, float)) and not isinstance(given, bool):
        try:
            return float(given) == float(recorded)
        except (TypeError, ValueError):
            return False
    if recorded is None:
        return False
    return str(recorded) == str(given)


def param_differences(recorded, given):
    """The parameters of the task that differ from what a run recorded,
    as "name: the run has X, the task gives Y" lines."""
    out = []
    recorded = recorded or {}
    for name in sorted((given or {}), key=str):
        v = given[name]
        if v is None:
            continue
        if name not in recorded:
            out.append("%s: the run has no such parameter, the task gives %s" % (name, json.dumps(v)))
        elif not same_value(recorded[name], v):
            out.append("%s: the run has %s, the task gives %s" % (name, json.dumps(recorded[name]), json.dumps(v)))
    return out


# Runs and their status.


def parse_json(text, what):
    """The JSON object a runbook command printed. Over ssh with a terminal
    (ansible's -tt) stderr comes in the same stream, so lines around the
    object (a warning before it, the error after it) are skipped: the
    object is the first line that starts with "{" and what follows it."""
    text = text or ""
    try:
        v = json.loads(text)
    except ValueError as e:
        v, err = None, e
        dec = json.JSONDecoder()
        for m in re.finditer(r"(?m)^\{", text):
            try:
                v, _ = dec.raw_decode(text, m.start())
                break
            except ValueError:
                continue
        if v is None:
            raise RemoteError("%s: the output is not JSON (%s): %s" % (what, err, text.strip()[:300]))
    if not isinstance(v, dict):
        raise RemoteError("%s: got %s, want a JSON object" % (what, type(v).__name__))
    return v


def is_unfinished(status):
    """Whether a status is of a run that blocks a new one: running,
    rebooting, interrupted, or failed after it changed the host."""
    state = status.get("state")
    if state in (STATE_RUNNING, STATE_REBOOTING, STATE_INTERRUPTED):
        return True
    return state == STATE_FAILED and bool(status.get("changed_host"))


def is_path(runbook):
    """Whether the runbook option names a file rather than a shipped
    runbook (as runbook itself decides)."""
    return "/" in runbook or runbook.endswith(".star")


def runbook_name(runbook):
    """The name runbook gives a run of the runbook option."""
    if is_path(runbook):
        base = runbook.rstrip("/").rsplit("/", 1)[-1]
        return base[:-5] if base.endswith(".star") else base
    return runbook


def same_runbook(status, runbook):
    """Whether a run's status is a run of the runbook option: the same
    name and the same origin (shipped, or the same file)."""
    if status.get("runbook") != runbook_name(runbook):
        return False
    origin = status.get("origin")
    if origin is None:
        return True
    if is_path(runbook):
        return origin != "shipped" and (not runbook.startswith("/") or origin == runbook)
    return origin == "shipped"


def describe_run(status):
    """A run for messages: 'nfs-bond (run ID, rebooting)'."""
    what = status.get("state")
    if what == STATE_FAILED and status.get("changed_host"):
        what = "failed after changing the host"
    origin = status.get("origin")
    name = status.get("runbook")
    if origin and origin != "shipped":
        name = "%s (%s)" % (name, origin)
    return "%s (run %s, %s)" % (name, status.get("id"), what)


def steps_of(status):
    """The steps of a status or dry run as name and status."""
    return [{"name": s.get("name"), "status": s.get("status")} for s in status.get("steps") or []]


def failed_step(status):
    """The last failed step of a status, or None."""
    for s in reversed(status.get("steps") or []):
        if s.get("status") == STATE_FAILED:
            return s
    return None


def failure_message(status, state_dir):
    """What a failed run says: the run, the failed step and its error, and
    how to go on."""
    step = failed_step(status)
    name = status.get("runbook")
    if status.get("origin") not in (None, "shipped"):
        name = "%s (%s)" % (name, status.get("origin"))
    msg = "%s run %s failed" % (name, status.get("id"))
    if status.get("refused"):
        msg = "%s run %s refused%s" % (name, status.get("id"), "" if status.get("changed_host") else ", nothing was changed")
    if step:
        msg += " at step %s %r" % (step.get("seq"), step.get("name"))
        err = step.get("error") or status.get("error")
    else:
        err = status.get("error")
    msg += ": %s" % (err or "no error recorded")
    if step and step.get("in_doubt"):
        msg += "\nthe step was cut off while it ran a program: the host may have changed"
    if status.get("changed_host"):
        msg += ("\nthe run changed the host; fix the cause and run the task again to resume it"
                " (runbook resume --state-dir %s), or give the run up: runbook abort --state-dir %s" % (state_dir, state_dir))
    return msg


def parse_inventory_uuid(text):
    """INSTALLATION_UUID of /etc/xensource-inventory (shell KEY='VALUE'
    lines), or None."""
    for line in (text or "").splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key == "INSTALLATION_UUID":
            return value.strip().strip("'\"") or None
    return None
