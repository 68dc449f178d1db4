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

# micro_run NAME HEADER PARAM...: one run of the engine microbenchmark, 20,000 jobs with the
# PARAMs; its rpd-bench line (left in $line) reports them all (HEADER: the fields that follow
# jobs=N), none reordered and none lost.
micro_run() {
	mr_name=$1 mr_head=$2
	shift 2
	dmesg -c >/dev/null
	check "${mr_name}_run" insmod $M/rust_padata.ko bench_jobs=20000 "$@"
	line=$(dmesg | grep 'rpd-bench:' | tail -n 1)
	echo "rpd: $line"
	expect_eq "${mr_name}_jobs_reported" \
		"$(echo "$line" | sed -n "s/.* jobs=\([0-9]*\) $mr_head .*/\1/p")" 20000
	expect_eq "${mr_name}_none_reordered" "$(bench_field reordered)" 0
	expect_eq "${mr_name}_none_lost" "$(bench_field lost)" 0
	check "${mr_name}_unload" rmmod rust_padata
}
# bench_field NAME: the number after NAME= in $line.
bench_field() { echo "$line" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }

# Bursts of 8 jobs per submitter, each waited for (bench_depth): the burst path of the
# microbenchmark keeps every job and its order too.
micro_run burst "submitters=4 depth=8" bench_submitters=4 bench_depth=8

# One job at a time per submitter through the synchronous path (bench_sync), 4 submitters:
# every job reported once and in its submitter's order, whether it ran directly
# (Shell::do_direct), its submitter took it back or its serial part ran; some run
# directly. The same with every job costlier than a handoff (handoff_ns=1), where which
# path a job takes depends on how the submitters' jobs overlap. (Since 985fb00 cheap lone
# jobs all run directly, so only costly ones take the synchronous return.) With one
# submitter, whose costly jobs are all alone, the first one and the probes of the
# synchronous return, with the job after each, go through the shell, the first coming
# back synchronously, and the others run directly (before ee55bbc none did).
micro_run sync "submitters=4 depth=1 sync=1" bench_submitters=4 bench_sync=1
check sync_some_direct test "$(bench_field direct)" -gt 0
micro_run sync_costly "submitters=4 depth=1 sync=1" bench_submitters=4 bench_sync=1 \
	handoff_ns=1
micro_run sync_costly_one "submitters=1 depth=1 sync=1" bench_submitters=1 bench_sync=1 \
	handoff_ns=1
check sync_costly_one_some_direct test "$(bench_field direct)" -gt 0
check sync_costly_one_some_handed_back test "$(bench_field sync_back)" -gt 0

check reload insmod $M/rust_padata.ko
# Later scripts load modules whose KUnit suites should run again (no newline: the
# parameter is taken verbatim as the glob).
printf '*.*' >/sys/module/kunit/parameters/filter_glob
suite_end
