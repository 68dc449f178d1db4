// SPDX-License-Identifier: GPL-2.0

//! Small helpers of the engine that are not about ordering.

use kernel::{alloc::Flags, prelude::*};

/// A vector of `n` elements made by `f`, allocated with `flags` ([`kvec_of`] with
/// `GFP_KERNEL`).
pub(crate) fn kvec_with<T>(
    n: usize,
    flags: Flags,
    mut f: impl FnMut() -> Result<T>,
) -> Result<KVec<T>> {
    let mut v = KVec::with_capacity(n, flags)?;
    for _ in 0..n {
        v.push(f()?, flags)?;
    }
    Ok(v)
}

/// A vector of `n` elements made by `f`.
pub(crate) fn kvec_of<T>(n: usize, f: impl FnMut() -> Result<T>) -> Result<KVec<T>> {
    kvec_with(n, GFP_KERNEL, f)
}

/// Stand-in for real work: `iters` rounds of arithmetic the compiler cannot remove. CPU work,
/// not a clock: a vCPU that the host deschedules meanwhile makes no progress.
pub(crate) fn spin(iters: u64) {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..iters {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    core::hint::black_box(x);
}
