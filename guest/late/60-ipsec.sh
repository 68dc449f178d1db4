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
# Debian's iproute2, by full path: busybox sh would run its own "ip" applet first.
IP=/sbin/ip
# make stress runs this with the module already loaded.
grep -q '^rust_pcrypt ' /proc/modules || check load_rust_pcrypt insmod $M/rust_pcrypt.ko

N=5000
rfc=$(rpd-crconf add "rfc4106(gcm(aes))" 3 2>/dev/null
	awk '/^name/ { n = $3 } /^driver/ { d = $3 }
		/^priority/ { if (n == "rfc4106(gcm(aes))" && d !~ /^pcrypt/ && $3 + 0 > b) { b = $3 + 0; bd = d } }
		END { print bd }' /proc/crypto)
check create_rust_pcrypt_rfc4106 rpd-crconf add "pcrypt($rfc)" 3

mkdir -p /run/netns
check netns_a $IP netns add rpd_a
check netns_b $IP netns add rpd_b
check veth $IP link add rpd0 netns rpd_a type veth peer name rpd1 netns rpd_b
A="$IP netns exec rpd_a"
B="$IP netns exec rpd_b"
$A $IP addr add 192.0.2.1/24 dev rpd0 && $A $IP link set rpd0 up && $A $IP link set lo up
$B $IP addr add 192.0.2.2/24 dev rpd1 && $B $IP link set rpd1 up && $B $IP link set lo up

KEY=0x0123456789abcdef0123456789abcdef01234567
for ns in rpd_a rpd_b; do
	X="$IP netns exec $ns"
	$X $IP xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 reqid 1 \
		mode transport replay-window 32 aead 'rfc4106(gcm(aes))' $KEY 128
	$X $IP xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x1001 reqid 2 \
		mode transport replay-window 32 aead 'rfc4106(gcm(aes))' $KEY 128
done
check policy_out $A $IP xfrm policy add src 192.0.2.1 dst 192.0.2.2 dir out \
	tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 1 mode transport
check policy_in $B $IP xfrm policy add src 192.0.2.1 dst 192.0.2.2 dir in \
	tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 1 mode transport
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

for ns in rpd_a rpd_b; do
	$IP netns exec $ns $IP xfrm policy flush
	$IP netns exec $ns $IP xfrm state flush
	$IP netns del $ns
done
suite_end
