# -*- coding: utf-8 -*-
"""The argument spec of runbook.xen.run (plugin_utils) against its
documentation (plain unittest; the modules' files are documentation only,
so they load without ansible)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import unittest

import yaml

from ansible_collections.runbook.xen.plugins.doc_fragments import target
from ansible_collections.runbook.xen.plugins.modules import run as module
from ansible_collections.runbook.xen.plugins.plugin_utils import runbook as rb


def documented_options():
    """The options of the module's documentation and of its fragment."""
    doc = yaml.safe_load(module.DOCUMENTATION)
    options = doc["options"]
    options.update(yaml.safe_load(target.ModuleDocFragment.DOCUMENTATION)["options"])
    return doc, options


class TestArgumentSpec(unittest.TestCase):
    def test_spec_is_the_documentation(self):
        doc, options = documented_options()
        self.assertEqual(doc["extends_documentation_fragment"], ["runbook.xen.target"])
        self.assertEqual(sorted(rb.RUN_ARGUMENT_SPEC), sorted(options))
        for name, spec in rb.RUN_ARGUMENT_SPEC.items():
            opt = options[name]
            self.assertEqual(spec.get("type"), opt.get("type"), name)
            self.assertEqual(spec.get("default"), opt.get("default"), name)
            self.assertEqual(bool(spec.get("required")), bool(opt.get("required")), name)

    def test_secrets_are_no_log(self):
        _, options = documented_options()
        self.assertEqual([n for n, s in rb.RUN_ARGUMENT_SPEC.items() if s.get("no_log")], ["secrets"])
        self.assertIn("no_log", " ".join(options["secrets"]["description"]))


if __name__ == "__main__":
    unittest.main()
