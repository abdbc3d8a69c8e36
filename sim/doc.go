// Package sim is a simulated XenServer / XCP-ng pool: hosts xen01,
// xen02, ... each with a dom0, the programs a runbook drives on a real
// dom0 — xe, ifup, ifdown, reboot, xe-switch-network-backend, ip, ping and
// journalctl — behaving like the real ones, byte for byte where their
// output is known, and a boot that runs the dom0's systemd units.
//
// # The layout
//
// Init makes a pool in a directory. By default the directory is the root
// of xen01's dom0: the files a dom0 has (etc/xensource/network.conf,
// etc/xensource-inventory, etc/sysconfig/network-scripts,
// proc/sys/kernel/random/boot_id, proc/net/bonding,
// etc/systemd/system/multi-user.target.wants), bin/<program> links to the
// multi-call binary, and the pool database in var/lib/xsim. With AllDom0s
// every host has a root of its own, DIR/<host>, with its own files, boot
// id and bin/, and the pool database is in DIR/pool. Each root has
// var/lib/xsim/dom0.json, which names its host and the pool directory:
// a program run in a host's root sees that host as the local one.
//
// The pool database (state.json in the pool directory) holds the pool
// (with its HA and redo-log flags), hosts (with their memory), networks,
// PIFs, bonds, VLANs, tunnels, network SR-IOVs, VMs and their VIFs, and every host's dom0 (dom0.go): its
// running kernel (links with their MACs, MTUs and states, the bonding
// driver's bonds, addresses, the default route), its boot id and count,
// whether a reboot is pending, the local database's auto-enable flag, and
// per boot which units ran and how they ended. Every program run takes
// the pool's lock for its whole read-modify-write, appends its argv to
// the pool's calls.log, and writes the state back atomically. Identifiers
// (UUIDs, MACs, boot ids) come from the seed and a counter, and nothing in
// the model depends on the clock: the same seed and the same actions give
// the same pool, which Snapshot prints. Each dom0's journal
// (var/lib/xsim/journal.jsonl: units' output, systemd's lines about them,
// kernel messages, what initscripts logs) carries times, as the real one
// does, and stays out of the snapshot.
//
// # The programs
//
// Main runs the program named by argv[0]. It finds the root through
// RUNBOOK_ROOT, or through argv[0] being ROOT/bin/<program>.
//
// xe follows the CLI of xapi: argv parsing, the record layout, params=,
// --minimal, filters, the generated <class>-list and -param-* commands,
// of the pool, host, network, pif, bond, vm, vif, vlan, tunnel and
// network-sriov classes, the PIF, bond, VLAN, tunnel, SR-IOV, network,
// host, HA and VM commands, and the error texts of the CLI server and the
// API (a missing error parameter prints as "<name>: <unknown>", an extra
// one as "<extra>: <value>"). A member's xe works as the coordinator's; while
// the coordinator is down it fails with HOST_STILL_BOOTING (xapi's
// emergency mode), and a call that is forwarded to a host that is not
// live fails with HOST_OFFLINE. pif-list prints the default fields of the
// release's xapi.
//
// ifup and ifdown are initscripts 9.49.41 on a CentOS 7 dom0: the ifcfg
// lookup, the bond made from BONDING_OPTS or an "alias <bond> bonding"
// line, its options applied only while it has no slaves (a refused value
// makes bash's echo fail on stderr; the kernel's message goes to the
// journal), MTU= applied to the device and passed to the slaves, NICs
// enslaved unless xapi still holds them, HWADDR checked against the live
// MAC, IPADDR added when the device lacks it (so a second ifup adds a new
// address beside the old one), a failed address add logged with ifup
// still exiting 0, and net_log's messages on stdout. /proc/net/bonding is
// in the format of the XenServer 4.19 kernel, whose default mode is
// balance-slb. ip (iproute 4.11) and ping (iputils s20160308) read the
// kernel: ping is answered by the filers of InitOptions.Filers on their
// own subnet (or behind a static route of the network), over a link that
// is up and has carrier, if the packet fits the link's MTU or may be
// fragmented. A network's other-config:static-routes
// (SUBNET/PREFIXLEN/GATEWAY,...; one bad entry and xapi ignores them
// all) become routes of its bridge when a PIF on it is brought up, as
// networkd adds them.
//
// xe-switch-network-backend changes network.conf and the bridge
// blacklist; the running backend changes only at the next boot.
//
// # Guests and their networks
//
// Every guest has a VIF on the management network; InitOptions.VIFs
// (sim init --vif VM:NIC) and `sim vif` add VIFs on the network of a NIC.
// What xapi does to guests is modelled from its sources: pif-forget brings
// the PIF down and networkd's Bridge.destroy takes every interface on the
// bridge down on both backends (brctl delif on bridge, del-br on
// openvswitch), so the VIFs of that network's guests on that host go down
// (vif-list currently-attached, and the reason in `sim show`); pif-unplug
// refuses while such a VIF is plugged (VIF_IN_USE); bond-create and
// bond-destroy move the host's guests' VIFs and the members' VLANs.
// vm-start and vm-migrate check what assert_can_boot_here checks: the host
// enabled, every network of the VM's VIFs present on the host
// (VM_REQUIRES_NETWORK) and attachable, and free memory. host-evacuate
// plans every resident guest as compute_evacuation_plan does (each must
// run on every other enabled host; then biggest fit decreasing on free
// memory) and moves nothing unless every guest has a target;
// host-get-vms-which-prevent-evacuation prints the others with the error
// code and its raw parameters as reason. InitOptions.MemoryFree fills the
// other hosts. VLAN, tunnel and SR-IOV PIFs, and HA or the redo log, block
// the PIF changes xapi blocks; the redo log is also recorded, as xapi
// does, in every host's local database (var/lib/xcp/local.db,
// redo_log.enabled). Objects of these kinds draw their
// identifiers from sequences of their own, so they leave the others as
// they were.
//
// # The boot
//
// reboot only asks for a reboot, as systemctl reboot does, and returns:
// the host is going down, its xapi has stopped (xe on it fails as with no
// xapi), and the pool sees it disabled and not live. Boot (`runbook sim
// boot`) performs the boot: a new boot id, the configured backend running,
// a fresh kernel, the guests left on the host halted, xapi's start of day
// (every managed physical PIF, bond master and PIF with an IP
// configuration plugged; the host enabled again unless it was disabled
// with auto-enable=false), then the units enabled in
// etc/systemd/system/*.target.wants/ in systemd's order. A unit's command
// that is a simulated program runs in process; any other is exec'd with
// systemd's environment (BootOptions.Exec replaces that, for tests in
// process). A unit that asks for a reboot ends the boot: that reboot is
// pending. With the auto boot mode, reboot starts a detached process that
// performs the boot once the process that asked for it has exited;
// WaitBoot waits for it.
//
// The release chosen at Init changes what differs between releases: the
// xapi version (pif-list's default fields, auto-enable), the kernel (the
// uid in ip route get), xe-switch-network-backend (deleting ifcfg files up
// to 2019, gone in XenServer 9, where the backend is always Open vSwitch).
//
// # Driving it from outside
//
// Command is the control CLI behind `runbook sim`: init, boot, wait, link
// (pull or plug a cable), vif (give a guest a VIF), fault (make the Nth program call fail, or kill
// the caller before or after it takes effect, as a crash would; or the
// Kth call whose program and arguments match a regular expression, so that
// a test does not depend on call numbers), calls, show and snapshot.
// ParseInitOptions is init's option parser, for tools that take its
// options elsewhere. Host runs the same programs in process for engine
// tests, and boots in process; there a kill fault returns ErrKilled
// instead of killing anything, and the boot mode is always manual.
package sim
