// SPDX-License-Identifier: GPL-2.0

//! CPU sets: an owned, copyable cpumask value with the operations the 7.3 `kernel::cpumask`
//! lacks (iteration, and, nth, parsing and `%*pb` formatting).
//!
//! C header: [`include/linux/cpumask.h`](srctree/include/linux/cpumask.h)

use kernel::{
    bindings,
    cpu::nr_cpu_ids,
    cpu::CpuId,
    cpumask::Cpumask,
    prelude::*,
    sync::atomic::{Atomic, Relaxed},
};

/// Number of CPUs the kernel was built for.
const NR_CPUS: usize = bindings::NR_CPUS as usize;
/// Bits in one word of the bitmap.
const WORD_BITS: usize = usize::BITS as usize;
/// Words in a [`CpuSet`].
const WORDS: usize = NR_CPUS.div_ceil(WORD_BITS);

/// A set of CPU ids below `nr_cpu_ids`, held by value (at most `NR_CPUS` bits).
///
/// # Invariants
///
/// No bit at or above `nr_cpu_ids()` is set.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct CpuSet {
    /// The bitmap, `WORD_BITS` CPUs per word.
    bits: [usize; WORDS],
}

impl CpuSet {
    /// The empty set.
    pub(crate) const fn empty() -> Self {
        Self { bits: [0; WORDS] }
    }

    /// All possible CPU ids, `0..nr_cpu_ids`.
    pub(crate) fn all() -> Self {
        let mut s = Self::empty();
        for cpu in 0..nr_cpu_ids() {
            s.set(cpu);
        }
        s
    }

    /// The possible CPUs (`cpu_possible_mask`).
    pub(crate) fn possible() -> Self {
        // SAFETY: `__cpu_possible_mask` is a kernel global that lives forever; it is only
        // read here, bit by bit, with the atomic-safe `cpumask_test_cpu()`.
        let possible = unsafe { Cpumask::from_raw(&raw const bindings::__cpu_possible_mask) };
        Self::from_cpumask(possible)
    }

    /// The CPUs that are online right now.
    pub(crate) fn online() -> Self {
        // SAFETY: `__cpu_online_mask` is a kernel global that lives forever; it is only read
        // here, bit by bit, with the atomic-safe `cpumask_test_cpu()`.
        let online = unsafe { Cpumask::from_raw(&raw const bindings::__cpu_online_mask) };
        Self::from_cpumask(online)
    }

    /// Copies a kernel cpumask.
    pub(crate) fn from_cpumask(mask: &Cpumask) -> Self {
        let mut s = Self::empty();
        for cpu in 0..nr_cpu_ids() {
            // SAFETY: `cpu < nr_cpu_ids()`, so it is a valid CPU id.
            if mask.test(unsafe { CpuId::from_u32_unchecked(cpu) }) {
                s.set(cpu);
            }
        }
        s
    }

    /// Whether `cpu` is in the set.
    pub(crate) fn test(&self, cpu: u32) -> bool {
        let cpu = cpu as usize;
        cpu < NR_CPUS && self.bits[cpu / WORD_BITS] & (1 << (cpu % WORD_BITS)) != 0
    }

    /// Adds `cpu`; ids at or above `nr_cpu_ids()` are ignored.
    pub(crate) fn set(&mut self, cpu: u32) {
        if cpu < nr_cpu_ids() {
            let cpu = cpu as usize;
            self.bits[cpu / WORD_BITS] |= 1 << (cpu % WORD_BITS);
        }
    }

    /// Removes `cpu`.
    pub(crate) fn clear(&mut self, cpu: u32) {
        let cpu = cpu as usize;
        if cpu < NR_CPUS {
            self.bits[cpu / WORD_BITS] &= !(1 << (cpu % WORD_BITS));
        }
    }

    /// The intersection of two sets.
    pub(crate) fn and(&self, other: &Self) -> Self {
        let mut s = *self;
        for (a, b) in s.bits.iter_mut().zip(other.bits.iter()) {
            *a &= *b;
        }
        s
    }

    /// Whether the set has no CPU.
    pub(crate) fn is_empty(&self) -> bool {
        self.bits.iter().all(|w| *w == 0)
    }

    /// Number of CPUs in the set.
    pub(crate) fn weight(&self) -> u32 {
        self.bits.iter().map(|w| w.count_ones()).sum()
    }

