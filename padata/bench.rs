// SPDX-License-Identifier: GPL-2.0

//! Engine microbenchmark: jobs per second with a trivial parallel part (pure engine
//! overhead) and submit-to-serial latency percentiles. Run by `rust_padata.ko` when loaded
//! with `bench_jobs=N`; results go to the kernel log as one `rpd-bench:` line.

use super::{kvec_of, HotplugState, Instance, Job, MaskType, Shell, Ticket};
use crate::kext::cpumask::CpuSet;
use kernel::{
    new_condvar, new_spinlock,
    prelude::*,
    sync::{Arc, CondVar, SpinLock},
    time::{delay::fsleep, Delta, Instant, Monotonic},
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
    /// Per (submitter, callback CPU): last submission index serialised, plus one.
    last: KVec<u64>,
    /// Serial parts that ran before a job submitted earlier by the same submitter with the
    /// same callback CPU.
    reordered: u64,
    /// Per submitter: serial parts run.
    sub_done: KVec<u64>,
}

/// Shared by the benchmark and its jobs.
#[pin_data]
struct Shared {
    /// Results, updated by the serial parts.
    #[pin]
    stats: SpinLock<Stats>,
    /// Signalled by the serial part that completes the run (the waiter also looks every
    /// 100 ms), so the benchmark does not add a wakeup per job to what it measures.
    #[pin]
    cv: CondVar,
    /// Signalled when a submitter's burst (see [`Config::depth`]) has completed.
    #[pin]
    burst_cv: CondVar,
    /// Jobs in the run.
    total: u64,
    /// Burst size ([`Config::depth`]; 0: no bursts).
    depth: u64,
    /// Jobs per submitter (the last burst may be shorter than `depth`).
    per: u64,
}

/// A job whose parallel part does nothing.
struct BenchJob {
    /// Where the serial part records its result.
    shared: Arc<Shared>,
    /// When the engine was asked to take the job (last attempt), for the latency.
    submitted: Instant<Monotonic>,
    /// Submitter index.
    sub: usize,
    /// Index of (submitter, callback CPU) in [`Stats::last`], set in the parallel part.
    key: usize,
    /// Submission index within the submitter.
    order: u64,
}

impl Job for BenchJob {
    fn parallel(mut self, ticket: Ticket<Self>) {
        self.key = self.sub * kernel::cpu::nr_cpu_ids() as usize + ticket.cb_cpu() as usize;
        ticket.serial(self);
    }

    fn serial(self) {
        let us = self
            .submitted
            .elapsed()
            .as_micros_ceil()
            .clamp(0, BUCKETS as i64 - 1) as usize;
        let mut s = self.shared.stats.lock();
        if let Some(b) = s.hist.get_mut(us) {
            *b += 1;
        }
        s.done += 1;
        let mut burst_done = false;
        if let Some(d) = s.sub_done.get_mut(self.sub) {
            *d += 1;
            burst_done =
                self.shared.depth != 0 && (*d % self.shared.depth == 0 || *d == self.shared.per);
        }
        if let Some(last) = s.last.get_mut(self.key) {
            let bad = *last > self.order;
            *last = self.order + 1;
            if bad {
                s.reordered += 1;
            }
        }
        if s.done == self.shared.total {
            self.shared.cv.notify_all();
        }
        if burst_done {
            self.shared.burst_cv.notify_all();
        }
    }
}

