# SPDX-License-Identifier: GPL-2.0
#
# Helpers for guest test scripts: each script is one KTAP suite.  Sourced, not run.
#
#   suite_begin NAME      start a suite
#   check NAME CMD...     one test case: passes when CMD exits 0
#   expect_eq NAME A B    one test case: passes when A = B (strings)
#   pass NAME / fail NAME WHY
#   suite_end             write the suite's KTAP to $RPD_RESULTS

RPD_RESULTS=${RPD_RESULTS:-/tmp/results}
mkdir -p "$RPD_RESULTS"

# Where the initramfs keeps the project's modules (and the C pcrypt and tcrypt to compare).
M=/lib/modules/rpd

# cmdline_arg NAME [DEFAULT]: the value of the last kernel argument NAME=VALUE, else DEFAULT.
cmdline_arg() {
	ca_val=$2
	for ca_arg in $(cat /proc/cmdline); do
		case "$ca_arg" in
		"$1"=*) ca_val=${ca_arg#"$1"=} ;;
		esac
	done
	echo "$ca_val"
}

suite_begin() {
	SUITE=$1
	CASES=0
	FAILED=0
	BODY=/tmp/.suite.$SUITE
	: >"$BODY"
	echo "rpd: suite $SUITE (t=$(cut -d' ' -f1 /proc/uptime)s)"
}

pass() {
	CASES=$((CASES + 1))
	echo "    ok $CASES $1" >>"$BODY"
}

fail() {
	CASES=$((CASES + 1))
	FAILED=$((FAILED + 1))
	echo "    # $1: $2" >>"$BODY"
	echo "    not ok $CASES $1" >>"$BODY"
	echo "rpd: FAIL $SUITE.$1: $2"
}

check() {
	_name=$1
	shift
	if _out=$("$@" 2>&1); then
		pass "$_name"
	else
		fail "$_name" "'$*' failed: $(echo "$_out" | tail -n 3 | tr '\n' ' ')"
	fi
}

expect_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected '$3', got '$2'"
	fi
}

suite_end() {
	_n=$(ls "$RPD_RESULTS" | wc -l)
	{
		echo "KTAP version 1"
		echo "1..1"
		echo "    KTAP version 1"
		echo "    # Subtest: $SUITE"
		echo "    1..$CASES"
		cat "$BODY"
		if [ "$FAILED" = 0 ] && [ "$CASES" -gt 0 ]; then
			echo "ok 1 $SUITE"
		else
			echo "not ok 1 $SUITE"
		fi
	} >"$RPD_RESULTS/$(printf %02d "$_n")-$SUITE.ktap"
	echo "rpd: suite $SUITE: $((CASES - FAILED)) passed, $FAILED failed (t=$(cut -d' ' -f1 /proc/uptime)s)"
}

