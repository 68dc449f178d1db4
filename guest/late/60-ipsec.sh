#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs after the module unload checks (see check.sh): once an SA has used a pcrypt
# instance, the kernel keeps a reference to the ESP transform after the SAs and namespaces
# are gone, for C pcrypt.ko exactly as for rust_pcrypt.ko (checked side by side), so neither
# the instances nor the module can be removed afterwards.
#
# IPsec end to end through Rust pcrypt: two network namespaces joined by veth (documentation
# addresses 192.0.2.0/24, nothing leaves the guest), an ESP transport-mode SA pair with
# rfc4106(gcm(aes)), the Rust pcrypt instance as the highest-priority rfc4106 driver. A sender
# numbers 5000 UDP datagrams; the receiver must get all of them, intact and in order.
. /guest/lib.sh
suite_begin guest_ipsec
# make stress runs this with the module already loaded, by then with debugfs=1 (its earlier
# suites reload it so); if not, it is reloaded with it while nothing pins it yet, for pcrypt's
# counters below.
if grep -q '^rust_pcrypt ' /proc/modules && [ ! -d /sys/kernel/debug/rust_pcrypt ]; then
	check unload_rust_pcrypt_for_debugfs rmmod rust_pcrypt
fi
grep -q '^rust_pcrypt ' /proc/modules || check load_rust_pcrypt insmod $M/rust_pcrypt.ko debugfs=1
check rust_pcrypt_debugfs test -d /sys/kernel/debug/rust_pcrypt

N=5000
rfc=$(inner_driver "rfc4106(gcm(aes))")
check create_rust_pcrypt_rfc4106 rpd-crconf add "pcrypt($rfc)" 3

# Namespaces, veth and the SA pair in both directions (lib.sh).
check ipsec_setup ipsec_up
A=$IPSEC_A
B=$IPSEC_B
check ping_through_esp $A ping -c 2 -W 5 192.0.2.2

$B rpd-udpseq recv 5000 $N 5000 >/tmp/ipsec-recv.txt 2>&1 &
rpid=$!
sleep 1
check send_numbered_datagrams $A rpd-udpseq send 192.0.2.2:5000 $N
wait $rpid
expect_eq receiver_ok "$?" 0
echo "rpd: ipsec: $(cat /tmp/ipsec-recv.txt)"
expect_eq all_in_order_intact "$(cat /tmp/ipsec-recv.txt)" "received=$N in_order=$N corrupt=0"

# The SA used Rust pcrypt (ESP wraps it in seqiv) and really carried the traffic.
echo "rpd: ipsec: $(grep -E '^driver.*seqiv' /proc/crypto | tr -s ' ' | tr '\n' ';')"
check esp_uses_rust_pcrypt grep -q "^driver.*: seqiv(pcrypt($rfc))" /proc/crypto
pkts=$($A $IP -s xfrm state get src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 |
	sed -n 's/.* \([0-9]*\)(packets).*/\1/p' | head -n 1)
echo "rpd: ipsec: ESP packets sent by SA 0x1000: $pkts"
check esp_packets_counted test "${pkts:-0}" -ge "$N"

# A flood: two flows of 20,000 datagrams of 1200 bytes each, unpaced, through the same SA
# (32-packet replay window). Far more requests are then in flight than the engine's window
# of 512; a pcrypt that lets one overtake earlier ones gets it (or them) dropped by the
# replay window or delivered out of order. Drops elsewhere (socket buffers) are allowed, a
# reordered or corrupt datagram is not.
F=20000
# Debug kernels (make stress: KASAN, lockdep) are ten times slower: a fifth of it.
[ -e /sys/kernel/debug/kmemleak ] && F=4000
$B rpd-udpseq recv 5001 $F 3000 1200 flood >/tmp/flood1.txt 2>&1 &
r1=$!
$B rpd-udpseq recv 5002 $F 3000 1200 flood >/tmp/flood2.txt 2>&1 &
r2=$!
sleep 1
$A rpd-udpseq send 192.0.2.2:5001 $F 1200 flood &
s1=$!
$A rpd-udpseq send 192.0.2.2:5002 $F 1200 flood
wait $s1
wait $r1
rc1=$?
wait $r2
rc2=$?
echo "rpd: ipsec flood: flow 1: $(cat /tmp/flood1.txt); flow 2: $(cat /tmp/flood2.txt)"
echo "rpd: ipsec flood: receiving SA: $($B $IP -s xfrm state get src 192.0.2.1 dst 192.0.2.2 \
	proto esp spi 0x1000 | tr -s ' \n' ' ')"
