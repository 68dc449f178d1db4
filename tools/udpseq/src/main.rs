// SPDX-License-Identifier: GPL-2.0

//! rpd-udpseq: the sender and receiver of the in-guest IPsec test.
//!
//! `rpd-udpseq send ADDR:PORT COUNT [LEN [flood]]` sends COUNT datagrams of LEN bytes
//! (default 64, at least 8); datagram i carries i as 8 little-endian bytes followed by a
//! pattern derived from i. It paces itself so that no datagram is dropped, unless `flood` is
//! given: then it sends as fast as it can.
//! `rpd-udpseq recv PORT COUNT TIMEOUT_MS [LEN [flood]]` receives until COUNT datagrams
//! arrived or nothing arrived for TIMEOUT_MS, then prints `received=N in_order=N corrupt=N
//! reordered=N` (reordered: datagrams numbered below one received before them). It exits 0
//! only if all COUNT arrived intact and in order, or with `flood`, if at least one arrived
//! and none was corrupt or reordered (drops are allowed).
//!
//! `rpd-udpseq tcp-sink PORT FLOWS` accepts FLOWS TCP connections, reads them to the end and
//! prints `bytes=N secs=S MBps=R`: the goodput the receiver saw, from the first accepted
//! connection to the last end of stream. `rpd-udpseq tcp-send ADDR:PORT SECONDS FLOWS` opens
//! FLOWS connections and writes to each as fast as it can for SECONDS (the IPsec benchmark of
//! `make bench`).

use std::{
    env,
    io::{Read, Write},
    net::{Shutdown, TcpListener, TcpStream, UdpSocket},
    process::exit,
    thread,
    time::{Duration, Instant},
};

/// Default payload length: sequence number plus pattern.
const LEN: usize = 64;

/// The payload of datagram `i`, `len` bytes long (at least 8).
fn payload(i: u64, len: usize) -> Vec<u8> {
    let mut p = vec![0u8; len.max(8)];
    p[..8].copy_from_slice(&i.to_le_bytes());
    for (k, b) in p[8..].iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(31).wrapping_add(k as u8);
    }
    p
}

/// Prints usage and exits.
fn usage() -> ! {
    eprintln!(
        "usage: rpd-udpseq send ADDR:PORT COUNT [LEN [flood]] | recv PORT COUNT TIMEOUT_MS [LEN [flood]]\n       rpd-udpseq tcp-sink PORT FLOWS | tcp-send ADDR:PORT SECONDS FLOWS"
    );
    exit(2);
}

/// Parses argument `i` as a number.
fn num(args: &[String], i: usize) -> u64 {
    args.get(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| usage())
}

/// Parses the optional `[LEN [flood]]` arguments starting at `i`.
fn len_and_flood(args: &[String], i: usize) -> (usize, bool) {
    let len = args.get(i).map_or(LEN, |_| num(args, i) as usize).max(8);
    let flood = match args.get(i + 1).map(String::as_str) {
        None => false,
        Some("flood") => true,
        Some(_) => usage(),
    };
    (len, flood)
}

/// Accepts `flows` connections on `port`, reads each to its end, prints the goodput.
fn tcp_sink(port: u16, flows: u64) {
    let listener = TcpListener::bind(("0.0.0.0", port)).expect("bind");
    let mut start = None;
    let mut readers = Vec::new();
    for _ in 0..flows {
        let (mut conn, _) = listener.accept().expect("accept");
        start.get_or_insert_with(Instant::now);
        readers.push(thread::spawn(move || {
            let mut buf = vec![0u8; 1 << 16];
            let mut bytes = 0u64;
            while let Ok(n) = conn.read(&mut buf) {
                if n == 0 {
                    break;
                }
                bytes += n as u64;
            }
            bytes
        }));
    }
    let bytes: u64 = readers.into_iter().map(|r| r.join().unwrap_or(0)).sum();
    let secs = start.map_or(0.0, |s| s.elapsed().as_secs_f64());
    let mbps = if secs > 0.0 {
        bytes as f64 / secs / 1e6
    } else {
        0.0
    };
    println!("bytes={bytes} secs={secs:.3} MBps={mbps:.2}");
}

/// Writes to `flows` connections to `dst` as fast as it can for `secs` seconds.
fn tcp_send(dst: &str, secs: u64, flows: u64) {
    let writers: Vec<_> = (0..flows)
        .map(|_| {
            let mut conn = TcpStream::connect(dst).unwrap_or_else(|e| {
                eprintln!("rpd-udpseq: connect {dst}: {e}");
                exit(1)
            });
            thread::spawn(move || {
                let buf = payload(0, 1 << 16);
                let end = Instant::now() + Duration::from_secs(secs);
                while Instant::now() < end {
                    if let Err(e) = conn.write_all(&buf) {
                        eprintln!("rpd-udpseq: write: {e}");
                        exit(1);
                    }
                }
                let _ = conn.shutdown(Shutdown::Write);
            })
        })
        .collect();
    for w in writers {
        let _ = w.join();
    }
}

fn main() {
    let args: Vec<String> = env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("send") => {
            let dst = args.get(2).unwrap_or_else(|| usage());
            let (len, flood) = len_and_flood(&args, 4);
            let sock = UdpSocket::bind("0.0.0.0:0").expect("bind");
            for i in 0..num(&args, 3) {
                if let Err(e) = sock.send_to(&payload(i, len), dst.as_str()) {
                    if flood {
                        // A full queue on the way: the datagram is dropped, go on.
                        continue;
                    }
                    eprintln!("rpd-udpseq: send {i}: {e}");
                    exit(1);
                }
                // Pace the sender so the receiver's socket buffer never overflows: the test
                // is about order and integrity through ESP, not about UDP drops.
                if !flood && i % 16 == 15 {
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
        }
        Some("recv") => {
            let (port, count, timeout) = (num(&args, 2), num(&args, 3), num(&args, 4));
            let (len, flood) = len_and_flood(&args, 5);
            let sock = UdpSocket::bind(("0.0.0.0", port as u16)).expect("bind");
            sock.set_read_timeout(Some(Duration::from_millis(timeout)))
                .expect("timeout");
            let (mut received, mut in_order, mut corrupt, mut next) = (0u64, 0u64, 0u64, 0u64);
            let (mut reordered, mut highest) = (0u64, None);
            let mut buf = [0u8; 65536];
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
                if n != len || buf[..n] != payload(i, len)[..] {
                    corrupt += 1;
                    continue;
                }
                if i == next {
                    in_order += 1;
                }
                if highest.is_some_and(|h| i < h) {
                    reordered += 1;
                }
                highest = highest.max(Some(i));
                next = i + 1;
            }
            if flood {
                println!(
                    "received={received} in_order={in_order} corrupt={corrupt} reordered={reordered}"
                );
                exit(if received > 0 && corrupt == 0 && reordered == 0 {
                    0
                } else {
                    1
                });
            }
            println!("received={received} in_order={in_order} corrupt={corrupt}");
            exit(if received == count && in_order == count && corrupt == 0 {
                0
            } else {
                1
            });
        }
        Some("tcp-sink") => tcp_sink(num(&args, 2) as u16, num(&args, 3)),
        Some("tcp-send") => {
            let dst = args.get(2).unwrap_or_else(|| usage());
            tcp_send(dst, num(&args, 3), num(&args, 4));
        }
        _ => usage(),
    }
}
