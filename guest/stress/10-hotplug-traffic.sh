#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# CPU offline/online cycles (random CPUs, never the last online one) under continuous AEAD
# traffic through Rust pcrypt (tcrypt mode 215) and ordered engine traffic (rust_padata's
# microbenchmark, 4 submitters, following hotplug), while the debugfs counters are read:
# every request completes, no job is lost or reordered, no kernel report.
. /guest/lib.sh
suite_begin stress_hotplug_traffic
cycles_wanted=${RPD_HP_CYCLES:-200}
ncpu=$(grep -c ^processor /proc/cpuinfo)
S=/sys/devices/system/cpu

rfc=$(inner_driver "rfc4106(gcm(aes))")
gcm=$(inner_driver "gcm(aes)")
check create_pcrypt_rfc4106 rpd-crconf add "pcrypt($rfc)" 3
check create_pcrypt_gcm rpd-crconf add "pcrypt($gcm)" 3
check rust_pcrypt_is_best test "$(best 'rfc4106(gcm(aes))')" = "pcrypt($rfc)"

kmsg_mark
check unload_rust_padata rmmod rust_padata
traffic_start
rm -f /tmp/.padata-fail
(
	while [ ! -e /tmp/.traffic-stop ]; do
		# lane_max=4096: as many lanes as online parallel CPUs race the hotplug.
		insmod $M/rust_padata.ko bench_jobs=20000 bench_submitters=4 bench_hotplug=1 \
			lane_max=4096 ||
			echo insmod >>/tmp/.padata-fail
		rmmod rust_padata || echo rmmod >>/tmp/.padata-fail
	done
) &
padata_pid=$!
# Read the pcrypt shells' debugfs counters all along (rust_pcrypt stays loaded meanwhile: a
# debugfs file must not be open across rmmod, see Documentation/ABI/testing/).
(
	while [ ! -e /tmp/.traffic-stop ]; do
		cat /sys/kernel/debug/rust_pcrypt/*/*/stats >/dev/null 2>&1
	done
) &
reader_pid=$!

# Toggle random CPUs; CPU 0 (which x86 cannot offline) keeps one CPU online at all times.
offlines=0
errors=0
while [ "$offlines" -lt "$cycles_wanted" ]; do
	# shellcheck disable=SC3028 # busybox ash has $RANDOM
	cpu=$((RANDOM % (ncpu - 1) + 1))
	if [ "$(cat $S/cpu$cpu/online)" = 1 ]; then
		echo 0 >$S/cpu$cpu/online || errors=$((errors + 1))
		offlines=$((offlines + 1))
	else
		echo 1 >$S/cpu$cpu/online || errors=$((errors + 1))
	fi
done
for c in $(seq 1 $((ncpu - 1))); do
	echo 1 >$S/cpu$c/online || errors=$((errors + 1))
done
traffic_stop
wait "$padata_pid" "$reader_pid"
echo "rpd: hotplug: $offlines offline cycles, $TRAFFIC_RUNS tcrypt runs, $(kmsg_since | grep -c 'rpd-bench:') engine runs"

expect_eq hotplug_writes_ok "$errors" 0
check offline_cycles_done test "$offlines" -ge "$cycles_wanted"
expect_eq all_cpus_back "$(cat $S/online)" "0-$((ncpu - 1))"
check tcrypt_ran test "$TRAFFIC_RUNS" -ge 1
check tcrypt_measured_rust_pcrypt \
	test "$(kmsg_since | grep -cF "multibuffer rfc4106(gcm(aes)) (pcrypt($rfc))")" -ge 1
expect_eq tcrypt_no_failure "$(kmsg_since | grep -c -E 'tcrypt: .*(failed|error)')" 0
check engine_module_cycles_ok test ! -e /tmp/.padata-fail
runs=$(kmsg_since | grep -c 'rpd-bench:')
check engine_ran test "$runs" -ge 1
expect_eq engine_all_jobs "$(kmsg_since | grep 'rpd-bench:' | grep -c ' jobs=20000 ')" "$runs"
expect_eq engine_none_reordered "$(kmsg_since | grep 'rpd-bench:' | grep -c ' reordered=0 lost=0')" "$runs"

check reload_rust_padata insmod $M/rust_padata.ko
suite_end