# Copy the KTAP of every loaded KUnit suite whose name matches one of the given shell patterns
# into the results (debugfs results vanish when the module that owns the suite is unloaded).
collect_kunit() {
	for d in /sys/kernel/debug/kunit/*/; do
		s=$(basename "$d")
		for pat in "$@"; do
			# shellcheck disable=SC2254
			case "$s" in
			$pat)
				_n=$(ls "$RPD_RESULTS" | wc -l)
				cp "$d/results" "$RPD_RESULTS/$(printf %02d "$_n")-$s.ktap"
				;;
			esac
		done
	done
}

# Send every collected suite to the host over the results port (ttyS1).
emit_results() {
	{
		echo "# rpd-results-begin"
		for f in "$RPD_RESULTS"/*.ktap; do
			[ -f "$f" ] || continue
			s=$(basename "$f" .ktap)
			echo "# rpd-suite ${s#*-}"
			cat "$f"
		done
		echo "# rpd-results-complete"
	} >/dev/ttyS1
}

# --- crypto helpers ---

# The highest-priority driver of cra_name $1 whose driver name does not match regex $2.
best() {
	awk -v n="$1" -v x="${2:-^$}" '
		/^name/ { name = $3 }
		/^driver/ { d = $3 }
		/^priority/ { if (name == n && d !~ x && $3 + 0 > best) { best = $3 + 0; bd = d } }
		END { print bd }' /proc/crypto
}

# The best driver of AEAD $1 that is not a pcrypt instance (instantiated first if needed).
inner_driver() {
	rpd-crconf add "$1" 3 2>/dev/null
	best "$1" '^pcrypt'
}

# Scheduling counters since boot, summed over all CPUs: context switches (/proc/stat ctxt),
# rescheduling IPIs (RES) and function-call IPIs (CAL, which carry remote wakeups).
sched_counts() {
	awk '/^ctxt / { printf "ctxt=%d ", $2 }' /proc/stat
	awk '$1 == "RES:" || $1 == "CAL:" {
		s = 0
		for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++)
			s += $i
		printf "%s=%d ", tolower(substr($1, 1, 3)), s
	}' /proc/interrupts
	echo
}

# tcrypt speed test: mode $2 with num_mb $3 (0: no num_mb), $4 seconds per test (default 1);
# sends tcrypt's speed lines to the host on ttyS1, each prefixed with "R $1 | ", framed by
# "S $1 | before ..." and "S $1 | after ..." lines with the scheduling counters.
tcrypt_speed() {
	echo "S $1 | before $(sched_counts)" >/dev/ttyS1
	dmesg -c >/dev/null
	if [ "$3" = 0 ]; then
		insmod $M/tcrypt.ko mode="$2" sec="${4:-1}" 2>/dev/null
	else
		insmod $M/tcrypt.ko mode="$2" sec="${4:-1}" num_mb="$3" 2>/dev/null
	fi
	dmesg | grep -E 'testing speed|operations in' |
		sed "s/^\[[ 0-9.]*\] //; s/^/R $1 | /" >/dev/ttyS1
	echo "S $1 | after $(sched_counts)" >/dev/ttyS1
}

# Shorthands for command files of make exec: tcrypt mode 211, and 215 with num_mb 8 and 32,
# for the configuration named $1. RS (used by guest/bench.sh and the command files of
# scripts/experiment.sh) loads Rust pcrypt beside C pcrypt: through_pcrypt pcrypt_rs "$RS ..." ...
run211() { tcrypt_speed "$1" 211 0; }
run8() { tcrypt_speed "$1" 215 8; }
run32() { tcrypt_speed "$1" 215 32; }
# shellcheck disable=SC2034 # used by the scripts that source this file
RS="rust_pcrypt.ko alt_name=1 debugfs=1"
# Rust pcrypt built before a change, copied to samples/rust_pcrypt_old.ko (build/initramfs
# copies samples/*.ko): through_old CMD... is through_pcrypt pcrypt_rs for it.
through_old() {
	through_pcrypt pcrypt_rs "rust_pcrypt_old.ko alt_name=1" "$@"
}

# engine_bench PARAM...: one run of the engine microbenchmark (rust_padata.ko bench_jobs=...
# and the other PARAMs; the module must not be loaded); prints its rpd-bench line.
engine_bench() {
	dmesg -c >/dev/null
	insmod $M/rust_padata.ko "$@"
	rmmod rust_padata
	dmesg | grep 'rpd-bench:' | sed 's/^\[[ 0-9.]*\] //'
}

# crconf_del DRIVER: deletes crypto instance DRIVER, retrying for up to 10 s while it is in
# use (the ESP transforms of deleted SAs are freed after an RCU grace period and the
# network namespace clean-up, both asynchronous).
crconf_del() {
	for cd_try in 1 2 3 4 5 6 7 8 9 10; do
		rpd-crconf del "$1" 3 2>/dev/null && return 0
		[ "$cd_try" = 10 ] || sleep 1
	done
	rpd-crconf del "$1" 3
}

# through_pcrypt TEMPLATE "MODULE.ko [ARGS]" CMD...: load the pcrypt module, create its
# instances TEMPLATE(<best rfc4106(gcm(aes)) driver>) and TEMPLATE(<best gcm(aes) driver>)
# (one layer, by inner driver name), run CMD, then delete the instances and unload the module
# by the name it loaded under (a copy under another file name keeps its module's name).
# Fails without running CMD if the module does not load (for example because a module of
# that name is loaded already), so a configuration is never measured with another module.
through_pcrypt() {
	tp_tmpl=$1 tp_mod=$2
	shift 2
	tp_rfc=$(inner_driver "rfc4106(gcm(aes))")
	tp_gcm=$(inner_driver "gcm(aes)")
	tp_before=" $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
	# shellcheck disable=SC2086 # $tp_mod is the module file and its arguments
	if ! insmod $M/$tp_mod; then
		echo "through_pcrypt: insmod $tp_mod failed; not running $*" >&2
		return 1
	fi
	# /proc/modules lists the newest first: the last new name is this module, not one its
	# init may have loaded.
	tp_name=
	for tp_m in $(cut -d' ' -f1 /proc/modules); do
		case "$tp_before" in *" $tp_m "*) ;; *) tp_name=$tp_m ;; esac
	done
	rpd-crconf add "$tp_tmpl($tp_rfc)" 3 && rpd-crconf add "$tp_tmpl($tp_gcm)" 3
	"$@"
	crconf_del "$tp_tmpl($tp_rfc)"
	crconf_del "$tp_tmpl($tp_gcm)"
	rmmod "${tp_name:-${tp_mod%%.ko*}}"
}

# --- IPsec between two network namespaces (guest_ipsec and the IPsec benchmark) ---

# Debian's iproute2, by full path: busybox sh would run its own "ip" applet first.
IP=/sbin/ip
IPSEC_A="$IP netns exec rpd_a"
IPSEC_B="$IP netns exec rpd_b"

# ipsec_up: namespaces rpd_a (192.0.2.1) and rpd_b (192.0.2.2, documentation addresses,
# nothing leaves the guest) joined by veth (MTU 1500), and an ESP transport-mode SA pair with
# rfc4106(gcm(aes)), so the highest-priority rfc4106(gcm(aes)) driver carries both directions
# (SPI 0x1000 from a to b, 0x1001 back, replay window 32). Fails if a step fails.
ipsec_up() {
	mkdir -p /run/netns
	$IP netns add rpd_a && $IP netns add rpd_b &&
		$IP link add rpd0 netns rpd_a type veth peer name rpd1 netns rpd_b || return 1
	$IPSEC_A $IP addr add 192.0.2.1/24 dev rpd0 && $IPSEC_A $IP link set rpd0 up &&
		$IPSEC_A $IP link set lo up || return 1
	$IPSEC_B $IP addr add 192.0.2.2/24 dev rpd1 && $IPSEC_B $IP link set rpd1 up &&
		$IPSEC_B $IP link set lo up || return 1
	iu_key=0x0123456789abcdef0123456789abcdef01234567
	for iu_ns in rpd_a rpd_b; do
		for iu_d in "1 2 0x1000 1" "2 1 0x1001 2"; do
			# shellcheck disable=SC2086 # source, destination, SPI, reqid
			set -- $iu_d
			$IP netns exec $iu_ns $IP xfrm state add src 192.0.2.$1 dst 192.0.2.$2 \
				proto esp spi $3 reqid $4 mode transport replay-window 32 \
				aead 'rfc4106(gcm(aes))' $iu_key 128 || return 1
			for iu_dir in out in; do
				$IP netns exec $iu_ns $IP xfrm policy add src 192.0.2.$1 \
					dst 192.0.2.$2 dir $iu_dir tmpl src 192.0.2.$1 dst 192.0.2.$2 \
					proto esp reqid $4 mode transport || return 1
			done
		done
	done
}

# ipsec_down: removes what ipsec_up made (the ESP transforms are freed with the SAs).
ipsec_down() {
	for id_ns in rpd_a rpd_b; do
		$IP netns exec $id_ns $IP xfrm policy flush
		$IP netns exec $id_ns $IP xfrm state flush
		$IP netns del $id_ns
	done
}

# TCP's reordering counters as "name=value ...": the receiving namespace's out-of-order
# queue (TcpExt fields with OFO in their names), then the reorderings the sending namespace
# detected from the ACKs (fields with Reord in their names: the data sender counts those)
# and the D-SACKs it received (TCPDSACKRecv: a segment arrived twice, so a retransmission
# was spurious).
ipsec_tcp_reorder() {
	$IPSEC_B cat /proc/net/netstat | proc_net_fields TcpExt OFO
	$IPSEC_A cat /proc/net/netstat | proc_net_fields TcpExt 'Reord|^TCPDSACKRecv$'
}

# proc_net_fields SECTION PATTERN [PREFIX]: "PREFIXname=value " for each field of SECTION
# (TcpExt, Tcp, ...) of a /proc/net/netstat or /proc/net/snmp table on stdin (a line of
# names, then a line of values) whose name matches PATTERN.
proc_net_fields() {
	awk -v s="$1:" -v p="$2" -v x="$3" '$1 == s {
		if (!h) { split($0, n); h = 1; next }
		for (i = 2; i <= NF; i++) if (n[i] ~ p) printf "%s%s=%s ", x, n[i], $i }'
}

# The sending namespace's retransmitted TCP segments, as "SenderRetransSegs=N ": a segment
# lost on the way is retransmitted, one that only came out of order need not be.
ipsec_tcp_retrans() {
	$IPSEC_A cat /proc/net/snmp | proc_net_fields Tcp '^RetransSegs$' Sender
}

# ipsec_tcp SECONDS FLOWS: TCP goodput over ESP from rpd_a to rpd_b (fresh namespaces, so the
# counters start at zero): prints "bytes=N secs=S MBps=R", the receiver's reordering counters,
# the sender's retransmissions and the ESP driver. Fails if the IPsec set-up fails or nothing
# arrived.
ipsec_tcp() {
	ipsec_up || { ipsec_down 2>/dev/null; return 1; }
	$IPSEC_B rpd-udpseq tcp-sink 5000 "$2" >/tmp/ipsec-tcp.txt &
	it_pid=$!
	sleep 1
	$IPSEC_A rpd-udpseq tcp-send 192.0.2.2:5000 "$1" "$2"
	wait $it_pid
	it_rc=$?
	echo "$(cat /tmp/ipsec-tcp.txt) $(ipsec_tcp_reorder)$(ipsec_tcp_retrans)esp=$(grep -E '^driver.*seqiv' \
		/proc/crypto | tr -s ' ' | cut -d' ' -f3 | tr '\n' ' ')"
	ipsec_down
	[ "$it_rc" = 0 ] && ! grep -q 'bytes=0 ' /tmp/ipsec-tcp.txt
}

# --- Rust pcrypt's engine, as make bench and scripts/experiment.sh record it ---

# Zeroes the debugfs counters of every Rust pcrypt shell (loaded with debugfs=1).
pcrypt_counters_reset() {
	for f in /sys/kernel/debug/rust_pcrypt/*/*/reset; do
		[ -e "$f" ] && echo 1 >"$f"
	done
}

