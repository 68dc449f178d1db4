# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for `make exec CMDS=Documentation/bench/adaptive-idle-script.sh`: the
# adaptive serial poll window, used beyond the initial window only while the shell has no
# job in flight; one boot. Engine microbenchmark lines, then tcrypt mode 211 (C, Rust) and
# mode 215 with num_mb 8 (C, Rust) and 32 (C, Rust, Rust with the window fixed at 30 us).
# Configurations are named <engine><mode> (c211, r8, f32, ...); see adaptive-linger-script.sh.
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
engine_bench bench_jobs=20000 bench_submitters=1 bench_depth=1 >/dev/ttyS1
engine_bench bench_jobs=20000 bench_submitters=1 bench_depth=8 >/dev/ttyS1
through_pcrypt pcrypt pcrypt.ko run211 c211
through_pcrypt pcrypt_rs "$RS" run211 r211
through_pcrypt pcrypt pcrypt.ko run8 c8
through_pcrypt pcrypt_rs "$RS" run8 r8
through_pcrypt pcrypt pcrypt.ko run32 c32
through_pcrypt pcrypt_rs "$RS" run32 r32
through_pcrypt pcrypt_rs "$RS serial_linger_max_ns=30000" run32 f32
