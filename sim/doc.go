// Package sim is a simulated XenServer / XCP-ng host: a pool of three
// hosts, xen01 to xen03, seen from the dom0 of xen01, with the programs a
// runbook drives on a real dom0 — xe, ifup, reboot and
// xe-switch-network-backend — behaving like the real ones, byte for byte
// where their output is known.
//
// # The host
//
// Init makes a host in a directory, the root. Under it are the files a
// dom0 has (etc/xensource/network.conf, etc/xensource-inventory,
// etc/sysconfig/network-scripts, proc/sys/kernel/random/boot_id,
// proc/net/bonding, etc/systemd/system/multi-user.target.wants), the
// state in var/lib/xsim, and bin/<program> links to the multi-call
// binary. The runbook engine runs ROOT/bin/xe and the others as it would
// run the real programs, and reads and writes the files under the same
// root.
//
// The state (var/lib/xsim/state.json) holds the pool database — pool
// (with its HA and redo-log flags), hosts (with their memory), networks,
// PIFs, bonds, VLANs, tunnels, network SR-IOVs, VMs and their VIFs — and
// the running kernel of xen01:
// live MACs, the bonding driver's bonds, addresses and the default route.
// Every program run takes var/lib/xsim/lock for its whole
// read-modify-write, so concurrent runs cannot corrupt it, appends its
// argv to var/lib/xsim/calls.log, and writes the state back atomically.
// Identifiers (UUIDs, MACs, boot ids) come from the seed and a counter,
// and nothing depends on the clock: the same seed and the same actions
// give the same host, which Snapshot prints.
//
// # The programs
//
// Main runs the program named by argv[0]. It finds the root through
// RUNBOOK_ROOT, or through argv[0] being ROOT/bin/<program>.
//
// xe follows the CLI of xapi: argv parsing (the first = splits, --x means
// x=true, connection options are removed), the record layout, params=,
// --minimal, filters, the generated <class>-list and -param-* commands of
// the pool, host, network, pif, bond, vm, vif, vlan, tunnel and
// network-sriov classes, the PIF, bond, VLAN, tunnel, SR-IOV, network,
// host, HA and VM commands, and the error texts of the CLI server and
// the API (a missing error parameter prints as "<name>: <unknown>", an
// extra one as "<extra>: <value>"). pif-list prints the default fields of xapi v23.31.0 and later
// (with MAC and host-uuid). After a reboot the first few xe calls fail as
// if xapi were still starting.
//
// ifup is the initscripts 9.49 ifup of a CentOS 7 dom0: it finds the
// ifcfg file, makes a bond from BONDING_OPTS or an "alias <bond> bonding"
// line, applies the options while the bond has no slaves, enslaves the
// NICs with MASTER=<bond> (checking HWADDR against the live MAC, and
// failing silently for a NIC xapi still holds), and sets the address and
// the default route. /proc/net/bonding/<bond> is written in the format of
// the XenServer 4.19 kernel, whose default bonding mode is balance-slb.
//
// xe-switch-network-backend changes network.conf and the bridge
// blacklist; the running backend (network_backend in the host's
// software-version) changes only at the next reboot. reboot gives a new
// boot id, empties the kernel, halts the local guests, and runs the ifup
// commands of the enabled systemd units.
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
// the PIF changes xapi blocks. Objects of these kinds draw their
// identifiers from sequences of their own, so they leave the others as
// they were.
//
// The release chosen at Init changes what differs between releases:
// release 7.6 has the xe-switch-network-backend that deletes ifcfg files,
// release 9 has none.
//
// # Driving it from outside
//
// Command is the control CLI behind `runbook sim`: init, link (pull or
// plug a cable), vif (give a guest a VIF), fault (make the Nth program call fail, or kill the
// caller before or after it takes effect, as a crash would), calls, show
// and snapshot. Host runs the same programs in process for engine tests;
// there a kill fault returns ErrKilled instead of killing anything.
package sim
