# SPDX-License-Identifier: GPL-2.0
#
# make exec CMDS=Documentation/bench/spread-ipsec-script.sh (rust_pcrypt_old.ko in samples/):
# IPsec A/B: plain, old Rust pcrypt, new Rust pcrypt, interleaved, rotated per run.
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
run() { # name flows run
	pcrypt_counters_reset 2>/dev/null
	echo "I $1 $2 $3 | $(ipsec_tcp 5 "$2" || echo failed)" >/dev/ttyS1
	[ "$1" != plain ] && pcrypt_counters "P $1 $2 $3 |" >/dev/ttyS1
}
for xr in 1 2 3; do
	for xf in 1 4; do
		case $xr in
		1) xorder="plain old new" ;;
		2) xorder="old new plain" ;;
		3) xorder="new plain old" ;;
		esac
		for xc in $xorder; do
			case $xc in
			plain) run plain $xf $xr ;;
			old) through_old run old $xf $xr ;;
			new) through_pcrypt pcrypt_rs "rust_pcrypt.ko alt_name=1" run new $xf $xr ;;
			esac
		done
	done
done
echo "rpd: ipsec-ab done"
