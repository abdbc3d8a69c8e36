#!/usr/bin/env bash
# storage-nic as a plain bash script, the baseline of bench/compare.
#
# It issues the same xe calls and file reads, in the same order, as
#   runbook run storage-nic -p device=DEV -p ip=IP -p netmask=MASK
# on a fresh simulated host (`runbook sim init`). It checks what the
# runbook's preflight checks, with bash builtins only, but it is a
# baseline to time, not a replacement: no journal, no fsync.
#
# Usage: RUNBOOK_ROOT=DIR RUNBOOK_XE=DIR/bin/xe bench/storage-nic.sh DEV IP NETMASK
set -u

ROOT=${RUNBOOK_ROOT:?set RUNBOOK_ROOT}
XE=${RUNBOOK_XE:?set RUNBOOK_XE}
DEVICE=${1:-eth1}
IP=${2:-10.10.52.11}
NETMASK=${3:-255.255.255.0}
PURPOSE=Storage
PIF_FIELDS=uuid,device,MAC,physical,managed,currently-attached,MTU,VLAN,vlan-master-of,vlan-slave-of,bond-master-of,bond-slave-of,sriov-physical-PIF-of,sriov-logical-PIF-of,tunnel-access-PIF-of,tunnel-transport-PIF-of,management,network-uuid,network-name-label,host-uuid,host-name-label,IP-configuration-mode,IP,netmask,gateway,disallow-unplug,other-config
PATH=${XE%/*}:$PATH # other programs are looked up next to xe first, as runbook does

die() {
	echo "storage-nic: $*" >&2
	exit 1
}

slurp() {
	IFS= read -r -d '' "$2" <"$1"
	return 0
}

ip2int() {
	local IFS=.
	set -- $1
	REPLY=$(((($1 << 24) | ($2 << 16) | ($3 << 8) | $4)))
}

overlaps() {
	local a m b n
	ip2int "$1"; a=$REPLY
	ip2int "$2"; m=$REPLY
	ip2int "$3"; b=$REPLY
	ip2int "$4"; n=$REPLY
	(((a & m & n) == (b & m & n)))
}

declare -A REC
NREC=0
records() {
	local line re='^ *([^ ]+) \(([ A-Z]+)\) *: ?(.*)$' i=-1 gap=1
	REC=()
	while IFS= read -r line; do
		if [[ $line =~ $re ]]; then
			if ((gap)); then
				i=$((i + 1))
				gap=0
			fi
			REC["$i ${BASH_REMATCH[1]}"]=${BASH_REMATCH[3]}
		elif [[ -z $line ]]; then
			gap=1
		fi
	done <<<"$1"
	NREC=$((i + 1))
}

echo "storage-nic: bash"
boot=""
slurp "$ROOT/proc/sys/kernel/random/boot_id" boot

# read the PIFs of this host, and the NIC's network
slurp "$ROOT/etc/xensource-inventory" inv
uuid=""
while IFS= read -r line; do
	if [[ $line == INSTALLATION_UUID=* ]]; then
		uuid=${line#*=}
		uuid=${uuid//\'/}
		uuid=${uuid//\"/}
	fi
done <<<"$inv"
[[ -n $uuid ]] || die "no INSTALLATION_UUID in /etc/xensource-inventory"
out=$("$XE" pif-list host-uuid="$uuid" params=$PIF_FIELDS) || die "xe pif-list failed"
records "$out"
((NREC > 0)) || die "host $uuid is not in the pool"
name=${REC["0 host-name-label"]}
pif=""
for ((i = 0; i < NREC; i++)); do
	[[ ${REC["$i device"]} == "$DEVICE" && ${REC["$i VLAN"]} == -1 ]] && pif=$i
done
[[ -n $pif ]] || die "param device: no PIF $DEVICE on $name"
net_uuid=${REC["$pif network-uuid"]}
out=$("$XE" network-list uuid="$net_uuid" params=uuid,name-label,MTU,bridge,other-config) || die "xe network-list failed"
bridge=""
while IFS= read -r line; do
	[[ $line == *"bridge ( RO): "* ]] && bridge=${line#*: }
done <<<"$out"
echo "  ok       read the PIFs of this host"

# preflight
problems=()
[[ ${REC["$pif management"]} == true ]] && problems+=("param device: $DEVICE is the management interface")
[[ ${REC["$pif bond-slave-of"]} != "<not in database>" ]] && problems+=("param device: $DEVICE is a bond member")
[[ ${REC["$pif managed"]} != true ]] && problems+=("param device: xapi does not manage $DEVICE")
for ((i = 0; i < NREC; i++)); do
	[[ ${REC["$i device"]} == "$DEVICE" ]] && continue
	pip=${REC["$i IP"]} pmask=${REC["$i netmask"]}
	[[ -n $pip && -n $pmask ]] || continue
	overlaps "$IP" "$NETMASK" "$pip" "$pmask" && problems+=("param ip: the storage network overlaps ${REC["$i device"]}")
done
if ((${#problems[@]})); then
	printf 'storage-nic: %s\n' "${problems[@]}" >&2
	exit 2
fi
pif_uuid=${REC["$pif uuid"]}
mode=${REC["$pif IP-configuration-mode"]} now_ip=${REC["$pif IP"]} now_mask=${REC["$pif netmask"]} now_gw=${REC["$pif gateway"]}
disallow=${REC["$pif disallow-unplug"]} other=${REC["$pif other-config"]} attached=${REC["$pif currently-attached"]}
ip_wrong=false
[[ $mode != Static || $now_ip != "$IP" || $now_mask != "$NETMASK" || -n $now_gw ]] && ip_wrong=true
mark_wrong=false
[[ $disallow != true || "; $other;" != *"; management_purpose: $PURPOSE;"* ]] && mark_wrong=true

# the checks a change needs: guests on the NIC's network; HA for an
# attached PIF whose address changes
changed=false
if [[ $ip_wrong == true || $mark_wrong == true || $attached != true ]]; then
	vifs=$("$XE" vif-list network-uuid="$net_uuid" params=vm-uuid,network-uuid) || die "xe vif-list failed"
	[[ -z $vifs ]] || die "guests have VIFs on the network of $DEVICE"
	if [[ $attached == true && $ip_wrong == true ]]; then
		pool=$("$XE" pool-list params=uuid,ha-enabled,ha-statefiles) || die "xe pool-list failed"
		[[ $pool == *"ha-enabled ( RO): true"* ]] && die "HA is enabled"
	fi
	echo "  ok       check $DEVICE before changing it"
fi

if [[ $mark_wrong == true ]]; then
	out=$("$XE" pif-param-set other-config:management_purpose="$PURPOSE" uuid="$pif_uuid" disallow-unplug=true) || die "xe pif-param-set failed"
	echo "  changed  mark $DEVICE for storage ($PURPOSE)"
	changed=true
fi
if [[ $ip_wrong == true ]]; then
	out=$("$XE" pif-reconfigure-ip uuid="$pif_uuid" mode=static IP="$IP" netmask="$NETMASK") || die "xe pif-reconfigure-ip failed"
	echo "  changed  configure $DEVICE: static $IP/$NETMASK"
	changed=true
fi
if [[ $attached != true ]]; then
	out=$("$XE" pif-plug uuid="$pif_uuid") || die "xe pif-plug failed"
	echo "  changed  plug $DEVICE"
	changed=true
fi

# verify with one read, then the address in the kernel
if [[ $changed == true ]]; then
	out=$("$XE" pif-list uuid="$pif_uuid" params=$PIF_FIELDS) || die "xe pif-list failed"
	records "$out"
fi
bad=()
[[ ${REC["0 IP-configuration-mode"]} == Static ]] || bad+=("IP-configuration-mode")
[[ ${REC["0 IP"]} == "$IP" ]] || bad+=("IP")
[[ ${REC["0 netmask"]} == "$NETMASK" ]] || bad+=("netmask")
[[ -z ${REC["0 gateway"]} ]] || bad+=("gateway")
[[ ${REC["0 disallow-unplug"]} == true ]] || bad+=("disallow-unplug")
[[ "; ${REC["0 other-config"]};" == *"; management_purpose: $PURPOSE;"* ]] || bad+=("management_purpose")
[[ ${REC["0 currently-attached"]} == true ]] || bad+=("currently-attached")
addrs=$(ip -o -4 addr show dev "$bridge") || die "ip addr show failed"
ip2int "$NETMASK"
bits=0
for ((b = 31; b >= 0; b--)); do (((REPLY >> b) & 1)) && bits=$((bits + 1)); done
[[ $addrs == *" inet $IP/$bits "* ]] || bad+=("the address on $bridge")
((${#bad[@]} == 0)) || die "$DEVICE is not configured as asked: ${bad[*]}"
echo "  ok       verify $DEVICE"
echo "$DEVICE on $name: static $IP/$NETMASK, disallow-unplug, management_purpose=$PURPOSE, attached; the kernel has $IP/$bits on $bridge"
echo "storage-nic: succeeded"
