#!/bin/sh
# workloads.sh — TAP: the test VM's workloads (samples/workloads/) build as static binaries with
# warnings as errors, and each runs to completion on this machine for a fraction of a second
# with exit status 0 and its summary line (the VM records them for seconds; a workload that
# crashes, hangs or never stops would cost a whole boot to find out there). mmu_notifier_churn
# needs the VM's notifier module; without it, it must fail at once, naming the file.
#
# usage: workloads.sh SOURCE_ROOT

root=$(cd "${1:-$(dirname "$0")/../..}" && pwd) || exit 1
out=$(mktemp -d "${TMPDIR:-/tmp}/lockstep-workloads.XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT INT TERM
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/../tap.sh"

workloads=$(sed -n 's/^WORKLOADS = //p' "$root/samples/workloads/Makefile")
# shellcheck disable=SC2086 # the list is split on purpose
set -- $workloads
echo "1..$((1 + $#))"

make -s -C "$root/samples/workloads" OUT="$out" CFLAGS="-std=gnu17 -O2 -Wall -Wextra -Werror" \
	> "$out/build.log" 2>&1
result $? "the workloads build static with -Wall -Wextra -Werror" "$out/build.log"

for w in $workloads; do
	case $w in
	pf_bench) args="0.3 2 2" ;;      # SECONDS THREADS ROUNDS
	*) args="0.3 3" ;;               # SECONDS THREADS
	esac
	# shellcheck disable=SC2086 # args is split on purpose
	timeout 60 "$out/$w" $args > "$out/$w.out" 2>&1
	status=$?
	if [ "$w" = mmu_notifier_churn ] && [ ! -e /proc/lockstep_mmu_notifier ]; then
		# it needs the test VM's module (tracer/notifier): without it, one clear line and 1
		[ $status -eq 1 ] && grep -q '/proc/lockstep_mmu_notifier' "$out/$w.out"
		result $? "$w without the notifier module exits 1 naming its file (status $status): $(tail -n 1 "$out/$w.out")" "$out/$w.out"
		continue
	fi
	[ $status -eq 0 ] && [ -s "$out/$w.out" ]
	result $? "$w runs for 0.3 s and exits 0 (status $status): $(tail -n 1 "$out/$w.out")" "$out/$w.out"
done

tap_done