    /// Iterates over the CPUs of the set in ascending order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        (0..nr_cpu_ids()).filter(move |c| self.test(*c))
    }

    /// The `n`-th CPU of the set (counting from 0), as `cpumask_nth()`.
    pub(crate) fn nth(&self, n: u32) -> Option<u32> {
        self.iter().nth(n as usize)
    }

    /// The `(n % weight)`-th CPU of the set, `None` for the empty set: how C padata picks a
    /// replacement callback CPU (`cpumask_nth(cb_cpu % cpumask_weight(mask), mask)`).
    pub(crate) fn pick(&self, n: u32) -> Option<u32> {
        self.nth(n.checked_rem(self.weight())?)
    }

    /// Parses a mask in the format of `bitmap_parse()` (comma-separated 32-bit hex chunks,
    /// input ends at the first newline), with `bitmap_parse()`'s own error codes:
    /// `EINVAL` for a bad character, `EOVERFLOW` for bits beyond `nr_cpu_ids`.
    pub(crate) fn parse(buf: &[u8]) -> Result<Self> {
        let mut s = Self::empty();
        let len = u32::try_from(buf.len()).map_err(|_| EINVAL)?;
        // SAFETY: `buf` is valid for `len` bytes (the parser stops at `len` and never needs a
        // NUL), and `s.bits` has room for `NR_CPUS >= nr_cpu_ids` bits.
        let ret = unsafe {
            bindings::bitmap_parse(
                buf.as_ptr().cast(),
                len,
                s.bits.as_mut_ptr().cast(),
                nr_cpu_ids() as i32,
            )
        };
        kernel::error::to_result(ret)?;
        // INVARIANT: `bitmap_parse()` leaves no bit at or above `nmaskbits` set; bits of the
        // last word past that are cleared here to be sure.
        let mut clean = Self::empty();
        for cpu in 0..nr_cpu_ids() {
            if s.test(cpu) {
                clean.set(cpu);
            }
        }
        Ok(clean)
    }

    /// Formats the set like the kernel's `%*pb` with `nr_cpu_ids` bits: comma-separated
    /// 32-bit hex chunks, most significant first, the first one only as wide as needed.
    pub(crate) fn write_pb(&self, out: &mut impl core::fmt::Write) -> core::fmt::Result {
        let nr_bits = nr_cpu_ids() as usize;
        let mut chunk_bits = nr_bits % 32;
        if chunk_bits == 0 {
            chunk_bits = 32;
        }
        let mut start = nr_bits.div_ceil(32) * 32;
        let mut first = true;
        while start >= 32 {
            start -= 32;
            let mut val: u32 = 0;
            for bit in 0..chunk_bits {
                if self.test((start + bit) as u32) {
                    val |= 1 << bit;
                }
            }
            if !first {
                out.write_char(',')?;
            }
            first = false;
            write!(out, "{:0width$x}", val, width = chunk_bits.div_ceil(4))?;
            chunk_bits = 32;
        }
        Ok(())
    }
}

impl core::fmt::Debug for CpuSet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.write_pb(f)
    }
}

/// A [`CpuSet`] that readers test without a lock while a writer replaces it, word by word.
///
/// A reader racing with [`AtomicCpuSet::store`] may see some words of the old set and some of
/// the new one; each test of one CPU sees that CPU's bit either as it was or as it is. A
/// writer that publishes the set with a release store of some flag, which readers load with
/// acquire before testing, makes every test that sees the flag see the whole set.
///
/// # Invariants
///
/// As [`CpuSet`]: no bit at or above `nr_cpu_ids()` is set.
pub(crate) struct AtomicCpuSet {
    /// The bitmap, `WORD_BITS` CPUs per word.
    bits: [Atomic<usize>; WORDS],
}

impl AtomicCpuSet {
    /// The empty set.
    pub(crate) fn empty() -> Self {
        Self {
            bits: core::array::from_fn(|_| Atomic::new(0)),
        }
    }

    /// Replaces the set with `set` (relaxed stores; see the type's documentation).
    pub(crate) fn store(&self, set: &CpuSet) {
        for (word, &bits) in self.bits.iter().zip(set.bits.iter()) {
            word.store(bits, Relaxed);
        }
    }

    /// Whether `cpu` is in the set (a relaxed load of one word).
    pub(crate) fn test(&self, cpu: u32) -> bool {
        let cpu = cpu as usize;
        match self.bits.get(cpu / WORD_BITS) {
            Some(word) => word.load(Relaxed) & (1 << (cpu % WORD_BITS)) != 0,
            None => false,
        }
    }
}
