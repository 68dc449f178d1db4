# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for `make exec CMDS=Documentation/bench/linger-mb32-script.sh`: does the
# serial worker's poll cost the 32-deep case? tcrypt 215, one boot: C (c), Rust default (r),
# serial_linger_ns=0 (z) and, with 32 in flight, serial_linger_max_ns=30000 (m).
# Configurations are named <engine><num_mb>: c32, r32, z32, m32, c8, r8, z8.
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
for mb in 32 8; do
	through_pcrypt pcrypt pcrypt.ko "run$mb" "c$mb"
	through_pcrypt pcrypt_rs "$RS" "run$mb" "r$mb"
	through_pcrypt pcrypt_rs "$RS serial_linger_ns=0" "run$mb" "z$mb"
	[ "$mb" = 32 ] && through_pcrypt pcrypt_rs "$RS serial_linger_max_ns=30000" "run$mb" "m$mb"
done
