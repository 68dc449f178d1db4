# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Common settings and helpers for the rust-padata host scripts.  Sourced, not run.

# shellcheck disable=SC2034 # settings used by the scripts that source this file
# Kernel series this project targets and the Debian package that ships it.
KVER_SERIES=7.3
KSRC_PKG=linux-source-${KVER_SERIES}
KSRC_SUITE=trixie-backports

# Repository root (this file lives in scripts/).
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Expensive results (toolchain bits, kernel source, kernel builds) live outside the repository.
CACHE=${RPD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rust-padata}
# Per-run artefacts and full logs.
BUILD=${RPD_BUILD:-$TOP/build}

LLVM_SUFFIX=-19
RUSTC_BIN=/usr/bin/rustc
RUSTFMT_BIN=/usr/bin/rustfmt
CLIPPY_DRIVER_BIN=/usr/bin/clippy-driver
BINDGEN_VERSION=0.72.1
BINDGEN_BIN=$CACHE/tools/bin/bindgen

mkdir -p "$CACHE" "$BUILD"

T0=${T0:-$(date +%s)}
export T0

# Print a progress line with the elapsed time since the top-level command started.
say() {
	local now
	now=$(date +%s)
	printf '[%4ds] %s\n' $((now - T0)) "$*" >&2
}

die() {
	say "ERROR: $*" >&2
	exit 1
}

# Whether build log $1 has a compiler or kbuild warning (zero are allowed); prints them.
has_warnings() {
	grep -nE '(^|[ :])(warning|WARNING)[:[]' "$1"
}

# Report the result of a whole command: "WHAT: PASS", or "WHAT: FAIL (console log: LOG)".
# Usage: verdict WHAT RC LOG; returns RC.
verdict() {
	if [ "$2" = 0 ]; then
		say "$1: PASS"
	else
		say "$1: FAIL (console log: $3)"
	fi
	return "$2"
}

# Run a long step with its full output sent to a log, announcing start and end.
# Usage: step LOGNAME DESCRIPTION CMD...
step() {
	local log=$BUILD/$1.log desc=$2 start rc
	shift 2
	start=$(date +%s)
	say "$desc (log: $log)"
	if "$@" >"$log" 2>&1; then
		say "  done in $(($(date +%s) - start))s"
	else
		rc=$?
		tail -n 30 "$log" >&2
		die "$desc failed (exit $rc); full log: $log"
	fi
}

# Make variables for every kernel/kbuild invocation.
kmake_vars() {
	printf '%s\n' "LLVM=$LLVM_SUFFIX" "RUSTC=$RUSTC_BIN" "BINDGEN=$BINDGEN_BIN" \
		"RUSTFMT=$RUSTFMT_BIN" "CLIPPY_DRIVER=$CLIPPY_DRIVER_BIN"
}

# Boot the guest in MODE and judge the run (kunit.py parse of the KTAP, kernel log scan,
# suites listed in EXPECTED_SUITES_FILE present). Needs KDIR, KSRC, BZIMAGE and MODDIR.
# Usage: boot_and_judge MODE TIMEOUT EXPECTED_SUITES_FILE      Returns the verdict's status.
boot_and_judge() {
	local mode=$1 timeout=$2 expect=$3 qrc=0 rc=0
	RPD_TIMEOUT=$timeout "$TOP/scripts/boot.sh" "$mode" || qrc=$?
	say "judging the run (kunit.py parse + kernel log scan)"
	python3 "$TOP/scripts/check-results.py" --console "$BUILD/$mode-console.log" \
		--results "$BUILD/$mode-results.txt" --qemu-rc "$qrc" --timeout "$timeout" \
		--kunit-py "$KSRC/tools/testing/kunit/kunit.py" --workdir "$BUILD/$mode" \
		--expect-suites "$expect" || rc=$?
	return "$rc"
}
