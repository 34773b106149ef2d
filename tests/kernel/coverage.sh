#!/bin/sh
# coverage.sh — the lock coverage of the patched Linux tree, through tracer/coverage.py:
#   balanced   every acquire/release pair is traced on both halves or on neither, every untraced
#              site has a reason (coverage.py --check)
#   table      docs/coverage.md is the table coverage.py generates from the patched tree today
#              (coverage.py --diff; fails with the diff)
# The patched tree is unpacked once into CACHE_DIR, keyed on the tarball and the patches.
# Exits 77 (meson: skipped) only when linux-source-6.12 is not installed.
#
# usage: coverage.sh balanced|table SOURCE_ROOT CACHE_DIR
#        (env LOCKSTEP_LINUX_TARBALL overrides the tarball)
mode=$1
root=$2
cache=$3
tarball=${LOCKSTEP_LINUX_TARBALL:-/usr/src/linux-source-6.12.tar.xz}

if [ ! -f "$tarball" ]; then
	echo "coverage.sh: SKIP: $tarball missing (apt-get install linux-source-6.12)"
	exit 77
fi
case $mode in
balanced)
	exec python3 "$root/tracer/coverage.py" --tarball "$tarball" --cache "$cache" --check ;;
table)
	exec python3 "$root/tracer/coverage.py" --tarball "$tarball" --cache "$cache" \
		--diff "$root/docs/coverage.md" ;;
*)
	echo "usage: coverage.sh balanced|table SOURCE_ROOT CACHE_DIR" >&2
	exit 2 ;;
esac
