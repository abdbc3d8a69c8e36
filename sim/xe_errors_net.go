package sim

// apiErrorsNet holds the doc texts and parameter names of the API errors
// of guests and their networks, VLANs, tunnels, network SR-IOV, HA and
// evacuation, as xapi's datamodel_errors.ml declares them. Several are
// raised by xapi with other parameters than the declared ones (evacuation
// raises NO_HOSTS_AVAILABLE and HOST_NOT_ENOUGH_FREE_MEMORY with the VM
// alone), which apiErr prints as xe does.
var apiErrorsNet = map[string]apiError{
	"VM_REQUIRES_NETWORK":                        {"You attempted to run a VM on a host which doesn't have a PIF on a Network needed by the VM. The VM has at least one VIF attached to the Network.", []string{"vm", "network"}},
	"HOST_NOT_ENOUGH_FREE_MEMORY":                {"Not enough server memory is available to perform this operation.", []string{"needed", "available"}},
	"HOST_CANNOT_ATTACH_NETWORK":                 {"Server cannot attach network (in the case of NIC bonding, this may be because attaching the network on this server would require other networks - that are currently active - to be taken down).", []string{"host", "network"}},
	"HOST_DISABLED":                              {"The specified server is disabled.", []string{"host"}},
	"HOST_EVACUATE_VM_NOT_HA_PROTECTED":          {"The host cannot be evacuated because HA is enabled on the pool and a VM running on it is not HA-protected (its ha_restart_priority is not set to 'restart'). Set the VM's ha_restart_priority to 'restart', shut down or suspend the VM, or disable HA on the pool before evacuating the host.", []string{"vm"}},
	"VM_BAD_POWER_STATE":                         {"You attempted an operation on a VM that was not in an appropriate power state at the time; for example, you attempted to start a VM that was already running. The parameters returned are the VM's handle, and the expected and actual VM state at the time of the call.", []string{"vm", "expected", "actual"}},
	"VIF_IN_USE":                                 {"Network has active VIFs", []string{"network", "VIF"}},
	"HA_IS_ENABLED":                              {"The operation could not be performed because HA is enabled on the Pool", nil},
	"HA_NOT_ENABLED":                             {"The operation could not be performed because HA is not enabled on the Pool", nil},
	"REDO_LOG_IS_ENABLED":                        {"The operation could not be performed because a redo log is enabled on the Pool.", nil},
	"HA_CANNOT_CHANGE_BOND_STATUS_OF_MGMT_IFACE": {"This operation cannot be performed because creating or deleting a bond involving the management interface is not allowed while HA is on. In order to do that, disable HA, create or delete the bond then re-enable HA.", nil},
	"PIF_VLAN_STILL_EXISTS":                      {"Operation cannot proceed while a VLAN exists on this interface.", []string{"PIF"}},
	"PIF_TUNNEL_STILL_EXISTS":                    {"Operation cannot proceed while a tunnel exists on this interface.", []string{"PIF"}},
	"PIF_SRIOV_STILL_EXISTS":                     {"The PIF is still related with a network SR-IOV", []string{"PIF"}},
	"CANNOT_FORGET_SRIOV_LOGICAL":                {"This is a network SR-IOV logical PIF and cannot do forget on it", []string{"PIF"}},
	"PIF_VLAN_EXISTS":                            {"You tried to create a PIF, but it already exists.", []string{"PIF"}},
	"PIF_IS_VLAN":                                {"You tried to create a VLAN on top of another VLAN - use the underlying physical PIF/bond instead", []string{"PIF"}},
	"PIF_IS_PHYSICAL":                            {"You tried to destroy a PIF, but it represents an aspect of the physical host configuration, and so cannot be destroyed. The parameter echoes the PIF handle you gave.", []string{"PIF"}},
	"PIF_IS_NOT_PHYSICAL":                        {"You tried to perform an operation which is only available on physical PIF", []string{"PIF"}},
	"VLAN_TAG_INVALID":                           {"The VLAN tag you gave was invalid -- it must be between 0 and 4094. The parameter echoes the VLAN tag you gave.", []string{"VLAN"}},
	"VLAN_IN_USE":                                {"Operation cannot be performed because this VLAN is already in use. Please check your network configuration.", []string{"device", "vlan"}},
	"CANNOT_ADD_VLAN_TO_BOND_SLAVE":              {"This PIF is a bond member and cannot have a VLAN on it.", []string{"PIF"}},
	"CANNOT_ADD_TUNNEL_TO_BOND_SLAVE":            {"This PIF is a bond member and cannot have a tunnel on it.", []string{"PIF"}},
	"CANNOT_ADD_TUNNEL_TO_SRIOV_LOGICAL":         {"This is a network SR-IOV logical PIF and cannot have a tunnel on it.", []string{"PIF"}},
	"IS_TUNNEL_ACCESS_PIF":                       {"Cannot create a VLAN or tunnel on top of a tunnel access PIF - use the underlying transport PIF instead.", []string{"PIF"}},
	"PIF_IS_SRIOV_LOGICAL":                       {"You tried to create a bond on top of a network SR-IOV logical PIF - use the underlying physical PIF instead", []string{"PIF"}},
	"OPENVSWITCH_NOT_ACTIVE":                     {"This operation needs the OpenVSwitch networking backend to be enabled on all hosts in the pool.", nil},
	"TRANSPORT_PIF_NOT_CONFIGURED":               {"The tunnel transport PIF has no IP configuration set.", []string{"PIF"}},
	"PIF_IS_NOT_SRIOV_CAPABLE":                   {"The selected PIF is not capable of network SR-IOV", []string{"PIF"}},
	"NETWORK_SRIOV_ALREADY_ENABLED":              {"The PIF selected for the SR-IOV network is already enabled", []string{"PIF"}},
	"PIF_NOT_PRESENT":                            {"This host has no PIF on the given network.", []string{"host", "network"}},
	"REQUIRED_PIF_IS_UNPLUGGED":                  {"The operation you requested cannot be performed because the specified PIF is currently unplugged.", []string{"PIF"}},
	"INTERFACE_HAS_NO_IP":                        {"The specified interface cannot be used because it has no IP address", []string{"interface"}},
	"NETWORK_UNMANAGED":                          {"The network is not managed by xapi.", []string{"network"}},
}
