#!/usr/bin/python
# -*- coding: utf-8 -*-
"""Documentation of runbook.xen.status; the action plugin of the same name
does the work on the controller (plugins/action/status.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: status
short_description: Read the current or last runbook run of a dom0
description:
  - Reads C(runbook status --json) of the target's state dir. It changes nothing.
  - A target without the runbook binary has no run; C(state) is C(none) and C(binary_found) false.
version_added: "0.1.0"
author:
  - runbook maintainers
options:
  runbook:
    description:
      - A runbook (shipped name or C(.star) path); when given, C(in_flight) says whether the unfinished
        run is one of it.
    type: str
extends_documentation_fragment:
  - runbook.xen.target
attributes:
  check_mode:
    description: It only reads.
    support: full
  diff_mode:
    description: Nothing to show.
    support: none
  platform:
    description: XenServer / XCP-ng dom0s.
    support: full
    platforms: posix
seealso:
  - module: runbook.xen.run
'''

EXAMPLES = r'''
- name: Is a run waiting on this host?
  runbook.xen.status:
    runbook: nfs-bond
  register: run

- name: Say so
  ansible.builtin.debug:
    msg: "{{ run.status.runbook }} {{ run.run_id }} is {{ run.state }}"
  when: run.unfinished
'''

RETURN = r'''
status:
  description: The whole C(runbook status --json) (README "runbook status --json").
  returned: always
  type: dict
state:
  description: The run's state (C(none) when there is no run).
  returned: always
  type: str
runbook:
  description: The runbook of the run.
  returned: always
  type: str
run_id:
  description: The run's id.
  returned: always
  type: str
unfinished:
  description: The run blocks a new one (running, rebooting, interrupted, or failed after changing the host).
  returned: always
  type: bool
in_flight:
  description: The run is unfinished and of I(runbook).
  returned: always
  type: bool
binary_found:
  description: The runbook binary is on the target.
  returned: always
  type: bool
'''
