# -*- coding: utf-8 -*-
"""Options that locate runbook on the target, shared by the runbook.xen
actions."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """runbook.xen.target: binary, state_dir and the global options."""

    DOCUMENTATION = r'''
options:
  binary:
    description:
      - Path of the runbook binary on the target.
    type: path
    default: /usr/local/bin/runbook
  state_dir:
    description:
      - The state directory of the runs on the target (runbook's C(--state-dir)).
    type: path
    default: /var/lib/runbook
  root:
    description:
      - Runbook's C(--root) on the target; every host path is taken under it, including the ones the
        action reads itself (the boot id C(/proc/sys/kernel/random/boot_id), C(/etc/xensource-inventory)).
      - Only for simulated hosts (C(runbook sim init)); a real dom0 is C(/).
    type: path
  xe:
    description:
      - Runbook's C(--xe), the xe program on the target.
    type: str
  ifup:
    description:
      - Runbook's C(--ifup), the ifup program on the target.
    type: str
  reboot:
    description:
      - Runbook's C(--reboot), the reboot program on the target.
    type: str
notes:
  - Nothing runs Python on the target. The action runs on the controller and reaches the target with
    low-level commands over the connection (the runbook binary, C(xe), C(cat), C(sha256sum), C(mkdir), C(cp),
    C(chmod), C(mv), C(touch), C(rm)) and file transfer, as M(ansible.builtin.reboot) does, so it works on dom0s whose Python is 2.7 or 3.6
    (XenServer 8, XCP-ng 8.x) with any supported controller.
  - Every command is built from an argument list, each argument shell-quoted.
'''