expect_eq flood_flow1_not_reordered "$rc1" 0
expect_eq flood_flow2_not_reordered "$rc2" 0

ipsec_down

# TCP both ways through ESP (the ACKs too), in fresh namespaces: 2 connections for 2 s must
# carry data, and the ESP transform must again be built on Rust pcrypt.
ipsec_tcp 2 2 >/tmp/ipsec-tcp-line.txt
check tcp_over_esp test "$?" = 0
echo "rpd: ipsec tcp: $(cat /tmp/ipsec-tcp-line.txt)"
check tcp_esp_uses_rust_pcrypt grep -q "esp=.*seqiv(pcrypt($rfc))" /tmp/ipsec-tcp-line.txt

# TCP through ESP with every serial part on one CPU (both instances' serial_cpumask 1, so
# every SA's callback CPU is CPU 0): the sending SA's completions transmit there, so the
# receiving SA decrypts there, in a softirq on its own callback CPU. ESP input delivers a
# packet decrypted synchronously at once but queues one completed through its callback to a
# per-CPU work item, so a request completed synchronously would overtake the earlier one
# still queued. No ESP request may complete synchronously (pcrypt's counters: none handed
# back, none run directly), the sender's TCP may detect no reordering from the ACKs, and no
# segment may arrive out of order unless behind a loss (a lost segment is retransmitted, not
# spuriously: no D-SACK came back; the ones after it wait in the receiver's out-of-order
# queue). ca04a29, which completed such requests synchronously, fails: 15 handed back and
# 221 run directly on 4 vCPUs, 9 and 114 on 2, where the sender also counted 10 reorderings.
P=/sys/kernel/pcrypt
enc_mask=$(cat $P/pencrypt/serial_cpumask)
dec_mask=$(cat $P/pdecrypt/serial_cpumask)
for d in pencrypt pdecrypt; do
	check "serial_cpumask_cpu0_$d" sh -c "echo 1 > $P/$d/serial_cpumask"
done
pcrypt_counters_reset
ipsec_tcp 3 1 >/tmp/ipsec-tcp-cpu0.txt
check tcp_over_esp_one_callback_cpu test "$?" = 0
counters=$(pcrypt_counters "")
echo "rpd: ipsec tcp, callbacks on CPU 0: $(cat /tmp/ipsec-tcp-cpu0.txt)"
echo "rpd: ipsec tcp, callbacks on CPU 0, pcrypt counters:$counters"
num() { sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
expect_eq esp_never_synchronous "$(echo " $counters" | num sync_completed)/$(echo " $counters" |
	num direct)" 0/0
# TCPSACKReorder, TCPTSReorder and TCPRenoReorder must all be there (7.3 has no TCPReordSeen).
reord=
for f in TCPSACKReorder TCPTSReorder TCPRenoReorder; do
	reord="$reord$(num $f </tmp/ipsec-tcp-cpu0.txt)/"
done
expect_eq tcp_sender_saw_no_reordering "$reord" 0/0/0/
ofo=$(num TCPOFOQueue </tmp/ipsec-tcp-cpu0.txt)
retrans=$(num SenderRetransSegs </tmp/ipsec-tcp-cpu0.txt)
dsack=$(num TCPDSACKRecv </tmp/ipsec-tcp-cpu0.txt)
if [ "${ofo:-x}" = 0 ] || { [ "${retrans:-0}" -gt 0 ] && [ "${dsack:-x}" = 0 ]; }; then
	pass tcp_segments_in_order
else
	fail tcp_segments_in_order "TCPOFOQueue=$ofo SenderRetransSegs=$retrans TCPDSACKRecv=$dsack"
fi
check serial_cpumask_restored_pencrypt sh -c "echo $enc_mask > $P/pencrypt/serial_cpumask"
check serial_cpumask_restored_pdecrypt sh -c "echo $dec_mask > $P/pdecrypt/serial_cpumask"
suite_end
