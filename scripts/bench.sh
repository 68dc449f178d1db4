#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: plain AEAD vs C pcrypt vs Rust pcrypt with tcrypt, side by side in one boot,
# plus the engine microbenchmark. Writes build/bench/bench.{md,csv,png}.
# Environment: BENCH_REPS (3), BENCH_MODES ("215:8,215:32,211:0"), BENCH_SEC (1).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
say "rust-padata make bench; results in $BUILD/bench"
. "$TOP/scripts/prepare.sh"
if ! /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
	step apt-matplotlib "installing python3-matplotlib (plot)" \
		apt-get install -y --no-install-recommends python3-matplotlib
fi
mkdir -p "$BUILD/bench"
reps=${BENCH_REPS:-3}
modes=${BENCH_MODES:-215:8,215:32,211:0}
RPD_APPEND="rpd.reps=$reps rpd.modes=$modes rpd.sec=${BENCH_SEC:-1}" \
	RPD_TIMEOUT=${RPD_TIMEOUT:-5400} "$TOP/scripts/boot.sh" bench || true
cp "$BUILD/bench-results.txt" "$BUILD/bench/raw.txt"
/usr/bin/python3 "$TOP/scripts/bench-report.py" "$BUILD/bench/raw.txt" "$BUILD/bench"
say "bench: $BUILD/bench/bench.md, bench.csv, bench.png"
