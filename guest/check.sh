#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rpd.mode=check: load the modules (their KUnit suites run at load), run every guest test
# script in /guest/tests while they are loaded, unload, and send all KTAP to the host.
. /guest/lib.sh

cpus=$(cmdline_arg rpd.cpus)
possible=$(cmdline_arg rpd.possible)

suite_begin guest_module
expect_eq cpus_online "$(cat /sys/devices/system/cpu/online)" "0-$((cpus - 1))"
expect_eq cpus_possible "$(cat /sys/devices/system/cpu/possible)" "0-$((${possible:-$cpus} - 1))"
# The engine's KUnit suites build their own Tuning (lane_max 0 unless a test sets one: each
# shell measures its lane cap); rust_padata's own lane_max=4096 is no cap.
check insmod_rust_padata insmod $M/rust_padata.ko lane_max=4096 debugfs=1
check insmod_rust_pcrypt insmod $M/rust_pcrypt.ko debugfs=1
check pcrypt_kset_present test -d /sys/kernel/pcrypt
check debugfs_present test -d /sys/kernel/debug/rust_pcrypt -a -d /sys/kernel/debug/rust_padata
collect_kunit 'rust_padata*' 'rust_pcrypt*'

for t in /guest/tests/*.sh; do
	[ -f "$t" ] && sh "$t"
done

check rmmod_rust_pcrypt rmmod rust_pcrypt
check rmmod_rust_padata rmmod rust_padata
check pcrypt_kset_gone test ! -e /sys/kernel/pcrypt
check debugfs_gone test ! -e /sys/kernel/debug/rust_pcrypt -a ! -e /sys/kernel/debug/rust_padata
check modules_gone sh -c '! grep -q "^rust_p" /proc/modules'
suite_end

# Tests that leave state behind that cannot be undone (see guest/late/60-ipsec.sh).
for t in /guest/late/*.sh; do
	[ -f "$t" ] && sh "$t"
done

emit_results
