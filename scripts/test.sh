#!/usr/bin/env bash
# The README's test command: installs what is missing, builds lockstep twice (warnings as
# errors; then with AddressSanitizer + UndefinedBehaviorSanitizer), runs the default test
# suites in both builds, and ends with one line "N passed, N failed, N skipped" (a skipped test
# is not a pass: it names what was not tested here).
# The long kernel build-boot-record suite ('kvm') is not part of it: see docs/kernel.md.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh || { echo "lockstep: installing dependencies failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

passed=0
failed=0
skipped=0
count_results() { # testlog.json → adds to passed/failed/skipped
  local counts p f s
  counts=$(python3 - "$1" <<'PY2'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["result"] in ("OK", "EXPECTEDFAIL"):
        p += 1
    elif r["result"] == "SKIP":
        s += 1
        print("skipped:", r["name"], file=sys.stderr)
    else:
        f += 1
print(p, f, s)
PY2
  ) || counts="0 1 0"
  read -r p f s <<<"$counts"
  passed=$((passed + p))
  failed=$((failed + f))
  skipped=$((skipped + s))
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
    run_tests build-test-sanitize --no-suite kvm --no-suite gui --no-suite fuzz
  # (the fuzz smoke builds its own clang ASan+UBSan tree: once, in the plain run, is enough)
  # grep >/dev/null, not grep -q: under pipefail, grep -q exiting at the first match makes
  # `meson test --list` die of SIGPIPE, and the GUI run would be skipped without a word.
  if meson test -C build-test-sanitize --list 2>/dev/null | grep '^lockstep:gui' >/dev/null; then
    LIBBABELTRACE2_NO_DLCLOSE=1 ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
      run_tests build-test-sanitize --suite gui
  fi
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
