#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Sequence numbers wrapping around u32 in the middle of a loaded run (4 submitters), with 1 to
# all CPUs in the parallel mask (3 is the non-power-of-two case that deadlocked C padata).
. /guest/lib.sh
suite_begin stress_seq_wrap
ncpu=$(grep -c ^processor /proc/cpuinfo)
rmmod rust_padata 2>/dev/null
for n in $(seq 1 "$ncpu"); do
	kmsg_mark
	check "run_${n}_cpus" insmod $M/rust_padata.ko bench_jobs=100000 bench_submitters=4 \
		bench_cpus="$n" bench_wrap=1
	line=$(kmsg_since | grep 'rpd-bench:' | tail -n 1)
	echo "rpd: $line"
	expect_eq "cpus_$n" "$(echo "$line" | sed -n 's/.* cpus=\([0-9]*\) .*/\1/p')" "$n"
	expect_eq "wraps_$n" "$(echo "$line" | sed -n 's/.* first_seq=\([0-9]*\) .*/\1/p')" 4294917296
	expect_eq "all_jobs_$n" "$(echo "$line" | sed -n 's/.* jobs=\([0-9]*\) .*/\1/p')" 100000
	expect_eq "in_order_$n" "$(echo "$line" | sed -n 's/.* reordered=\([0-9]*\) lost=\([0-9]*\).*/\1 \2/p')" "0 0"
	rmmod rust_padata
done
check reload_rust_padata insmod $M/rust_padata.ko
suite_end
