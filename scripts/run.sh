#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make run: boot the custom kernel with the modules loaded and demonstrate them.  On a
# terminal the guest ends in an interactive shell; otherwise the scripted demo runs and QEMU
# exits by itself.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
say "rust-padata make run; logs and artefacts in $BUILD"

. "$TOP/scripts/prepare.sh"
# The demo shows the modules, not their KUnit suites (make check runs those).
RPD_APPEND="kunit.filter_glob=none ${RPD_APPEND:-}" RPD_SHOW='^(rpd:|guest#|    )' \
	RPD_TIMEOUT=${RPD_TIMEOUT:-600} "$TOP/scripts/boot.sh" run
