#!/usr/bin/env bash
# Wall time of the whole test suite (`make test`: gofmt, vet, every test,
# with -count=1 so nothing comes from the test cache), the figure kept
# under 3 minutes on a 2-core machine. bash builtins only.
#
# Usage, from the module root: bench/testtime.sh [MAKE]
set -u
make=${1:-make}
log=${TMPDIR:-/tmp}/runbook-testtime.$$.log
trap 'rm -f "$log"' EXIT
t0=${EPOCHREALTIME/./}
"$make" --no-print-directory test >"$log" 2>&1
rc=$?
t1=${EPOCHREALTIME/./}
us=$((t1 - t0))
printf '\nmake test: %d.%01d s wall on %d CPUs (exit status %d)\n' $((us / 1000000)) $((us % 1000000 / 100000)) "$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 0)" "$rc"
if ((rc != 0)); then
	echo "make test failed; its last lines:"
	mapfile -t lines <"$log"
	from=$((${#lines[@]} > 20 ? ${#lines[@]} - 20 : 0))
	printf '%s\n' "${lines[@]:from}"
fi
exit 0
