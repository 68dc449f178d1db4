#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rpd.mode=exec: run the commands of /guest/exec-cmds.sh (put there by `make exec
# CMDS=file`), for development and benchmarks.
. /guest/lib.sh
# For command files that do not source lib.sh themselves.
export M
[ -f /guest/exec-cmds.sh ] && sh -x /guest/exec-cmds.sh
