#!/bin/sh
# kvm_e2e.sh — TAP, suite `kvm`: the whole kernel side end to end. Builds (or reuses, from
# $LOCKSTEP_VM_CACHE) the patched kernel, lttng-modules, the probe and the initramfs, boots
# them under KVM, records every sample workload, loads each trace with `lockstep load` and
# runs `lockstep check` on it; then boots again with the exit_mmap race of patches/inject/
# and checks that `lockstep check` finds it in the recorded trace (and not in the plain one).
# Slow the first time (a kernel build): it runs only when LOCKSTEP_KVM=1, which
# `meson test --setup kvm --suite kvm` sets. LOCKSTEP_VM_ACCEL=tcg runs it without KVM.
#
# usage: kvm_e2e.sh SOURCE_ROOT LOCKSTEP

root=${1:-$(dirname "$0")/../..}
lockstep=${2:-lockstep}
if [ "${LOCKSTEP_KVM:-0}" != 1 ]; then
	echo "1..0 # SKIP the KVM end-to-end run is opt-in: meson test --setup kvm --suite kvm"
	exit 0
fi
if [ "${LOCKSTEP_VM_ACCEL:-auto}" != tcg ] && ! probe=$(python3 "$root/tracer/vm/kvm-probe" 2>&1); then
	echo "1..0 # SKIP KVM is not usable: $probe (LOCKSTEP_VM_ACCEL=tcg runs it under emulation)"
	exit 0
fi
if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
	echo "1..0 # SKIP qemu-system-x86_64 missing (apt-get install qemu-system-x86)"
	exit 0
fi

workloads="fault_storm mmap_churn mprotect_mremap madvise_storm fork_exit oom_mrelease oom_kill thp_collapse"
out=$(mktemp -d "${TMPDIR:-/tmp}/lockstep-kvm.XXXXXX") || exit 1
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/../tap.sh"
show() { # show FILE : its tail as TAP diagnostics
	tail -n 20 "$1" 2>/dev/null | sed 's/^/# /'
}
elapsed() { # elapsed T0 : seconds since T0 (date +%s)
	echo $(($(date +%s) - $1))
}

# the rules `lockstep check` reported in the JSON report FILE, one a line
rules_of() {
	grep -o '"rule": *"[^"]*"' "$1" | sed 's/.*"\([^"]*\)"$/\1/' | sort -u
}

echo "1..$((1 + 8 * 5 + 4))"
t0=$(date +%s)
"$root/tracer/vm/lockstep-vm" all --out "$out" > "$out/vm.log" 2>&1
status=$?
result $status "lockstep-vm builds, boots and records ($(elapsed "$t0") s)"
[ $status -eq 0 ] || { show "$out/vm.log"; show "$out/console.log"; }

for w in $workloads; do
	grep -qx "$w 0" "$out/status" 2>/dev/null
	result $? "$w: recorded and exited 0"
	[ -n "$(find "$out/$w" -name metadata 2>/dev/null)" ] && [ -s "$out/$w/symbols.map" ]
	result $? "$w: CTF trace and symbols.map written"
	"$lockstep" load --quiet -o "$out/$w.db" "$out/$w" > "$out/$w.load.log" 2>&1
	status=$?
	result $status "$w: lockstep load accepts the trace"
	[ $status -eq 0 ] || show "$out/$w.load.log"
	acquires=$("$lockstep" query "$out/$w.db" \
		"SELECT count(*) FROM events JOIN event_types t ON t.id = events.type WHERE t.name = 'lockstep_lock_acquire'" 2>/dev/null | tail -n 1)
	[ "${acquires:-0}" -gt 0 ] 2>/dev/null
	result $? "$w: the trace holds lock_acquire events (${acquires:-none})"
	"$lockstep" check --format json -o "$out/$w.json" "$out/$w.db" > "$out/$w.check.log" 2>&1
	status=$?
	# 0: no finding, 1: findings; both are verdicts. 2 and 3 are failures to analyse.
	[ $status -le 1 ]
	result $? "$w: lockstep check gives a verdict (exit $status: $(rules_of "$out/$w.json" | tr '\n' ' '))"
	[ $status -le 1 ] || show "$out/$w.check.log"
done

# the injected race: exit_mmap frees page tables without mmap_lock under process_mrelease
t0=$(date +%s)
"$root/tracer/vm/lockstep-vm" run --out "$out/inject" --inject exit_mmap_race oom_mrelease \
	> "$out/inject.log" 2>&1
status=$?
result $status "lockstep-vm records oom_mrelease with lockstep_inject=exit_mmap_race ($(elapsed "$t0") s)"
[ $status -eq 0 ] || { show "$out/inject.log"; show "$out/inject/console.log"; }
"$lockstep" check --format json -o "$out/inject.json" "$out/inject/oom_mrelease" > "$out/inject.check.log" 2>&1
status=$?
[ $status -le 1 ]
result $? "lockstep check analyses the injected trace (exit $status)"
rules_of "$out/inject.json" | grep -qx pgtable-freed-under-walker
result $? "lockstep check finds pgtable-freed-under-walker in the injected trace"
! rules_of "$out/oom_mrelease.json" | grep -qx pgtable-freed-under-walker
result $? "and not in the plain kernel's oom_mrelease trace"

[ "$failed" -eq 0 ] && rm -rf "$out"
tap_done
