#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Harness self-tests: feed canned console logs and result channels to check-results.py and
# assert its verdict (exit status and the message naming the cause); and experiment.sh's
# report of a failed mode.
# Usage: run.sh PATH/TO/kunit.py
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kunit_py=$1
passed=0
failed=0
for case in "$here"/cases/*/; do
	name=$(basename "$case")
	IFS='|' read -r want_rc want_msg <"$case/expect"
	read -ra extra <"$case/args"
	extra=("${extra[@]//CASEDIR/$case}")
	out=$(python3 "$here/../check-results.py" --quiet --kunit-py "$kunit_py" \
		--console "$case/console.log" --results "$case/results.txt" \
		--workdir "$(mktemp -d)" "${extra[@]}" 2>&1)
	rc=$?
	if [ "$rc" = "$want_rc" ] && grep -qE -- "$want_msg" <<<"$out"; then
		passed=$((passed + 1))
		echo "ok   $name"
	else
		failed=$((failed + 1))
		echo "FAIL $name: wanted exit $want_rc and /$want_msg/, got exit $rc:"
		sed 's/^/     /' <<<"$out"
	fi
done
# experiment.sh --report-only: a mode whose report fails (here a garbled S line) is named in
# the report and makes the script fail (b916fec; its exit status was lost in a pipeline).
exp_out=$(mktemp -d)
echo "S c-211 | before ctxt=garbled" >"$exp_out/raw.txt"
"$here/../experiment.sh" --report-only --out "$exp_out" --modes 211 c=c r=rs >/dev/null 2>&1
rc=$?
if [ "$rc" != 0 ] && grep -q "no report for mode 211" "$exp_out/report.txt"; then
	passed=$((passed + 1))
	echo "ok   experiment_report_fails"
else
	failed=$((failed + 1))
	echo "FAIL experiment_report_fails: wanted a non-zero exit and the mode named, got exit $rc"
fi
rm -rf "$exp_out"
echo "harness self-tests: $passed passed, $failed failed"
[ "$failed" = 0 ]
