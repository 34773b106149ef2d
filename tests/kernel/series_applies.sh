#!/bin/sh
# series_applies.sh — TAP: lockstep's patches/ series applies cleanly to linux-source-6.12,
# both with `git am` and with `patch -p1`, and both give the same tree; the debug-only race
# injections of patches/inject/ apply on top of it.
#
# Only the files the series touches are unpacked from the tarball, so the test takes seconds
# (most of it decompressing). It skips only when the tarball is missing.
#
# usage: series_applies.sh SOURCE_ROOT   (env LOCKSTEP_LINUX_TARBALL overrides the tarball)

# shellcheck disable=SC2086 # the patch list is split on purpose
root=${1:-$(dirname "$0")/../..}
tarball=${LOCKSTEP_LINUX_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
top=linux-source-6.12

if [ ! -f "$tarball" ]; then
	echo "1..0 # SKIP $tarball missing (apt-get install linux-source-6.12)"
	exit 0
fi

root=$(cd "$root" && pwd) || exit 1
patches=$(ls "$root"/patches/*.patch 2>/dev/null)
injects=$(ls "$root"/patches/inject/*.patch 2>/dev/null)
work=$(mktemp -d "${TMPDIR:-/tmp}/lockstep-series.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM

# shellcheck source=tests/tap.sh
. "$(dirname "$0")/../tap.sh"

echo "1..10"

# What the series was verified against, and what is installed here: printed with every run, so
# that a failure on a newer Debian point release says so at once (docs/kernel.md: rebasing).
base_sublevel=$(sed -n 's/^sublevel *= *//p' "$root/patches/BASE" 2>/dev/null)
base_debian=$(sed -n 's/^debian *= *//p' "$root/patches/BASE" 2>/dev/null)
installed=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null)
echo "# series verified on linux-source-6.12 ${base_debian:-?} (6.12.${base_sublevel:-?}); installed: ${installed:-not from a package} ($tarball)"

[ -n "$patches" ]
result $? "patches/ holds a series"

# Files the series modifies (must exist in the base) and creates; a file one patch creates and
# a later one changes is not in the base.
created_any=$(cat $patches $injects | awk '/^--- \/dev\/null/ { getline; sub(/^\+\+\+ b\//, ""); print }' | sort -u)
modified=$(cat $patches $injects | sed -n 's|^--- a/||p' | sort -u | comm -23 - "$(printf '%s\n' $created_any > "$work/created_any"; echo "$work/created_any")")
created=$(cat $patches | awk '/^--- \/dev\/null/ { getline; sub(/^\+\+\+ b\//, ""); print }' | sort -u)

members=""
for f in Makefile $modified; do members="$members $top/$f"; done
mkdir -p "$work/unpack"
# shellcheck disable=SC2086
tar -xJf "$tarball" -C "$work/unpack" $members 2>"$work/tar.err"
result $? "tarball holds every file the series modifies" "$work/tar.err"

version=$(sed -n 's/^VERSION = //p;s/^PATCHLEVEL = //p' "$work/unpack/$top/Makefile" 2>/dev/null | paste -sd. -)
[ "$version" = "6.12" ]
result $? "tarball is Linux 6.12 (got '$version')"

sublevel=$(sed -n 's/^SUBLEVEL = //p' "$work/unpack/$top/Makefile" 2>/dev/null)
[ -n "$base_sublevel" ] && [ "$sublevel" = "$base_sublevel" ]
result $? "tarball is the verified base 6.12.${base_sublevel:-?} (got 6.12.$sublevel; a newer one needs the rebase of docs/kernel.md)"

# patch -p1: no fuzz, no rejects; offsets are reported but allowed.
cp -a "$work/unpack/$top" "$work/patched"
: > "$work/patch.log"
status=0
for p in $patches; do
	if ! (cd "$work/patched" && patch -p1 --fuzz=0 --no-backup-if-mismatch -i "$p") >>"$work/patch.log" 2>&1; then
		echo "$(basename "$p") failed" >> "$work/patch.log"
		status=1
		break
	fi
done
first=$(grep -m1 -B1 'FAILED at' "$work/patch.log" | sed -n 's/^patching file //p;s/^Hunk \(#[0-9]*\) FAILED at \([0-9]*\).*/hunk \1 at line \2/p' | paste -sd' ' -)
result $status "series applies with patch -p1 --fuzz=0${first:+ (first failing: $(basename "$p") $first)}" "$work/patch.log"
grep -i 'offset' "$work/patch.log" | sed 's/^/# note: /'

# git am on a repository holding the same base files.
cp -a "$work/unpack/$top" "$work/git"
(
	cd "$work/git" &&
	git init -q &&
	git add -f -A &&
	git -c user.name=lockstep -c user.email=lockstep@localhost commit -q -m base &&
	git -c user.name=lockstep -c user.email=lockstep@localhost am -q $patches
) > "$work/am.log" 2>&1
result $? "series applies with git am" "$work/am.log"

rm -rf "$work/git/.git"
diff -r "$work/patched" "$work/git" > "$work/diff.log" 2>&1
result $? "patch -p1 and git am give the same tree" "$work/diff.log"

status=0
: > "$work/created.log"
for f in $created; do
	[ -f "$work/patched/$f" ] || { echo "missing $f" >> "$work/created.log"; status=1; }
done
for f in include/trace/events/lockstep.h include/linux/lockstep.h mm/lockstep.c; do
	echo "$created" | grep -qx "$f" || { echo "series does not create $f" >> "$work/created.log"; status=1; }
done
result $status "series creates the trace header, the hook header and mm/lockstep.c" "$work/created.log"

[ -n "$injects" ]
result $? "patches/inject/ holds the race injections"

status=0
: > "$work/inject.log"
for p in $injects; do
	if ! (cd "$work/patched" && patch -p1 --fuzz=0 --no-backup-if-mismatch -i "$p") >>"$work/inject.log" 2>&1; then
		echo "$(basename "$p") failed" >> "$work/inject.log"
		status=1
	fi
done
result $status "patches/inject/ applies on top of the series with patch -p1 --fuzz=0" "$work/inject.log"

tap_done
