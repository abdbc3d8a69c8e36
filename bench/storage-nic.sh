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
GATEWAY=""
PURPOSE=Storage

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
[[ -n $uuid ]] || die "no INSTALLATION_UUID in /etc/xensource-inventory"
out=$("$XE" host-list uuid="$uuid" params=uuid,name-label,enabled,software-version) || die "xe host-list failed"
records "$out"
((NREC == 1)) || die "host $uuid not found"
name=${REC["0 name-label"]}
echo "  ok       find host"

# list the PIFs
out=$("$XE" pif-list host-uuid="$uuid" params=uuid,device,MAC,physical,managed,currently-attached,VLAN,bond-master-of,bond-slave-of,management,network-uuid,host-uuid,IP-configuration-mode,IP,netmask,gateway,disallow-unplug,other-config) || die "xe pif-list failed"
records "$out"
echo "  ok       list the PIFs of $name"

# preflight
problems=()
pif=""
for ((i = 0; i < NREC; i++)); do
	[[ ${REC["$i device"]} == "$DEVICE" && ${REC["$i VLAN"]} == -1 ]] && pif=$i
done
if [[ -z $pif ]]; then
	problems+=("param device: no PIF $DEVICE on $name")
else
	[[ ${REC["$pif management"]} == true ]] && problems+=("param device: $DEVICE is the management interface")
	[[ ${REC["$pif bond-slave-of"]} != "<not in database>" ]] && problems+=("param device: $DEVICE is a bond member")
	[[ ${REC["$pif managed"]} != true ]] && problems+=("param device: xapi does not manage $DEVICE")
	for ((i = 0; i < NREC; i++)); do
		[[ ${REC["$i device"]} == "$DEVICE" ]] && continue
		pip=${REC["$i IP"]} pmask=${REC["$i netmask"]}
		[[ -n $pip && -n $pmask ]] || continue
		overlaps "$IP" "$NETMASK" "$pip" "$pmask" && problems+=("param ip: the storage network overlaps ${REC["$i device"]}")
	done
fi
if ((${#problems[@]})); then
	printf 'storage-nic: %s\n' "${problems[@]}" >&2
	exit 2
fi
pif_uuid=${REC["$pif uuid"]}

# get FIELD [KEY]: a PIF field as xe prints it in $REPLY; "" for a
# missing map key.
get() {
	if (($# == 1)); then
		REPLY=$("$XE" pif-param-get uuid="$pif_uuid" param-name="$1") || die "xe pif-param-get $1 failed"
		return
	fi
	if ! REPLY=$("$XE" pif-param-get uuid="$pif_uuid" param-name="$1" param-key="$2" 2>&1); then
		[[ $REPLY == *"not found in map"* ]] || die "xe pif-param-get $1 $2 failed: $REPLY"
		REPLY=""
	fi
}

# configure the address
get IP-configuration-mode; now_mode=$REPLY
get IP; now_ip=$REPLY
get netmask; now_mask=$REPLY
get gateway; now_gw=$REPLY
if [[ $now_mode != Static || $now_ip != "$IP" || $now_mask != "$NETMASK" || $now_gw != "$GATEWAY" ]]; then
	out=$("$XE" pif-reconfigure-ip uuid="$pif_uuid" mode=static IP="$IP" netmask="$NETMASK") || die "xe pif-reconfigure-ip failed"
	echo "  changed  configure $DEVICE: static $IP/$NETMASK"
else
	echo "  ok       configure $DEVICE: static $IP/$NETMASK"
fi

# mark it for storage
marked=false
get disallow-unplug
if [[ $REPLY == true ]]; then
	get other-config management_purpose
	[[ $REPLY == "$PURPOSE" ]] && marked=true
fi
if [[ $marked == false ]]; then
	out=$("$XE" pif-param-set other-config:management_purpose="$PURPOSE" uuid="$pif_uuid" disallow-unplug=true) || die "xe pif-param-set failed"
	echo "  changed  mark $DEVICE for storage ($PURPOSE)"
fi

# plug it
get currently-attached
if [[ $REPLY != true ]]; then
	out=$("$XE" pif-plug uuid="$pif_uuid") || die "xe pif-plug failed"
	echo "  changed  plug $DEVICE"
fi

# verify every field
bad=()
for want in "IP-configuration-mode==Static" "IP==$IP" "netmask==$NETMASK" "gateway==$GATEWAY" "disallow-unplug==true" "other-config=management_purpose=$PURPOSE" "currently-attached==true"; do
	field=${want%%=*}
	rest=${want#*=}
	key=${rest%%=*}
	value=${rest#*=}
	if [[ -z $key ]]; then
		get "$field"
	else
		get "$field" "$key"
	fi
	[[ $REPLY == "$value" ]] || bad+=("$field${key:+:$key}: got $REPLY, want $value")
done
((${#bad[@]} == 0)) || die "$DEVICE is not configured as asked: ${bad[*]}"
echo "  ok       verify $DEVICE"
echo "$DEVICE on $name: static $IP/$NETMASK, disallow-unplug, management_purpose=$PURPOSE, attached"
echo "storage-nic: succeeded"
