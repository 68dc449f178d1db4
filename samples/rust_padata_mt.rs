// SPDX-License-Identifier: GPL-2.0

//! Sample: a multithreaded job over the Rust padata API.
//!
//! Fills a large buffer with a pattern and checksums it, once on one thread and once split
//! across CPUs with `do_multithreaded()`, and prints the speedup. C allows multithreaded jobs
//! only during boot; the Rust engine allows them at any time from process context.

// Every item has a doc comment; `make lint` (clippy) enforces it.
#![warn(clippy::missing_docs_in_private_items)]

use kernel::{
    alloc::VVec,
    prelude::*,
    sync::{
        atomic::{Atomic, Relaxed},
        Arc,
    },
    time::{Instant, Monotonic},
};

#[cfg_attr(
    not(rpd_dead_code_check),
    allow(
        dead_code,
        unused_imports,
        reason = "shared engine; the sample uses part of it"
    )
)]
#[path = "../kext/mod.rs"]
mod kext;
#[cfg_attr(
    not(rpd_dead_code_check),
    allow(
        dead_code,
        unused_imports,
        reason = "shared engine; the sample uses part of it"
    )
)]
#[path = "../padata/mod.rs"]
mod padata;

use padata::{do_multithreaded, Instance, MtJob, Tuning};

module! {
    type: MtSample,
    name: "rust_padata_mt",
    authors: ["rust-padata developers"],
    description: "Sample: multithreaded buffer work over Rust padata",
    license: "GPL",
}

/// Words in the sample buffer (8 MiB).
const WORDS: usize = 1 << 20;

/// The work on words `start..end`: a pattern derived from each index, summed.
fn work(words: &[Atomic<u64>], start: usize, end: usize) -> u64 {
    let mut sum = 0u64;
    for (i, w) in words.iter().enumerate().take(end).skip(start) {
        let mut x = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        for _ in 0..4 {
            x ^= x >> 29;
            x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        }
        w.store(x, Relaxed);
        sum = sum.wrapping_add(x);
    }
    sum
}

/// Runs the work on `threads` threads; returns (checksum, nanoseconds).
fn run(inst: &Instance, words: &Arc<VVec<Atomic<u64>>>, threads: usize) -> Result<(u64, i64)> {
    let total = Arc::new(Atomic::<u64>::new(0), GFP_KERNEL)?;
    let (w, t) = (words.clone(), total.clone());
    let job = MtJob {
        start: 0,
        size: WORDS,
        align: 8,
        min_chunk: 4096,
        max_threads: threads,
    };
    let start = Instant::<Monotonic>::now();
    do_multithreaded(inst, &job, move |s, e| {
        let sum = work(&w, s, e);
        let mut old = t.load(Relaxed);
        // Atomic add of a wrapping sum.
        loop {
            match t.cmpxchg(old, old.wrapping_add(sum), Relaxed) {
                Ok(_) => break,
                Err(cur) => old = cur,
            }
        }
    })?;
    Ok((total.load(Relaxed), start.elapsed().as_nanos()))
}

/// Allocates the buffer.
fn buffer() -> Result<Arc<VVec<Atomic<u64>>>> {
    // 8 MiB: vmalloc, kmalloc cannot serve that size.
    let mut v = VVec::with_capacity(WORDS, GFP_KERNEL)?;
    for _ in 0..WORDS {
        v.push(Atomic::new(0), GFP_KERNEL)?;
    }
    Ok(Arc::new(v, GFP_KERNEL)?)
}

/// Module state.
struct MtSample;

impl kernel::Module for MtSample {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let inst = Instance::new(c"sample_mt", None, Tuning::DEFAULT)?;
        let words = buffer()?;
        let ncpu = kext::cpumask::CpuSet::online().weight() as usize;
        let (s1, t1) = run(&inst, &words, 1)?;
        let (sn, tn) = run(&inst, &words, ncpu)?;
        let verdict = if s1 == sn { "equal" } else { "DIFFER" };
        pr_info!(
            "8 MiB: 1 thread {} us, {} threads {} us, speedup x{}.{:02}, checksums {}\n",
            t1 / 1000,
            ncpu,
            tn / 1000,
            t1 / tn.max(1),
            (t1 * 100 / tn.max(1)) % 100,
            verdict
        );
        Ok(MtSample)
    }
}

/// KUnit suite `rust_padata_sample_mt`.
#[kunit_tests(rust_padata_sample_mt)]
mod tests {
    use super::*;

    /// Splitting the work over threads gives the single-threaded checksum.
    #[test]
    fn split_result_equals_single_thread() -> Result {
        let inst = Instance::new(c"sample_mt_test", None, Tuning::DEFAULT)?;
        let words = buffer()?;
        let (one, _) = run(&inst, &words, 1)?;
        let (many, _) = run(&inst, &words, 4)?;
        let (seven, _) = run(&inst, &words, 7)?;
        assert_eq!(one, many);
        assert_eq!(one, seven);
        assert!(one != 0);
        Ok(())
    }
}
