// SPDX-License-Identifier: GPL-2.0

//! Engine microbenchmark: jobs per second with a trivial parallel part (pure engine
//! overhead) and submit-to-serial latency percentiles. Run by `rust_padata.ko` when loaded
//! with `bench_jobs=N`; results go to the kernel log as one `rpd-bench:` line.

use super::{Instance, Job, Shell, Ticket};
use crate::kext::cpumask::CpuSet;
use kernel::{
    new_condvar, new_spinlock,
    prelude::*,
    sync::{Arc, CondVar, SpinLock},
    time::{Instant, Monotonic},
};

/// Latency histogram resolution: buckets of 1 us up to this many us (the last bucket
/// collects everything slower).
const BUCKETS: usize = 20_000;

/// Results collected by the serial parts.
struct Stats {
    /// Latency histogram, 1 us buckets.
    hist: KVec<u32>,
    /// Serial parts run.
    done: u64,
}

/// Shared by the benchmark and its jobs.
#[pin_data]
struct Shared {
    #[pin]
    stats: SpinLock<Stats>,
    #[pin]
    cv: CondVar,
}

/// A job whose parallel part does nothing.
struct BenchJob {
    shared: Arc<Shared>,
    submitted: Instant<Monotonic>,
}

impl Job for BenchJob {
    fn parallel(self, ticket: Ticket<Self>) {
        ticket.serial(self);
    }

    fn serial(self) {
        let us = self.submitted.elapsed().as_micros_ceil().clamp(0, BUCKETS as i64 - 1) as usize;
        let mut s = self.shared.stats.lock();
        if let Some(b) = s.hist.get_mut(us) {
            *b += 1;
        }
        s.done += 1;
        self.shared.cv.notify_all();
    }
}

/// The latency (us) below which `pct` percent of the jobs completed.
fn percentile(hist: &[u32], total: u64, pct: u64) -> usize {
    let want = total * pct / 100;
    let mut seen = 0u64;
    for (us, n) in hist.iter().enumerate() {
        seen += u64::from(*n);
        if seen >= want {
            return us;
        }
    }
    hist.len()
}

/// Submits `jobs` trivial jobs from `submitters` concurrent threads and prints throughput
/// and latency percentiles.
pub(crate) fn run(jobs: u64, submitters: u32) -> Result {
    let submitters = submitters.max(1);
    let inst = Arc::new(Instance::new(c"rpd_bench")?, GFP_KERNEL)?;
    let shell = Arc::new(Shell::<BenchJob>::new(&inst)?, GFP_KERNEL)?;
    let mut hist = KVec::with_capacity(BUCKETS, GFP_KERNEL)?;
    for _ in 0..BUCKETS {
        hist.push(0u32, GFP_KERNEL)?;
    }
    let shared = Arc::pin_init(
        pin_init!(Shared {
            stats <- new_spinlock!(Stats { hist, done: 0 }),
            cv <- new_condvar!(),
        }),
        GFP_KERNEL,
    )?;
    let per = jobs / u64::from(submitters);
    let total = per * u64::from(submitters);
    let start = Instant::<Monotonic>::now();
    for s in 0..submitters {
        let (shell, shared) = (shell.clone(), shared.clone());
        inst.spawn(move || {
            let online = CpuSet::online();
            let mut cb = online.pick(s).unwrap_or(0);
            for _ in 0..per {
                let mut job = BenchJob {
                    shared: shared.clone(),
                    submitted: Instant::now(),
                };
                while let Err((e, j)) = shell.do_parallel(job, &mut cb) {
                    if e != EBUSY {
                        return;
                    }
                    job = j;
                    kernel::time::delay::fsleep(kernel::time::Delta::from_micros(10));
                }
            }
        })?;
    }
    let mut s = shared.stats.lock();
    while s.done < total {
        shared.cv.wait(&mut s);
    }
    let ns = start.elapsed().as_nanos().max(1) as u64;
    let p50 = percentile(&s.hist, total, 50);
    let p99 = percentile(&s.hist, total, 99);
    drop(s);
    pr_info!(
        "rpd-bench: engine=rust jobs={} submitters={} ns={} jobs_per_sec={} p50_us={} p99_us={}\n",
        total,
        submitters,
        ns,
        total * 1_000_000_000 / ns,
        p50,
        p99
    );
    Ok(())
}
