#!/usr/bin/env bash
# The README's test command: installs what is missing, builds lockstep twice (warnings as
# errors; then with AddressSanitizer + UndefinedBehaviorSanitizer), runs the default test
# suites in both builds, and ends with one line "N passed, N failed".
# The long kernel build-boot-record suite ('kvm') is not part of it: see docs/kernel.md.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh || { echo "lockstep: installing dependencies failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
run_build() { # name, meson options...
  local dir="build-test-$1"; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" -Dwerror=true -Dbuildtype=debugoptimized "$@" >"$dir.setup.log" 2>&1 ||
      { cat "$dir.setup.log"; failed=$((failed + 1)); return; }
  fi
  if ! ninja -C "$dir" >"$dir.build.log" 2>&1; then
    tail -50 "$dir.build.log"; failed=$((failed + 1)); return
  fi
  meson test -C "$dir" --no-suite kvm --print-errorlogs --timeout-multiplier 3 || true
  local counts
  counts=$(python3 - "$dir/meson-logs/testlog.json" <<'PY'
import json, sys
p = f = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["result"] in ("OK", "EXPECTEDFAIL", "SKIP"):
        p += 1
    else:
        f += 1
print(p, f)
PY
  ) || counts="0 1"
  passed=$((passed + ${counts% *}))
  failed=$((failed + ${counts#* }))
}

run_build plain
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
  run_build sanitize -Db_sanitize=address,undefined -Db_lundef=false

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