/// Waits until submitter `sub` has seen the serial parts of its first `n` jobs.
fn wait_burst(shared: &Shared, sub: usize, n: u64) {
    let mut s = shared.stats.lock();
    // The timeout only guards against a lost job; the result line then shows it as lost.
    let mut waits = 0;
    while s.sub_done.get(sub).is_some_and(|d| *d < n) && waits < 100 {
        let _ = shared
            .burst_cv
            .wait_interruptible_timeout(&mut s, kernel::time::msecs_to_jiffies(100));
        waits += 1;
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

/// How the microbenchmark is set up (module parameters of `rust_padata.ko`).
pub(crate) struct Config {
    /// Jobs in all.
    pub(crate) jobs: u64,
    /// Concurrent submitting threads.
    pub(crate) submitters: u32,
    /// Parallel mask: the first this many online CPUs (0: all).
    pub(crate) cpus: u32,
    /// Start the sequence numbers half the job count below the `u32` wrap, so that they wrap
    /// in the middle of the run.
    pub(crate) wrap: bool,
    /// 0: every submitter submits back to back, so the window stays full and the latency is
    /// mostly queueing behind the window (Little's law). N: every submitter submits bursts
    /// of N jobs and waits for each burst's serial parts before the next (as tcrypt with
    /// `num_mb=N` does), so the latency is the engine's own at that depth.
    pub(crate) depth: u32,
}

/// Submits `cfg.jobs` trivial jobs from `cfg.submitters` concurrent threads and prints
/// throughput, latency percentiles and the ordering check (`reordered`, `lost`: both must be
/// 0). With `hp` the instance follows CPU hotplug (the guest hotplug tests offline CPUs
/// meanwhile).
pub(crate) fn run(cfg: &Config, hp: Option<&Arc<HotplugState>>) -> Result {
    let (jobs, submitters) = (cfg.jobs, cfg.submitters.clamp(1, 64));
    let ncpu = kernel::cpu::nr_cpu_ids() as usize;
    let inst = Arc::new(Instance::new(c"rpd_bench", hp)?, GFP_KERNEL)?;
    if cfg.cpus != 0 {
        let mut mask = CpuSet::empty();
        for cpu in CpuSet::online().iter().take(cfg.cpus as usize) {
            mask.set(cpu);
        }
        inst.set_cpumask(MaskType::Parallel, &mask)?;
    }
    let first = if cfg.wrap {
        0u32.wrapping_sub((jobs / 2).min(u64::from(u32::MAX / 2)) as u32)
    } else {
        0
    };
    let shell = Arc::new(Shell::<BenchJob>::with_first_seq(&inst, first)?, GFP_KERNEL)?;
    let hist = kvec_of(BUCKETS, || Ok(0u32))?;
    let last = kvec_of(submitters as usize * ncpu, || Ok(0u64))?;
    let sub_done = kvec_of(submitters as usize, || Ok(0u64))?;
    let per = jobs / u64::from(submitters);
    let total = per * u64::from(submitters);
    let depth = u64::from(cfg.depth);
    let shared = Arc::pin_init(
        pin_init!(Shared {
            stats <- new_spinlock!(Stats { hist, done: 0, last, reordered: 0, sub_done }),
            cv <- new_condvar!(),
            burst_cv <- new_condvar!(),
            total,
            depth,
            per,
        }),
        GFP_KERNEL,
    )?;
    let start = Instant::<Monotonic>::now();
    for s in 0..submitters {
        let (shell, shared) = (shell.clone(), shared.clone());
        inst.spawn(move || {
            for order in 0..per {
                // The preferred callback CPU; the engine replaces it when it is not usable
                // (for example offline); order is checked per CPU actually chosen.
                let mut cb = CpuSet::online().pick(s).unwrap_or(0);
                let mut job = BenchJob {
                    shared: shared.clone(),
                    submitted: Instant::now(),
                    sub: s as usize,
                    key: 0,
                    order,
                };
                // The latency runs from the submission the engine accepted: time spent
                // waiting for room in a full window is backpressure, not engine latency.
                loop {
                    job.submitted = Instant::now();
                    match shell.do_parallel(job, &mut cb) {
                        Ok(()) => break,
                        Err((e, j)) if e == EBUSY => {
                            job = j;
                            fsleep(Delta::from_micros(20));
                        }
                        Err(_) => return,
                    }
                }
                if depth != 0 && ((order + 1) % depth == 0 || order + 1 == per) {
                    wait_burst(&shared, s as usize, order + 1);
                }
            }
        })?;
    }
    let mut s = shared.stats.lock();
    // Give up after 10 s without progress: the result line then shows the lost jobs.
    let mut seen = u64::MAX;
    while s.done < total {
        if s.done == seen {
            break;
        }
        seen = s.done;
        for _ in 0..100 {
            if s.done >= total {
                break;
            }
            let _ = shared
                .cv
                .wait_interruptible_timeout(&mut s, kernel::time::msecs_to_jiffies(100));
        }
    }
    let ns = start.elapsed().as_nanos().max(1) as u64;
    let p50 = percentile(&s.hist, total, 50);
    let p99 = percentile(&s.hist, total, 99);
    let (done, reordered) = (s.done, s.reordered);
    drop(s);
    pr_info!(
        "rpd-bench: engine=rust jobs={} submitters={} depth={} cpus={} first_seq={} ns={} jobs_per_sec={} p50_us={} p99_us={} reordered={} lost={}\n",
        total,
        submitters,
        depth,
        inst.cpumask(MaskType::Parallel).weight(),
        first,
        ns,
        done * 1_000_000_000 / ns,
        p50,
        p99,
        reordered,
        total - done
    );
    Ok(())
}
