# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for `make exec CMDS=Documentation/bench/poll-beside-script.sh`: no serial
# poll beside expensive jobs on the lanes (poll_beside(), commit 88979de, reverted), one boot.
# Build 88979de^, copy its rust_pcrypt.ko to samples/rust_pcrypt_old.ko (through_old in
# guest/lib.sh), then cherry-pick 88979de and run this.
# tcrypt 215 with num_mb 32 and 8, and 211, each for C, Rust before (o) and Rust after (r).
# Configurations are named <engine><num_mb>: c32, o32, r32, c8, ..., c0, o0, r0 (211).
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
for mb in 32 8 0; do
	run=run$mb
	[ "$mb" = 0 ] && run=run211
	through_pcrypt pcrypt pcrypt.ko "$run" "c$mb"
	through_old "$run" "o$mb"
	through_pcrypt pcrypt_rs "$RS" "$run" "r$mb"
done
