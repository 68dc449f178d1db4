# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for `make exec CMDS=Documentation/bench/batch-script.sh`: the engine
# microbenchmark (three times each with 1 and 4 submitters), then tcrypt mode 215 (sec=1)
# with num_mb 32 and 8: C pcrypt, Rust pcrypt with lane batches bounded by cost (default) and
# with up to 16 jobs per lane batch whatever they cost (lane_batch_ns=0), all in one boot.
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
for r in 1 2 3; do
	for s in 1 4; do
		engine_bench bench_jobs=200000 bench_submitters=$s |
			sed "s/^.*rpd-bench:/rpd: engine rep=$r /"
	done
done
for mb in 32 8; do
	run() { tcrypt_speed "$1" 215 "$mb"; }
	through_pcrypt pcrypt pcrypt.ko run "c$mb"
	through_pcrypt pcrypt_rs "rust_pcrypt.ko alt_name=1" run "rust$mb"
	through_pcrypt pcrypt_rs "rust_pcrypt.ko alt_name=1 lane_batch_ns=0" run "rustb16$mb"
done
