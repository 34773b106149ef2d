#!/usr/bin/env bash
# lockstep's fleet benchmark (issue 11): N traces the size of the synthetic sample, in a fleet.
#
#   bash bench/fleet.sh [N] [JOBS]          (default 1000 traces, 2 jobs)
#
# The synthetic sample (samples/synthetic-workload) is `lockstep-synth --generate 60000 --seed 7 --tasks 8
# --cpus 2`; the fleet's traces are the same workload with seeds 1000.., so each is a different
# trace of that size. They are generated and added in batches of 100 (each batch's traces and
# their databases are deleted once added, as a CI job's would be: only the summaries stay), and
# the run times:
#   add       `lockstep fleet add -j JOBS FLEET.db BATCH/` summed over the batches (load, detect,
#             summarise every trace);
#   check     `lockstep fleet check FLEET.db` over all N summaries;
#   +1 trace  `lockstep fleet add FLEET.db ONE_MORE` into the N-trace fleet, against the same add
#             into an empty fleet (the cost of the N+1st trace should be one trace's work);
#   re-add    the same trace again (no change);
# and prints the fleet database's size. Trace generation is timed apart and not counted.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
jobs=${2:-2}
batch=100
build=build-bench
work=bench/out/fleet
[ -f "$build/build.ninja" ] || meson setup "$build" -Dbuildtype=release -Db_ndebug=false -Dgui=disabled >/dev/null
ninja -C "$build" >/dev/null
synth=$build/analyzer/synth/lockstep-synth
lockstep=$build/analyzer/cli/lockstep
rm -rf "$work"
mkdir -p "$work"
fleet=$work/fleet.db

now() { date +%s.%N; }
add_secs=0 gen_secs=0
for ((start = 0; start < n; start += batch)); do
  end=$((start + batch < n ? start + batch : n))
  dir=$work/batch
  rm -rf "$dir"
  mkdir -p "$dir"
  t0=$(now)
  for ((i = start; i < end; i++)); do
    "$synth" --generate 60000 --seed $((1000 + i)) --tasks 8 --cpus 2 -o "$dir/t$(printf %04d "$i")" >/dev/null
  done
  t1=$(now)
  "$lockstep" fleet add -q -j "$jobs" "$fleet" "$dir" >"$work/add.log"
  t2=$(now)
  gen_secs=$(echo "$gen_secs + $t1 - $t0" | bc)
  add_secs=$(echo "$add_secs + $t2 - $t1" | bc)
  printf 'added %d/%d traces: %.1f s adding so far\n' "$end" "$n" "$add_secs" >&2
  rm -rf "$dir"
done
traces=$(sqlite3 "$fleet" 'SELECT count(*) FROM traces')
events=$(sqlite3 "$fleet" 'SELECT sum(events) FROM traces')

t0=$(now)
"$lockstep" fleet check --fail-on never "$fleet" >"$work/check.txt"
t1=$(now)
check_secs=$(echo "$t1 - $t0" | bc)
cross=$(sed -n 1p "$work/check.txt")

one=$work/one-more
"$synth" --generate 60000 --seed $((1000 + n)) --tasks 8 --cpus 2 -o "$one" >/dev/null
"$lockstep" load -q "$one" >/dev/null  # the trace's own load is timed by both adds alike below
rm -f "$one.lockstep.db"
t0=$(now)
"$lockstep" fleet add -q "$work/empty.db" "$one" >/dev/null
t1=$(now)
rm -f "$one.lockstep.db"
"$lockstep" fleet add -q "$fleet" "$one" >/dev/null
t2=$(now)
"$lockstep" fleet add -q "$fleet" "$one" >/dev/null
t3=$(now)
first_secs=$(echo "$t1 - $t0" | bc)
plus1_secs=$(echo "$t2 - $t1" | bc)
readd_secs=$(echo "$t3 - $t2" | bc)
size=$(stat -c %s "$fleet")

echo "fleet of $traces traces ($events events, $jobs jobs, $(nproc) CPUs):"
printf '  add (load + detect + summarise), %d traces:  %8.1f s  (%.3f s per trace)\n' "$traces" "$add_secs" "$(echo "$add_secs / $traces" | bc -l)"
printf '  fleet check over %d summaries:              %8.2f s\n' "$traces" "$check_secs"
printf '  add the %dst trace to the %d-trace fleet:  %8.3f s  (into an empty fleet: %.3f s)\n' "$((traces + 1))" "$traces" "$plus1_secs" "$first_secs"
printf '  re-add that trace (no change):              %8.3f s\n' "$readd_secs"
printf '  fleet database:                             %8.1f MiB  (%.1f KiB per trace)\n' "$(echo "$size / 1048576" | bc -l)" "$(echo "$size / 1024 / ($traces + 1)" | bc -l)"
printf '  (trace generation, not counted:             %8.1f s)\n' "$gen_secs"
echo "  check: $cross"
rm -rf "$one" "$one.lockstep.db" "$work/empty.db"
