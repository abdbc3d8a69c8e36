# -*- coding: utf-8 -*-
"""runbook.xen.status: the current or last run of a state dir, read with
`runbook status --json` over the connection. It changes nothing.

The documentation is in plugins/modules/status.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.runbook.xen.plugins.plugin_utils import runbook as rb


class ActionModule(ActionBase):
    """Reads the run status of the target's state dir."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("runbook", "state_dir", "binary", "root", "xe", "ifup", "reboot"))

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        if result.get("failed") or result.get("skipped"):
            return result
        problems = []
        o = rb.cli_options(self._task.args, problems)
        runbook = rb.check_str(self._task.args, "runbook", problems)
        if problems:
            result.update(failed=True, changed=False, msg="runbook.xen.status: nothing was done:\n  " + "\n  ".join(problems))
            return result
        result["changed"] = False
        try:
            res = rb.Remote(self).run(rb.runbook_argv(o, "status", "--json"))
        except rb.ConnectionLost as e:
            result.update(failed=True, msg="runbook status: the connection failed: %s" % e)
            return result
        if res["rc"] == rb.EXIT_NOT_FOUND:
            # No binary, so no run of it either.
            status = {"state": rb.STATE_NONE}
            result["binary_found"] = False
        elif res["rc"] != 0:
            result.update(failed=True, msg="runbook status --json: exit status %d: %s" % (res["rc"], rb.output_of(res)))
            return result
        else:
            try:
                status = rb.parse_json(res["stdout"], "runbook status --json")
            except rb.RemoteError as e:
                result.update(failed=True, msg=to_text(e))
                return result
            result["binary_found"] = True
        unfinished = rb.is_unfinished(status)
        result.update(
            status=status,
            state=status.get("state"),
            runbook=status.get("runbook"),
            run_id=status.get("id"),
            unfinished=unfinished,
            in_flight=bool(unfinished and runbook and rb.same_runbook(status, runbook)),
            state_dir=o["state_dir"],
        )
        return result
