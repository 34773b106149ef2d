#!/bin/sh
# kvm_e2e.sh — TAP, suite `kvm`: the whole kernel side end to end. Builds (or reuses, from
# $LOCKSTEP_VM_CACHE) the patched kernel, lttng-modules, the probe and the initramfs, boots
# them under KVM, records every sample workload, loads each trace with `lockstep load` and
# runs `lockstep check` on it; then, for every injected race of samples/recorded/MANIFEST.json,
# boots again with lockstep_inject=RACE, records the race's workload and holds `lockstep check`
# to the manifest's expectations, and holds the plain kernel's run of the same workload to
# having neither the race's finding nor any error (tests/kernel/manifest_expect.py).
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

# the workloads `lockstep-vm all` records (its own list), and the injected races to record
workloads=$(sed -n 's/^all_workloads="\(.*\)"$/\1/p' "$root/tracer/vm/lockstep-vm")
manifest="$root/samples/recorded/MANIFEST.json"
races=$(python3 "$root/tests/kernel/manifest_expect.py" "$manifest" races) || exit 1
n_workloads=$(echo $workloads | wc -w)
n_races=$(printf '%s\n' "$races" | grep -c .)
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

echo "1..$((1 + n_workloads * 5 + n_races * 4))"
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

# each injected race: its workload on the kernel booted with lockstep_inject=RACE
printf '%s\n' "$races" | while read -r race workload trace; do
	[ -n "$race" ] || continue
	wname=${workload%%:*}
	t0=$(date +%s)
	"$root/tracer/vm/lockstep-vm" run --out "$out/inject-$race" --inject "$race" "$workload" </dev/null \
		> "$out/inject-$race.log" 2>&1
	status=$?
	result $status "$race: lockstep-vm records $workload with lockstep_inject=$race ($(elapsed "$t0") s)"
	[ $status -eq 0 ] || { show "$out/inject-$race.log"; show "$out/inject-$race/console.log"; }
	"$lockstep" check --format json --fail-on never -o "$out/inject-$race.json" "$out/inject-$race/$wname" \
		> "$out/inject-$race.check.log" 2>&1
	status=$?
	result $status "$race: lockstep check analyses the injected trace (exit $status)" "$out/inject-$race.check.log"
	python3 "$root/tests/kernel/manifest_expect.py" "$manifest" injected "$trace" "$out/inject-$race.json" \
		> "$out/inject-$race.expect" 2>&1
	result $? "$race: the findings samples/recorded/$trace is held to ($(rules_of "$out/inject-$race.json" | tr '\n' ' '))" \
		"$out/inject-$race.expect"
	python3 "$root/tests/kernel/manifest_expect.py" "$manifest" plain "$trace" "$out/$wname.json" \
		> "$out/plain-$race.expect" 2>&1
	result $? "$race: the plain kernel's $wname trace has neither the race's finding nor an error" \
		"$out/plain-$race.expect"
done > "$out/races.tap"
# the loop ran in a subshell (a pipe): its results and counts come back through the file
cat "$out/races.tap"
n=$((n + $(grep -c '^\(not \)\?ok ' "$out/races.tap")))
failed=$((failed + $(grep -c '^not ok ' "$out/races.tap")))

[ "$failed" -eq 0 ] && rm -rf "$out"
tap_done
