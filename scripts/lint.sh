#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Code hygiene, run by make check (and make lint): rustfmt with the kernel's .rustfmt.toml,
# the kernel's clippy lints (make CLIPPY=1, Debian's clippy matching rustc-web) with zero
# warnings, W=1 for the C helpers, checkpatch.pl from the 7.3 tree, shellcheck.
# Needs KDIR and KSRC (see prepare.sh). Prints one line per check; fails on any finding.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 1

failed=0
report() { # name status log
	if [ "$2" = 0 ]; then
		say "lint: $1: ok"
	else
		say "lint: $1: FAILED (log: $3)"
		tail -n 20 "$3" >&2
		failed=1
	fi
}

rs=(rust_padata.rs rust_pcrypt.rs samples/rust_padata_pipeline.rs samples/rust_padata_mt.rs
	tests/rpd_hwsim.rs)
/usr/bin/rustfmt --edition 2021 --config-path "$KSRC/.rustfmt.toml" --check "${rs[@]}" \
	>"$BUILD/lint-rustfmt.log" 2>&1
report "rustfmt (kernel .rustfmt.toml)" $? "$BUILD/lint-rustfmt.log"
(
	for t in tools/*/src/main.rs; do
		/usr/bin/rustfmt --edition 2021 --check "$t" || exit
	done
) >"$BUILD/lint-rustfmt-tool.log" 2>&1
report "rustfmt (tools)" $? "$BUILD/lint-rustfmt-tool.log"

mapfile -t KVARS < <(kmake_vars)
touch "${rs[@]}" kext/helpers.c kext/crypto_helpers.c
make -C "$KDIR" M="$TOP" "${KVARS[@]}" CLIPPY=1 W=1 -j"$(nproc)" modules >"$BUILD/lint-clippy.log" 2>&1
rc=$?
if [ $rc = 0 ] && has_warnings "$BUILD/lint-clippy.log"; then
	rc=1
fi
report "clippy + W=1 (zero warnings)" $rc "$BUILD/lint-clippy.log"

# Items of the shared sources that no crate uses: every crate once more without its
# allowance for the parts it does not use (-j1: each crate's warnings follow its RUSTC line).
make -C "$KDIR" M="$TOP" "${KVARS[@]}" KRUSTFLAGS="--cfg rpd_dead_code_check" -j1 modules \
	>"$BUILD/lint-dead-code-build.log" 2>&1 &&
	python3 scripts/dead-code.py "$BUILD/lint-dead-code-build.log" "$TOP" \
		>"$BUILD/lint-dead-code.log" 2>&1
report "no item unused in every crate" $? "$BUILD/lint-dead-code.log"

mapfile -t src < <(git ls-files '*.rs' '*.c' '*.h' | grep -v '^tools/')
"$KSRC/scripts/checkpatch.pl" --no-tree --terse --strict \
	-f "${src[@]}" >"$BUILD/lint-checkpatch.log" 2>&1
rc=0
grep -qE ': (ERROR|WARNING|CHECK):' "$BUILD/lint-checkpatch.log" && rc=1
report "checkpatch.pl" $rc "$BUILD/lint-checkpatch.log"

# Unsafe code lives only in kext/ (Documentation/padata.rst, "Module layout"): the engine,
# the crate roots, the samples and the test device use its safe wrappers. Comments may name
# the keyword.
mapfile -t safe_rs < <(git ls-files 'padata/*.rs' 'rust_*.rs' 'samples/*.rs' 'tests/*.rs' 'bench/*.rs')
grep -nwE 'unsafe' "${safe_rs[@]}" | grep -vE '^[^:]+:[0-9]+:[[:space:]]*//' \
	>"$BUILD/lint-unsafe.log" 2>&1
rc=0
[ -s "$BUILD/lint-unsafe.log" ] && rc=1
report "no unsafe outside kext/" $rc "$BUILD/lint-unsafe.log"

mapfile -t host_sh < <(git ls-files 'scripts/*.sh' 'scripts/selftest/*.sh' .ci/run)
mapfile -t guest_sh < <(git ls-files 'guest/*.sh' 'guest/tests/*.sh' 'guest/late/*.sh' 'guest/stress/*.sh' guest/init)
{
	shellcheck -S warning -x "${host_sh[@]}" &&
	shellcheck -S warning -x -s sh -P guest "${guest_sh[@]}"
} >"$BUILD/lint-shellcheck.log" 2>&1
report "shellcheck" $? "$BUILD/lint-shellcheck.log"

[ "$failed" = 0 ]
