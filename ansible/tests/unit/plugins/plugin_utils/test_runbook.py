# -*- coding: utf-8 -*-
"""Table tests of the controller-side helpers (plain unittest, so they run
with `python3 -m unittest` as well as with ansible-test units)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import shlex
import unittest

from ansible_collections.runbook.xen.plugins.plugin_utils import runbook as rb
from ansible_collections.runbook.xen.plugins.plugin_utils import xe


class TestShellJoin(unittest.TestCase):
    def test_round_trip(self):
        for argv in (
            ["runbook", "run", "nfs-bond", "-p", "ip=10.10.51.11"],
            ["x", "a b", "it's", "$(reboot)", "`id`", "semi;colon", "", "new\nline", "*", "--"],
        ):
            got = shlex.split(rb.shell_join(argv))
            self.assertEqual(got, argv)


class TestParamArgv(unittest.TestCase):
    def test_values(self):
        problems = []
        got = rb.param_argv({
            "ip": "10.10.51.11", "evacuate": True, "miimon": 100, "slaves": ["eth2", "eth3"],
            "gateway": None, "off": False,
        }, problems)
        self.assertEqual(problems, [])
        self.assertEqual(got, ["-p", "evacuate=true", "-p", "ip=10.10.51.11", "-p", "miimon=100",
                               "-p", "off=false", "-p", "slaves=eth2,eth3"])

    def test_problems_all_at_once(self):
        cases = [
            ({"slaves": ["eth2", "a,b"]}, "params.slaves: item 'a,b' contains a comma"),
            ({"x": {"a": 1}}, "params.x: got a dict"),
            ({"bad-name": "1"}, "params: 'bad-name' is not a parameter name"),
            ({"ip": "10.0.0.1\nGATEWAY=1"}, "params.ip: contains a control character"),
            ({"l": [{"a": 1}]}, "params.l: item {'a': 1}"),
        ]
        for params, want in cases:
            problems = []
            rb.param_argv(params, problems)
            self.assertEqual(len(problems), 1, (params, problems))
            self.assertTrue(problems[0].startswith(want), (problems[0], want))
        problems = []
        rb.param_argv({"a-b": 1, "c": {}, "d": ["x,y"]}, problems)
        self.assertEqual(len(problems), 3)

    def test_not_a_dict(self):
        problems = []
        self.assertEqual(rb.param_argv(["ip=1"], problems), [])
        self.assertEqual(problems, ["params: got a list, want a dict such as {ip: 10.10.51.11}"])


class TestParamDifferences(unittest.TestCase):
    recorded = {"ip": "10.10.51.11", "evacuate": True, "miimon": 100, "slaves": ["eth2", "eth3"], "gateway": None}

    def test_same(self):
        for given in (
            {}, {"ip": "10.10.51.11"}, {"evacuate": "yes"}, {"evacuate": True}, {"miimon": "100"},
            {"slaves": "eth2,eth3"}, {"slaves": ["eth2", "eth3"]}, {"gateway": None},
        ):
            self.assertEqual(rb.param_differences(self.recorded, given), [], given)

    def test_different(self):
        cases = [
            ({"ip": "10.10.51.12"}, 'ip: the run has "10.10.51.11", the task gives "10.10.51.12"'),
            ({"evacuate": False}, "evacuate: the run has true, the task gives false"),
            ({"miimon": 200}, "miimon: the run has 100, the task gives 200"),
            ({"slaves": ["eth3", "eth2"]}, 'slaves: the run has ["eth2", "eth3"]'),
            ({"gateway": "10.0.0.1"}, "gateway: the run has null"),
            ({"nope": 1}, "nope: the run has no such parameter"),
        ]
        for given, want in cases:
            got = rb.param_differences(self.recorded, given)
            self.assertEqual(len(got), 1, (given, got))
            self.assertTrue(got[0].startswith(want), (got[0], want))


class TestParseJSON(unittest.TestCase):
    def test_plain_and_mixed(self):
        cases = [
            ('{"state": "none"}\n', {"state": "none"}),
            ('warning: mind the gap\r\n{"state": "succeeded",\r\n "steps": []}\r\nrunbook: refused\r\n',
             {"state": "succeeded", "steps": []}),
            ('{ not json\n{"a": {"b": 1}}\n', {"a": {"b": 1}}),
        ]
        for text, want in cases:
            self.assertEqual(rb.parse_json(text, "t"), want)

    def test_errors(self):
        for text in ("", "runbook: no such command\n", "[1, 2]\n", "{broken\n"):
            with self.assertRaises(rb.RemoteError):
                rb.parse_json(text, "t")


class TestRuns(unittest.TestCase):
    def test_unfinished(self):
        cases = [
            ({"state": "none"}, False),
            ({"state": "running"}, True),
            ({"state": "rebooting"}, True),
            ({"state": "interrupted"}, True),
            ({"state": "failed", "changed_host": True}, True),
            ({"state": "failed", "changed_host": False}, False),
            ({"state": "succeeded", "changed_host": True}, False),
            ({"state": "aborted", "changed_host": True}, False),
        ]
        for status, want in cases:
            self.assertEqual(rb.is_unfinished(status), want, status)

    def test_same_runbook(self):
        cases = [
            ({"runbook": "nfs-bond", "origin": "shipped"}, "nfs-bond", True),
            ({"runbook": "nfs-bond", "origin": "shipped"}, "storage-nic", False),
            ({"runbook": "nfs-bond", "origin": "/srv/site/nfs-bond.star"}, "nfs-bond", False),
            ({"runbook": "nfs-bond", "origin": "/srv/site/nfs-bond.star"}, "/srv/site/nfs-bond.star", True),
            ({"runbook": "nfs-bond", "origin": "/srv/site/nfs-bond.star"}, "/srv/other/nfs-bond.star", False),
            ({"runbook": "nfs-bond", "origin": "/srv/site/nfs-bond.star"}, "site/nfs-bond.star", True),
            ({"runbook": "nfs-bond", "origin": "shipped"}, "/srv/site/nfs-bond.star", False),
        ]
        for status, runbook, want in cases:
            self.assertEqual(rb.same_runbook(status, runbook), want, (status, runbook))

    def test_failure_message(self):
        st = {"runbook": "nfs-bond", "origin": "shipped", "id": "R1", "state": "failed", "changed_host": True,
              "error": 'step "forget eth2": xe pif-forget: exit status 1', "steps": [
                  {"seq": 1, "name": "find host", "status": "ok"},
                  {"seq": 9, "name": "forget eth2", "status": "failed", "error": "xe pif-forget: exit status 1"}]}
        got = rb.failure_message(st, "/var/lib/runbook")
        self.assertTrue(got.startswith("nfs-bond run R1 failed at step 9 'forget eth2': xe pif-forget: exit status 1\nthe run changed the host; "), got)
        self.assertIn("runbook abort --state-dir /var/lib/runbook", got)

    def test_global_argv(self):
        problems = []
        o = rb.cli_options({"root": "/tmp/h", "xe": "/tmp/h/bin/xe"}, problems)
        self.assertEqual(problems, [])
        self.assertEqual(rb.runbook_argv(o, "status", "--json"), [
            "/usr/local/bin/runbook", "status", "--json", "--state-dir", "/var/lib/runbook",
            "--root", "/tmp/h", "--xe", "/tmp/h/bin/xe", "--no-color"])
        problems = []
        rb.cli_options({"root": "tmp/h", "binary": "runbook", "state_dir": ""}, problems)
        self.assertEqual(len(problems), 3, problems)

    def test_inventory_uuid(self):
        text = "PRODUCT_BRAND='XCP-ng'\nINSTALLATION_UUID='6a982c58-b742-2346-37f2-4fb9c93d838d'\n"
        self.assertEqual(rb.parse_inventory_uuid(text), "6a982c58-b742-2346-37f2-4fb9c93d838d")
        self.assertIsNone(rb.parse_inventory_uuid("PRODUCT_BRAND='XCP-ng'\n"))
        self.assertIsNone(rb.parse_inventory_uuid(None))


class TestXeRecords(unittest.TestCase):
    def test_records(self):
        text = (
            "uuid ( RO)                 : 6a98\n"
            "           name-label ( RW): xen01\n"
            "              address ( RO): 192.168.10.11\n"
            "    host-metrics-live ( RO): true\n"
            "         other-config (MRW): a: 1; b: x: y\n"
            "  patches (SRO) [DEPRECATED]: \n"
            "\n\n"
            "uuid ( RO)                 : de1b\n"
            "           name-label ( RW): with: colon\n"
            "    host-metrics-live ( RO): <not in database>\n"
            "\n\n"
        )
        got = xe.parse_records(text)
        self.assertEqual(got, [
            {"uuid": "6a98", "name-label": "xen01", "address": "192.168.10.11", "host-metrics-live": "true",
             "other-config": "a: 1; b: x: y", "patches": ""},
            {"uuid": "de1b", "name-label": "with: colon", "host-metrics-live": "<not in database>"},
        ])
        self.assertIsNone(xe.parse_bool(got[1]["host-metrics-live"]))
        self.assertIs(xe.parse_bool(got[0]["host-metrics-live"]), True)
        self.assertEqual(xe.parse_records(""), [])

    def test_set(self):
        self.assertEqual(xe.parse_set("a; b;c"), ["a", "b", "c"])
        self.assertEqual(xe.parse_set(""), [])
        self.assertEqual(xe.parse_set("<not in database>"), [])


class TestSecrets(unittest.TestCase):
    def test_values(self):
        problems = []
        got = rb.secret_values({"password": "pa ss", "token": "t", "unset": None}, problems, {"ip": "10.0.0.1"})
        self.assertEqual(problems, [])
        self.assertEqual(got, {"password": "pa ss", "token": "t"})
        self.assertEqual(rb.secret_values(None, problems), {})
        self.assertEqual(problems, [])

    def test_problems_all_at_once_never_quoting_a_value(self):
        value = "hunter2-value"
        cases = [
            ("not a dict", [value], "secrets: got a list, want a dict"),
            ("bad name", {"a-b": value}, "secrets: 'a-b' is not a parameter name"),
            ("also a param", {"pw": value}, "secrets.pw: also given in params"),
            ("a number", {"pw": 1234}, "secrets.pw: got an int, want a string"),
            ("a list", {"pw": [value]}, "secrets.pw: got a list, want a string"),
            ("empty", {"pw": ""}, "secrets.pw: empty"),
            ("newline", {"pw": value + "\n"}, "secrets.pw: contains a control character"),
            ("C1", {"pw": value + "\x85"}, "secrets.pw: contains a control character"),
            ("line separator", {"pw": value + "\u2028"}, "secrets.pw: contains a control character"),
        ]
        for what, secrets, want in cases:
            problems = []
            params = {"pw": "x"} if what == "also a param" else {}
            rb.secret_values(secrets, problems, params)
            self.assertEqual(len(problems), 1, (what, problems))
            self.assertTrue(problems[0].startswith(want), (what, problems[0], want))
            self.assertNotIn(value, problems[0], what)
            self.assertNotIn("1234", problems[0], what)
        problems = []
        rb.secret_values({"a-b": "1", "pw": "", "x": 5}, problems, {})
        self.assertEqual(len(problems), 3, problems)

    def test_no_log_values(self):
        spec = {"secrets": {"type": "dict", "no_log": True}, "params": {"type": "dict"}}
        args = {"secrets": {"a": "one", "b": ["two", {"c": 3}], "d": None, "e": True, "f": ""}, "params": {"x": "open"}}
        self.assertEqual(rb.no_log_values(spec, args), {"one", "two", "3"})
        self.assertEqual(rb.no_log_values(spec, {}), set())

    def test_masked(self):
        forms = rb.secret_forms(["ab", 'ab "q" \u00fc', "zz"])
        result = {
            "msg": 'got \'ab "q" \u00fc\': no, ab',
            "status": {"error": 'JSON: "ab \\"q\\" \\u00fc"', "steps": [{"name": "zz"}], "n": 3, "ok": True},
            "warnings": ("x zz y",),
            "zz": None,
        }
        got = rb.masked(result, forms)
        self.assertEqual(got, {
            "msg": "got '********': no, ********",
            "status": {"error": 'JSON: "********"', "steps": [{"name": "********"}], "n": 3, "ok": True},
            "warnings": ("x ******** y",),
            "********": None,
        })
        self.assertIs(rb.masked(result, []), result)

    def test_longest_first(self):
        got = rb.masked("abcdef and abc", rb.secret_forms(["abc", "abcdef"]))
        self.assertEqual(got, "******** and ********")

    def test_argv(self):
        self.assertEqual(rb.secret_argv({"token": "/t/secret-token", "pw": "/t/secret-pw"}),
                         ["--secret", "pw=/t/secret-pw", "--secret", "token=/t/secret-token"])
        self.assertEqual(rb.secret_argv({}), [])


if __name__ == "__main__":
    unittest.main()