# pcrypt_counters HEADER: one line, HEADER then " name=value" for each debugfs counter summed
# over the Rust pcrypt shells, and " name=c0,c1,..." for each histogram summed bucket by
# bucket; nothing without them. A shell's lane_cap (a state, not a count) is counted as
# lane_capped_shells: how many shells had measured a cap; its split_ns (a state too) as
# split_ns_max, the largest split of a shell.
pcrypt_counters() {
	[ -d /sys/kernel/debug/rust_pcrypt ] || return 0
	cat /sys/kernel/debug/rust_pcrypt/*/*/stats | awk -v h="$1" '
		$1 == "lane_cap" { n["lane_capped_shells"] += ($2 > 0); next }
		$1 == "split_ns" { if ($2 > n["split_ns_max"]) n["split_ns_max"] = $2; next }
		NF == 2 { n[$1] += $2 }
		NF > 2 { for (i = 2; i <= NF; i++) hist[$1, i - 2] += $i; len[$1] = NF - 1 }
		END {
			printf "%s", h
			for (k in n) printf " %s=%d", k, n[k]
			for (k in len) {
				printf " %s=", k
				for (i = 0; i < len[k]; i++) printf "%s%d", i ? "," : "", hist[k, i]
			}
			print ""
		}'
}

# Field $2 of the /proc/crypto entry of driver $1.
field() {
	awk -v d="$1" -v f="$2" '/^driver/ { cur = $3 } cur == d && $1 == f { print $3; exit }' /proc/crypto
}

