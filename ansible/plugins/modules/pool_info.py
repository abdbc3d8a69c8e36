#!/usr/bin/python
# -*- coding: utf-8 -*-
"""Documentation of runbook.xen.pool_info; the action plugin of the same
name does the work on the controller (plugins/action/pool_info.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: pool_info
short_description: The pool of a XenServer / XCP-ng host as xapi sees it, matched to the inventory
description:
  - Runs C(xe pool-list) and C(xe host-list) on the target and returns the coordinator and the pool's
    hosts by name-label, with their address and whether each is enabled and live, and whether HA is on.
    It changes nothing.
  - With I(match), inventory hosts are matched to xapi hosts; a host that matches none, or two that
    match one, is an error listing the pool's hosts.
  - With I(preflight), it checks what a rolling change needs, every problem at once. Every host of
    the pool live and enabled, unless it is in flight (its state dir holds an unfinished run of
    I(runbook), which the rollout continues, so a re-run after a failure is not blocked by the host
    that run disabled); no unfinished run of another runbook; HA off (otherwise it refuses, naming
    C(xe pool-ha-disable) and how to re-enable HA with its heartbeat SRs).
version_added: "0.1.0"
author:
  - runbook maintainers
options:
  xe:
    description:
      - The xe program on the target.
    type: str
    default: xe
  root:
    description:
      - Taken before C(/etc/xensource-inventory), read to find the local host (simulated hosts only).
    type: path
  match:
    description:
      - Inventory hosts to match to xapi hosts, such as C(ansible_play_hosts_all). Each matches by its
        C(runbook_host_name) variable (the name-label) when set; else by its inventory name as
        name-label; else by C(ansible_host), or its inventory name, as address; else by the first label
        of its DNS name as name-label.
    type: list
    elements: str
  runs:
    description:
      - For I(preflight), each inventory host's run, as registered from M(runbook.xen.status) (or its
        C(status)), as a dict by inventory host.
    type: dict
  runbook:
    description:
      - The runbook of the rollout, for I(preflight).
    type: str
  preflight:
    description:
      - Check the pool for a rolling change and fail with every problem found.
    type: bool
    default: false
  wait:
    description:
      - Seconds to keep trying while xe says that xapi does not answer yet (it cannot contact the
        server, or the host toolstack is still initialising), as after a reboot. Other errors fail at once.
    type: int
    default: 0
  poll:
    description:
      - Seconds between two tries of xe.
    type: float
    default: 5
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
notes:
  - Nothing runs Python on the target; xe is run over the connection.
seealso:
  - module: runbook.xen.run
'''

EXAMPLES = r'''
- name: Find the coordinator of the pool and match the play's hosts to it
  runbook.xen.pool_info:
    match: "{{ ansible_play_hosts_all }}"
  run_once: true
  register: pool

- name: The coordinator first
  ansible.builtin.debug:
    msg: "{{ pool.order }}"
'''

RETURN = r'''
pool:
  description: The pool's uuid and name_label.
  returned: always
  type: dict
coordinator:
  description: The coordinator's (pool master's) name-label.
  returned: always
  type: str
  sample: xen01
coordinator_uuid:
  description: The coordinator's host uuid.
  returned: always
  type: str
coordinator_host:
  description: The inventory host matched to the coordinator, or null.
  returned: always
  type: str
hosts:
  description: Every host of the pool by name-label, with uuid, address, enabled, live, coordinator,
    inventory_hostname (null when none matched) and, with I(preflight), in_flight.
  returned: always
  type: list
  elements: dict
ha_enabled:
  description: HA is enabled on the pool.
  returned: always
  type: bool
local:
  description: The host the task ran on, from its C(/etc/xensource-inventory), or null.
  returned: always
  type: dict
matched:
  description: Inventory host to name-label.
  returned: always
  type: dict
order:
  description: The matched inventory hosts, the coordinator first, then the members by name-label.
  returned: always
  type: list
  elements: str
problems:
  description: The preflight's problems (the task fails when there are any).
  returned: always
  type: list
  elements: str
warnings:
  description: Pool hosts not in the rollout, or a coordinator left out.
  returned: always
  type: list
  elements: str
'''
