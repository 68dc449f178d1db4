# SPDX-License-Identifier: GPL-2.0
#
# Helpers for guest test scripts: each script is one KTAP suite.  Sourced, not run.
#
#   suite_begin NAME      start a suite
#   check NAME CMD...     one test case: passes when CMD exits 0
#   expect_eq NAME A B    one test case: passes when A = B (strings)
#   pass NAME / fail NAME WHY
#   suite_end             write the suite's KTAP to $RPD_RESULTS

RPD_RESULTS=${RPD_RESULTS:-/tmp/results}
mkdir -p "$RPD_RESULTS"

suite_begin() {
	SUITE=$1
	CASES=0
	FAILED=0
	BODY=/tmp/.suite.$SUITE
	: >"$BODY"
	echo "rpd: suite $SUITE (t=$(cut -d' ' -f1 /proc/uptime)s)"
}

pass() {
	CASES=$((CASES + 1))
	echo "    ok $CASES $1" >>"$BODY"
}

fail() {
	CASES=$((CASES + 1))
	FAILED=$((FAILED + 1))
	echo "    # $1: $2" >>"$BODY"
	echo "    not ok $CASES $1" >>"$BODY"
	echo "rpd: FAIL $SUITE.$1: $2"
}

check() {
	_name=$1
	shift
	if _out=$("$@" 2>&1); then
		pass "$_name"
	else
		fail "$_name" "'$*' failed: $(echo "$_out" | tail -n 3 | tr '\n' ' ')"
	fi
}

expect_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected '$3', got '$2'"
	fi
}

suite_end() {
	_n=$(ls "$RPD_RESULTS" | wc -l)
	{
		echo "KTAP version 1"
		echo "1..1"
		echo "    KTAP version 1"
		echo "    # Subtest: $SUITE"
		echo "    1..$CASES"
		cat "$BODY"
		if [ "$FAILED" = 0 ] && [ "$CASES" -gt 0 ]; then
			echo "ok 1 $SUITE"
		else
			echo "not ok 1 $SUITE"
		fi
	} >"$RPD_RESULTS/$(printf %02d "$_n")-$SUITE.ktap"
	echo "rpd: suite $SUITE: $((CASES - FAILED)) passed, $FAILED failed (t=$(cut -d' ' -f1 /proc/uptime)s)"
}

# Copy the KTAP of every loaded KUnit suite whose name matches one of the given shell patterns
# into the results (debugfs results vanish when the module that owns the suite is unloaded).
collect_kunit() {
	for d in /sys/kernel/debug/kunit/*/; do
		s=$(basename "$d")
		for pat in "$@"; do
			# shellcheck disable=SC2254
			case "$s" in
			$pat)
				_n=$(ls "$RPD_RESULTS" | wc -l)
				cp "$d/results" "$RPD_RESULTS/$(printf %02d "$_n")-$s.ktap"
				;;
			esac
		done
	done
}

# Send every collected suite to the host over the results port (ttyS1).
emit_results() {
	{
		echo "# rpd-results-begin"
		for f in "$RPD_RESULTS"/*.ktap; do
			[ -f "$f" ] || continue
			s=$(basename "$f" .ktap)
			echo "# rpd-suite ${s#*-}"
			cat "$f"
		done
		echo "# rpd-results-complete"
	} >/dev/ttyS1
}
