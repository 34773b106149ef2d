#!/usr/bin/env bash
# test_cli.sh — the lockstep command as a user runs it: load/info/stats/query on a real trace,
# and the one-line errors and exit codes for bad input. Usage: test_cli.sh LOCKSTEP SYNTH SCENARIOS
set -u
lockstep=$1 synth=$2 scenarios=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
check() { local d=$1; shift; "$@" >/dev/null 2>&1; ok $? "$d"; }
expect_exit() { # code description command...
  local want=$1 d=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; local got=$?
  [ "$got" = "$want" ]; ok $? "$d (exit $got, want $want)"
}

"$synth" "$scenarios/load-basic.scn" -o "$tmp/trace" >/dev/null
ok $? "synth writes load-basic"

expect_exit 0 "load writes the default database beside the trace" "$lockstep" load "$tmp/trace"
[ -f "$tmp/trace.lockstep.db" ]; ok $? "default path is TRACE.lockstep.db"
grep -q "loaded 37 events" "$tmp/out"; ok $? "load reports the event count"
grep -q "warning: .*2 events discarded" "$tmp/err"; ok $? "load warns about discarded events"

expect_exit 0 "load -o" "$lockstep" load -q -o "$tmp/other.db" "$tmp/trace"
[ ! -s "$tmp/out" ]; ok $? "load -q prints nothing on stdout"
! grep -q '^balance:' "$tmp/err"; ok $? "load: no balance line for a trace whose releases all matched"

# the balance line: releases without a hold and holds open at end, on stderr even with -q
"$synth" "$scenarios/rwsem-read-release-by-other-task.scn" -o "$tmp/stray" >/dev/null
expect_exit 0 "load of a trace with a stray read release" "$lockstep" load -q "$tmp/stray"
[ ! -s "$tmp/out" ] && [ "$(grep -c '^balance:' "$tmp/err")" = 1 ] &&
	grep -q '^balance: 1 releases without a hold at 1 call sites, 1 holds open at end ' "$tmp/err"
ok $? "load prints one balance line: 1 release without a hold at 1 site, 1 hold open at end"

expect_exit 0 "info on a database" "$lockstep" info "$tmp/other.db"
grep -Eq '^tasks +3 in 2 processes' "$tmp/out"; ok $? "info counts tasks"
grep -Eq '^mmap_lock +[0-9]+ +4 +0 +1$' "$tmp/out"; ok $? "info: mmap_lock holds/failed/waits"
grep -Eq '^vma_lock +[0-9]+ +3 +1 +0$' "$tmp/out"; ok $? "info: vma_lock holds/failed/waits"

expect_exit 0 "info on the trace directory reuses its database" "$lockstep" info "$tmp/trace"
grep -q "trace.lockstep.db" "$tmp/out"; ok $? "info names the database it used"

expect_exit 0 "stats by class" "$lockstep" stats "$tmp/trace"
head -2 "$tmp/out" | tail -1 | grep -q '^mmap_lock'; ok $? "mmap_lock (the only timed wait) sorts first by wait-total"
grep -Eq '^mmap_lock +4 +0 +1 +4 us +4 us +4 us +4 us' "$tmp/out"; ok $? "mmap_lock row: 4 acquired, 1 contended, 4 us waits"

expect_exit 0 "stats by site, json" "$lockstep" stats --by site --sort acquisitions --limit 2 --json "$tmp/trace"
[ "$(grep -c '"class"' "$tmp/out")" = 2 ]; ok $? "--limit 2 gives 2 rows"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out"; ok $? "stats --json is valid JSON"

expect_exit 0 "query" "$lockstep" query "$tmp/trace" "SELECT tid, comm FROM tasks WHERE tid > 0 ORDER BY tid"
[ "$(cat "$tmp/out")" = "$(printf 'tid\tcomm\n101\tfault-thread\n102\tmunmap-thread')" ]; ok $? "query prints a header and tab-separated rows"
expect_exit 0 "query --json" "$lockstep" query --json "$tmp/trace" "SELECT count(*) AS n, NULL AS z FROM holds"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d == [{"n": 9, "z": None}], d' "$tmp/out"; ok $? "query --json rows"

# a kallsyms map (or any non-stream file) beside the streams is not taken for a stream
printf 'ffffffff81000100 T handle_mm_fault\n' >"$tmp/trace/symbols.map"
expect_exit 0 "load with symbols.map beside the streams" "$lockstep" load -o "$tmp/with-map.db" "$tmp/trace"
grep -q "loaded 37 events" "$tmp/out"; ok $? "all 37 events, the map ignored"
expect_exit 0 "stats by site with the trace's symbols.map" "$lockstep" stats --by site "$tmp/with-map.db"
grep -Eq '^vma_lock +handle_mm_fault\+0x20 ' "$tmp/out"; ok $? "stats names call sites symbol+offset from the map"
expect_exit 0 "stats by site, json, with the map" "$lockstep" stats --by site --json "$tmp/with-map.db"
grep -q '"ip": "0xffffffff81000120", "site": "handle_mm_fault+0x20"' "$tmp/out"; ok $? "json has the ip and the symbol"
expect_exit 2 "stats --symbols with a missing map" "$lockstep" stats --by site --symbols "$tmp/nomap" "$tmp/with-map.db"
grep -q "nomap: cannot open" "$tmp/err"; ok $? "names the missing map"
rm "$tmp/trace/symbols.map"

