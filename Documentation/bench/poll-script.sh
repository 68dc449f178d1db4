# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for `make exec CMDS=Documentation/bench/poll-script.sh`: tcrypt mode 215
# (sec=1) with num_mb 32 and 8, C pcrypt then Rust pcrypt, all in one boot. Summary per
# block size: Rust/C medians over algorithms, directions and key sizes.
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
for mb in 32 8; do
	run() { tcrypt_speed "$1" 215 "$mb"; }
	through_pcrypt pcrypt pcrypt.ko run "c$mb"
	through_pcrypt pcrypt_rs "rust_pcrypt.ko alt_name=1" run "rust$mb"
done
