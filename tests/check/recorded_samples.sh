#!/bin/sh
# recorded_samples.sh — TAP: the traces in samples/recorded/, recorded from the patched kernel
# by tracer/vm/lockstep-vm, load and check, with the verdicts samples/README.md states:
#   - every trace loads with no discarded events, and `lockstep check` analyses it;
#   - the kernel without the injected race is correct: no lock-order, hierarchy, protocol or
#     use-after-free finding in any of its traces (only writer-starvation and notes, which
#     depend on the emulator's timing);
#   - exit_mmap_race (lockstep_inject=exit_mmap_race, patches/inject/) carries the true
#     finding pgtable-freed-under-walker, and the same workload without the injection does not.
#
# usage: recorded_samples.sh SOURCE_ROOT LOCKSTEP

root=$(cd "${1:-$(dirname "$0")/../..}" && pwd) || exit 1
lockstep=${2:-lockstep}
samples="$root/samples/recorded"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lockstep-recorded.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/../tap.sh"
kinds_of() { grep -o '"kind": *"[^"]*"' "$1" | sed 's/.*"\([^"]*\)"$/\1/' | sort -u; }
rules_of() { grep -o '"rule": *"[^"]*"' "$1" | sed 's/.*"\([^"]*\)"$/\1/' | sort -u; }

traces=$(cd "$samples" && for d in */; do [ -f "$d/kernel/metadata" ] && echo "${d%/}"; done)
# shellcheck disable=SC2086 # the list is split on purpose
set -- $traces
echo "1..$((1 + 4 * $# + 2))"

[ $# -ge 9 ]
result $? "samples/recorded holds the recorded traces ($#: $(echo "$traces" | tr '\n' ' '))"

for t in $traces; do
	"$lockstep" load -q -o "$tmp/$t.db" "$samples/$t" > "$tmp/$t.load" 2>&1
	result $? "$t: loads" "$tmp/$t.load"
	discarded=$("$lockstep" query "$tmp/$t.db" "SELECT count(*) FROM discarded" 2>&1 | tail -n 1)
	[ "$discarded" = 0 ]
	result $? "$t: nothing discarded by the tracer ($discarded)"
	"$lockstep" check --format json --fail-on never -o "$tmp/$t.json" "$tmp/$t.db" > "$tmp/$t.check" 2>&1
	result $? "$t: lockstep check analyses it" "$tmp/$t.check"
	if [ "$t" = exit_mmap_race ]; then
		rules_of "$tmp/$t.json" | grep -qx pgtable-freed-under-walker
		result $? "$t: pgtable-freed-under-walker found (rules: $(rules_of "$tmp/$t.json" | tr '\n' ' '))"
	else
		wrong=$(kinds_of "$tmp/$t.json" | grep -v -x -e writer-starvation -e note)
		[ -z "$wrong" ]
		result $? "$t: no lock-order, protocol or use-after-free finding on the correct kernel ${wrong:+(got: $(echo "$wrong" | tr '\n' ' '))}"
	fi
done

# the contrast is real only if the plain recording has the reaper at work too
reaps=$("$lockstep" query "$tmp/oom_mrelease.db" "SELECT count(*) FROM phases p JOIN enums e ON e.field = 'phase' AND e.value = p.phase WHERE e.name = 'process_mrelease'" 2>/dev/null | tail -n 1)
[ "${reaps:-0}" -gt 0 ] 2>/dev/null && [ -f "$tmp/oom_mrelease.json" ] &&
	! rules_of "$tmp/oom_mrelease.json" | grep -qx pgtable-freed-under-walker
result $? "oom_mrelease without the injection: $reaps process_mrelease reaps, no pgtable-freed-under-walker"
grep -q '"site": "__do_sys_process_mrelease+0x' "$tmp/exit_mmap_race.json" 2>/dev/null
result $? "exit_mmap_race: call sites resolved through its symbols.map"

tap_done
