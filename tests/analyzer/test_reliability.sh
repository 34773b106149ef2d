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

# ---- 5. damaged streams: real damaged copies of samples/synthetic-workload (2 streams, 8
# packets each, 60,072 events) and of a recorded LTTng trace (with its index) ----
damaged() { # name → a fresh copy in $tmp/NAME
  rm -rf "$tmp/$1" && cp -r "$samples/synthetic-workload" "$tmp/$1"
}
meta() { sqlite3 "$1" "SELECT value FROM meta WHERE key='$2'"; }
all_err=$tmp/all-warnings
: >"$all_err"

damaged empty && : >"$tmp/empty/channel0_1"
expect_exit 0 "empty stream: loads the other" "$lockstep" load -q -o "$tmp/empty.db" "$tmp/empty"
cat "$tmp/err" >>"$all_err"
grep "^lockstep: warning: $tmp/empty: stream channel0_1 is empty (0 bytes)" "$tmp/err" >/dev/null
result $? "warns, naming the stream" "$tmp/err"
[ "$(meta "$tmp/empty.db" damaged_streams)" = 1 ] && meta "$tmp/empty.db" warning.1 | grep "channel0_1 is empty" >/dev/null &&
  [ "$(meta "$tmp/empty.db" event_count)" -lt 60072 ]
result $? "the database records it (meta damaged_streams, warning.1) and holds fewer events"

rm -rf "$tmp/rec" && cp -r "$samples/recorded/fork_exit" "$tmp/rec" && : >"$tmp/rec/kernel/lockstep_2"
expect_exit 0 "recorded trace, one stream emptied" "$lockstep" load -q -o "$tmp/rec.db" "$tmp/rec"
cat "$tmp/err" >>"$all_err"
grep "stream lockstep_2 is empty (0 bytes) but its index lists 1 packets: all of them are lost" "$tmp/err" >/dev/null
result $? "the index tells what was lost" "$tmp/err"

damaged short && truncate -s 1000000 "$tmp/short/channel0_1"
expect_exit 0 "stream shorter than its packet headers say" "$lockstep" load -q -o "$tmp/short.db" "$tmp/short"
cat "$tmp/err" >>"$all_err"
grep "stream channel0_1 is damaged: 1 of 4 packets dropped (48326 of 1000000 bytes), their events are lost: packet 4 (bytes 951674-1000000) is cut short" "$tmp/err" >/dev/null
result $? "keeps the 3 whole packets, says which one is cut short" "$tmp/err"
[ "$(meta "$tmp/short.db" damaged_streams)" = 1 ]; result $? "recorded in the database"

damaged swap && python3 - "$tmp/swap/channel0_1" <<'PY2'
import re, sys
d = open(sys.argv[1], 'rb').read()
offs = [m.start() for m in re.finditer(b'\xc1\x1f\xfc\xc1', d)] + [len(d)]
p = [d[offs[i]:offs[i + 1]] for i in range(len(offs) - 1)]
p[2], p[3] = p[3], p[2]
open(sys.argv[1], 'wb').write(b''.join(p))
PY2
expect_exit 0 "out-of-order packets" "$lockstep" load -q -o "$tmp/swap.db" "$tmp/swap"
cat "$tmp/err" >>"$all_err"
grep "stream channel0_1 is damaged: 1 of 8 packets dropped .*is out of time order" "$tmp/err" >/dev/null &&
  grep "1 packets missing on cpu 1 (dropped as damaged, or discarded by the tracer)" "$tmp/err" >/dev/null &&
  ! grep "packets discarded by the tracer" "$tmp/err" >/dev/null
result $? "drops the packet out of order; the gap is not blamed on the tracer" "$tmp/err"

damaged hdrflip && python3 - "$tmp/hdrflip/channel0_1" <<'PY2'
import re, sys
d = bytearray(open(sys.argv[1], 'rb').read())
offs = [m.start() for m in re.finditer(b'\xc1\x1f\xfc\xc1', d)]
d[offs[3] + 40] ^= 0x10   # a bit of packet 4's packet_size
open(sys.argv[1], 'wb').write(d)
PY2
expect_exit 0 "a bit flip in a packet header" "$lockstep" load -q -o "$tmp/hdrflip.db" "$tmp/hdrflip"
cat "$tmp/err" >>"$all_err"
grep "stream channel0_1 is damaged: 1 of 8 packets dropped .*packet 4 (bytes 951674-1268836) has a damaged size" "$tmp/err" >/dev/null
result $? "drops that packet only, and says so" "$tmp/err"

damaged flip && python3 - "$tmp/flip/channel0_1" <<'PY2'
import random, sys
d = bytearray(open(sys.argv[1], 'rb').read())
random.seed(5)
for i in range(10):
    pos = random.randrange(len(d)); d[pos] ^= 1 << random.randrange(8)
open(sys.argv[1], 'wb').write(d)
PY2
expect_exit 2 "bit flips in event data" "$lockstep" load -q -o "$tmp/flip.db" "$tmp/flip"
one_line && grep "^lockstep: $tmp/flip: cannot decode the trace: a packet holds an event of a class the metadata does not define" "$tmp/err" >/dev/null &&
  ! grep -E '0x[0-9a-f]{6,}|addr=' "$tmp/err" >/dev/null
result $? "one line in lockstep's words, no babeltrace2 internals" "$tmp/err"
[ ! -e "$tmp/flip.db" ] && no_temporaries "$tmp"; result $? "no database, no temporary file"
expect_exit 2 "the same with --verbose" "$lockstep" load --verbose -q -o "$tmp/flip.db" "$tmp/flip"
grep "^lockstep: detail: babeltrace2: No event class with ID" "$tmp/err" >/dev/null; result $? "--verbose adds babeltrace2's own message" "$tmp/err"

damaged cut && truncate -s 200000 "$tmp/cut/channel0_0" && truncate -s 100 "$tmp/cut/channel0_1"
expect_exit 2 "every stream cut inside its first packet" "$lockstep" load -q -o "$tmp/cut.db" "$tmp/cut"
tail -1 "$tmp/err" | grep "^lockstep: $tmp/cut: nothing sound to load: all 2 streams are damaged or empty (first: channel0_" >/dev/null &&
  [ "$(grep -c warning "$tmp/err")" = 2 ]
result $? "exit 2: nothing sound remains, after one warning per stream" "$tmp/err"

cp -r "$data/packet-size-crash" "$tmp/psc"
expect_exit 2 "a stream libbabeltrace2 aborts on (found by fuzz-load)" "$lockstep" load -q "$tmp/psc"
grep "stream channel0_0 is damaged beyond use, all 8478 bytes dropped: packet 1 (bytes 0-8478) has inconsistent sizes" "$tmp/err" >/dev/null &&
  ! grep crashed "$tmp/err" >/dev/null
result $? "its packet is judged damaged before babeltrace2 can abort on it" "$tmp/err"

! grep -E 'some 0|cpu -1' "$all_err" >/dev/null; result $? "no warning states a count or a cpu the trace did not give"

echo "1..$n"
tap_done
