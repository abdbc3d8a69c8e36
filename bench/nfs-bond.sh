#!/usr/bin/env bash
# nfs-bond as a plain bash script, the baseline of bench/compare.
#
# It issues the same xe, xe-switch-network-backend, reboot and ifup calls,
# and the same file reads and writes, in the same order, as
#   runbook run nfs-bond -p ip=IP -p netmask=MASK -p evacuate=true
#   runbook sim boot      # the boot, whose hook runs runbook resume
# on a fresh simulated host (`runbook sim init`): run it once, it asks for
# the reboot and exits 0; the boot (runbook sim boot) runs it again as its
# boot hook, and it finishes. What it must remember across the reboot (the host, the MACs,
# whether it evacuated the host, whether the host was enabled) goes to
# $BENCH_STATE/nfs-bond.state.
#
# It checks what the runbook's preflight checks on the way, with bash
# builtins only (no grep, sed or awk), but it is a baseline to time, not a
# replacement: no journal, no fsync, no backups, no atomic writes.
#
# Usage: RUNBOOK_ROOT=DIR RUNBOOK_XE=DIR/bin/xe RUNBOOK_IFUP=DIR/bin/ifup \
#        RUNBOOK_REBOOT=DIR/bin/reboot BENCH_STATE=STATEDIR bench/nfs-bond.sh IP NETMASK
set -u

