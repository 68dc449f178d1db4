# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for `RPD_TIMEOUT=3000 make exec CMDS=Documentation/bench/share-script.sh`
# (4 vCPUs; with RPD_CPUS=2 only 32 in flight): tcrypt 215 for plain, C pcrypt, Rust pcrypt
# with its defaults and Rust pcrypt sharing deep bursts (inline_share_depth: 9 with 32 in
# flight, 4 with 8), in one boot. Configurations <engine><num_mb>: plain, c, r, s (shared).
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
mbs="32 8"
[ "$(grep -c ^processor /proc/cpuinfo)" = 2 ] && mbs=32
for mb in $mbs; do
	depth=9
	[ "$mb" = 8 ] && depth=4
	run() { tcrypt_speed "$1" 215 "$mb"; }
	run "plain$mb"
	through_pcrypt pcrypt pcrypt.ko run "c$mb"
	through_pcrypt pcrypt_rs "$RS" run "r$mb"
	through_pcrypt pcrypt_rs "$RS inline_share_depth=$depth" run "s$mb"
done
