# SPDX-License-Identifier: GPL-2.0
#
# Guest commands: does the serial worker's poll cost the 32-deep case? tcrypt 215, one boot:
# C, Rust default, Rust serial_linger_ns=0, Rust serial_linger_max_ns=30000.
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
for mb in 32 8; do
	through_pcrypt pcrypt pcrypt.ko "run$mb" "c$mb"
	through_pcrypt pcrypt_rs "$RS" "run$mb" "r$mb"
	through_pcrypt pcrypt_rs "$RS serial_linger_ns=0" "run$mb" "z$mb"
	[ "$mb" = 32 ] && through_pcrypt pcrypt_rs "$RS serial_linger_max_ns=30000" "run$mb" "m$mb"
done
