#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: harness self-tests, then the full guest test run, judged on the host.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
say "rust-padata make check; logs and artefacts in $BUILD"

. "$TOP/scripts/prepare.sh"

"$TOP/scripts/lint.sh" || die "lint failed (see the logs named above)"

step harness-selftest "harness self-tests (canned KTAP and console logs)" \
	"$TOP/scripts/selftest/run.sh" "$KSRC/tools/testing/kunit/kunit.py"

qrc=0
"$TOP/scripts/boot.sh" check || qrc=$?

say "judging the run (kunit.py parse + kernel log scan)"
rc=0
python3 "$TOP/scripts/check-results.py" --console "$BUILD/check-console.log" \
	--results "$BUILD/check-results.txt" --qemu-rc "$qrc" --timeout "${RPD_TIMEOUT:-900}" \
	--kunit-py "$KSRC/tools/testing/kunit/kunit.py" --workdir "$BUILD/check" \
	--expect-suites "$TOP/scripts/expected-suites" || rc=$?
if [ "$rc" = 0 ]; then
	say "make check: PASS"
else
	say "make check: FAIL (console log: $BUILD/check-console.log)"
fi
exit "$rc"
