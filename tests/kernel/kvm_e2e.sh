#!/bin/sh
# kvm_e2e.sh — TAP, suite `kvm`: the whole kernel side end to end. Builds (or reuses, from
# $LOCKSTEP_VM_CACHE) the patched kernel, lttng-modules, the probe and the initramfs, boots
# them under KVM, records every sample workload, and checks that each trace holds the
# contract's events. Slow the first time (a kernel build): it runs only when LOCKSTEP_KVM=1,
# which `meson test --setup kvm --suite kvm` sets.
#
# usage: kvm_e2e.sh SOURCE_ROOT

root=${1:-$(dirname "$0")/../..}
if [ "${LOCKSTEP_KVM:-0}" != 1 ]; then
	echo "1..0 # SKIP the KVM end-to-end run is opt-in: meson test --setup kvm --suite kvm"
	exit 0
fi
if [ ! -w /dev/kvm ] && [ "${LOCKSTEP_VM_ACCEL:-kvm}" != tcg ]; then
	echo "1..0 # SKIP /dev/kvm is not usable (LOCKSTEP_VM_ACCEL=tcg runs it under emulation)"
	exit 0
fi
if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
	echo "1..0 # SKIP qemu-system-x86_64 missing (apt-get install qemu-system-x86)"
	exit 0
fi

workloads="fault_storm mmap_churn mprotect_mremap madvise_storm fork_exit oom_mrelease"
out=$(mktemp -d "${TMPDIR:-/tmp}/lockstep-kvm.XXXXXX") || exit 1
n=0
failed=0
result() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}

# 1 build + boot, then per workload: exit status, trace present, symbols, events
echo "1..$((1 + 4 * 6))"
"$root/tracer/vm/lockstep-vm" all --out "$out" > "$out/vm.log" 2>&1
status=$?
result $status "lockstep-vm builds, boots and records"
[ $status -eq 0 ] || { tail -n 30 "$out/vm.log" | sed 's/^/# /'; tail -n 30 "$out/console.log" 2>/dev/null | sed 's/^/# /'; }

for w in $workloads; do
	grep -qx "$w 0" "$out/status" 2>/dev/null
	result $? "$w: recorded and exited 0"
	[ -n "$(find "$out/$w" -name metadata 2>/dev/null)" ]
	result $? "$w: CTF trace written"
	[ -s "$out/$w/symbols.map" ]
	result $? "$w: symbols.map written"
	if command -v babeltrace2 >/dev/null 2>&1; then
		events=$(babeltrace2 "$out/$w" 2>/dev/null | grep -c 'lockstep_lock_acquire')
		[ "${events:-0}" -gt 0 ]
		result $? "$w: trace holds lockstep_lock_acquire events ($events)"
	else
		echo "ok $((n + 1)) - $w: event count # SKIP babeltrace2 missing"
		n=$((n + 1))
	fi
done
[ "$failed" -eq 0 ] && rm -rf "$out"
[ "$failed" -eq 0 ]
