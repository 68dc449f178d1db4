# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for `RPD_TIMEOUT=3000 make exec
# CMDS=Documentation/bench/lanecap-pinned-script.sh` (4 vCPUs on the 2-core host): tcrypt 215
# for C pcrypt and for Rust pcrypt with lane_max=2, its lanes unbound for deep loads (the
# default) or always pinned (lane_unbound_depth=0), in one boot. Configurations
# <engine><num_mb>: c, l2 (unbound), p2 (pinned).
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
for mb in 32 8; do
	run() { tcrypt_speed "$1" 215 "$mb"; }
	through_pcrypt pcrypt pcrypt.ko run "c$mb"
	through_pcrypt pcrypt_rs "$RS lane_max=2" run "l2$mb"
	through_pcrypt pcrypt_rs "$RS lane_max=2 lane_unbound_depth=0" run "p2$mb"
done
