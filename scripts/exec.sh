#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make exec CMDS=file: boot the guest and run the shell commands in FILE (modules are in $M).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ -n "${CMDS:-}" ] && [ -f "$CMDS" ] || die "usage: make exec CMDS=file"
. "$TOP/scripts/prepare.sh"
RPD_EXEC=$(cd "$(dirname "$CMDS")" && pwd)/$(basename "$CMDS") RPD_SHOW='^(rpd|\+ |\[ *[0-9.]+\] rpd)' \
	RPD_TIMEOUT=${RPD_TIMEOUT:-900} "$TOP/scripts/boot.sh" exec
