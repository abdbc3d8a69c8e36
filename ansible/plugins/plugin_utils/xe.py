# -*- coding: utf-8 -*-
"""Reading the output of the xe CLI on the controller.

xe prints each record as ``name ( RO): value`` lines, the names right
aligned, with one blank line between records (two after the last); the
tag is ``( RO)``, ``( RW)``, ``(MRO)``, ``(MRW)``, ``(SRO)``, ``(SRW)``
and may carry a suffix such as `` [DEPRECATED]``. Map fields print as
``k1: v1; k2: v2`` and set fields as ``a; b``. A field with no value in
the database prints ``<not in database>``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

FIELD = re.compile(r"^\s*(?P<name>[^\s(][^(]*?)\s+\((?P<tag>[ MS]R[OW])\)(?:\s*\[[A-Z]+\])?\s*:\s?(?P<value>.*)$")

NOT_IN_DATABASE = "<not in database>"


def parse_records(text):
    """The records of xe's output as a list of dicts, field name to the
    value as printed. Lines that are not fields are ignored."""
    records = []
    cur = None
    for line in (text or "").splitlines():
        if not line.strip():
            cur = None
            continue
        m = FIELD.match(line)
        if not m:
            continue
        if cur is None:
            cur = {}
            records.append(cur)
        cur[m.group("name").strip()] = m.group("value").rstrip()
    return records


def parse_set(value):
    """A set field ("a; b") as a list; empty for an empty value."""
    value = (value or "").strip()
    if not value or value == NOT_IN_DATABASE:
        return []
    return [v.strip() for v in value.split(";") if v.strip()]


def parse_bool(value):
    """A boolean field: True, False, or None (not in the database)."""
    v = (value or "").strip().lower()
    if v == "true":
        return True
    if v == "false":
        return False
    return None
