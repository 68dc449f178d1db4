#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# 100 load/unload cycles of both modules after use (engine jobs, an instance created and
# driven by tcrypt); rmmod while transforms exist or jobs are in flight must be refused, rmmod
# with unused instances removes them (as with C pcrypt), never a crash; nothing may leak.
. /guest/lib.sh
suite_begin stress_load_unload
N=${RPD_LOAD_CYCLES:-100}
S=/sys/devices/system/cpu/hotplug/states

gcm=$(inner_driver "gcm(aes)")
del_all_pcrypt
check unload_rust_pcrypt rmmod rust_pcrypt
check unload_rust_padata rmmod rust_padata
kmemleak_clear
kmsg_mark
# Instances are created without self-tests here (they ran for this AEAD in scenario 30);
# every 10th cycle drives the instance with tcrypt.
echo 1 >/sys/module/cryptomgr/parameters/notests
# The module's use count: non-zero while a transform of one of its instances exists.
refs() { awk '$1 == "rust_pcrypt" { print $3 }' /proc/modules; }
bad=0 refused=0 raced=0
for i in $(seq 1 "$N"); do
	insmod $M/rust_padata.ko bench_jobs=2000 bench_submitters=2 || bad=$((bad + 1))
	insmod $M/rust_pcrypt.ko debugfs=1 || bad=$((bad + 1))
	rpd-crconf add "pcrypt($gcm)" 3 || bad=$((bad + 1))
	if [ $((i % 10)) = 0 ]; then
		# rmmod while tcrypt has requests in flight through the instance: refused.
		insmod $M/tcrypt.ko mode=215 num_mb=8 >/dev/null 2>&1 &
		tpid=$!
		t=0
		while [ "$(refs)" = 0 ] && [ $t -lt 100 ]; do
			sleep 0.1
			t=$((t + 1))
		done
		if [ "$(refs)" = 0 ]; then
			raced=$((raced + 1))
		elif rmmod rust_pcrypt 2>/dev/null; then
			bad=$((bad + 1))
		else
			refused=$((refused + 1))
		fi
		wait "$tpid"
	fi
	# rmmod while an unused instance exists: allowed, and it removes the instance (as C's
	# crypto_unregister_template() does).
	rmmod rust_pcrypt || bad=$((bad + 1))
	! grep -q "^driver.*: pcrypt(" /proc/crypto || bad=$((bad + 1))
	rmmod rust_padata || bad=$((bad + 1))
done
echo 0 >/sys/module/cryptomgr/parameters/notests
echo "rpd: load/unload: $N cycles, $refused refused rmmods, $raced missed tcrypt, $bad unexpected results"
expect_eq cycles_clean "$bad" 0
expect_eq busy_rmmods_refused "$((refused + raced))" $((N / 10))
check busy_rmmods_tried test "$refused" -ge 1
expect_eq engine_runs_all_in_order "$(kmsg_since | grep 'rpd-bench:' | grep -c ' reordered=0 lost=0')" "$N"
check modules_gone sh -c '! grep -q "^rust_p" /proc/modules'
check kset_gone test ! -e /sys/kernel/pcrypt
check hotplug_states_gone sh -c "! grep -q 'rust_p' $S"

# rmmod racing a module init that has engine jobs in flight: refused while it runs.
kmsg_mark
insmod $M/rust_padata.ko bench_jobs=200000 bench_submitters=4 &
ipid=$!
sleep 1
expect_eq module_still_initialising "$(awk '$1 == "rust_padata" { print $5 }' /proc/modules)" Loading
if rmmod rust_padata 2>/dev/null; then
	fail rmmod_during_init_refused "rmmod succeeded during init"
else
	pass rmmod_during_init_refused
fi
wait "$ipid"
expect_eq init_with_jobs_completed "$?" 0
expect_eq engine_run_complete_in_order \
	"$(kmsg_since | grep 'rpd-bench:.* jobs=200000 ' | grep -c ' reordered=0 lost=0')" 1
check unload_after_init rmmod rust_padata

expect_eq kmemleak_no_leaks "$(kmemleak_count)" 0
check reload_rust_padata insmod $M/rust_padata.ko
check reload_rust_pcrypt insmod $M/rust_pcrypt.ko debugfs=1
suite_end
