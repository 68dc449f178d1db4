#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make stress: build the debug kernel variant (.config.fragment + scripts/debug.config: lockdep,
# KASAN, kmemleak, debugobjects, hung-task detection, failslab; cached separately), build the
# modules against it in a staged copy of the sources ($BUILD/stress-modules), boot it and run the torture battery of
# guest/stress/.  Every scenario is a KTAP suite; any kernel report in the console log (Oops,
# BUG, WARNING, lockdep, KASAN, kmemleak, hung task, ...) fails the run.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
say "rust-padata make stress; logs and artefacts in $BUILD"

RPD_MODDIR=$BUILD/stress-modules
. "$TOP/scripts/prepare.sh" "$TOP/scripts/debug.config"
for opt in CONFIG_KASAN CONFIG_PROVE_LOCKING CONFIG_DEBUG_KMEMLEAK CONFIG_FAILSLAB; do
	grep -q "^$opt=y" "$KDIR/.config" ||
		die "$KDIR is not a debug kernel ($opt is not set); see scripts/debug.config"
done

# KASAN's shadow memory and kmemleak's object pool need more than the default 1 GiB.
export RPD_MEM=${RPD_MEM:-2048}
rc=0
boot_and_judge stress "${RPD_TIMEOUT:-3600}" "$TOP/scripts/expected-stress-suites" || rc=$?
verdict "make stress" "$rc" "$BUILD/stress-console.log"
