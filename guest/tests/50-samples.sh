#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The sample consumers: the ordered checksum pipeline and the multithreaded buffer job. Their
# KUnit suites run at load; their init prints what they did.
. /guest/lib.sh
suite_begin guest_samples

dmesg -c >/dev/null
check load_pipeline_sample insmod $M/rust_padata_pipeline.ko
line=$(dmesg | grep 'blocks checksummed in parallel')
echo "rpd: $line"
case "$line" in
*"2048 blocks"*", 0 order errors"*) pass pipeline_in_order ;;
*) fail pipeline_in_order "unexpected: $line" ;;
esac
check load_mt_sample insmod $M/rust_padata_mt.ko
line=$(dmesg | grep 'speedup')
echo "rpd: $line"
case "$line" in
*"checksums equal"*) pass mt_checksums_equal ;;
*) fail mt_checksums_equal "unexpected: $line" ;;
esac
collect_kunit 'rust_padata_sample*'
check unload_pipeline_sample rmmod rust_padata_pipeline
check unload_mt_sample rmmod rust_padata_mt
suite_end
