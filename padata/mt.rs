// SPDX-License-Identifier: GPL-2.0

//! Multithreaded jobs (C: `padata_do_multithreaded()`), usable at any time from process
//! context, not only during boot.

use super::instance::Instance;
use crate::kext::workqueue::ClosureWork;
use kernel::{
    cpu::CpuId,
    new_spinlock,
    prelude::*,
    sync::{Arc, Completion, SpinLock},
};

/// Load balancing factor: the range is cut into this many chunks per thread, so a thread that
/// is scheduled late takes fewer of them (C: `load_balance_factor`).
const LOAD_BALANCE_FACTOR: usize = 4;

/// Description of a multithreaded job (C: `struct padata_mt_job`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct MtJob {
    /// First index of the range.
    pub(crate) start: usize,
    /// Number of indices.
    pub(crate) size: usize,
    /// Chunk sizes are multiples of this (0 is taken as 1).
    pub(crate) align: usize,
    /// Smallest chunk worth a thread (0 is taken as 1).
    pub(crate) min_chunk: usize,
    /// Most threads to use, the caller included (0 is taken as 1).
    pub(crate) max_threads: usize,
}

/// The range still to hand out.
struct Progress {
    /// Next index to hand out.
    start: usize,
    /// Indices left.
    size: usize,
    /// Threads (the caller included) that have not finished.
    active: usize,
}

/// State shared by the caller and the helper threads.
#[pin_data]
struct MtState<F> {
    /// The range still to hand out.
    #[pin]
    progress: SpinLock<Progress>,
    /// Chunk length (a multiple of `align`, at least `min_chunk`).
    chunk: usize,
    /// The work on one chunk.
    f: F,
    /// Completed by the last thread to finish.
    #[pin]
    done: Completion,
}

impl<F: Fn(usize, usize) + Send + Sync + 'static> MtState<F> {
    /// One thread's share: takes chunks until the range is used up.
    fn help(&self) {
        let mut p = self.progress.lock();
        while p.size > 0 {
            let start = p.start;
            let size = p.size.min(self.chunk);
            p.start += size;
            p.size -= size;
            drop(p);
            (self.f)(start, start + size);
            p = self.progress.lock();
        }
        p.active -= 1;
        if p.active == 0 {
            drop(p);
            self.done.complete_all();
        }
    }
}

/// Runs `f(start, end)` over `job.start..job.start + job.size` in chunks on up to
/// `job.max_threads` threads (the caller is one of them; helpers run on the instance's
/// parallel workqueue) and returns when every chunk is done.
///
/// Chunks are at least `min_chunk` long (except the last) and multiples of `align`, so chunk
/// starts are aligned relative to `job.start`. Every index is covered exactly once. If helper
/// threads cannot be allocated, fewer threads are used; the job still completes. Must be
/// called from process context (it sleeps).
pub(crate) fn do_multithreaded<F>(inst: &Instance, job: &MtJob, f: F) -> Result
where
    F: Fn(usize, usize) + Send + Sync + 'static,
{
    if job.size == 0 {
        return Ok(());
    }
    let align = job.align.max(1);
    let min_chunk = job.min_chunk.max(1);
    // Divisions are checked (never by zero) so no panic path is generated.
    let nworks = job
        .size
        .checked_div(min_chunk.max(align))
        .unwrap_or(1)
        .clamp(1, job.max_threads.max(1));
    if nworks == 1 {
        f(job.start, job.start + job.size);
        return Ok(());
    }
    let chunk = job
        .size
        .checked_div(nworks * LOAD_BALANCE_FACTOR)
        .unwrap_or(0)
        .max(min_chunk)
        .checked_next_multiple_of(align)
        .unwrap_or(job.size);
    let state = Arc::pin_init(
        pin_init!(MtState {
            progress <- new_spinlock!(Progress {
                start: job.start,
                size: job.size,
                active: 1,
            }),
            chunk,
            f,
            done <- Completion::new(),
        }),
        GFP_KERNEL,
    )?;
    // The helpers' work items are allocated first: the queues' guard holds the RCU read lock.
    let mut helpers = KVec::with_capacity(nworks - 1, GFP_KERNEL)?;
    for _ in 1..nworks {
        let s = state.clone();
        match ClosureWork::new(move || s.help(), GFP_KERNEL) {
            Ok(w) => helpers.push(w, GFP_KERNEL)?,
            Err(_) => break,
        }
    }
    // Each helper goes to another usable parallel CPU than the caller's, in turn, so the
    // threads really run in parallel (a per-CPU queue would otherwise run them all on the
    // caller's CPU). The caller's CPU is only a hint: it may move.
    let (_, snap) = inst.inner().snapshot();
    let here = CpuId::current().as_u32();
    let others = snap.pcpu.weight() - u32::from(snap.pcpu.test(here));
    let other = |k: u32| {
        let k = k.checked_rem(others)?;
        let cpu = snap.pcpu.iter().filter(|&c| c != here).nth(k as usize)?;
        CpuId::from_u32(cpu)
    };
    if let Some(queues) = inst.inner().queues.try_access() {
        for (k, w) in (0u32..).zip(helpers.drain_all()) {
            state.progress.lock().active += 1;
            match other(k) {
                Some(cpu) => queues.parallel.enqueue_on(cpu, w),
                None => queues.parallel_any.enqueue(w),
            }
        }
    }
    state.help();
    state.done.wait_for_completion();
    Ok(())
}

