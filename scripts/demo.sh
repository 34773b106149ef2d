#!/usr/bin/env bash
# The README's first command: installs what is missing, builds lockstep, and runs the main job
# on the default sample: load the trace, summarise it, print lock statistics and the findings.
#
#   bash scripts/demo.sh [TRACE_DIR]      (default: samples/default, see samples/README.md)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
[ -f build/build.ninja ] || meson setup build -Dbuildtype=debugoptimized >/dev/null
ninja -C build >/dev/null
lockstep=build/analyzer/cli/lockstep
trace=${1:-samples/default}
[ -d "$trace" ] || trace=$(readlink -f samples/default)
db=$(mktemp -d)/sample.lockstep.db
trap 'rm -rf "$(dirname "$db")"' EXIT

echo "== lockstep load $trace"
"$lockstep" load -o "$db" "$trace"
echo
echo "== lockstep info"
"$lockstep" info "$db"
echo
echo "== lockstep stats --limit 10"
"$lockstep" stats --limit 10 "$db"
echo
echo "== lockstep stats --by site --sort wait-max --limit 10"
"$lockstep" stats --by site --sort wait-max --limit 10 "$db"
echo
echo "== lockstep check"
# exit 1 means "findings": the demo shows them, it does not fail on them
"$lockstep" check "$db" || [ $? -eq 1 ]
