// SPDX-License-Identifier: GPL-2.0

//! rpd-udpseq: the sender and receiver of the in-guest IPsec test.
//!
//! `rpd-udpseq send ADDR:PORT COUNT` sends COUNT datagrams; datagram i carries i as 8
//! little-endian bytes followed by a 56-byte pattern derived from i.
//! `rpd-udpseq recv PORT COUNT TIMEOUT_MS` receives until COUNT datagrams arrived or nothing
//! arrived for TIMEOUT_MS, then prints `received=N in_order=N corrupt=N` and exits 0 only if
//! all COUNT arrived intact and in order.

use std::{env, net::UdpSocket, process::exit, time::Duration};

/// Payload length: sequence number plus pattern.
const LEN: usize = 64;

/// The payload of datagram `i`.
fn payload(i: u64) -> [u8; LEN] {
    let mut p = [0u8; LEN];
    p[..8].copy_from_slice(&i.to_le_bytes());
    for (k, b) in p[8..].iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(31).wrapping_add(k as u8);
    }
    p
}

/// Prints usage and exits.
fn usage() -> ! {
    eprintln!("usage: rpd-udpseq send ADDR:PORT COUNT | recv PORT COUNT TIMEOUT_MS");
    exit(2);
}

/// Parses argument `i` as a number.
fn num(args: &[String], i: usize) -> u64 {
    args.get(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| usage())
}

fn main() {
    let args: Vec<String> = env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("send") => {
            let dst = args.get(2).unwrap_or_else(|| usage());
            let sock = UdpSocket::bind("0.0.0.0:0").expect("bind");
            for i in 0..num(&args, 3) {
                if let Err(e) = sock.send_to(&payload(i), dst.as_str()) {
                    eprintln!("rpd-udpseq: send {i}: {e}");
                    exit(1);
                }
                // Pace the sender so the receiver's socket buffer never overflows: the test
                // is about order and integrity through ESP, not about UDP drops.
                if i % 16 == 15 {
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
        }
        Some("recv") => {
            let (port, count, timeout) = (num(&args, 2), num(&args, 3), num(&args, 4));
            let sock = UdpSocket::bind(("0.0.0.0", port as u16)).expect("bind");
            sock.set_read_timeout(Some(Duration::from_millis(timeout)))
                .expect("timeout");
            let (mut received, mut in_order, mut corrupt, mut next) = (0u64, 0u64, 0u64, 0u64);
            let mut buf = [0u8; 2048];
            while received < count {
                let Ok(n) = sock.recv(&mut buf) else { break };
                received += 1;
                let mut seq = [0u8; 8];
                seq.copy_from_slice(
                    &buf[..8.min(n)]
                        .iter()
                        .chain([0u8; 8].iter())
                        .copied()
                        .take(8)
                        .collect::<Vec<_>>(),
                );
                let i = u64::from_le_bytes(seq);
                if n != LEN || buf[..LEN] != payload(i) {
                    corrupt += 1;
                } else if i == next {
                    in_order += 1;
                }
                next = i + 1;
            }
            println!("received={received} in_order={in_order} corrupt={corrupt}");
            exit(if received == count && in_order == count && corrupt == 0 {
                0
            } else {
                1
            });
        }
        _ => usage(),
    }
}
