// SPDX-License-Identifier: GPL-2.0

//! rpd-crconf: create and delete crypto algorithm instances through the kernel's
//! CRYPTO_USER netlink interface (CRYPTO_MSG_NEWALG / CRYPTO_MSG_DELALG), as `crconf` does.
//! AF_ALG cannot drive asynchronous algorithms such as pcrypt in Linux 7.3; this can.
//!
//! Usage: rpd-crconf add|del DRIVER_NAME [TYPE]   (TYPE defaults to 3, AEAD)
//!        rpd-crconf cycle DRIVER_NAME COUNT [TYPE]   (COUNT add+del pairs)
//! Exit status 0 on success; otherwise the kernel's errno is printed and returned.

use std::{env, io, mem, process::exit};

/// `NETLINK_CRYPTO` from `include/uapi/linux/netlink.h`.
const NETLINK_CRYPTO: i32 = 21;
/// `CRYPTO_MSG_NEWALG` / `CRYPTO_MSG_DELALG` from `include/uapi/linux/cryptouser.h`.
const CRYPTO_MSG_NEWALG: u16 = 0x10;
const CRYPTO_MSG_DELALG: u16 = 0x11;
/// `CRYPTO_MAX_NAME`.
const CRYPTO_MAX_NAME: usize = 64;
/// `CRYPTO_ALG_TYPE_MASK`.
const CRYPTO_ALG_TYPE_MASK: u32 = 0xf;

/// `struct crypto_user_alg`.
#[repr(C)]
struct CryptoUserAlg {
    cru_name: [u8; CRYPTO_MAX_NAME],
    cru_driver_name: [u8; CRYPTO_MAX_NAME],
    cru_module_name: [u8; CRYPTO_MAX_NAME],
    cru_type: u32,
    cru_mask: u32,
    cru_refcnt: u32,
    cru_flags: u32,
}

/// A request: header and payload, as sent.
#[repr(C)]
struct Request {
    hdr: libc::nlmsghdr,
    alg: CryptoUserAlg,
}

/// Opens a NETLINK_CRYPTO socket.
fn open() -> io::Result<i32> {
    // SAFETY: Plain socket(2) call.
    let fd = unsafe {
        libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            NETLINK_CRYPTO,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(fd)
}

/// Sends one NEWALG/DELALG for `driver` and returns the kernel's answer (0 or -errno).
fn request(fd: i32, msg: u16, driver: &str, ty: u32, seq: u32) -> io::Result<i32> {
    if driver.len() >= CRYPTO_MAX_NAME {
        return Err(io::Error::from_raw_os_error(libc::ENAMETOOLONG));
    }
    // SAFETY: All-zero is valid for these plain C structs.
    let mut req: Request = unsafe { mem::zeroed() };
    req.hdr.nlmsg_len = mem::size_of::<Request>() as u32;
    req.hdr.nlmsg_type = msg;
    req.hdr.nlmsg_flags = (libc::NLM_F_REQUEST | libc::NLM_F_ACK) as u16;
    req.hdr.nlmsg_seq = seq;
    req.alg.cru_driver_name[..driver.len()].copy_from_slice(driver.as_bytes());
    req.alg.cru_type = ty;
    req.alg.cru_mask = CRYPTO_ALG_TYPE_MASK;
    // SAFETY: All-zero is a valid sockaddr_nl; the kernel is port 0.
    let mut addr: libc::sockaddr_nl = unsafe { mem::zeroed() };
    addr.nl_family = libc::AF_NETLINK as u16;
    // SAFETY: `req` and `addr` are valid for the given sizes.
    let n = unsafe {
        libc::sendto(
            fd,
            (&raw const req).cast(),
            mem::size_of::<Request>(),
            0,
            (&raw const addr).cast(),
            mem::size_of::<libc::sockaddr_nl>() as u32,
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut buf = [0u8; 4096];
    loop {
        // SAFETY: `buf` is valid for its length.
        let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let n = n as usize;
        let hlen = mem::size_of::<libc::nlmsghdr>();
        if n < hlen + 4 {
            return Err(io::Error::from_raw_os_error(libc::EPROTO));
        }
        // SAFETY: `buf` holds at least a header; read unaligned.
        let hdr: libc::nlmsghdr = unsafe { std::ptr::read_unaligned(buf.as_ptr().cast()) };
        if hdr.nlmsg_seq != seq {
            continue;
        }
        if hdr.nlmsg_type as i32 == libc::NLMSG_ERROR {
            let err = i32::from_ne_bytes([buf[hlen], buf[hlen + 1], buf[hlen + 2], buf[hlen + 3]]);
            return Ok(err);
        }
    }
}

fn usage() -> ! {
    eprintln!("usage: rpd-crconf add|del DRIVER_NAME [TYPE] | cycle DRIVER_NAME COUNT [TYPE]");
    exit(2);
}

fn main() {
    let args: Vec<String> = env::args().collect();
    if args.len() < 3 {
        usage();
    }
    let fd = match open() {
        Ok(fd) => fd,
        Err(e) => {
            eprintln!("rpd-crconf: socket: {e}");
            exit(1);
        }
    };
    let parse_ty = |s: Option<&String>| {
        s.map_or(Ok(3), |t| t.parse::<u32>())
            .unwrap_or_else(|_| usage())
    };
    // DELALG answers EBUSY while the instance is still referenced, for example by its
    // self-test running right after creation: retry for up to 10 s, as LTP's
    // tst_crypto_del_alg() does.
    let send = |msg, ty, seq| {
        let mut tries = 0;
        loop {
            let r = request(fd, msg, &args[2], ty, seq);
            if msg == CRYPTO_MSG_DELALG && matches!(r, Ok(e) if e == -libc::EBUSY) && tries < 1000 {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
                continue;
            }
            return r;
        }
    };
    let run = |msg, ty, seq| match send(msg, ty, seq) {
        Ok(0) => 0,
        Ok(err) => {
            eprintln!(
                "rpd-crconf: {} {}: {}",
                args[1],
                args[2],
                io::Error::from_raw_os_error(-err)
            );
            -err
        }
        Err(e) => {
            eprintln!("rpd-crconf: {e}");
            1
        }
    };
    let rc = match args[1].as_str() {
        "add" => run(CRYPTO_MSG_NEWALG, parse_ty(args.get(3)), 1),
        "del" => run(CRYPTO_MSG_DELALG, parse_ty(args.get(3)), 1),
        "cycle" => {
            let count: u32 = args
                .get(3)
                .and_then(|c| c.parse().ok())
                .unwrap_or_else(|| usage());
            let ty = parse_ty(args.get(4));
            let mut rc = 0;
            for i in 0..count {
                rc = run(CRYPTO_MSG_NEWALG, ty, 2 * i + 1);
                if rc == 0 {
                    rc = run(CRYPTO_MSG_DELALG, ty, 2 * i + 2);
                }
                if rc != 0 {
                    eprintln!("rpd-crconf: cycle {i} failed");
                    break;
                }
            }
            rc
        }
        _ => usage(),
    };
    exit(rc);
}
