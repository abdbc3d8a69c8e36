#!/usr/bin/python
# -*- coding: utf-8 -*-
"""Documentation of runbook.xen.run; the action plugin of the same name
does the work on the controller (plugins/action/run.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: run
short_description: Run a runbook on a XenServer / XCP-ng dom0 and follow it through its reboots
description:
  - Runs a runbook (a procedure that journals every step, such as the shipped C(nfs-bond) or
    C(storage-nic)) on the target with the C(runbook) binary, and follows it to its end, reboots
    included.
  - If the state dir holds an unfinished run of the same runbook (running, rebooting, interrupted, or
    failed after it changed the host), the task continues that run instead of starting another. It
    watches a run in progress or rebooting, and resumes (C(runbook resume)) an interrupted or failed
    one. So running the task again after a failure has been fixed, or after the controller died
    mid-run, picks up where the run stopped. An unfinished run of another runbook is an error naming
    it, and so is an unfinished run of this runbook with other parameters.
  - Otherwise it starts C(runbook run). When the run pauses for a reboot, the task waits until the host
    is back (its boot id changed and the connection answers, within I(reboot_timeout)), then polls
    C(runbook status --json) until the run's state is final. The boot hook on the target
    (C(runbook-resume.service)) does the resuming; the task only watches.
  - In check mode it runs C(runbook run --dry-run --json) (read-only calls run for real, nothing is
    changed) and reports C(changed) when any step would change the host; with diff mode it returns the
    unified diff of every file the run would write and the commands it would run.
version_added: "0.1.0"
author:
  - runbook maintainers
options:
  runbook:
    description:
      - A shipped runbook's name (C(runbook list)), or the path of a C(.star) file on the target.
    type: str
    required: true
  params:
    description:
      - The runbook's parameters, as C(runbook run -p NAME=VALUE) takes them. Lists become
        comma-separated values (an item may not contain a comma), booleans C(true)/C(false); a
        C(null) value leaves the parameter at its default.
      - Every problem with them is reported at once before anything runs, by the task or by runbook
        itself (exit status 2, nothing changed).
      - A secret parameter (C(type = "secret") in the runbook, such as a password) goes in I(secrets)
        instead; runbook refuses it here.
    type: dict
    default: {}
  secrets:
    description:
      - The values of the runbook's secret parameters (those of type C(secret)), by name, as
        strings. runbook takes a secret only from a file or the environment, never from C(-p), since a
        command line is visible in C(ps).
      - The task writes each value to a file of mode 0600 in its temporary directory on the target
        (mode 0700), by file transfer, never on a command line; passes C(--secret NAME=PATH) to
        C(runbook run) (and to the dry run in check mode); and removes the files once that command
        has returned, whether the run succeeded, failed or was refused. If the host could not be
        reached to remove them, the task tries again at its end, then warns naming them.
      - This option is C(no_log), so marked in the action's argument spec. Its values never appear in a
        command line, the result or a log line, and are masked as C(********) wherever they would
        appear in what the task returns (C(msg), C(status), C(warnings), the excerpts of the run's
        output), as they are and as JSON quotes them. runbook itself masks them as C(<secret>) in its
        journal, status, log and messages.
      - Give the values from variables (Ansible Vault), not as literals in the task, so that the
        playbook holds no secret; with C(display_args_to_stdout) Ansible prints the task's arguments
        as written, before templating.
      - Only a run the task starts, or a dry run, reads them. A run the task continues (resumed or
        watched) keeps the secrets it was started with; runbook keeps them for a resume in the run's
        directory (mode 0600) until the run ends.
    type: dict
    default: {}
  src:
    description:
      - A runbook binary on the controller (a path, or a file found as the C(copy) module finds
        them) to install at I(binary) first, only when its SHA-256 differs. It is staged in the
        task's temporary directory on the target, which reads the run's status, so a task that
        refuses installs nothing; then copied next to I(binary) and renamed over it, so the boot
        hook never sees half a binary.
      - In check mode it is not installed; the dry run uses a temporary copy.
    type: path
  timeout:
    description:
      - Seconds the whole task may take, reboots included, checked while it follows the run. When it
        passes the task fails; the run goes on on the host, and running the task again follows it.
      - The C(runbook run) or C(runbook resume) command itself returns when the run ends or pauses for
        a reboot; each program it runs is bounded by runbook's own C(--call-timeout).
    type: int
    default: 3600
  reboot_timeout:
    description:
      - Seconds to wait for the host to come back after each reboot of the run.
    type: int
    default: 900
  poll:
    description:
      - Seconds between two reads of the run's status while it runs or reboots.
    type: float
    default: 5
extends_documentation_fragment:
  - runbook.xen.target
attributes:
  check_mode:
    description: Runs the runbook's dry run and reports what it would change.
    support: full
  diff_mode:
    description: Returns the dry run's file diffs and commands.
    support: full
  platform:
    description: XenServer 7 and later, Citrix Hypervisor 8, XCP-ng 8 dom0s (systemd, x86-64).
    support: full
    platforms: posix
notes:
  - Tested with ansible-core 2.14.18 (Debian bookworm). It uses only the action plugin API that later
    cores keep (C(_low_level_execute_command), C(_transfer_file), C(_make_tmp_path), C(_find_needle)).
  - Do not run it with C(async); it follows reboots itself.
  - With C(connection=local) (simulated hosts in CI) the same commands run on the controller.
seealso:
  - module: runbook.xen.status
  - module: runbook.xen.pool_info
  - module: ansible.builtin.reboot
'''

EXAMPLES = r'''
- name: A dedicated storage interface on eth1 (no reboot)
  runbook.xen.run:
    runbook: storage-nic
    params:
      device: eth1
      ip: 10.10.52.11
      netmask: 255.255.255.0

- name: The NFS bond, installing the binary first; the run reboots the host once
  runbook.xen.run:
    runbook: nfs-bond
    src: files/runbook
    params:
      ip: "{{ runbook_storage_ip }}"
      netmask: 255.255.255.0
      evacuate: true
    reboot_timeout: 1200
  register: bond

- name: What it did
  ansible.builtin.debug:
    msg: "{{ bond.steps | map(attribute='name') | zip(bond.steps | map(attribute='status')) | list }}"

- name: A runbook with a secret parameter (a password), from Ansible Vault
  runbook.xen.run:
    runbook: /srv/site/nfs-sr.star
    params:
      server: 10.10.51.5
    secrets:
      password: "{{ vault_nfs_password }}"

- name: A site's own copy of a runbook, on a simulated host in CI
  runbook.xen.run:
    runbook: /srv/site/nfs-bond.star
    params: "{{ runbook_params }}"
    root: /tmp/pool/xen01
    xe: /tmp/pool/xen01/bin/xe
    ifup: /tmp/pool/xen01/bin/ifup
    reboot: /tmp/pool/xen01/bin/reboot
    state_dir: /tmp/pool/xen01/var/lib/runbook
    poll: 0.2
'''

RETURN = r'''
changed:
  description: A step of the run changed the host (or the binary was installed); in check mode, a step would.
  returned: always
  type: bool
state:
  description:
    - The state of the run the task started or continued (C(succeeded), C(failed), C(rebooting), ...),
      C(none) when no run started (a parameter error), or in check mode the dry run's state
      (C(succeeded), C(failed), C(refused)).
  returned: always
  type: str
  sample: succeeded
run_id:
  description: The id of the run (a directory under I(state_dir)/runs); null in check mode.
  returned: always
  type: str
  sample: 20261126T013219Z-nfs-bond
rebooted:
  description: The host rebooted while the task followed the run (its boot id changed).
  returned: always
  type: bool
installed:
  description: I(src) was installed at I(binary) (in check mode, would be).
  returned: always
  type: bool
steps:
  description: The run's steps in order, each with its name and status (C(ok), C(changed), C(failed),
    C(running), C(rebooted); in check mode C(ok), C(would), C(failed)).
  returned: when a run or dry run took place
  type: list
  elements: dict
  sample: [{"name": "find host", "status": "ok"}, {"name": "forget eth2", "status": "changed"}]
status:
  description: The whole C(runbook status --json) of the run (README "runbook status --json").
  returned: when a run took place
  type: dict
dry_run:
  description: The whole C(runbook run --dry-run --json) document (README "runbook run --dry-run --json").
  returned: in check mode
  type: dict
warnings:
  description: The run's warnings (the runbook's C(warn()) messages), also shown by Ansible.
  returned: always
  type: list
  elements: str
diff:
  description: The unified diff of each file the run would write, then the commands it would run.
  returned: in check mode with diff mode
  type: list
  elements: dict
msg:
  description: Why the task failed, naming the run, the failed step and its error, and how to go on.
  returned: on failure
  type: str
'''
