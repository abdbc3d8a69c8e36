# -*- coding: utf-8 -*-
"""runbook.xen.pool_info: the pool as xapi sees it, from xe on one host:
the coordinator, every host by name-label with its address, enabled and
live states, HA; inventory hosts matched to xapi hosts; and, for a rolling
change, the preflight. It changes nothing.

The documentation is in plugins/modules/pool_info.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.runbook.xen.plugins.plugin_utils import runbook as rb
from ansible_collections.runbook.xen.plugins.plugin_utils import xe as xeout

HOST_FIELDS = "uuid,name-label,address,enabled,host-metrics-live"

# What xe prints while xapi is not answering yet (after a reboot), the
# errors worth waiting for: xe-cli/newcli.ml (cannot connect, lost
# connection) and HOST_STILL_BOOTING's text in idl/datamodel_errors.ml.
XAPI_STARTING = (
    "Unable to contact server",
    "Lost connection to the server",
    "Failed to contact a running management agent",
    "The host toolstack is still initialising",
    "the connection failed",
)
POOL_FIELDS = "uuid,name-label,master,ha-enabled,ha-statefiles"


class Failure(Exception):
    """Ends the task as failed with a message and result fields."""

    def __init__(self, msg, **fields):
        Exception.__init__(self, msg)
        self.msg = msg
        self.fields = fields


class ActionModule(ActionBase):
    """Reads the pool with xe and matches the inventory to it."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("xe", "root", "match", "runs", "runbook", "preflight", "wait", "poll"))

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        if result.get("failed") or result.get("skipped"):
            return result
        result["changed"] = False
        try:
            result.update(self._run(task_vars or {}))
        except Failure as e:
            result.update(e.fields)
            result.update(failed=True, msg=e.msg)
        except rb.ConnectionLost as e:
            result.update(failed=True, msg="pool_info: the connection failed: %s" % to_text(e))
        return result

    def _options(self):
        args = self._task.args
        problems = []
        o = {
            "xe": rb.check_str(args, "xe", problems, "xe"),
            "root": rb.check_str(args, "root", problems),
            "runbook": rb.check_str(args, "runbook", problems),
            "preflight": rb.check_bool(args, "preflight", problems),
            "wait": rb.check_number(args, "wait", problems, 0, minimum=-1),
            "poll": rb.check_number(args, "poll", problems, 5, integer=False),
            "match": args.get("match") or [],
            "runs": args.get("runs") or {},
        }
        if not isinstance(o["match"], list):
            problems.append("match: got a %s, want a list of inventory hosts (such as ansible_play_hosts_all)" % type(o["match"]).__name__)
            o["match"] = []
        if not isinstance(o["runs"], dict):
            problems.append("runs: got a %s, want a dict of inventory host to its runbook.xen.status result" % type(o["runs"]).__name__)
            o["runs"] = {}
        if o["preflight"] and not o["runbook"]:
            problems.append("runbook: required with preflight, e.g. nfs-bond (the rollout's runbook)")
        if problems:
            raise Failure("runbook.xen.pool_info: %d problem%s with the options, nothing was done:\n  %s" % (
                len(problems), "" if len(problems) == 1 else "s", "\n  ".join(problems)))
        return o

    def _xe(self, remote, o, *args):
        """Run xe, waiting for xapi up to the wait option."""
        argv = [o["xe"]] + list(args)
        deadline = time.time() + o["wait"]
        while True:
            try:
                res = remote.run(argv)
            except rb.ConnectionLost as e:
                res = {"rc": -1, "stdout": "", "stderr": "the connection failed: %s" % e}
                remote.reset()
            if res["rc"] == 0:
                return res["stdout"]
            if res["rc"] == rb.EXIT_NOT_FOUND:
                raise Failure("%s: xe was not found on the target: run this on a XenServer / XCP-ng dom0, "
                              "or point the xe option at it" % rb.shell_join(argv))
            starting = any(t in rb.output_of(res) for t in XAPI_STARTING)
            if not starting or time.time() >= deadline:
                waited = " (waited %ss for xapi)" % o["wait"] if o["wait"] > 0 and starting else ""
                raise Failure("%s: exit status %d%s: %s" % (rb.shell_join(argv), res["rc"], waited, rb.output_of(res)))
            time.sleep(o["poll"])

    def _run(self, task_vars):
        o = self._options()
        remote = rb.Remote(self)
        pools = xeout.parse_records(self._xe(remote, o, "pool-list", "params=" + POOL_FIELDS))
        if len(pools) != 1:
            raise Failure("xe pool-list: got %d pool records, want 1" % len(pools))
        pool = pools[0]
        hosts = []
        for h in xeout.parse_records(self._xe(remote, o, "host-list", "params=" + HOST_FIELDS)):
            hosts.append({
                "uuid": h.get("uuid"),
                "name_label": h.get("name-label"),
                "address": h.get("address"),
                "enabled": xeout.parse_bool(h.get("enabled")) is True,
                "live": xeout.parse_bool(h.get("host-metrics-live")) is True,
                "coordinator": h.get("uuid") == pool.get("master"),
                "inventory_hostname": None,
            })
        hosts.sort(key=lambda h: h["name_label"] or "")
        by_uuid = dict((h["uuid"], h) for h in hosts)
        coord = by_uuid.get(pool.get("master"))
        if coord is None:
            raise Failure("xe: the pool's coordinator %s is not among its hosts" % pool.get("master"))
        local_uuid = rb.parse_inventory_uuid(remote.read_file(rb.host_path(o["root"], rb.INVENTORY_PATH)))
        out = {
            "pool": {"uuid": pool.get("uuid"), "name_label": pool.get("name-label")},
            "coordinator": coord["name_label"],
            "coordinator_uuid": coord["uuid"],
            "coordinator_host": None,
            "hosts": hosts,
            "ha_enabled": xeout.parse_bool(pool.get("ha-enabled")) is True,
            "local": by_uuid.get(local_uuid),
            "matched": {},
            "order": [],
            "problems": [],
            "warnings": [],
        }
        if o["match"]:
            mismatch = self._match(o, hosts, task_vars.get("hostvars") or {}, out)
            if mismatch and not o["preflight"]:
                raise Failure(mismatch_message(mismatch), **out)
            out["problems"].extend(mismatch)
        if o["preflight"]:
            self._preflight(o, remote, pool, hosts, out)
            if out["problems"]:
                n = len(out["problems"])
                raise Failure("preflight of the pool %s (%s): %d problem%s, nothing was changed:\n  %s" % (
                    out["pool"]["name_label"] or out["pool"]["uuid"], ", ".join(h["name_label"] for h in hosts),
                    n, "" if n == 1 else "s", "\n  ".join(out["problems"])), **out)
        return out

    def _match(self, o, hosts, hostvars, out):
        """Match inventory hosts to xapi hosts: runbook_host_name (the
        name-label) when set, else the inventory name as name-label, else
        ansible_host or the inventory name as address, else the first
        label of a DNS name as name-label."""
        pool_hosts = ", ".join("%s (%s)" % (h["name_label"], h["address"]) for h in hosts)
        by_name = dict((h["name_label"], h) for h in hosts)
        by_addr = dict((h["address"], h) for h in hosts)
        problems = []
        for inv in o["match"]:
            inv = to_text(inv)
            hv = {}
            try:
                hv = hostvars[inv]
            except (KeyError, TypeError):
                pass
            explicit = _var(hv, "runbook_host_name")
            addr = _var(hv, "ansible_host")
            found = None
            if explicit:
                found = by_name.get(explicit)
                how = "runbook_host_name %s" % explicit
            else:
                short = inv.split(".", 1)[0] if not _looks_like_ip(inv) else None
                for cand in (by_name.get(inv), by_addr.get(addr) if addr else None, by_addr.get(inv),
                             by_name.get(short) if short else None):
                    if cand is not None:
                        found = cand
                        break
                how = "name-label or address %s%s" % (inv, " or %s" % addr if addr and addr != inv else "")
            if found is None:
                problems.append("inventory host %s matches no host of the pool (by %s), whose hosts are %s; "
                                "set runbook_host_name to its name-label" % (inv, how, pool_hosts))
                continue
            if found["inventory_hostname"]:
                problems.append("inventory hosts %s and %s both match %s (%s); set runbook_host_name on each" % (
                    found["inventory_hostname"], inv, found["name_label"], found["address"]))
                continue
            found["inventory_hostname"] = inv
            out["matched"][inv] = found["name_label"]
        coord = [h for h in hosts if h["coordinator"]][0]
        out["coordinator_host"] = coord["inventory_hostname"]
        out["order"] = [h["inventory_hostname"] for h in [coord] + [h for h in hosts if not h["coordinator"]]
                        if h["inventory_hostname"]]
        return problems

    def _preflight(self, o, remote, pool, hosts, out):
        """The checks before a rolling change, every problem at once:
        every host live and enabled, unless it is in flight (its own
        unfinished run of this runbook, which the rollout continues); no
        unfinished run of another runbook; HA off."""
        problems = out["problems"]
        runs = {}
        for inv, r in o["runs"].items():
            if isinstance(r, dict):
                runs[to_text(inv)] = r.get("status") if isinstance(r.get("status"), dict) else r
        for h in hosts:
            inv = h["inventory_hostname"]
            st = runs.get(inv) if inv else None
            in_flight = bool(st and rb.is_unfinished(st) and rb.same_runbook(st, o["runbook"]))
            h["in_flight"] = in_flight
            name = h["name_label"]
            if st and rb.is_unfinished(st) and not in_flight:
                problems.append("%s: another run is unfinished there: %s; finish it (runbook resume) or give it up "
                                "(runbook abort) first" % (name, rb.describe_run(st)))
            if in_flight:
                continue
            if not h["live"]:
                problems.append("%s (%s) is not live (host-metrics-live is not true): bring it up, or take it out "
                                "of the pool, before a rolling change" % (name, h["address"]))
            elif not h["enabled"]:
                problems.append("%s is disabled and has no unfinished run of %s: enable it (xe host-enable uuid=%s) "
                                "or find out who disabled it" % (name, o["runbook"], h["uuid"]))
        if out["ha_enabled"]:
            srs = self._heartbeat_srs(remote, o, pool)
            problems.append(
                "HA is enabled on the pool: xapi refuses to reconfigure PIFs under HA and fences hosts that "
                "go away; disable it first: xe pool-ha-disable; afterwards re-enable it with its heartbeat "
                "SRs: xe pool-ha-enable heartbeat-sr-uuids=%s" % (",".join(srs) if srs else "<SR uuids>"))
        if o["match"] and not problems:
            left = [h["name_label"] for h in hosts if not h["inventory_hostname"]]
            if left:
                out["warnings"].append("pool hosts not in this rollout keep their configuration: %s" % ", ".join(left))
            if out["coordinator_host"] is None:
                out["warnings"].append("the coordinator %s is not in this rollout: the members go first" % out["coordinator"])

    def _heartbeat_srs(self, remote, o, pool):
        """The SRs of the pool's HA statefiles, for the message that says
        how to re-enable HA."""
        srs = []
        for vdi in xeout.parse_set(pool.get("ha-statefiles")):
            try:
                sr = self._xe(remote, dict(o, wait=0), "vdi-param-get", "uuid=" + vdi, "param-name=sr-uuid").strip()
            except Failure:
                continue
            if sr and sr not in srs:
                srs.append(sr)
        return srs


def mismatch_message(problems):
    """The error of an inventory that does not match the pool."""
    return "the inventory does not match the pool:\n  %s" % "\n  ".join(problems)


def _var(hostvars, name):
    """A host variable as text, or None."""
    try:
        v = hostvars.get(name)
    except Exception:
        return None
    if v is None:
        return None
    v = to_text(v).strip()
    return v or None


def _looks_like_ip(s):
    parts = s.split(".")
    return len(parts) == 4 and all(p.isdigit() for p in parts)
