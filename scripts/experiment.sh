#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A same-boot experiment: tcrypt through several pcrypt configurations in one boot, then
# their ratios per block size (scripts/same-boot-report.py). See Documentation/bench.rst,
# "Before/after experiments".
#
# Usage: scripts/experiment.sh [OPTION]... NAME=SPEC...
#
# SPEC is one configuration, run in every mode by tcrypt_speed (guest/lib.sh):
#   plain                    the AEAD without pcrypt
#   c                        C pcrypt (pcrypt.ko)
#   rs[:ARGS]                Rust pcrypt beside C ($RS: rust_pcrypt.ko alt_name=1) with ARGS
#   old                      Rust pcrypt built before a change, copied to
#                            samples/rust_pcrypt_old.ko (through_old)
#   TEMPLATE:MODULE.ko [ARGS] any other module, e.g. pcrypt_rs:"rust_pcrypt.ko alt_name=1 x=1"
# and may end in @MASK: both instances' parallel_cpumask set to MASK (hex) before the run.
#
# Options:
#   --modes "M..."     tcrypt modes, 211 or 215:NUM_MB (default "215:8 215:32")
#   --sec N            seconds per tcrypt test (1)
#   --rounds N         run every mode's configurations N times, the order rotated each round;
#                      configurations are then named NAME.ROUND (1)
#   --engine "PARAMS"  an engine microbenchmark run (rust_padata.ko PARAMS) before tcrypt;
#                      repeatable, bench_jobs=20000 unless PARAMS set it
#   --engine-reps N    run the --engine list N times, alternated (1)
#   --base NAME        the configuration the report divides by (default: the first c or
#                      pcrypt one); --plain NAME likewise (default: the first plain one)
#   --out DIR          command file, raw results and report go to DIR (build/experiment)
#   --dry-run          print the guest command file only
#   --report-only      no boot: report again from DIR/raw.txt
#
# Each configuration's results are named NAME-SUFFIX, SUFFIX being num_mb for mode 215 (c-8,
# r-32) and the mode otherwise (c-211). Environment: RPD_TIMEOUT (default: from the number
# of tcrypt loads), RPD_CPUS and the other variables of make exec.
#
# Example: a cap of two lanes against the default, with C, 8 and 32 requests in flight:
#   scripts/experiment.sh c=c r=rs cap=rs:lane_max=2
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
	sed -n '/^# Usage:/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

modes="215:8 215:32"
sec=1
rounds=1
engine=()
engine_reps=1
base=""
plain=""
out=$BUILD/experiment
dry=0
report_only=0
while [ $# -gt 0 ]; do
	case $1 in
	--modes) modes=$(echo "${2:?}" | tr , ' '); shift 2 ;;
	--sec) sec=${2:?}; shift 2 ;;
	--rounds) rounds=${2:?}; shift 2 ;;
	--engine) engine+=("${2:?}"); shift 2 ;;
	--engine-reps) engine_reps=${2:?}; shift 2 ;;
	--base) base=${2:?}; shift 2 ;;
	--plain) plain=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--dry-run) dry=1; shift ;;
	--report-only) report_only=1; shift ;;
	-h | --help) usage ;;
	-*) die "unknown option $1 (--help lists them)" ;;
	*) break ;;
	esac
