# shellcheck shell=sh
# tap.sh — TAP helpers for the shell tests, sourced: `. "$(dirname "$0")/../tap.sh"`.
#   result STATUS NAME [DIAG]       prints "ok N - NAME" when STATUS is 0, else "not ok N - NAME"
#                                   and the first lines of DIAG (a file, or else the text itself)
#                                   as # diagnostics
#   skip NAME                       prints "ok N # SKIP NAME"
#   tap_done                        the exit status: 0 when nothing failed
# The plan line ("1..N") is the script's own. n and failed count what was printed.
n=0
failed=0

result() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
		if [ -n "${3:-}" ] && [ -f "$3" ]; then
			sed 's/^/# /' "$3" | head -n 20
		elif [ -n "${3:-}" ]; then
			printf '%s\n' "$3" | sed 's/^/# /' | head -n 20
		fi
	fi
}

skip() {
	n=$((n + 1))
	echo "ok $n # SKIP $1"
}

tap_done() {
	[ "$failed" -eq 0 ]
}
