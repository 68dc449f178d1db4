# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for `make exec CMDS=Documentation/bench/lane-gain-engine-script.sh` (needs the
# temporary lane_gain_pct parameter of that experiment, not kept; see bench.rst): the
# engine microbenchmark with CPU work per job, lanes added only while they pay
# (lane_gain_pct=12, the default) against always (lane_gain_pct=0), alternated, three rounds.
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
for r in 1 2 3; do
	for w in 45000 15000; do
		for d in 32 8; do
			for g in 0 12; do
				engine_bench bench_jobs=5000 bench_submitters=1 bench_depth=$d \
					bench_work_ns=$w lane_gain_pct=$g |
					sed "s/^.*rpd-bench:/rpd: engine r=$r w=$w d=$d gain=$g /"
			done
		done
	done
	for g in 0 12; do
		engine_bench bench_jobs=10000 bench_submitters=1 bench_depth=8 lane_gain_pct=$g |
			sed "s/^.*rpd-bench:/rpd: engine r=$r w=0 d=8 gain=$g /"
	done
done
