# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for `make exec CMDS=Documentation/bench/adaptive-linger-script.sh`: the
# adaptive serial poll window, all in one boot. The engine microbenchmark (one submitter
# waiting for every job: the serial worker's wakeup latency and final poll window), then
# tcrypt mode 211 for C pcrypt and Rust pcrypt, and mode 215 (num_mb 8 and 32) for C pcrypt,
# Rust pcrypt and Rust pcrypt with the window fixed at 30 us (serial_linger_max_ns=30000).
# Results go to build/exec-results.txt; configurations are named <engine><mode>, e.g. c211,
# r8, f32; split and summarise with same-boot-report.py after renaming one c* to c.
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
engine_bench bench_jobs=20000 bench_depth=1 >/dev/ttyS1
engine_bench bench_jobs=20000 bench_depth=8 >/dev/ttyS1
through_pcrypt pcrypt pcrypt.ko run211 c211
through_pcrypt pcrypt_rs "$RS" run211 r211
for mb in 8 32; do
	through_pcrypt pcrypt pcrypt.ko "run$mb" "c$mb"
	through_pcrypt pcrypt_rs "$RS" "run$mb" "r$mb"
	through_pcrypt pcrypt_rs "$RS serial_linger_max_ns=30000" "run$mb" "f$mb"
done
