#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rust_pcrypt's debugfs counters (Documentation/ABI/testing/debugfs-rust-padata): a directory
# per padata instance and per shell, traffic shown after the self-tests, counters and latency
# histograms that add up, the reader tool's report of the traffic, reset, and directories
# gone with the algorithm instance.
. /guest/lib.sh
suite_begin guest_debugfs

D=/sys/kernel/debug/rust_pcrypt
check instance_dirs test -d $D/pencrypt -a -d $D/pdecrypt
gcm=$(inner_driver "gcm(aes)")
before=$(ls $D/pencrypt $D/pdecrypt | sort)
# The crypto self-tests of a new instance encrypt and decrypt through its two shells, while
# the reader tool watches (it reports a shell that did something in its interval).
rpd-stat 2000 1 >/tmp/rpd-stat.out 2>&1 &
stat_pid=$!
sleep 0.2
check create_pcrypt rpd-crconf add "pcrypt($gcm)" 3
expect_eq selftest_passed "$(field "pcrypt($gcm)" selftest)" passed
wait $stat_pid
expect_eq rpd_stat_exit $? 0
check rpd_stat_header grep -q "^shell .*sub/s.*p99us" /tmp/rpd-stat.out
# counter FILE NAME: the value of counter NAME in FILE.
counter() { awk -v n="$2" '$1 == n { print $2 }' "$1"; }
# hist_total FILE NAME: the sum of the buckets of histogram NAME in FILE.
hist_total() { awk -v n="$2" '$1 == n { for (i = 2; i <= NF; i++) t += $i; print t }' "$1"; }
for i in pencrypt pdecrypt; do
	new=$(ls $D/$i | while read -r s; do
		echo "$before" | grep -qx "$s" || echo "$s"
	done)
	s=$D/$i/$new
	check "${i}_one_new_shell" test -n "$new" -a "$(echo "$new" | wc -l)" = 1
	check "${i}_files" test -r "$s/stats" -a -w "$s/reset"
	sub=$(counter "$s/stats" submitted)
	check "${i}_traffic" test "${sub:-0}" -gt 0
	# The self-tests wait for each request (crypto_wait_req()) in process context: the lone
	# ones come back synchronously (Documentation/pcrypt.rst, "Synchronous completion").
	nsync=$(counter "$s/stats" sync_completed)
	check "${i}_waiting_caller_sync" test "${nsync:-0}" -gt 0
	# Once their cost is measured, lone cheap requests over the synchronous inner gcm run
	# it directly (Documentation/pcrypt.rst, "Direct requests"), outside the counters above.
	ndirect=$(counter "$s/stats" direct)
	check "${i}_direct" test "${ndirect:-0}" -gt 0
	# Of those, the kept and the lone costly ones (no reset yet, so no more than direct).
	nkind=$(($(counter "$s/stats" direct_kept) + $(counter "$s/stats" direct_lone)))
	check "${i}_direct_kinds" test "$nkind" -le "${ndirect:-0}"
	expect_eq "${i}_in_flight_0" "$(counter "$s/stats" in_flight)" 0
	expect_eq "${i}_all_completed" \
		"$(($(counter "$s/stats" completed) + $(counter "$s/stats" skipped)))" "$sub"
	expect_eq "${i}_paths_add_up" "$(($(counter "$s/stats" path_inline) + \
		$(counter "$s/stats" path_lane) + $(counter "$s/stats" path_unbound_lane)))" "$sub"
	expect_eq "${i}_nothing_refused" "$(awk '/^refused_/ { n += $2 } END { print n }' "$s/stats")" 0
	# Both histograms count every completed job (the instance is idle).
	expect_eq "${i}_latency_total" "$(hist_total "$s/stats" latency_ns_log2)" \
		"$(counter "$s/stats" completed)"
	expect_eq "${i}_reorder_wait_total" "$(hist_total "$s/stats" reorder_wait_ns_log2)" \
		"$(counter "$s/stats" completed)"
	# The reader reported this shell, with a latency median and 99th percentile.
	check "${i}_rpd_stat_shell" grep -Eq \
		"^rust_pcrypt/$i/$new .* [0-9.]+ +[0-9.]+\$" /tmp/rpd-stat.out
	check "${i}_reset" sh -c "echo 1 > $s/reset"
	# Everything but states (jobs in flight, the split, the lane cap and its history).
	expect_eq "${i}_reset_zeroes" "$(awk '$1 !~ /^(in_flight|split_ns|lane_cap.*)$/ {
		for (i = 2; i <= NF; i++) n += $i } END { print n }' "$s/stats")" 0
	eval "shell_$i=$s"
done
check delete_pcrypt rpd-crconf del "pcrypt($gcm)" 3
# The crypto API frees a deleted instance from a work item: wait up to 10 s for it.
# shellcheck disable=SC2154 # set by the eval above
gone() { test ! -e "$shell_pencrypt" -a ! -e "$shell_pdecrypt"; }
n=0
while ! gone && [ $n -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
check shell_dirs_gone gone
suite_end