done
for n in "$sec" "$rounds" "$engine_reps"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "not a positive number: $n"
done
[ $# -gt 0 ] || [ ${#engine[@]} -gt 0 ] || usage

# What may appear inside the double quotes of the guest file: no quotes, $, ` or \.
safe() {
	local re='^[A-Za-z0-9_.,:=+%/@ -]*$'
	[[ $1 =~ $re ]] || die "unsupported character in '$1'"
}

# Configurations: their names, and per name the guest command prefix (through_pcrypt ...),
# the kind (plain, c, rust) and the parallel mask (empty: unchanged).
names=()
declare -A pre kind mask
for arg in "$@"; do
	[[ $arg == *=* ]] || die "not NAME=SPEC: $arg"
	name=${arg%%=*} spec=${arg#*=}
	[[ $name =~ ^[A-Za-z][A-Za-z0-9_]*$ ]] ||
		die "configuration names are [A-Za-z][A-Za-z0-9_]*: $name"
	[ -z "${kind[$name]:-}" ] || die "configuration $name given twice"
	safe "$spec"
	m=""
	if [[ $spec == *@* ]]; then
		m=${spec##*@} spec=${spec%@*}
		[[ $m =~ ^[0-9a-fA-F,]+$ ]] || die "not a hex CPU mask: $m"
	fi
	args=${spec#*:}
	[[ $spec == *:* ]] || args=""
	case $spec in
	plain) k=plain p="" ;;
	c) k=c p="through_pcrypt pcrypt pcrypt.ko" ;;
	rs | rs:*) k=rust p="through_pcrypt pcrypt_rs \"\$RS${args:+ $args}\"" ;;
	old) k=rust p="through_old" ;;
	*:*.ko*)
		tmpl=${spec%%:*}
		[[ $tmpl =~ ^[a-z_]+$ ]] || die "not a template name: $tmpl"
		k=c
		[[ $args == rust_* ]] && k=rust
		p="through_pcrypt $tmpl \"$args\""
		;;
	*) die "unknown configuration $arg (plain, c, rs[:ARGS], old, TEMPLATE:MODULE.ko [ARGS])" ;;
	esac
	[ -n "$m" ] && [ "$k" = plain ] && die "$name: a mask needs a pcrypt configuration"
	names+=("$name")
	pre[$name]=$p kind[$name]=$k mask[$name]=$m
	[ -z "$base" ] && [ "$k" = c ] && base=$name
	[ -z "$plain" ] && [ "$k" = plain ] && plain=$name
