# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for `RPD_CPUS=2 RPD_TIMEOUT=2400 make exec
# CMDS=Documentation/bench/two-vcpu-script.sh`: the engine microbenchmark (several
# submitters; CPU work per job) and tcrypt mode 215 (num_mb 32 and 8) for plain, C pcrypt and
# Rust pcrypt, in one boot. Meant for a guest with no more vCPUs than host cores, to compare
# with the default 4-vCPU runs (see "vCPU overcommit" in Documentation/bench.rst).
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
for s in 1 4; do
	for d in 1 8; do
		engine_bench bench_jobs=10000 bench_submitters=$s bench_depth=$d |
			sed "s/^.*rpd-bench:/rpd: engine /"
	done
done
for d in 32 8; do
	engine_bench bench_jobs=5000 bench_submitters=1 bench_depth=$d bench_work_ns=45000 |
		sed "s/^.*rpd-bench:/rpd: engine /"
done
for mb in 32 8; do
	tcrypt_speed "plain$mb" 215 "$mb"
	run() { tcrypt_speed "$1" 215 "$mb"; }
	through_pcrypt pcrypt pcrypt.ko run "c$mb"
	through_pcrypt pcrypt_rs "rust_pcrypt.ko alt_name=1" run "rust$mb"
done