# --- kernel log capture (stress mode): everything the kernel logs goes to /tmp/kmsg ---

kmsg_start() {
	cat /dev/kmsg >/tmp/kmsg &
}

# Remember the current end of the captured log; kmsg_since prints what came after it.
kmsg_mark() {
	KMSG_MARK=$(wc -l </tmp/kmsg)
}

kmsg_since() {
	tail -n +$((KMSG_MARK + 1)) /tmp/kmsg | sed 's/^[^;]*;//'
}

# --- AEAD traffic: tcrypt in a loop until traffic_stop; tcrypt takes the highest-priority
# drivers, the pcrypt instances.  traffic_start MODE: 215 (8 requests in flight, cycle-count
# mode; only where no request may fail: after a failed decryption set-up its request loop
# goes on with requests it never set up) or 211 (one request at a time; safe with failures). ---

traffic_start() {
	_mode=${1:-215}
	rm -f /tmp/.traffic-stop /tmp/.traffic-runs
	: >/tmp/.traffic-runs
	(
		while [ ! -e /tmp/.traffic-stop ]; do
			if [ "$_mode" = 215 ]; then
				insmod $M/tcrypt.ko mode=215 num_mb=8 >/dev/null 2>&1
			else
				insmod $M/tcrypt.ko mode="$_mode" >/dev/null 2>&1
			fi
			echo run >>/tmp/.traffic-runs
		done
	) &
	TRAFFIC_PID=$!
}

