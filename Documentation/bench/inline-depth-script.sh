# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for `make exec CMDS=Documentation/bench/inline-depth-script.sh`: cheap
# requests of deep bursts go to the lanes (inline_burst_ns), one boot. tcrypt mode 215 with
# num_mb 32 and 8, each for C, Rust (default) and Rust with inline_burst_ns=0 (before).
# Configurations are named <engine><num_mb>: c32, r32, o32 (o: inline_burst_ns=0), c8, ...
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
for mb in 32 8; do
	through_pcrypt pcrypt pcrypt.ko "run$mb" "c$mb"
	through_pcrypt pcrypt_rs "$RS" "run$mb" "r$mb"
	through_pcrypt pcrypt_rs "$RS inline_burst_ns=0" "run$mb" "o$mb"
done
