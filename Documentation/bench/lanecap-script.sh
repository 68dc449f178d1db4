# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for `RPD_TIMEOUT=3000 make exec CMDS=Documentation/bench/lanecap-script.sh`
# (4 vCPUs on the 2-core host): tcrypt 215 for plain, C pcrypt, Rust pcrypt with its defaults
# and Rust pcrypt with at most 2 (and, with 32 in flight, 3) lanes busy per shell
# (lane_max), in one boot. Configurations <engine><num_mb>: plain, c, r, l2, l3.
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
for mb in 32 8; do
	run() { tcrypt_speed "$1" 215 "$mb"; }
	run "plain$mb"
	through_pcrypt pcrypt pcrypt.ko run "c$mb"
	through_pcrypt pcrypt_rs "$RS" run "r$mb"
	through_pcrypt pcrypt_rs "$RS lane_max=2" run "l2$mb"
	[ "$mb" = 32 ] && through_pcrypt pcrypt_rs "$RS lane_max=3" run "l3$mb"
done
