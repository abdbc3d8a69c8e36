# -*- coding: utf-8 -*-
"""runbook.xen.run: run a runbook on a XenServer / XCP-ng dom0 and follow it
through its reboots, with nothing but low-level commands on the target.

The documentation is in plugins/modules/run.py (ansible-doc runbook.xen.run).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os
import random
import tempfile
import time

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.runbook.xen.plugins.plugin_utils import runbook as rb

# The argument spec (plugin_utils/runbook.py): the valid options, their
# defaults, and the ones whose values are masked (no_log).
ARGUMENT_SPEC = rb.RUN_ARGUMENT_SPEC
DEFAULT_TIMEOUT = ARGUMENT_SPEC["timeout"]["default"]
DEFAULT_REBOOT_TIMEOUT = ARGUMENT_SPEC["reboot_timeout"]["default"]
DEFAULT_POLL = ARGUMENT_SPEC["poll"]["default"]

VALID_ARGS = frozenset(ARGUMENT_SPEC)


class Failure(Exception):
    """Ends the task as failed with a message and result fields."""

    def __init__(self, msg, **fields):
        Exception.__init__(self, msg)
        self.msg = msg
        self.fields = fields


class ActionModule(ActionBase):
    """Runs, continues or watches a runbook run on the target."""

    TRANSFERS_FILES = False
    _VALID_ARGS = VALID_ARGS

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        # The values of the secrets, as the task gave them (whatever the
        # option check says of them), are masked in all the task returns.
        self._masks = rb.secret_forms(rb.no_log_values(ARGUMENT_SPEC, self._task.args))
        self._secret_files = []
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        if result.get("failed") or result.get("skipped"):
            return rb.masked(result, self._masks)
        try:
            result.update(self._run())
        except Failure as e:
            result.update(e.fields)
            result["failed"] = True
            result["msg"] = e.msg
            result.setdefault("changed", False)
        except rb.RemoteError as e:
            result.update(failed=True, changed=False, msg=to_text(e))
        finally:
            if self._secret_files and not self._remove_secret_files():
                # Still there (the host was down): the task's temporary
                # directory (mode 0700) goes with Ansible's clean-up.
                result.setdefault("warnings", []).append(
                    "runbook.xen.run: could not remove the secret files %s from the target; remove them "
                    "(rm -f -- %s)" % (", ".join(self._secret_files), rb.shell_join(self._secret_files)))
        return rb.masked(result, self._masks)

    def _vvv(self, msg):
        """A -vvv line, secrets masked."""
        self._display.vvv(rb.masked(msg, self._masks))

    # Options.

    def _options(self):
        args = self._task.args
        problems = []
        o = rb.cli_options(args, problems)
        o["runbook"] = rb.check_str(args, "runbook", problems, required=True)
        o["params"] = args.get("params") or {}
        o["param_argv"] = rb.param_argv(o["params"], problems)
        o["secrets"] = rb.secret_values(args.get("secrets"), problems, o["params"])
        o["src"] = rb.check_str(args, "src", problems)
        o["timeout"] = rb.check_number(args, "timeout", problems, DEFAULT_TIMEOUT)
        o["reboot_timeout"] = rb.check_number(args, "reboot_timeout", problems, DEFAULT_REBOOT_TIMEOUT)
        o["poll"] = rb.check_number(args, "poll", problems, DEFAULT_POLL, integer=False)
        if o["src"]:
            try:
                o["src_path"] = self._find_needle("files", o["src"])
            except AnsibleError:
                problems.append("src: %s: no such file on the controller (looked as files/ of the role or playbook do)" % o["src"])
        if problems:
            raise Failure("runbook.xen.run: %d problem%s with the options, nothing was done:\n  %s" % (
                len(problems), "" if len(problems) == 1 else "s", "\n  ".join(problems)))
        return o

    # The work.

    def _run(self):
        o = self._options()
        self._remote = rb.Remote(self)
        self._o = o
        self._deadline = time.time() + o["timeout"]
        check = bool(self._task.check_mode)

        # Nothing is installed before every refusal had its chance: src is
        # staged in the task's temporary directory, and that copy reads
        # the status (and runs a check mode's dry run).
        install = self._install_needed()
        staged = self._stage() if install else None
        status = self._status(staged or o["binary"])
        boot = self._boot_id()
        out = {"changed": False, "installed": install, "rebooted": False, "warnings": []}

        if rb.is_unfinished(status):
            if not rb.same_runbook(status, o["runbook"]):
                raise Failure(
                    "another run is unfinished in %s: %s; finish it first (runbook resume --state-dir %s) "
                    "or give it up (runbook abort --state-dir %s), then run %s" % (
                        o["state_dir"], rb.describe_run(status), o["state_dir"], o["state_dir"], o["runbook"]),
                    state=status.get("state"), run_id=status.get("id"), status=status)
            diffs = rb.param_differences(status.get("params"), o["params"])
            if diffs:
                raise Failure(
                    "an unfinished run of %s is waiting in %s with other parameters:\n  %s\n"
                    "give the task the parameters of that run to finish it, or give the run up first: "
                    "runbook abort --state-dir %s" % (
                        rb.describe_run(status), o["state_dir"], "\n  ".join(diffs), o["state_dir"]),
                    state=status.get("state"), run_id=status.get("id"), status=status)
            if check:
                out.update(changed=True, state=status.get("state"), run_id=status.get("id"),
                           steps=rb.steps_of(status), status=status,
                           msg="would continue the unfinished run: %s" % rb.describe_run(status))
                return out
            binary = self._install(staged) if install else o["binary"]
            if status.get("state") in (rb.STATE_INTERRUPTED, rb.STATE_FAILED):
                # runbook keeps a run's secrets for its resume.
                status = self._start(binary, ["resume"], status, boot)
            else:
                self._vvv("runbook.xen.run: watching %s" % rb.describe_run(status))
        elif check:
            secret_argv = self._deliver_secrets()
            try:
                out.update(self._dry_run(staged or o["binary"], secret_argv))
            finally:
                self._remove_secret_files()
            out["changed"] = out["changed"] or install
            return out
        else:
            binary = self._install(staged) if install else o["binary"]
            secret_argv = self._deliver_secrets()
            try:
                status = self._start(binary, ["run", o["runbook"]] + o["param_argv"] + secret_argv, status, boot)
            finally:
                # runbook has read them (and keeps them for a resume in the
                # run's directory, mode 0600, until the run ends).
                self._remove_secret_files()

        status = self._watch(binary, status, boot)
        after = self._boot_id()
        out.update(
            changed=bool(status.get("changed_host")) or install,
            state=status.get("state"),
            run_id=status.get("id"),
            rebooted=bool(boot and after and after != boot),
            steps=rb.steps_of(status),
            status=status,
            warnings=list(status.get("warnings") or []),
        )
        if status.get("state") != rb.STATE_SUCCEEDED:
            out["failed"] = True
            out["msg"] = rb.failure_message(status, o["state_dir"])
        return out

    def _exec(self, argv, what):
        """Run a command that must reach the target."""
        try:
            return self._remote.run(argv)
        except rb.ConnectionLost as e:
            raise Failure("%s: the connection failed: %s" % (what, e))

    def _install_needed(self):
        """Whether src must be installed: binary is missing or its SHA-256
        is not the one of src."""
        o = self._o
        if not o["src"]:
            return False
        with open(o["src_path"], "rb") as f:
            o["src_sha256"] = hashlib.sha256(f.read()).hexdigest()
        res = self._exec(["sha256sum", "--", o["binary"]], "checksum of %s" % o["binary"])
        return not (res["rc"] == 0 and res["stdout"].split()[:1] == [o["src_sha256"]])

    def _stage(self):
        """A copy of src in the task's temporary directory on the target
        (removed with it after the task)."""
        o = self._o
        tmpdir = self._connection._shell.tmpdir or self._make_tmp_path()
        dest = self._connection._shell.join_path(tmpdir, "runbook")
        self._transfer_file(o["src_path"], dest)
        self._must(["chmod", "0700", "--", dest], "make %s executable" % dest)
        return dest

    def _install(self, staged):
        """Install the staged src at binary: copied next to it, made
        executable, renamed over it (the boot hook never finds half a
        binary), and checked."""
        o = self._o
        parent = o["binary"].rsplit("/", 1)[0] or "/"
        part = "%s.ansible-%06d" % (o["binary"], random.randint(0, 999999))
        self._must(["mkdir", "-p", "--", parent], "create %s" % parent)
        self._must(["cp", "--", staged, part], "copy runbook to %s" % part)
        self._must(["chmod", "0755", "--", part], "make %s executable" % part)
        self._must(["mv", "-f", "--", part, o["binary"]], "install %s" % o["binary"])
        res = self._exec(["sha256sum", "--", o["binary"]], "checksum of %s" % o["binary"])
        if res["rc"] != 0 or res["stdout"].split()[:1] != [o["src_sha256"]]:
            raise Failure("install %s: its checksum after the copy is not the one of %s: %s" % (
                o["binary"], o["src"], rb.output_of(res)))
        return o["binary"]

    def _deliver_secrets(self):
        """Write each secret to a file of mode 0600 in the task's temporary
        directory on the target (mode 0700), by file transfer: the files
        are made and restricted first, then filled, so a value is never
        readable by others, nor on a command line. Returns the --secret
        NAME=PATH arguments; the files are removed by
        _remove_secret_files."""
        secrets = self._o["secrets"]
        if not secrets:
            return []
        shell = self._connection._shell
        tmpdir = shell.tmpdir or self._make_tmp_path()
        paths = dict((name, shell.join_path(tmpdir, "secret-" + name)) for name in secrets)
        self._secret_files = sorted(paths.values())
        self._must(["touch", "--"] + self._secret_files, "create the secret files")
        self._must(["chmod", "0600", "--"] + self._secret_files, "restrict the secret files")
        for name in sorted(secrets):
            # mkstemp makes a 0600 file, here in Ansible's own temporary
            # directory on the controller (0700, removed when it exits).
            fd, local = tempfile.mkstemp(prefix="runbook-secret-", dir=C.DEFAULT_LOCAL_TMP)
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(secrets[name].encode("utf-8"))
                self._transfer_file(local, paths[name])
            finally:
                os.unlink(local)
        return rb.secret_argv(paths)

    def _remove_secret_files(self):
        """Remove the secret files from the target; False when they could
        not be (the connection failed: the host may be rebooting)."""
        if not self._secret_files:
            return True
        argv = ["rm", "-f", "--"] + self._secret_files
        try:
            res = self._remote.run(argv)
        except rb.ConnectionLost as e:
            self._vvv("runbook.xen.run: remove the secret files: the connection failed (%s); trying again later" % e)
            return False
        if res["rc"] != 0:
            self._vvv("runbook.xen.run: %s exited %d: %s" % (rb.shell_join(argv), res["rc"], rb.output_of(res)))
            return False
        self._secret_files = []
        return True

    def _must(self, argv, what):
        res = self._exec(argv, what)
        if res["rc"] != 0:
            raise Failure("%s: %s exited %d: %s" % (what, rb.shell_join(argv), res["rc"], rb.output_of(res)))
        return res

    def _status(self, binary, quiet=False):
        """The status JSON of the state dir."""
        argv = rb.runbook_argv(self._o, "status", "--json", binary=binary)
        res = self._remote.run(argv) if quiet else self._exec(argv, "runbook status")
        if res["rc"] == rb.EXIT_NOT_FOUND:
            raise Failure("runbook is not installed on the target at %s (%s); give src (the binary on the controller) "
                          "to install it, or binary (its path on the target)" % (binary, rb.output_of(res)))
        if res["rc"] != 0:
            raise Failure("%s: exit status %d: %s" % (rb.shell_join(argv), res["rc"], rb.output_of(res)))
        return rb.parse_json(res["stdout"], "runbook status --json")

    def _boot_id(self):
        """The target's boot id, or None when it cannot be read."""
        try:
            text = self._remote.read_file(rb.host_path(self._o["root"], rb.BOOT_ID_PATH))
        except rb.ConnectionLost:
            return None
        return text.strip() if text else None

    def _start(self, binary, args, before, boot):
        """Run `runbook run ...` or `runbook resume` and return the status
        of the run it started or continued."""
        argv = rb.runbook_argv(self._o, *args, binary=binary)
        self._vvv("runbook.xen.run: %s" % rb.shell_join(argv))
        try:
            res = self._remote.run(argv)
        except rb.ConnectionLost as e:
            # A real host can go down under the command that rebooted it:
            # the status says what happened once it is back.
            self._vvv("runbook.xen.run: the connection failed during the run (%s); following the host" % e)
            return {"state": rb.STATE_REBOOTING, "lost": True}
        if res["rc"] == rb.EXIT_NOT_FOUND:
            raise Failure("runbook is not installed on the target at %s: %s" % (binary, rb.output_of(res)))
        status = self._status(binary)
        new = status.get("id") and (status.get("id") != before.get("id") or args[0] == "resume")
        if res["rc"] in (rb.EXIT_OK, rb.EXIT_FAILED) and new:
            return status
        if new and status.get("state") not in (rb.STATE_NONE, None):
            # Refused, or stopped by a signal: the run says why.
            return status
        raise Failure("%s: exit status %d: %s%s" % (rb.shell_join(argv), res["rc"], rb.output_of(res), secret_hint(res)),
                      state=rb.STATE_NONE, run_id=None, status=status, rc=res["rc"])

    def _watch(self, binary, status, boot):
        """Follow a run until its state is final: through its reboots
        (the boot id changes and the connection answers, within
        reboot_timeout each), then polling its status. The boot hook
        resumes the run; this only watches."""
        o = self._o
        reboot_key = None
        reboot_since = None
        reboot_from = boot
        while True:
            state = status.get("state")
            if state in (rb.STATE_SUCCEEDED, rb.STATE_FAILED, rb.STATE_ABORTED):
                return status
            if state == rb.STATE_INTERRUPTED:
                raise Failure("%s was interrupted (%s) while it was followed: run the task again to resume it" % (
                    rb.describe_run(status), status.get("interrupted") or "a signal"),
                    state=state, run_id=status.get("id"), status=status, steps=rb.steps_of(status))
            now = time.time()
            if state == rb.STATE_REBOOTING:
                steps = status.get("steps") or [{}]
                key = (status.get("id"), steps[-1].get("seq"), steps[-1].get("attempts"))
                if key != reboot_key:
                    reboot_key, reboot_since = key, now
                cur = self._boot_id()
                if cur and reboot_from and cur != reboot_from:
                    # Back, and answering: the hook takes it from here.
                    reboot_from = cur
                    reboot_since = now
                elif now - reboot_since > o["reboot_timeout"]:
                    raise Failure(
                        "%s: the host did not come back within reboot_timeout (%ss): the boot id is still %s; "
                        "check the host's console, then run the task again" % (
                            rb.describe_run(status), o["reboot_timeout"], cur or "unreadable"),
                        state=state, run_id=status.get("id"), status=status, steps=rb.steps_of(status))
                if reboot_from is None:
                    reboot_from = cur
            if now > self._deadline:
                raise Failure(
                    "%s is not finished after timeout (%ss); it goes on on the host: run the task again to "
                    "follow it, or see: runbook status --state-dir %s" % (
                        rb.describe_run(status), o["timeout"], o["state_dir"]),
                    state=state, run_id=status.get("id"), status=status, steps=rb.steps_of(status))
            time.sleep(o["poll"])
            try:
                status = self._status(binary, quiet=True)
            except rb.ConnectionLost:
                self._remote.reset()
                status = dict(status, state=rb.STATE_REBOOTING)

    def _dry_run(self, binary, secret_argv):
        """Check mode: the dry run, as changed, steps and diff."""
        o = self._o
        argv = rb.runbook_argv(o, "run", o["runbook"], *(o["param_argv"] + secret_argv + ["--dry-run", "--json"]), binary=binary)
        res = self._exec(argv, "runbook run --dry-run")
        if not res["stdout"].strip():
            raise Failure("%s: exit status %d: %s%s" % (rb.shell_join(argv), res["rc"], rb.output_of(res), secret_hint(res)),
                          state=rb.STATE_NONE, rc=res["rc"])
        doc = rb.parse_json(res["stdout"], "runbook run --dry-run --json")
        out = {
            "changed": bool(doc.get("would_change")),
            "state": doc.get("state"),
            "run_id": None,
            "steps": rb.steps_of(doc),
            "dry_run": doc,
            "warnings": list(doc.get("warnings") or []),
        }
        if self._task.diff:
            out["diff"] = dry_run_diff(doc)
        if doc.get("state") != rb.STATE_SUCCEEDED:
            lines = doc.get("problems") or []
            msg = "dry run of %s %s: %s" % (o["runbook"], doc.get("state"), doc.get("error") or "")
            if lines:
                msg = "dry run of %s refused:\n  %s" % (o["runbook"], "\n  ".join(lines))
            raise Failure(msg, **out)
        return out


def secret_hint(res):
    """How to give a secret parameter, when runbook's refusal names
    --secret (a secret missing, or given in params)."""
    if "--secret" not in rb.output_of(res):
        return ""
    return ("\nrunbook.xen.run: give the runbook's secret parameters in the task's secrets option "
            "(secrets: {NAME: value}, the value from a vault variable), never in params")


def dry_run_diff(doc):
    """The diff of a dry run for Ansible's diff mode: first everything the
    run would do, step by step, then the unified diff of each file it
    would write."""
    summary = []
    files = []
    for step in doc.get("steps") or []:
        for a in step.get("actions") or []:
            text = (a.get("text") or "").split("\n", 1)[0]
            summary.append("%s: %s" % (step.get("name"), text))
            if a.get("kind") == "write" and a.get("diff"):
                files.append({
                    "before_header": a.get("path") if a.get("existed") else "/dev/null",
                    "after_header": a.get("path"),
                    "prepared": a.get("diff"),
                })
    if not summary:
        return []
    return [{"prepared": "what %s would do:\n  %s\n" % (doc.get("runbook"), "\n  ".join(summary))}] + files