# Stops the loop after the run in progress; sets TRAFFIC_RUNS.
traffic_stop() {
	touch /tmp/.traffic-stop
	wait "$TRAFFIC_PID"
	# shellcheck disable=SC2034 # read by the scripts that source this file
	TRAFFIC_RUNS=$(wc -l </tmp/.traffic-runs)
}

# --- kmemleak ---

# Forget what kmemleak already suspects (earlier boot-time objects), so that a later
# kmemleak_count only sees what the scenario left behind.
kmemleak_clear() {
	echo clear >/sys/kernel/debug/kmemleak
}

# Scans (objects younger than 5 s are never reported, hence the wait) and prints the number of
# suspected leaks; the report itself goes to the console for the log.
kmemleak_count() {
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	echo scan >/sys/kernel/debug/kmemleak
	_n=$(grep -c '^unreferenced object' /sys/kernel/debug/kmemleak)
	if [ "$_n" != 0 ]; then
		{
			echo "rpd: kmemleak report:"
			head -n 200 /sys/kernel/debug/kmemleak
		} >&2
	fi
	echo "$_n"
}

# Deletes every pcrypt instance (CRYPTO_MSG_DELALG).
del_all_pcrypt() {
	for _d in $(awk '/^driver/ && $3 ~ /^pcrypt\(/ { print $3 }' /proc/crypto | sort -ru); do
		rpd-crconf del "$_d" 3 2>/dev/null
	done
}
