#!/bin/sh
# manifest_expect_recorded.sh — TAP: the kvm suite's judge (manifest_expect.py) on the recorded
# traces, so that it cannot rot between kvm runs: it lists every injected race, passes each
# injected trace against its own entry, and fails it when asked to judge it as a plain run
# (the race's finding is in it).
#
# usage: manifest_expect_recorded.sh SOURCE_ROOT LOCKSTEP
root=$1
lockstep=$2
manifest="$root/samples/recorded/MANIFEST.json"
judge="$root/tests/kernel/manifest_expect.py"
. "$(dirname "$0")/../tap.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lockstep-expect.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

races=$(python3 "$judge" "$manifest" races)
count=$(printf '%s\n' "$races" | grep -c .)
echo "1..$((1 + 3 * count))"
[ "$count" -ge 3 ]
result $? "the manifest lists $count injected races to record" "$races"
printf '%s\n' "$races" | {
	while read -r race workload trace; do
		cp -r "$root/samples/recorded/$trace" "$tmp/$trace"
		"$lockstep" check --format json --fail-on never -o "$tmp/$trace.json" "$tmp/$trace" > "$tmp/$trace.log" 2>&1
		result $? "$race: lockstep check analyses samples/recorded/$trace" "$tmp/$trace.log"
		python3 "$judge" "$manifest" injected "$trace" "$tmp/$trace.json" > "$tmp/$trace.inj" 2>&1
		result $? "$race ($workload): the recorded trace meets its expectations" "$tmp/$trace.inj"
		! python3 "$judge" "$manifest" plain "$trace" "$tmp/$trace.json" > "$tmp/$trace.plain" 2>&1
		result $? "$race: judged as a plain run, the same trace fails (its race's finding is in it)" "$tmp/$trace.plain"
	done
	tap_done
}
