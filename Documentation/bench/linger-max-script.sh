# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for `make exec CMDS=Documentation/bench/linger-max-script.sh`: the largest
# serial poll window (serial_linger_max_ns) against the 32- and 8-deep cases, one boot.
# tcrypt 215, C, Rust default (200 us) and Rust with 100 us and 60 us. Configurations are
# named <engine><num_mb>: c32, r32 (default), h32 (100 us), s32 (60 us), c8, ...
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
for mb in 32 8; do
	through_pcrypt pcrypt pcrypt.ko "run$mb" "c$mb"
	through_pcrypt pcrypt_rs "$RS" "run$mb" "r$mb"
	through_pcrypt pcrypt_rs "$RS serial_linger_max_ns=100000" "run$mb" "h$mb"
	through_pcrypt pcrypt_rs "$RS serial_linger_max_ns=60000" "run$mb" "s$mb"
done
