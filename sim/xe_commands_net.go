package sim

// netCommands are the xe commands of guests, VLANs, tunnels, network
// SR-IOV, HA and evacuation, with the parameters of cli_frontend.ml.
func netCommands() []*xeCommand {
	return []*xeCommand{
		{name: "host-get-vms-which-prevent-evacuation", reqd: []string{"uuid"}, help: "Return a list of VMs which prevent the evacuation of a specific host and display reasons for each one.", run: hostGetVMsWhichPreventEvacuation},
		{name: "vm-start", optn: []string{"force", "on", "paused"}, standard: true,
			help: "Start the selected VM(s). Where pooling is enabled, the host on which to start can be specified with the 'on' parameter that takes a uuid. The optional parameter '--force' will bypass any hardware-compatibility warnings.",
			run:  vmOp(true, []string{"on", "paused", "progress"}, vmStart)},
		{name: "vm-shutdown", optn: []string{"force"}, standard: true,
			help: "Shutdown the selected VM(s). The optional argument --force will forcibly shut down the VM.",
			run:  vmOp(false, []string{"progress"}, vmShutdown)},
		{name: "vm-migrate", optn: []string{"live", "host", "host-uuid"}, standard: true,
			help: "Migrate the selected VM(s). The parameter '--live' will migrate the VM without shutting it down. The 'host' parameter matches can be either the name or the uuid of the host.",
			run:  vmMigrate},
		{name: "vlan-create", reqd: []string{"pif-uuid", "vlan", "network-uuid"}, help: "Create a new VLAN on a host.", run: vlanCreate},
		{name: "vlan-destroy", reqd: []string{"uuid"}, help: "Destroy a VLAN.", run: vlanDestroy},
		{name: "tunnel-create", reqd: []string{"pif-uuid", "network-uuid"}, optn: []string{"protocol"}, help: "Create a new tunnel on a host.", run: tunnelCreate},
		{name: "tunnel-destroy", reqd: []string{"uuid"}, help: "Destroy a tunnel.", run: tunnelDestroy},
		{name: "network-sriov-create", reqd: []string{"pif-uuid", "network-uuid"}, help: "Create a new network-sriov on a PIF.", run: networkSRIOVCreate},
		{name: "network-sriov-destroy", reqd: []string{"uuid"}, help: "Destroy a network-sriov.", run: networkSRIOVDestroy},
		{name: "pool-ha-enable", optn: []string{"heartbeat-sr-uuids", "ha-config:"}, help: "Enable HA on this Pool.", run: poolHAEnable},
		{name: "pool-ha-disable", help: "Disable HA on this Pool.", run: poolHADisable},
		{name: "pool-enable-redo-log", reqd: []string{"sr-uuid"}, help: "Enable the redo log on the given SR and start using it, unless HA is enabled.", run: poolEnableRedoLog},
		{name: "pool-disable-redo-log", help: "Disable the redo log if in use, unless HA is enabled.", run: poolDisableRedoLog},
	}
}
