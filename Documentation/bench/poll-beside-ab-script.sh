# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for `make exec CMDS=Documentation/bench/poll-beside-ab-script.sh`: Rust
# pcrypt before (o: samples/rust_pcrypt_old.ko, see poll-beside-script.sh) and after (r) the
# change "no poll beside expensive jobs" (commit 88979de), alternated twice in one boot,
# tcrypt 215 with num_mb 8 and 32. Configurations <engine><num_mb><round>: o81, r81, o82, ...
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
for mb in 8 32; do
	for round in 1 2; do
		through_old "run$mb" "o$mb$round"
		through_pcrypt pcrypt_rs "$RS" "run$mb" "r$mb$round"
	done
done
