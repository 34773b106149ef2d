#!/usr/bin/env bash
# fuzz.sh — coverage-guided fuzzing (clang + libFuzzer, with ASan and UBSan) of the two parsers
# lockstep exposes to untrusted input: a CTF stream decoded into a database (tests/fuzz/
# fuzz_load.c), the packet checker that reads metadata and streams before babeltrace2 does
# (fuzz_metadata.c), the scenario reader (tests/fuzz/fuzz_scenario.c) and the packed events a
# database's `events` table unpacks (fuzz_events.c).
#
#   bash bench/fuzz.sh [MINUTES]        default 10; the harnesses run side by side for MINUTES, nice 19
#   options: --seconds S (instead of MINUTES), --build DIR (default build-fuzz),
#            --keep-going (never fail; for long runs whose crashes are triaged afterwards);
#            LS_FUZZ_TARGETS="load metadata" runs only those harnesses
#
# Crashes are triaged by where they happen: inside libbabeltrace2 or one of its plugins (lockstep
# cannot fix those; `lockstep load` runs the decoder in a child process and must answer the input
# with one line and exit 2: that is checked for each such input), or in lockstep's own code (a
# bug: the input goes to tests/fuzz/regressions/NAME/ with a fix; the script fails).
# Exits 77 (skip) when clang or its libFuzzer runtime is missing.
set -uo pipefail
cd "$(dirname "$0")/.."
src=$PWD

seconds=600 build=$src/build-fuzz keep_going=0
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --keep-going) keep_going=1; shift ;;
    [0-9]*) seconds=$(($1 * 60)); shift ;;
    *) echo "usage: bash bench/fuzz.sh [MINUTES] [--seconds S] [--build DIR] [--keep-going]" >&2; exit 2 ;;
  esac
done

if ! command -v clang >/dev/null; then
  echo "fuzz.sh: clang is not installed (scripts/deps.sh installs it): skipped"
  exit 77
fi
probe=$(mktemp -d)
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' >"$probe/p.c"
if ! clang -fsanitize=fuzzer "$probe/p.c" -o "$probe/p" 2>/dev/null; then
  rm -rf "$probe"
  echo "fuzz.sh: clang has no libFuzzer runtime (libclang-rt-14-dev): skipped"
  exit 77
fi
rm -rf "$probe"

if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dgui=disabled -Dbuildtype=debugoptimized >"$build.setup.log" 2>&1 ||
    { cat "$build.setup.log"; exit 1; }
fi
nice -n 19 ninja -C "$build" -j2 tests/fuzz/fuzz-load tests/fuzz/fuzz-scenario tests/fuzz/fuzz-metadata tests/fuzz/fuzz-events analyzer/cli/lockstep \
  >"$build.build.log" 2>&1 || { tail -30 "$build.build.log"; exit 1; }

# the harnesses' work files: a crashed job cannot remove its own, the script removes them all
export TMPDIR=$build/tmp
rm -rf "$TMPDIR" && mkdir -p "$TMPDIR"
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=0:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}

declare -A seeds=([load]=$src/tests/fuzz/corpus/load [scenario]=$src/tests/scenarios
  [metadata]=$src/tests/fuzz/corpus/metadata [events]=$src/tests/fuzz/corpus/events)
targets=${LS_FUZZ_TARGETS:-load scenario metadata events}
run() { # name
  local name=$1 out=$build/run-$1
  mkdir -p "$out/corpus" "$out/crashes"
  # libFuzzer exits at once on a corpus directory that does not exist: a harness without
  # regression inputs yet has none
  local regressions=$src/tests/fuzz/regressions/$1
  [ -d "$regressions" ] || regressions=$out/corpus
  # -fork: a crash ends one job, not the run; the crashing input is kept for triage below
  nice -n 19 "$build/tests/fuzz/fuzz-$name" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -max_len=65536 -detect_leaks=0 \
    -artifact_prefix="$out/crashes/" "$out/corpus" "${seeds[$name]}" "$regressions" >"$out/log" 2>&1
}
for name in $targets; do run "$name" & done
wait

# Where did it crash? The first stack frame outside libc and the sanitizer runtime decides.
crash_site() { # harness input → "babeltrace2" | "lockstep" | "none"
  "$1" "$2" >/dev/null 2>"$2.report"
  awk '
    /^ *#[0-9]+ 0x/ {
      line = $0
      if (line ~ /libc\.so|ld-linux|libstdc|in (fuzzer::|__sanitizer|__asan|__ubsan|__interceptor|abort|raise|__GI_|__libc|__assert|__pthread_kill|pthread_kill|gsignal)/) next
      if (line ~ /libbabeltrace2|babeltrace-plugin|\/babeltrace2\/|libglib-2/) print "babeltrace2"; else print "lockstep"
      found = 1; exit
    }
    END { if (!found) print "none" }' "$2.report"
}

status=0
for name in $targets; do
  out=$build/run-$name
  last=$(grep -E '^#[0-9]+' "$out/log" | tail -1)
  execs=$(printf '%s\n' "$last" | sed -E 's/^#([0-9]+).*/\1/')
  cov=$(printf '%s\n' "$last" | sed -nE 's/.*cov: ([0-9]+).*/\1/p')
  crashes=0 in_bt=0 in_ls=0 verified=0
  for c in "$out"/crashes/crash-* "$out"/crashes/oom-* "$out"/crashes/timeout-*; do
    [ -f "$c" ] || continue
    case $c in *.report) continue ;; esac
    crashes=$((crashes + 1))
    site=$(crash_site "$build/tests/fuzz/fuzz-$name" "$c")
    if [ "$site" = babeltrace2 ] && [ "$name" = load ]; then
      in_bt=$((in_bt + 1))
      t=$(mktemp -d) && cp "$src/tests/fuzz/load-metadata" "$t/metadata" && cp "$c" "$t/channel0_0"
      "$build/analyzer/cli/lockstep" load -q -o "$t.db" "$t" >/dev/null 2>"$t.err"
      rc=$?
      if [ $rc = 2 ] && [ "$(wc -l <"$t.err")" = 1 ] && [ ! -e "$t.db" ]; then
        verified=$((verified + 1))
      else
        echo "fuzz.sh: $c: lockstep load answered with exit $rc:"; cat "$t.err"; status=1
      fi
      rm -rf "$t" "$t.db" "$t.err"
    else
      in_ls=$((in_ls + 1))
      echo "fuzz.sh: $name: crash in lockstep's code ($site): $c (report: $c.report)"
      status=1
    fi
  done
  if [ "${execs:-0}" -eq 0 ]; then # a harness that never ran is a failure, not a clean run
    echo "fuzz.sh: fuzz-$name made no executions: $(tail -1 "$out/log")"
    status=1
  fi
  echo "fuzz-$name: ${execs:-0} executions in $seconds s (coverage ${cov:-?} edges), $crashes crashing inputs:" \
    "$in_bt inside libbabeltrace2 ($verified answered by lockstep load with one line and exit 2)," \
    "$in_ls in lockstep"
done
rm -rf "$TMPDIR"
[ $keep_going = 1 ] && exit 0
exit $status
