// Package ansibletest runs the runbook.xen Ansible collection (the
// repository's ansible/ directory) with the real ansible-playbook against
// simulated pools in which every host is a dom0 of its own that boots by
// itself after a reboot (runbook sim init --all-dom0s --boot auto). The
// inventory reaches each host with ansible_connection=local and host vars
// pointing at that host's root, state dir and programs, and sets a Python
// interpreter that does not exist, so that anything that ran Python on a
// "dom0" would fail.
//
// It covers the pool rollout (coordinator first, one host at a time,
// every host configured, on the bridge backend and rebooted once; a second
// run changes nothing; check mode changes nothing; a failure on the second
// host leaves the third untouched and a re-run after the fix continues;
// the controller killed during the second host's reboot, then a re-run
// completes without a second reboot), storage-nic per host, storage-bond
// once per pool, the actions' errors and refusals, a secret parameter
// delivered without leaving a trace (TestSecrets), the unit tests of the
// controller-side helpers, and the part of ansible-test sanity that works
// offline.
//
// Without ansible-playbook every test skips, saying so; make test prints
// that it skipped them.
package ansibletest
