# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for `RPD_TIMEOUT=1800 make exec CMDS=Documentation/bench/unbound-depth-script.sh`:
# tcrypt mode 215 (sec=1) with num_mb 32 and 8: C pcrypt, Rust pcrypt with lanes always
# pinned (lane_unbound_depth=0) and with the default (unbound while the recent peak of
# requests in flight is at least 9), all in one boot.
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
for mb in 32 8; do
	run() { tcrypt_speed "$1" 215 "$mb"; }
	through_pcrypt pcrypt pcrypt.ko run "c$mb"
	through_pcrypt pcrypt_rs "rust_pcrypt.ko alt_name=1 lane_unbound_depth=0" run "pin$mb"
	through_pcrypt pcrypt_rs "rust_pcrypt.ko alt_name=1" run "peak$mb"
done
