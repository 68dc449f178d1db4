#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: plain AEAD vs C pcrypt vs Rust pcrypt, side by side in one boot: TCP goodput
# over ESP (IPsec), tcrypt, and the engine microbenchmark. Writes
# build/bench/bench.{md,csv,png} and ipsec.png.
# Environment: BENCH_REPS (3: tcrypt runs per configuration, rounded up to even, and engine
# runs), BENCH_MODES ("215:8,215:32,211:0"), BENCH_SEC (1), BENCH_RS_ARGS (more
# rust_pcrypt.ko arguments, for example "lane_max=2"), BENCH_PARTS ("ipsec,tcrypt,engine"),
# BENCH_IPSEC_SEC (5: seconds per TCP run), BENCH_IPSEC_FLOWS ("1,4": connections per run).
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
sec=${BENCH_SEC:-1}
parts=${BENCH_PARTS:-ipsec,tcrypt,engine}
isec=${BENCH_IPSEC_SEC:-5}
iflows=${BENCH_IPSEC_FLOWS:-1,4}
# Time limit: a tcrypt load of one mode and configuration takes ~200 s per second of sec
# under TCG (two runs of 96 tests, see guest/bench.sh), an engine run up to ~60 s; twice
# that, plus the boot; an IPsec run up to ~20 s beyond its seconds.
has() { case ",$parts," in *,"$1",*) echo 1 ;; *) echo 0 ;; esac; }
nmodes=$(echo "$modes" | tr , '\n' | grep -c .)
nflows=$(echo "$iflows" | tr , '\n' | grep -c .)
limit=$((600 + $(has tcrypt) * ((reps + 1) / 2) * nmodes * 3 * 400 * sec +
	$(has engine) * reps * 5 * 60 + $(has ipsec) * reps * nflows * 3 * 2 * (isec + 20)))
say "bench: parts $parts; guest time limit ${limit}s"
[ "$(has tcrypt)" = 0 ] ||
	say "bench: $(((reps + 1) / 2 * 2)) tcrypt runs per configuration (BENCH_REPS=$reps rounded up to even), modes $modes"
[ "$(has ipsec)" = 0 ] ||
	say "bench: $reps IPsec runs of ${isec}s per configuration and number of flows ($iflows)"
rsargs=$(echo "${BENCH_RS_ARGS:-}" | xargs | tr ' ' ,)
say "bench: Rust pcrypt loaded as rust_pcrypt.ko alt_name=1${BENCH_RS_ARGS:+ $BENCH_RS_ARGS}"
RPD_APPEND="rpd.reps=$reps rpd.modes=$modes rpd.sec=$sec${rsargs:+ rpd.rsargs=$rsargs} rpd.parts=$parts rpd.ipsec_sec=$isec rpd.ipsec_flows=$iflows" \
	RPD_TIMEOUT=${RPD_TIMEOUT:-$limit} "$TOP/scripts/boot.sh" bench || true
cp "$BUILD/bench-results.txt" "$BUILD/bench/raw.txt"
/usr/bin/python3 "$TOP/scripts/bench-report.py" "$BUILD/bench/raw.txt" "$BUILD/bench"
say "bench: $BUILD/bench/bench.md, bench.csv, bench.png, ipsec.png"
