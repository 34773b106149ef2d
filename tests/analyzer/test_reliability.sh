#!/usr/bin/env bash
# test_reliability.sh — loads that go wrong: a decoder that crashes, loads interrupted by a
# signal or killed, a disk that fills up, damaged streams. Each case checks the one-line error
# (or warning), the exit status, and that nothing half-written is left or taken for a database.
# Usage: test_reliability.sh LOCKSTEP SYNTH SCENARIOS DATA SAMPLES
set -u
lockstep=$1 synth=$2 scenarios=$3 data=$4 samples=$5
tmp=$(mktemp -d)
small=""
cleanup() { [ -n "$small" ] && umount "$small" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
. "$(dirname "$0")/../tap.sh"

expect_exit() { # code description command...
  local want=$1 d=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; local got=$?
  [ "$got" = "$want" ]; result $? "$d (exit $got, want $want)" "$tmp/err"
}
one_line() { [ "$(wc -l <"$tmp/err")" = 1 ]; }
no_temporaries() { ! ls "$1" | grep -E '\.tmp\.[0-9]+$' >/dev/null; }
no_scratch() { ! ls "${TMPDIR:-/tmp}" | grep -E '^lockstep-(load|ctf|bt-log)-' >/dev/null; }

# A private TMPDIR, so that "nothing left in TMPDIR" is about this test alone.
export TMPDIR=$tmp/tmpdir
mkdir "$TMPDIR"

"$synth" "$scenarios/load-basic.scn" -o "$tmp/basic" >/dev/null
result $? "synth writes load-basic"

# ---- 1. the decoder crashes ----
cp -r "$data/ctx-sequence-crash" "$tmp/crash"
expect_exit 2 "a trace libbabeltrace2 aborts on" "$lockstep" load "$tmp/crash"
one_line && grep -E "^lockstep: $tmp/crash: the CTF decoder crashed \(SIGABRT, last message: .*Assertion .tgt_fc. failed\.\)$" "$tmp/err" >/dev/null
result $? "one line naming the trace, the signal and babeltrace2's last message" "$tmp/err"
[ ! -e "$tmp/crash.lockstep.db" ] && no_temporaries "$tmp" && no_scratch
result $? "no database, no temporary file, nothing left in TMPDIR"
expect_exit 2 "the same trace through info (ls_input_open)" "$lockstep" info "$tmp/crash"
one_line && grep "the CTF decoder crashed (SIGABRT" "$tmp/err" >/dev/null; result $? "info: the same one line"
expect_exit 2 "--verbose" "$lockstep" load --verbose "$tmp/crash"
grep "^lockstep: decoder: .*Assertion" "$tmp/err" >/dev/null && [ "$(grep -c 'crashed' "$tmp/err")" = 1 ]
result $? "--verbose shows the decoder's own lines before the error" "$tmp/err"

# ---- 2. interrupted loads ----
# A temporary file whose owner is gone is removed by the next load to the same output.
dead=999999; while kill -0 $dead 2>/dev/null; do dead=$((dead - 1)); done
head -c 100000 /dev/urandom >"$tmp/out.db.tmp.$dead"
printf 'a live load' >"$tmp/out.db.tmp.$$"
expect_exit 0 "load beside a stale temporary file" "$lockstep" load -q -o "$tmp/out.db" "$tmp/basic"
[ ! -e "$tmp/out.db.tmp.$dead" ] && grep "warning: $tmp/out.db.tmp.$dead: removed the temporary file of an interrupted load" "$tmp/err" >/dev/null
result $? "the dead load's temporary file is removed, with a warning" "$tmp/err"
[ -e "$tmp/out.db.tmp.$$" ]; result $? "a running process's temporary file is left alone"
expect_exit 2 "a temporary file is never opened as a database" "$lockstep" info "$tmp/out.db.tmp.$$"
one_line && grep "out.db.tmp.$$: the temporary file of a load" "$tmp/err" >/dev/null; result $? "says what it is"
rm -f "$tmp/out.db.tmp.$$"

# A load of a million events takes seconds: a signal a moment after it started stops it, and its
# temporary file goes with it.
"$synth" --generate 1000000 --seed 7 --tasks 8 --cpus 2 -o "$tmp/big" >/dev/null
result $? "synth writes a trace of a million events"
blocked_load() { # signal → checks
  local sig=$1 want=$2 out=$tmp/blocked-$1.db
  "$lockstep" load -q -o "$out" "$tmp/big" 2>"$tmp/err" &
  local pid=$! i=0
  while [ ! -e "$out.tmp.$pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  [ -e "$out.tmp.$pid" ]; result $? "SIG$sig: the load's temporary file exists while it runs"
  sleep 0.3
  kill -s "$sig" $pid
  wait $pid; local got=$?
  [ "$got" = "$want" ]; result $? "SIG$sig: the load dies of the signal (exit $got, want $want)" "$tmp/err"
  [ ! -e "$out" ] && no_temporaries "$tmp" && no_scratch; result $? "SIG$sig: no database, no temporary file left"
  ! pgrep -f "load -q -o $out" >/dev/null; result $? "SIG$sig: no decoder process left behind"
}
blocked_load INT 130
blocked_load TERM 143

# kill -9 leaves the temporary file (nothing can remove it then); the next load does.
"$lockstep" load -q -o "$tmp/killed.db" "$tmp/big" 2>/dev/null &
pid=$! i=0
while [ ! -e "$tmp/killed.db.tmp.$pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -9 $pid; wait $pid 2>/dev/null
sleep 0.3
[ -e "$tmp/killed.db.tmp.$pid" ]; result $? "kill -9 leaves DB.tmp.PID behind"
! pgrep -f "load -q -o $tmp/killed.db" >/dev/null; result $? "the decoder child died with its parent"
expect_exit 0 "the next load to the same output" "$lockstep" load -q -o "$tmp/killed.db" "$tmp/basic"
[ ! -e "$tmp/killed.db.tmp.$pid" ] && [ -s "$tmp/killed.db" ]; result $? "removes it and writes the database"
rm -rf "$tmp/big"

# Disk full: a 1 MiB tmpfs holds the database of load-basic, not that of the 60,000-event sample.
small=$tmp/small
mkdir "$small"
if mount -t tmpfs -o size=1m tmpfs "$small" 2>/dev/null; then
  "$lockstep" load -q -o "$small/trace.db" "$tmp/basic" 2>/dev/null
  before=$(md5sum <"$small/trace.db")
  expect_exit 3 "load onto a full disk" "$lockstep" load -q -o "$small/trace.db" "$samples/synthetic-workload"
  one_line && grep "^lockstep: $small/trace.db: no space left on the device" "$tmp/err" >/dev/null
  result $? "one line: the database and 'no space left on the device'" "$tmp/err"
  [ "$(md5sum <"$small/trace.db")" = "$before" ] && no_temporaries "$small"
  result $? "the previous complete database is untouched, no partial file left"
  expect_exit 0 "the previous database still opens" "$lockstep" query "$small/trace.db" "SELECT count(*) FROM events"
  [ "$(tail -1 "$tmp/out")" = 37 ]; result $? "with its 37 events"
  umount "$small"
else
  skip "disk full: cannot mount a tmpfs (not root)"
fi
small=""

echo "1..$n"
tap_done
