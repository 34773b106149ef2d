#!/usr/bin/env bash
# cli_conventions.sh — the command-line conventions every lockstep command keeps (issue 15):
# a bad option is ONE line naming it and exit 2; `lockstep help CMD` prints that command's
# usage; `--format text|json` on every command that prints (with --json kept where it was);
# one man page per command with EXAMPLES and ENVIRONMENT, listed by lockstep(1).
# Usage: cli_conventions.sh LOCKSTEP SYNTH SCENARIOS DOCS
set -u
lockstep=$1 synth=$2 scenarios=$3 docs=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
run() { "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }
one_line_exit2() { # description, expected text
  [ "$(cat "$tmp/rc")" = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -qF -- "$2" "$tmp/err"
  ok $? "$1 (exit $(cat "$tmp/rc"), $(wc -l <"$tmp/err") line(s): $(head -c 120 "$tmp/err"))"
}
valid_json() { python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out" 2>/dev/null; ok $? "$1"; }

"$synth" "$scenarios/vma-writer-starved-buggy.scn" -o "$tmp/trace" >/dev/null
ok $? "synth writes a trace"

for c in load info stats query check; do
  run "$lockstep" $c --frobnicate "$tmp/trace"
  one_line_exit2 "$c: an unknown long option is one line" "lockstep $c: unknown option '--frobnicate'"
  run "$lockstep" $c -Z "$tmp/trace"
  one_line_exit2 "$c: an unknown short option is one line" "lockstep $c: unknown option '-Z'"
  run "$lockstep" $c "$tmp/trace" --format
  one_line_exit2 "$c: an option without its argument is one line" "option '--format' needs an argument"
  run "$lockstep" $c --format xml "$tmp/trace"
  one_line_exit2 "$c: --format xml is one line" "--format takes text or json, not 'xml'"
  run "$lockstep" help $c
  [ "$(cat "$tmp/rc")" = 0 ] && head -1 "$tmp/out" | grep -q "^usage: lockstep $c"
  ok $? "lockstep help $c prints the $c usage"
  grep -q -- "--format text|json" "$tmp/out"; ok $? "$c usage lists --format text|json"
done
run "$lockstep" help frob
one_line_exit2 "help of an unknown command is one line" "unknown command 'frob'"
run "$lockstep" help
[ "$(cat "$tmp/rc")" = 0 ] && grep -q "lockstep help COMMAND" "$tmp/out"; ok $? "lockstep help: the general usage names help COMMAND"

run "$lockstep" load --format json -o "$tmp/t.db" "$tmp/trace"
valid_json "load --format json is JSON"
grep -q '"events": 66' "$tmp/out"; ok $? "load JSON counts the events"
for args in "info --format json" "info --json" "stats --format json" "stats --json" "check --format json --fail-on never" "check --json --fail-on never"; do
  run "$lockstep" $args "$tmp/t.db"
  valid_json "$args is JSON"
done
run "$lockstep" query --format json "$tmp/t.db" "SELECT count(*) AS n FROM holds"
valid_json "query --format json is JSON"
run "$lockstep" info --format text "$tmp/t.db"
grep -q '^events     66$' "$tmp/out"; ok $? "info --format text is the text form"

# schema 3 (finding_evidence.end_ns/trylock, finding_instances, meta.machine), 4 (packed events), 5 (call stacks), 6 (cpu_runs): a version 2
# database is refused with the remedy, and the trace directory is loaded again
cp "$tmp/t.db" "$tmp/v2.db" && sqlite3 "$tmp/v2.db" "UPDATE meta SET value='2' WHERE key='schema_version'"
run "$lockstep" check "$tmp/v2.db"
one_line_exit2 "a version 2 database is refused" "schema version 2, this lockstep reads version 6 (load the trace again)"
cp "$tmp/t.db" "$tmp/trace.lockstep.db" && sqlite3 "$tmp/trace.lockstep.db" "UPDATE meta SET value='2' WHERE key='schema_version'"
touch "$tmp/trace.lockstep.db"
run "$lockstep" check --fail-on never "$tmp/trace"
[ "$(cat "$tmp/rc")" = 0 ] && [ "$(sqlite3 "$tmp/trace.lockstep.db" "SELECT value FROM meta WHERE key='schema_version'")" = 6 ]
ok $? "given the trace directory, a version 2 database is loaded again"

for c in load info stats query check record; do
  page="$docs/lockstep-$c.1"
  [ -f "$page" ]; ok $? "man page lockstep-$c(1)"
  grep -q '^\.SH EXAMPLES' "$page" && grep -q '^\.SH ENVIRONMENT' "$page" && grep -q '^\.SH EXIT STATUS' "$page"
  ok $? "lockstep-$c(1) has EXAMPLES, ENVIRONMENT and EXIT STATUS"
  grep -q "^\.BR lockstep\\\\-$c (1)" "$docs/lockstep.1"; ok $? "lockstep(1) lists lockstep-$c(1)"
  if command -v groff >/dev/null; then
    [ -z "$(groff -man -Tutf8 -ww -z "$page" 2>&1)" ]; ok $? "lockstep-$c(1) renders without warnings"
  fi
done

echo "1..$n"
[ "$failed" = 0 ]
