#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: lint, harness self-tests, the full guest test run on the custom kernel, judged on
# the host; then (unless RPD_STRESS=0) the torture battery on the debug kernel (make stress).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
say "rust-padata make check; logs and artefacts in $BUILD"

user_kdir=${KDIR:-}
. "$TOP/scripts/prepare.sh"

"$TOP/scripts/lint.sh" || die "lint failed (see the logs named above)"

step harness-selftest "harness self-tests (canned KTAP and console logs)" \
	"$TOP/scripts/selftest/run.sh" "$KSRC/tools/testing/kunit/kunit.py"

rc=0
# More possible CPUs than online ones (twice as many, present but not brought up at boot), as
# on machines with hotplug slots and on distribution kernels: per-CPU state is sized by the
# possible CPUs, masks default to them, and usable masks must leave the offline ones out.
RPD_POSSIBLE=${RPD_POSSIBLE:-$((2 * ${RPD_CPUS:-4}))} \
	boot_and_judge check "${RPD_TIMEOUT:-900}" "$TOP/scripts/expected-suites" || rc=$?
[ "$rc" = 0 ] || verdict "make check" "$rc" "$BUILD/check-console.log" || exit "$rc"
say "tests on the custom kernel: PASS"

if [ "${RPD_STRESS:-1}" = 0 ]; then
	say "torture battery skipped (RPD_STRESS=0)"
elif [ -n "$user_kdir" ]; then
	say "torture battery skipped: it needs the project's debug kernel, not KDIR=$user_kdir"
else
	say "torture battery on the debug kernel (make stress; RPD_STRESS=0 skips it)"
	# The stress stage builds and uses its own kernel and module build.
	env -u KDIR -u KSRC -u BZIMAGE -u MODDIR "$TOP/scripts/stress.sh" || rc=$?
fi
verdict "make check" "$rc" "$BUILD/stress-console.log"
