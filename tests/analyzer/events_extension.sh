#!/usr/bin/env bash
# events_extension.sh — `events` outside lockstep: the sqlite3 shell with the lockstep-events
# extension loaded reads the same raw events as `lockstep query`, and without it a lockstep
# database still opens in the shell (every other table reads).
# Usage: events_extension.sh LOCKSTEP SYNTH EXTENSION
set -u
lockstep=$1 synth=$2 ext=$3
. "$(dirname "$0")/../tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "1..4"
"$synth" --generate 3000 --seed 7 -o "$tmp/trace" >/dev/null &&
  "$lockstep" load -q -o "$tmp/t.db" "$tmp/trace"
result $? "a 3,000-event trace loads"
q="SELECT count(*), sum(id * 3 + type), sum(coalesce(lock, 0) % 1000), group_concat(DISTINCT length(payload)) FROM events WHERE id >= 1000"
want=$("$lockstep" query "$tmp/t.db" "$q" | tail -n 1 | tr '\t' '|')
got=$(sqlite3 "$tmp/t.db" ".load ${ext%.so}" "$q" 2>&1)
[ -n "$want" ] && [ "$got" = "$want" ]
result $? "the shell with the extension reads the events lockstep reads ($got)" "want $want, got $got"
got=$(sqlite3 "$tmp/t.db" ".load ${ext%.so}" "SELECT id FROM events WHERE t_ns >= (SELECT first_ns FROM event_chunks WHERE first_id = 2048) ORDER BY id LIMIT 1" 2>&1)
[ "$got" = 2048 ]
result $? "a time bound starts at its chunk ($got)"
got=$(sqlite3 "$tmp/t.db" "SELECT count(*) FROM holds" 2>&1)
sqlite3 "$tmp/t.db" "SELECT count(*) FROM events" >/dev/null 2>&1
[ $? -ne 0 ] && [ "$got" -gt 0 ] 2>/dev/null
result $? "without it the shell reads every table but events ($got holds)"
tap_done
