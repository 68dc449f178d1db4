# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for `RPD_TIMEOUT=2400 make exec CMDS=Documentation/bench/unbound-script.sh`:
# the engine microbenchmark with pinned and unbound lanes, then tcrypt mode 215 (sec=1) with
# num_mb 32 and 8: C pcrypt, Rust pcrypt with pinned lanes (lane_unbound_queued=0) and
# with lanes always on the unbound workqueue (lane_unbound_queued=1), all in one boot. (Run
# on 2026-12-01 as lane_unbound=0/1, the boolean this parameter replaced.)
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
for r in 1 2; do
	for d in 0 8; do
		for u in 0 1; do
			engine_bench bench_jobs=100000 bench_submitters=1 bench_depth=$d \
				lane_unbound_queued=$u | sed "s/^.*rpd-bench:/rpd: engine rep=$r unbound=$u /"
		done
	done
done
for mb in 32 8; do
	run() { tcrypt_speed "$1" 215 "$mb"; }
	through_pcrypt pcrypt pcrypt.ko run "c$mb"
	through_pcrypt pcrypt_rs "rust_pcrypt.ko alt_name=1 lane_unbound_queued=0" run "pin$mb"
	through_pcrypt pcrypt_rs "rust_pcrypt.ko alt_name=1 lane_unbound_queued=1" run "unb$mb"
done
