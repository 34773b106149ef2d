#!/usr/bin/env bash
# lockstep's load/check benchmark (issue 2 §6, issue 3 "Speed").
#
#   bash bench/run.sh [EVENTS]          (default 5000000)
#
# Generates a contract trace of at least EVENTS events with `lockstep-synth --generate` (kept in
# bench/out/ and reused), then in the same run times, on the same trace:
#   baseline  babeltrace2 TRACE -o dummy   (decoding through libbabeltrace2 and nothing else)
#   load      lockstep load TRACE -o DB
#   check     lockstep check DB             (when the check command is built)
# and prints events/second, the ratios issue 14 sets goals for (load vs baseline throughput
# >= 1.0; check time vs load time <= 0.3; database size vs CTF size <= 0.6) and the peak
# resident memory of each (goal <= 512 MiB, flat in trace length).
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-5000000}
out=bench/out
build=build-bench
mkdir -p "$out"
bash scripts/deps.sh
[ -f "$build/build.ninja" ] || meson setup "$build" -Dbuildtype=release -Db_ndebug=false -Dgui=disabled >/dev/null
ninja -C "$build" >/dev/null
trace="$out/trace-$events"
if [ ! -f "$trace/metadata" ]; then
  echo "generating $events events into $trace ..."
  rm -rf "$trace"
  "$build/analyzer/synth/lockstep-synth" --generate "$events" --seed 1 -o "$trace"
fi

measure() { # label command... ; sets secs and rss_kb
  local label=$1; shift
  /usr/bin/time -f '%e %M' -o "$out/time.txt" "$@" >/dev/null 2>"$out/$label.stderr" ||
    { echo "$label failed:"; cat "$out/$label.stderr"; exit 1; }
  read -r secs rss_kb <"$out/time.txt"
}

measure baseline babeltrace2 "$trace" -o dummy
base_s=$secs base_rss=$rss_kb
rm -f "$out/trace.db"
measure load "$build/analyzer/cli/lockstep" load -q -o "$out/trace.db" "$trace"
load_s=$secs load_rss=$rss_kb
n=$(sqlite3 "$out/trace.db" "SELECT value FROM meta WHERE key='event_count'")
check_s="" check_rss=""
if "$build/analyzer/cli/lockstep" --help | grep -q '^  check'; then
  set +e
  /usr/bin/time -f '%e %M' -o "$out/time.txt" "$build/analyzer/cli/lockstep" check "$out/trace.db" >/dev/null 2>"$out/check.stderr"
  rc=$?
  set -e
  [ $rc -le 1 ] || { echo "check failed:"; cat "$out/check.stderr"; exit 1; }
  read -r check_s check_rss <"$out/time.txt"
fi

python3 - "$n" "$base_s" "$base_rss" "$load_s" "$load_rss" "$check_s" "$check_rss" "$(du -sk "$trace" | cut -f1)" \
  "$(du -k "$out/trace.db" | cut -f1)" <<'PY'
import sys
n, bs, br, ls, lr, cs, cr, kb, dbkb = sys.argv[1:]
n = int(n); bs, ls = float(bs), float(ls)
print(f"trace: {n} events, {int(kb)/1024:.0f} MiB of CTF")
print(f"babeltrace2 -o dummy : {bs:7.2f} s  {n/bs:12,.0f} events/s  peak RSS {int(br)/1024:6.0f} MiB")
print(f"lockstep load        : {ls:7.2f} s  {n/ls:12,.0f} events/s  peak RSS {int(lr)/1024:6.0f} MiB")
print(f"load / baseline throughput ratio: {bs/ls:.2f}  (goal >= 1.0)")
print(f"database: {int(dbkb)/1024:.0f} MiB, {int(dbkb)/int(kb):.2f}x the CTF  (goal <= 0.6)")
if cs:
    cs = float(cs)
    print(f"lockstep check       : {cs:7.2f} s  peak RSS {int(cr)/1024:6.0f} MiB")
    print(f"check / load time ratio: {cs/ls:.2f}  (goal <= 0.3)")
PY
