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
count_results() { # testlog.json → adds to passed/failed
  local counts
  counts=$(python3 - "$1" <<'PY2'
import json, sys
p = f = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["result"] in ("OK", "EXPECTEDFAIL", "SKIP"):
        p += 1
    else:
        f += 1
print(p, f)
PY2
  ) || counts="0 1"
  passed=$((passed + ${counts% *}))
  failed=$((failed + ${counts#* }))
}
build() { # dir, meson options...
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" -Dwerror=true -Dbuildtype=debugoptimized "$@" >"$dir.setup.log" 2>&1 ||
      { cat "$dir.setup.log"; failed=$((failed + 1)); return 1; }
  fi
  ninja -C "$dir" >"$dir.build.log" 2>&1 || { tail -50 "$dir.build.log"; failed=$((failed + 1)); return 1; }
}
run_tests() { # dir, meson test options...
  local dir=$1; shift
  meson test -C "$dir" --print-errorlogs --timeout-multiplier 3 "$@" || true
  count_results "$dir/meson-logs/testlog.json"
}

if build build-test-plain; then
  run_tests build-test-plain --no-suite kvm
fi

if build build-test-sanitize -Db_sanitize=address,undefined -Db_lundef=false; then
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
  # babeltrace2's plugins leak a little on error paths; their frames need the slow unwinder
  # (no frame pointers) and must stay mapped (no dlclose) for tests/lsan.supp to match them.
  # The GTK test allocates too much for the slow unwinder and never reaches those paths.
  LIBBABELTRACE2_NO_DLCLOSE=1 ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0} \
    run_tests build-test-sanitize --no-suite kvm --no-suite gui
  if meson test -C build-test-sanitize --list 2>/dev/null | grep -q '^lockstep:gui'; then
    LIBBABELTRACE2_NO_DLCLOSE=1 ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
      run_tests build-test-sanitize --suite gui
  fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