ROOT=${RUNBOOK_ROOT:?set RUNBOOK_ROOT}
XE=${RUNBOOK_XE:?set RUNBOOK_XE}
IFUP=${RUNBOOK_IFUP:?set RUNBOOK_IFUP}
REBOOT=${RUNBOOK_REBOOT:?set RUNBOOK_REBOOT}
STATE=${BENCH_STATE:?set BENCH_STATE}
IP=${1:-10.10.51.11}
NETMASK=${2:-255.255.255.0}
BOND=bond51
SLAVES=(eth2 eth3)
MODE=active-backup
MIIMON=100
UPDELAY=31000
MTU=1500
BONDING_OPTS="mode=$MODE miimon=$MIIMON updelay=$UPDELAY"
PIF_FIELDS=uuid,device,MAC,physical,managed,currently-attached,MTU,VLAN,vlan-master-of,vlan-slave-of,bond-master-of,bond-slave-of,sriov-physical-PIF-of,sriov-logical-PIF-of,tunnel-access-PIF-of,tunnel-transport-PIF-of,management,network-uuid,network-name-label,host-uuid,host-name-label,IP-configuration-mode,IP,netmask,gateway,disallow-unplug,other-config
UNIT_NAME=runbook-$BOND.service
HOOK_UNIT=$ROOT/etc/systemd/system/runbook-resume.service
HOOK_LINK=$ROOT/etc/systemd/system/multi-user.target.wants/runbook-resume.service
SAVED=$STATE/nfs-bond.state
IFCFG=$ROOT/etc/sysconfig/network-scripts
PATH=${XE%/*}:$PATH # other programs are looked up next to xe first, as runbook does

die() {
	echo "nfs-bond: $*" >&2
	exit 1
}

# slurp FILE VAR: the file's content into VAR, no fork.
slurp() {
	IFS= read -r -d '' "$2" <"$1"
	return 0
}

# ip2int IP: the address as a 32-bit integer in $REPLY.
ip2int() {
	local IFS=.
	set -- $1
	REPLY=$(((($1 << 24) | ($2 << 16) | ($3 << 8) | $4)))
}

# overlaps IP1 MASK1 IP2 MASK2: whether the two networks share an address.
overlaps() {
	local a m b n
	ip2int "$1"; a=$REPLY
	ip2int "$2"; m=$REPLY
	ip2int "$3"; b=$REPLY
	ip2int "$4"; n=$REPLY
	(((a & m & n) == (b & m & n)))
}

# records TEXT: xe records into the associative array REC, keyed
# "INDEX field"; NREC is the number of records.
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

# sort_array NAME: sorts the array NAME in place (insertion sort, builtins
# only), as the runbook's running_guests sorts guest names.
sort_array() {
	local -n arr=$1
	local i j v
	for ((i = 1; i < ${#arr[@]}; i++)); do
		v=${arr[i]}
		for ((j = i - 1; j >= 0; j--)); do
			[[ ${arr[j]} > $v ]] || break
			arr[j + 1]=${arr[j]}
		done
		arr[j + 1]=$v
	done
}

if [[ ! -e $SAVED ]]; then
	# --- Before the reboot: what `runbook run` does.
	echo "nfs-bond: bash"
	boot_before=""
	slurp "$ROOT/proc/sys/kernel/random/boot_id" boot_before
	boot_before=${boot_before%$'\n'}

	# find host
	slurp "$ROOT/etc/xensource-inventory" inv
	uuid=""
	while IFS= read -r line; do
		if [[ $line == INSTALLATION_UUID=* ]]; then
			uuid=${line#*=}
			uuid=${uuid//\'/}
			uuid=${uuid//\"/}
		fi
	done <<<"$inv"
	here_name=""
	[[ -e $ROOT/etc/hostname ]] && slurp "$ROOT/etc/hostname" here_name
	here_name=${here_name%$'\n'}
	[[ -n $uuid ]] || die "no INSTALLATION_UUID in /etc/xensource-inventory"
	out=$("$XE" host-list params=uuid,name-label,enabled,software-version) || die "xe host-list failed"
	records "$out"
	here=""
	others=()
	for ((i = 0; i < NREC; i++)); do
		sv=${REC["$i software-version"]}
		b=""
		if [[ $sv == *"network_backend: "* ]]; then
			b=${sv#*network_backend: }
			b=${b%%;*}
		fi
		if [[ ${REC["$i uuid"]} == "$uuid" ]]; then
			here=$i
			backend=$b
		elif [[ $b != bridge ]]; then
			others+=("${REC["$i name-label"]}")
		fi
	done
	[[ -n $here ]] || die "host $uuid not found"
	name=${REC["$here name-label"]}
	host_enabled=${REC["$here enabled"]}
	echo "  ok       find host"

	# inspect the bond
	[[ -e $ROOT/proc/net/bonding/$BOND ]] && die "$BOND already exists"
	for dev in "${SLAVES[@]}" "$BOND"; do
		[[ -e $IFCFG/ifcfg-$dev ]] && die "ifcfg-$dev already exists"
	done
	echo "  ok       inspect $BOND"

	# inspect the host
	conf=""
	[[ -e $ROOT/etc/xensource/network.conf ]] && slurp "$ROOT/etc/xensource/network.conf" conf
	conf=${conf%$'\n'}
	out=$("$XE" pif-list host-uuid="$uuid" params=$PIF_FIELDS) || die "xe pif-list failed"
	records "$out"
	declare -A PIF
	for ((i = 0; i < NREC; i++)); do
		[[ ${REC["$i VLAN"]} == -1 ]] && PIF[${REC["$i device"]}]=$i
	done
	# HA and the redo log (the latter from xapi's local database)
	pool=$("$XE" pool-list params=uuid,ha-enabled,ha-statefiles) || die "xe pool-list failed"
	[[ $pool == *"ha-enabled ( RO): true"* ]] && die "HA is enabled"
	if [[ -e $ROOT/var/lib/xcp/local.db ]]; then
		slurp "$ROOT/var/lib/xcp/local.db" localdb
		[[ $localdb == *'key="redo_log.enabled" value="true"'* ]] && die "the redo log is enabled"
	fi
	guests=()
	vms=$("$XE" vm-list resident-on="$uuid" is-control-domain=false power-state=running params=uuid,name-label) || die "xe vm-list failed"
	while IFS= read -r line; do
		[[ $line == *"name-label ( RW): "* ]] && guests+=("${line#*: }")
	done <<<"$vms"
	sort_array guests
	if ((${#guests[@]})); then
		blocking=$("$XE" host-get-vms-which-prevent-evacuation uuid="$uuid") || die "xe host-get-vms-which-prevent-evacuation failed"
		[[ -z $blocking ]] || die "guests cannot be moved: $blocking"
	fi
	switch=""
	[[ $backend != bridge && $conf != bridge ]] && switch=$(type -P xe-switch-network-backend)
	echo "  ok       inspect $name"

	# preflight: every problem at once, nothing changed yet
	problems=()
	for dev in "${SLAVES[@]}"; do
		i=${PIF[$dev]-}
		if [[ -z $i ]]; then
			problems+=("slave $dev: no PIF $dev on $name")
			continue
		fi
		[[ ${REC["$i management"]} == true ]] && problems+=("slave $dev: it is the management interface")
		[[ ${REC["$i bond-slave-of"]} != "<not in database>" || -n ${REC["$i bond-master-of"]} ]] && problems+=("slave $dev: already bonded")
		[[ ${REC["$i VLAN"]} != -1 ]] && problems+=("slave $dev: it carries a VLAN")
		[[ ${REC["$i IP-configuration-mode"]} != None || -n ${REC["$i IP"]} ]] && problems+=("slave $dev: it has an address")
		[[ -z ${REC["$i MAC"]} ]] && problems+=("slave $dev: no MAC")
	done
	[[ -n ${PIF[$BOND]-} ]] && problems+=("param bond: $BOND is already a xapi device")
	for ((i = 0; i < NREC; i++)); do
		pip=${REC["$i IP"]} pmask=${REC["$i netmask"]}
		[[ -n $pip && -n $pmask ]] || continue
		overlaps "$IP" "$NETMASK" "$pip" "$pmask" && problems+=("param ip: the storage network overlaps ${REC["$i device"]}")
	done
	if [[ $backend != bridge ]]; then
		[[ $conf != bridge && -z $switch ]] && problems+=("no xe-switch-network-backend")
	fi
	if ((${#problems[@]})); then
		printf 'nfs-bond: %s\n' "${problems[@]}" >&2
		exit 2
	fi
	((${#others[@]})) && echo "warning: the pool runs mixed network backends: ${others[*]}" >&2

	if [[ $backend != bridge ]]; then
		# evacuate the host first (it disables the host; xapi enables it
		# again at boot)
		evacuating=false
		if ((${#guests[@]})); then
			evacuating=true
			if [[ $host_enabled == true ]]; then
				out=$("$XE" host-disable uuid="$uuid") || die "xe host-disable failed"
			fi
			out=$("$XE" host-evacuate uuid="$uuid") || die "xe host-evacuate failed"
			echo "  changed  evacuate $name"
		fi
		moved=${guests[*]}

		# switch the network backend to bridge
		conf=""
		[[ -e $ROOT/etc/xensource/network.conf ]] && slurp "$ROOT/etc/xensource/network.conf" conf
		conf=${conf%$'\n'}
		if [[ $conf != bridge ]]; then
			out=$(xe-switch-network-backend bridge 2>&1) || die "xe-switch-network-backend failed: $out"
		fi
		echo "  changed  switch the network backend to bridge"

		# reboot and resume: remember what the second half needs (the
		# MACs and the PIFs to forget), install the boot hook, reboot
		macs=""
		pifs=""
		for dev in "${SLAVES[@]}"; do
			mac=${REC["${PIF[$dev]} MAC"]}
			macs+="$dev=${mac,,} "
			pifs+="$dev=${REC["${PIF[$dev]} uuid"]} "
		done
		slurp "$ROOT/proc/sys/kernel/random/boot_id" boot_before
		boot_before=${boot_before%$'\n'}
		printf 'uuid=%q\nname=%q\nmacs=%q\npifs=%q\nevacuating=%q\nhost_enabled=%q\nmoved=%q\nboot_before=%q\n' \
			"$uuid" "$name" "$macs" "$pifs" "$evacuating" "$host_enabled" "$moved" "$boot_before" >"$SAVED"
		# The unit gets the environment the script needs: systemd gives a
		# unit almost none.
		printf '[Unit]\nDescription=Resume nfs-bond after the reboot\nAfter=network-online.target xapi.service\n\n[Service]\nType=oneshot\nEnvironment="RUNBOOK_ROOT=%s" "RUNBOOK_XE=%s" "RUNBOOK_IFUP=%s" "RUNBOOK_REBOOT=%s" "BENCH_STATE=%s"\nExecStart=/bin/bash %s %s %s\nStandardOutput=journal+console\n\n[Install]\nWantedBy=multi-user.target\n' \
			"$ROOT" "$XE" "$IFUP" "$REBOOT" "$STATE" "$0" "$IP" "$NETMASK" >"$HOOK_UNIT"
		ln -s /etc/systemd/system/runbook-resume.service "$HOOK_LINK"
		echo "rebooting the host: switch the network backend of $name to bridge"
		"$REBOOT" || die "reboot failed"
		exit 0
	fi
	die "the running backend is already bridge: this baseline only covers a fresh simulated host"
fi

# --- After the reboot: what `runbook resume` does.
echo "nfs-bond: bash, after the reboot"
. "$SAVED"
boot_now=""
slurp "$ROOT/proc/sys/kernel/random/boot_id" boot_now
boot_now=${boot_now%$'\n'}
[[ $boot_now != "$boot_before" ]] || die "the host did not reboot"
echo "  rebooted reboot: switch the network backend of $name to bridge"

# wait for xapi, with the engine's back-off: 0.5 s, doubling, at most 5 s
delay=0.5
until "$XE" pool-list params=uuid --minimal >/dev/null 2>&1; do
	sleep "$delay"
	case $delay in
	0.5) delay=1 ;;
	1) delay=2 ;;
	2) delay=4 ;;
	*) delay=5 ;;
	esac
done

# the host as it was at the start: xapi enables it at boot by itself
enabled=$("$XE" host-list uuid="$uuid" params=enabled) || die "xe host-list failed"
enabled=${enabled%%$'\n'*}
if [[ $host_enabled == true && $enabled != *": true" ]]; then
	out=$("$XE" host-enable uuid="$uuid") || die "xe host-enable failed"
fi
echo "  ok       check $name after the reboot"
[[ $evacuating == true ]] && echo "guests moved away before the reboot (${moved// /, }) were left where they are"

# confirm the running backend is bridge
sv=$("$XE" host-list uuid="$uuid" params=software-version) || die "xe host-list failed"
[[ $sv == *"network_backend: bridge"* ]] || die "after the reboot the running network backend is not bridge: $sv"
for f in /etc/modprobe.d/blacklist-bridge.conf /etc/modprobe.d/blacklist-bridge; do
	[[ -e $ROOT$f ]] && die "$f still blacklists the bridge module"
done
echo "  ok       confirm the running backend is bridge"
echo "  ok       record the MACs of ${SLAVES[0]}, ${SLAVES[1]}"

# forget the slaves' PIFs (those inspected before the reboot)
for pair in $pifs; do
	dev=${pair%%=*} u=${pair#*=}
	out=$("$XE" pif-forget uuid="$u") || die "xe pif-forget failed"
	left=$("$XE" pif-list host-uuid="$uuid" device="$dev" physical=true params=uuid --minimal) || die "xe pif-list failed"
	[[ -z $left ]] || die "xapi still lists $dev after pif-forget"
	echo "  changed  forget $dev"
done

# a modprobe alias only for initscripts that cannot create a bond alone
functions=""
if [[ -e $IFCFG/network-functions ]]; then
	slurp "$IFCFG/network-functions" functions
	if [[ $functions != *install_bonding_driver* ]]; then
		printf 'alias %s bonding\n' "$BOND" >"$ROOT/etc/modprobe.d/$BOND.conf"
	fi
fi
echo "  ok       modprobe alias for $BOND if needed"

# the ifcfg files, and the bond up
for pair in $macs; do
	dev=${pair%%=*} mac=${pair#*=}
	printf '# Member %s of the storage bond %s, written by runbook nfs-bond.\nDEVICE=%s\nHWADDR=%s\nMASTER=%s\nSLAVE=yes\nONBOOT=yes\nBOOTPROTO=none\n' \
		"$dev" "$BOND" "$dev" "$mac" "$BOND" >"$IFCFG/ifcfg-$dev"
done
printf '# Storage bond %s, written by runbook nfs-bond. No GATEWAY: the management interface keeps the default route.\nDEVICE=%s\nIPADDR=%s\nNETMASK=%s\nMTU=%s\nONBOOT=yes\nBOOTPROTO=none\nBONDING_OPTS="%s"\n' \
	"$BOND" "$BOND" "$IP" "$NETMASK" "$MTU" "$BONDING_OPTS" >"$IFCFG/ifcfg-$BOND"
[[ -e $ROOT/proc/net/bonding/$BOND ]] && die "$BOND is already up"
out=$("$IFUP" "$BOND" 2>&1) || die "ifup $BOND failed: $out"
echo "  changed  configure $BOND"

# verify /proc/net/bonding
slurp "$ROOT/proc/net/bonding/$BOND" status
mode="" mii="" polling="" updelay="" active="" slave="" members=()
declare -A slave_mii
while IFS= read -r line; do
	case $line in
	"Bonding Mode: "*) mode=${line#*: } ;;
	"Currently Active Slave: "*) active=${line#*: } ;;
	"MII Polling Interval (ms): "*) polling=${line#*: } ;;
	"Up Delay (ms): "*) updelay=${line#*: } ;;
	"Slave Interface: "*)
		slave=${line#*: }
		members+=("$slave")
		;;
	"MII Status: "*)
		if [[ -z $slave ]]; then
			mii=${line#*: }
		else
			slave_mii[$slave]=${line#*: }
		fi
		;;
	esac
done <<<"$status"
[[ $mode == "fault-tolerance (active-backup)" ]] || die "$BOND: mode $mode"
[[ $polling == "$MIIMON" ]] || die "$BOND: MII polling interval is $polling"
[[ $updelay == "$UPDELAY" ]] || die "$BOND: up delay is $updelay"
[[ $mii == up ]] || die "$BOND: MII status $mii"
for dev in "${SLAVES[@]}"; do
	[[ ${slave_mii[$dev]-} == up ]] || die "$BOND: slave $dev is not up"
done
# the kernel's MTUs and exactly the address
links=$(ip -o link show) || die "ip link show failed"
while IFS= read -r line; do
	for dev in "$BOND" "${SLAVES[@]}"; do
		if [[ $line == *": $dev: "* && $line != *" mtu $MTU "* ]]; then
			die "$dev: wrong MTU: $line"
		fi
	done
done <<<"$links"
addrs=$(ip -o -4 addr show dev "$BOND") || die "ip addr show failed"
ip2int "$NETMASK"
bits=0
for ((b = 31; b >= 0; b--)); do (((REPLY >> b) & 1)) && bits=$((bits + 1)); done
[[ $addrs == *" inet $IP/$bits "* && $addrs != *$'\n'*inet* ]] || die "$BOND: addresses $addrs"
echo "  ok       verify $BOND"

# bring the bond up at boot
printf '[Unit]\nDescription=Storage bond %s (written by runbook nfs-bond)\nAfter=interface-rename.service xcp-networkd.service\nBefore=xapi.service\n\n[Service]\nType=oneshot\nExecStart=/sbin/ifup %s\nRemainAfterExit=yes\n\n[Install]\nWantedBy=multi-user.target\n' \
	"$BOND" "$BOND" >"$ROOT/etc/systemd/system/$UNIT_NAME"
ln -s "/etc/systemd/system/$UNIT_NAME" "$ROOT/etc/systemd/system/multi-user.target.wants/$UNIT_NAME"
echo "  changed  bring $BOND up at boot ($UNIT_NAME)"
members_text=${members[*]}
echo "$BOND: $mode, miimon $polling, updelay $updelay, mtu $MTU, slaves ${members_text// /, }, active $active, address $IP/$bits"

# the run is over: remove the boot hook and what was kept for it
rm -f "$HOOK_LINK" "$HOOK_UNIT" "$SAVED"
echo "nfs-bond: succeeded"
