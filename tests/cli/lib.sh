# Helpers for CLI end-to-end tests: source it, then call `check`/`expect_*`.
set -u
ACCORD=$(realpath "${1:?usage: test.sh PATH_TO_ACCORD}")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# expect_exit CODE DESCRIPTION -- CMD...: runs CMD, captures out/err.
expect_exit() {
	local want=$1 what=$2
	shift 3
	"$@" >"$TMP/out" 2>"$TMP/err"
	local got=$?
	if [ "$got" -eq "$want" ]; then ok; else
		bad "$what: exit $got, wanted $want"
		sed 's/^/  stderr: /' "$TMP/err" | head -5 >&2
	fi
}

# expect_grep FILE REGEX DESCRIPTION
expect_grep() {
	if grep -qE -- "$2" "$1"; then ok; else
		bad "$3: /$2/ not in $(basename "$1")"
		head -5 "$1" | sed 's/^/  /' >&2
	fi
}

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