done
[ ${#names[@]} -eq 0 ] || base=${base:-${names[0]}}
plain=${plain:-plain}

# Modes: "MODE NUM_MB SUFFIX" per line.
mode_list=()
for m in $modes; do
	mode=${m%%:*} mb=0
	[[ $m == *:* ]] && mb=${m#*:}
	[[ $mode =~ ^[0-9]+$ && $mb =~ ^[0-9]+$ ]] || die "not a tcrypt mode (211, 215:8): $m"
	if [ "$mode" = 215 ]; then
		suffix=$mb
	elif [ "$mb" = 0 ]; then
		suffix=$mode
	else
		suffix=${mode}_$mb
	fi
	mode_list+=("$mode $mb $suffix")
done

# The name of configuration $1 in round $2.
cfg_name() {
	if [ "$rounds" = 1 ]; then echo "$1"; else echo "$1.$2"; fi
}

# The template whose kset holds configuration $1's instances (for its mask).
kset_of() {
	case ${pre[$1]} in
	through_old*) echo pcrypt_rs ;;
	*) echo "${pre[$1]}" | cut -d' ' -f2 ;;
	esac
}

gen() {
	echo "# SPDX-License-Identifier: GPL-2.0"
	echo "#"
	echo "# Generated by scripts/experiment.sh; guest commands for make exec (one boot):"
	printf '#  '
	printf ' %q' --modes "$modes" --sec "$sec" --rounds "$rounds" "${args_all[@]}"
	echo
	echo "# Guest time limit ${limit}s (RPD_TIMEOUT)."
	echo ". /guest/lib.sh"
	echo "echo none >/sys/module/kunit/parameters/filter_glob"
	cat <<'EOF'
# x_run NAME MODE NUM_MB SEC KIND [KSET MASK]: tcrypt_speed in configuration NAME, after
# setting both instances' parallel mask to MASK; for KIND rust, its debugfs counters (summed
# over the shells) after, as a "P NAME |" line.
x_run() {
	if [ -n "${7:-}" ]; then
		for i in pencrypt pdecrypt; do echo "$7" >"/sys/kernel/$6/$i/parallel_cpumask"; done
		xr_masks=$(cat /sys/kernel/"$6"/p*crypt/parallel_cpumask | tr '\n' ' ')
		echo "P $1 | parallel masks $xr_masks" >/dev/ttyS1
	fi
	if [ "$5" = rust ]; then
		pcrypt_counters_reset
	fi
	tcrypt_speed "$1" "$2" "$3" "$4"
	if [ "$5" = rust ]; then
		pcrypt_counters "P $1 |" >/dev/ttyS1
	fi
}
EOF
	local r p e i j n m mode mb suffix cmd cfg
	for r in $(seq 1 "$engine_reps"); do
		for p in "${engine[@]}"; do
			e=$p
			[[ " $p" == *" bench_jobs="* ]] || e="bench_jobs=20000 $p"
			echo "engine_bench $e | sed 's#^#E rep=$r $e | #' >/dev/ttyS1"
		done
	done
	n=${#names[@]}
	for entry in "${mode_list[@]}"; do
		read -r mode mb suffix <<<"$entry"
		for r in $(seq 1 "$rounds"); do
			for i in $(seq 0 $((n - 1))); do
				j=$(((i + r - 1) % n))
				name=${names[$j]}
				cfg=$(cfg_name "$name" "$r")-$suffix
				cmd="x_run $cfg $mode $mb $sec ${kind[$name]}"
				m=${mask[$name]}
				[ -z "$m" ] || cmd="$cmd $(kset_of "$name") $m"
				# through_pcrypt fails when the module did not load (nothing measured) or
				# did not unload; the report prints this line.
				f="E $cfg | ${pre[$name]%% *} failed (\$?): see the console log"
				[ -z "${pre[$name]}" ] || cmd="${pre[$name]} $cmd || echo \"$f\" >/dev/ttyS1"
				echo "$cmd"
			done
		done
	done
}

args_all=()
for p in "${engine[@]}"; do
	safe "$p"
	args_all+=(--engine "$p")
done
args_all+=("$@")
# As make bench: ~400 s per tcrypt load and second of sec under TCG, ~60 s per engine run.
loads=$((${#mode_list[@]} * rounds * ${#names[@]}))
limit=$((600 + loads * 400 * sec + engine_reps * ${#engine[@]} * 60))

if [ "$dry" = 1 ]; then
	gen
	exit 0
fi

mkdir -p "$out"
rc=0
if [ "$report_only" = 0 ]; then
	gen >"$out/cmds.sh"
	say "experiment: $loads tcrypt loads, $((engine_reps * ${#engine[@]})) engine runs;" \
		"guest time limit ${RPD_TIMEOUT:-$limit}s; commands in $out/cmds.sh"
	rm -f "$BUILD/exec-results.txt"
	RPD_TIMEOUT=${RPD_TIMEOUT:-$limit} make -C "$TOP" --no-print-directory exec \
		CMDS="$(cd "$out" && pwd)/cmds.sh" || rc=$?
	[ -f "$BUILD/exec-results.txt" ] || die "make exec wrote no results (status $rc)"
	cp "$BUILD/exec-results.txt" "$out/raw.txt"
fi
[ -f "$out/raw.txt" ] || die "no $out/raw.txt"

# One report per mode, each against that mode's base and plain configuration; the engine
# lines only in the first.
noeng=$(mktemp)
trap 'rm -f "$noeng"' EXIT
grep -v '^E ' "$out/raw.txt" >"$noeng" || true
{
	src=$out/raw.txt
	for entry in "${mode_list[@]}"; do
		[ ${#names[@]} -gt 0 ] || break
		read -r mode mb suffix <<<"$entry"
		title="mode $mode"
		[ "$mode" = 215 ] && title="$title, num_mb $mb"
		echo "=== tcrypt $title: configurations *-$suffix"
		# A mode without results (a failed run) must not hide the others' reports.
		/usr/bin/python3 "$TOP/scripts/same-boot-report.py" "$src" \
			--c "$(cfg_name "$base" 1)-$suffix" \
			--plain "$(cfg_name "$plain" 1)-$suffix" --only ".*-$suffix" ||
			{ echo "(no report for $title)"; rc=1; }
		echo
		src=$noeng
	done
	[ ${#names[@]} -gt 0 ] || grep '^E ' "$out/raw.txt" || true
} >"$out/report.txt" # not a pipeline: rc must survive
cat "$out/report.txt"
say "experiment: raw results $out/raw.txt, report $out/report.txt"
exit "$rc"
