#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# CPU offline/online cycles while the Rust engine carries ordered traffic: 4 submitters,
# instance registered with the cpuhp multi-instance state. Nothing may be lost or reordered.
. /guest/lib.sh
suite_begin guest_hotplug

ncpu=$(grep -c ^processor /proc/cpuinfo)
# The engine suites already ran at the first load: do not run them again.
echo none >/sys/module/kunit/parameters/filter_glob
check unload_for_traffic rmmod rust_padata
dmesg -c >/dev/null

insmod $M/rust_padata.ko bench_jobs=400000 bench_submitters=4 bench_hotplug=1 &
pid=$!
cycles=0
errors=0
while kill -0 "$pid" 2>/dev/null; do
	# shellcheck disable=SC3028 # busybox ash has $RANDOM
	cpu=$((RANDOM % (ncpu - 1) + 1))
	echo 0 >/sys/devices/system/cpu/cpu$cpu/online || errors=$((errors + 1))
	echo 1 >/sys/devices/system/cpu/cpu$cpu/online || errors=$((errors + 1))
	cycles=$((cycles + 1))
done
wait "$pid"
expect_eq traffic_module_loaded "$?" 0
echo "rpd: hotplug: $cycles offline/online cycles during traffic"

line=$(dmesg | grep 'rpd-bench:' | tail -n 1)
echo "rpd: $line"
expect_eq jobs_reported "$(echo "$line" | sed -n 's/.* jobs=\([0-9]*\) .*/\1/p')" 400000
expect_eq no_job_reordered "$(echo "$line" | sed -n 's/.* reordered=\([0-9]*\).*/\1/p')" 0
expect_eq no_job_lost "$(echo "$line" | sed -n 's/.* lost=\([0-9]*\).*/\1/p')" 0
expect_eq hotplug_writes_ok "$errors" 0
check cycles_happened test "$cycles" -ge 5
expect_eq all_cpus_back "$(cat /sys/devices/system/cpu/online)" "0-$((ncpu - 1))"
check hotplug_state_registered grep -q rust_padata:online /sys/devices/system/cpu/hotplug/states
check unload_after_traffic rmmod rust_padata
check hotplug_state_removed sh -c '! grep -q rust_padata:online /sys/devices/system/cpu/hotplug/states'

# Bursts of 8 jobs per submitter, each waited for (bench_depth): the burst path of the
# microbenchmark keeps every job and its order too.
dmesg -c >/dev/null
check burst_run insmod $M/rust_padata.ko bench_jobs=20000 bench_submitters=4 bench_depth=8
line=$(dmesg | grep 'rpd-bench:' | tail -n 1)
echo "rpd: $line"
expect_eq burst_jobs_reported "$(echo "$line" | sed -n 's/.* jobs=\([0-9]*\) submitters=4 depth=8 .*/\1/p')" 20000
expect_eq burst_none_reordered "$(echo "$line" | sed -n 's/.* reordered=\([0-9]*\).*/\1/p')" 0
expect_eq burst_none_lost "$(echo "$line" | sed -n 's/.* lost=\([0-9]*\).*/\1/p')" 0
check burst_unload rmmod rust_padata

# One job at a time per submitter through the synchronous path (bench_sync), 4 submitters:
# every job reported once and in its submitter's order, whether its submitter took it back
# or its serial part ran, and lone jobs do come back synchronously.
dmesg -c >/dev/null
check sync_run insmod $M/rust_padata.ko bench_jobs=20000 bench_submitters=4 bench_sync=1
line=$(dmesg | grep 'rpd-bench:' | tail -n 1)
echo "rpd: $line"
expect_eq sync_jobs_reported "$(echo "$line" | sed -n 's/.* jobs=\([0-9]*\) submitters=4 depth=1 sync=1 .*/\1/p')" 20000
expect_eq sync_none_reordered "$(echo "$line" | sed -n 's/.* reordered=\([0-9]*\).*/\1/p')" 0
expect_eq sync_none_lost "$(echo "$line" | sed -n 's/.* lost=\([0-9]*\).*/\1/p')" 0
check sync_some_handed_back test "$(echo "$line" | sed -n 's/.* sync_back=\([0-9]*\).*/\1/p')" -gt 0
check sync_unload rmmod rust_padata
check reload insmod $M/rust_padata.ko
# Later scripts load modules whose KUnit suites should run again (no newline: the
# parameter is taken verbatim as the glob).
printf '*.*' >/sys/module/kunit/parameters/filter_glob
suite_end
