#!/bin/sh
# record_cli.sh — TAP: tracer/lockstep-record's command line. --help works, usage errors exit 2,
# and on a machine that cannot trace (no lttng, no sessiond, an unpatched kernel, no probe) it
# stops before touching anything with exit 3 and exactly one line on stderr. `lockstep record`
# runs the same recorder. Never records.
#
# usage: record_cli.sh SOURCE_ROOT [LOCKSTEP]

root=$(cd "${1:-$(dirname "$0")/../..}" && pwd) || exit 1
rec="$root/tracer/lockstep-record"
lockstep=${2:-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lockstep-record-cli.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/../tap.sh"

echo "1..9"

sh "$rec" --help > "$tmp/help" 2>&1
result $? "--help exits 0"
grep -q -- '--output DIR' "$tmp/help" && grep -q -- '--duration S' "$tmp/help"
result $? "--help documents --output and --duration"

sh "$rec" > /dev/null 2>&1
[ $? -eq 2 ]
result $? "no command and no --duration is a usage error (exit 2)"

sh "$rec" --duration abc > /dev/null 2>&1
[ $? -eq 2 ]
result $? "a non-numeric --duration is a usage error (exit 2)"

if [ -n "$lockstep" ]; then
	"$lockstep" record --help > "$tmp/lhelp" 2>&1 && cmp -s "$tmp/help" "$tmp/lhelp"
	result $? "lockstep record --help is the recorder's help"
	"$lockstep" record > /dev/null 2> "$tmp/lusage"
	[ $? -eq 2 ] && grep -q '^lockstep-record: nothing to record' "$tmp/lusage"
	result $? "lockstep record with nothing to record is the recorder's usage error (exit 2)"
	"$lockstep" --help | grep -q '^  record '
	result $? "lockstep --help lists record"
else
	for _ in 1 2 3; do
		skip "no lockstep executable given"
	done
fi

if grep -q ' __tracepoint_lockstep_lock_acquire$' /proc/kallsyms 2>/dev/null &&
	command -v lttng >/dev/null 2>&1 && lttng list --kernel 2>/dev/null | grep -q lockstep_lock_acquire; then
	skip "this machine can trace: the refusal path is not reachable"
	skip "this machine can trace: the refusal path is not reachable"
	exit 0
fi
sh "$rec" --output "$tmp/out" -- true > "$tmp/stdout" 2> "$tmp/stderr"
status=$?
[ $status -eq 3 ] && [ ! -s "$tmp/stdout" ]
result $? "cannot trace here: exits 3 without running the command (got $status)"
[ "$(wc -l < "$tmp/stderr")" -eq 1 ] && grep -q '^lockstep-record: ' "$tmp/stderr" && [ ! -e "$tmp/out" ]
result $? "one clear line on stderr, no output directory: $(head -n 1 "$tmp/stderr")"

tap_done