# bad input: one line naming the file and the problem, exit 2, nothing left behind
expect_exit 2 "missing directory" "$lockstep" load "$tmp/nope"
[ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "$tmp/nope: No such file or directory" "$tmp/err"; ok $? "one line naming the missing path"
[ ! -e "$tmp/nope.lockstep.db" ]; ok $? "no database for a missing trace"
mkdir "$tmp/empty"
expect_exit 2 "directory that is not CTF" "$lockstep" info "$tmp/empty"
grep -q "empty: no CTF trace here" "$tmp/err"; ok $? "names the directory, says no CTF"
ls "$tmp" | grep -q 'empty.lockstep.db'; ok $(( ! $? )) "nothing half-written left beside it"
cp -r "$tmp/trace" "$tmp/badmeta" && truncate -s 500 "$tmp/badmeta/metadata"
expect_exit 2 "truncated metadata" "$lockstep" load -o "$tmp/badmeta.db" "$tmp/badmeta"
grep -q "badmeta: cannot open as CTF: .*metadata" "$tmp/err" && [ "$(wc -l <"$tmp/err")" = 1 ]; ok $? "one line naming the trace and the metadata problem"
[ ! -e "$tmp/badmeta.db" ] && ! ls "$tmp" | grep -q 'badmeta.db.tmp'; ok $? "no database, no temporary file left"
head -c 10000 /dev/urandom >"$tmp/garbage.db"
expect_exit 2 "corrupt database" "$lockstep" stats "$tmp/garbage.db"
grep -q "garbage.db: not a lockstep database" "$tmp/err"; ok $? "names the database"
sqlite3 "$tmp/half.db" "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES('schema_version','1');"
expect_exit 2 "half-loaded database" "$lockstep" query "$tmp/half.db" "SELECT 1"
grep -q "half.db: incomplete database" "$tmp/err"; ok $? "says the load did not finish"
expect_exit 2 "bad SQL" "$lockstep" query "$tmp/other.db" "SELEKT 1"
grep -q "other.db: SQL error" "$tmp/err"; ok $? "SQL error names the database"
# the query connection writes nothing anywhere: one refusal per way of writing
expect_exit 2 "query: VACUUM INTO is refused" "$lockstep" query "$tmp/other.db" "VACUUM INTO '$tmp/copy.db'"
grep -q "other.db: refused: " "$tmp/err" && [ ! -e "$tmp/copy.db" ]; ok $? "VACUUM INTO: refused, no copy written"
expect_exit 2 "query: ATTACH is refused" "$lockstep" query "$tmp/other.db" "ATTACH '$tmp/attached.db' AS a"
grep -q "refused: ATTACH" "$tmp/err" && [ ! -e "$tmp/attached.db" ]; ok $? "ATTACH: refused, no file created"
expect_exit 2 "query: PRAGMA writable_schema=1 is refused" "$lockstep" query "$tmp/other.db" "PRAGMA writable_schema=1"
grep -q "refused: PRAGMA writable_schema" "$tmp/err"; ok $? "writable_schema: refused"
expect_exit 2 "query: PRAGMA journal_mode=WAL is refused" "$lockstep" query "$tmp/other.db" "PRAGMA journal_mode=WAL"
grep -q "refused: PRAGMA journal_mode" "$tmp/err" && [ ! -e "$tmp/other.db-wal" ]; ok $? "journal_mode=WAL: refused"
expect_exit 2 "query: PRAGMA temp_store_directory is refused" "$lockstep" query "$tmp/other.db" "PRAGMA temp_store_directory='$tmp'"
grep -q "refused: PRAGMA temp_store_directory" "$tmp/err"; ok $? "temp_store_directory: refused"
expect_exit 2 "query: load_extension is refused" "$lockstep" query "$tmp/other.db" "SELECT load_extension('$tmp/x.so')"
grep -q "refused: load_extension" "$tmp/err"; ok $? "load_extension: refused"
expect_exit 2 "query: CREATE TEMP TABLE is refused" "$lockstep" query "$tmp/other.db" "CREATE TEMP TABLE t(a)"
expect_exit 2 "query: DELETE is refused" "$lockstep" query "$tmp/other.db" "DELETE FROM holds"
[ "$(sqlite3 "$tmp/other.db" 'SELECT count(*) FROM holds')" = 9 ]; ok $? "the database still holds its 9 holds"
expect_exit 0 "query: PRAGMA table_info is allowed" "$lockstep" query "$tmp/other.db" "PRAGMA table_info(meta)"
grep -q "^0	key	TEXT" "$tmp/out"; ok $? "table_info rows"
expect_exit 2 "unknown flag" "$lockstep" stats --frobnicate "$tmp/other.db"
expect_exit 2 "unknown sort key" "$lockstep" stats --sort nonsense "$tmp/other.db"
grep -q "unknown sort key 'nonsense'" "$tmp/err"; ok $? "names the bad sort key"
expect_exit 2 "unknown command" "$lockstep" frob
expect_exit 2 "no arguments" "$lockstep"
for c in load info stats query; do
  expect_exit 0 "$c --help" "$lockstep" $c --help
  grep -q "usage: lockstep $c" "$tmp/out"; ok $? "$c --help shows usage"
done
expect_exit 0 "--version" "$lockstep" --version
grep -Eq '^lockstep [0-9]+\.[0-9]+' "$tmp/out"; ok $? "--version prints the version"

echo "1..$n"
[ "$failed" = 0 ]