#[cfg(padata_kunit)]
/// KUnit suite `rust_padata_multithreaded`.
#[kernel::prelude::kunit_tests(rust_padata_multithreaded)]
mod mt_tests {
    use super::{do_multithreaded, MtJob};
    use crate::padata::{Instance, Tuning};
    use kernel::{
        prelude::*,
        sync::{
            atomic::{Atomic, Relaxed},
            Arc,
        },
    };

    /// Every index covered exactly once, chunk starts aligned, for odd sizes, aligns, chunk
    /// minimums and thread counts, including size 0 and size < min_chunk.
    #[test]
    fn covers_every_index_exactly_once() -> Result {
        let inst = Instance::new(c"kunit_mt", None, Tuning::DEFAULT)?;
        const MAX: usize = 5000;
        let mut hits = KVec::with_capacity(MAX + 16, GFP_KERNEL)?;
        for _ in 0..MAX + 16 {
            hits.push(Atomic::<u32>::new(0), GFP_KERNEL)?;
        }
        let hits = Arc::new(hits, GFP_KERNEL)?;
        let misaligned = Arc::new(Atomic::<u32>::new(0), GFP_KERNEL)?;
        let mut cases = 0;
        for &size in &[0usize, 1, 7, 100, 1001, 4099] {
            for &align in &[1usize, 3, 8] {
                for &min_chunk in &[1usize, 5, 64, 5000] {
                    for &max_threads in &[1usize, 2, 4, 7] {
                        let start = 11;
                        for h in hits.iter() {
                            h.store(0, Relaxed);
                        }
                        let (h, m) = (hits.clone(), misaligned.clone());
                        let job = MtJob {
                            start,
                            size,
                            align,
                            min_chunk,
                            max_threads,
                        };
                        do_multithreaded(&inst, &job, move |s, e| {
                            if (s - start).checked_rem(align) != Some(0) {
                                m.fetch_add(1, Relaxed);
                            }
                            for i in s..e {
                                h[i].fetch_add(1, Relaxed);
                            }
                        })?;
                        for (i, h) in hits.iter().enumerate() {
                            let want = u32::from(i >= start && i < start + size);
                            assert_eq!(h.load(Relaxed), want);
                        }
                        cases += 1;
                    }
                }
            }
        }
        assert_eq!(misaligned.load(Relaxed), 0);
        assert_eq!(cases, 6 * 3 * 4 * 4);
        Ok(())
    }
}
