// SPDX-License-Identifier: GPL-2.0

//! Engine microbenchmark: jobs per second with a trivial parallel part (pure engine
//! overhead) and submit-to-serial latency percentiles. Run by `rust_padata.ko` when loaded
//! with `bench_jobs=N`; results go to the kernel log as one `rpd-bench:` line.

use crate::kext::cpumask::CpuSet;
use crate::padata::{
    kvec_of, spin, BhDisabled, Instance, Job, MaskType, Registry, Shell, Ticket, Tuning, WINDOW,
};
use kernel::{
    cpu::CpuId,
    new_condvar, new_spinlock,
    prelude::*,
    sync::{
        atomic::{Atomic, Relaxed},
        Arc, CondVar, SpinLock,
    },
    time::{delay::fsleep, Delta, Instant, Monotonic},
};

/// Latency histogram resolution: buckets of 1 us up to this many us (the last bucket
/// collects everything slower).
const BUCKETS: usize = 20_000;

/// Most CPU work per parallel part, in nanoseconds ([`Config::work_ns`] is clamped to it).
const MAX_WORK_NS: u32 = 1_000_000;

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
    /// Queueing histogram, 1 us buckets: from the accepted submission to the start of the
    /// parallel part.
    queue_hist: KVec<u32>,
    /// Per submitter: when its last burst completed (the serial part that notified it).
    burst_at: KVec<Option<Instant<Monotonic>>>,
    /// Wakeup histogram, 1 us buckets: from the notification that a burst completed to the
    /// submitter running again.
    wake_hist: KVec<u32>,
    /// Samples in `wake_hist`.
    wakes: u64,
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
    /// Per submitter: signalled when its burst (see [`Config::depth`]) has completed. One
    /// each, so a completed burst wakes only the submitter that waits for it (a shared one
    /// woke every waiting submitter per burst: with four, three needless wakeups).
    burst_cvs: KVec<Arc<CondVar>>,
    /// Jobs in the run.
    total: u64,
    /// Burst size ([`Config::depth`]; 0: no bursts).
    depth: u64,
    /// Jobs per submitter (the last burst may be shorter than `depth`).
    per: u64,
    /// Iterations of [`spin`] in every parallel part ([`Config::work_ns`], calibrated).
    iters: u64,
    /// Parallel parts running now.
    running: Atomic<u32>,
    /// Sum over the parallel parts of how many were running when each started (itself
    /// included): divided by the jobs, the average parallelism the engine achieved.
    overlap: Atomic<u64>,
    /// Parallel parts run per CPU (first 8 CPUs).
    per_cpu: [Atomic<u32>; 8],
}

/// A job whose parallel part does nothing; `INLINE` is its [`Job::INLINE`] (the synchronous
/// path needs it, as pcrypt's requests have it).
struct BenchJob<const INLINE: bool> {
    /// Where the serial part records its result.
    shared: Arc<Shared>,
    /// When the engine was asked to take the job (last attempt), for the latency.
    submitted: Instant<Monotonic>,
    /// When the parallel part started.
    started: Instant<Monotonic>,
    /// Submitter index.
    sub: usize,
    /// Index of (submitter, callback CPU) in [`Stats::last`], set in the parallel part.
    key: usize,
    /// Submission index within the submitter.
    order: u64,
}

/// How many [`spin`] iterations take `ns` nanoseconds on this CPU, measured now (call it
/// while the machine is otherwise idle).
fn calibrate(ns: u32) -> u64 {
    if ns == 0 {
        return 0;
    }
    let probe = 1_000_000;
    let start = Instant::<Monotonic>::now();
    spin(probe);
    let took = start.elapsed().as_nanos().max(1) as u64;
    probe * u64::from(ns) / took
}

/// Counts the time `d` in the 1 us bucket histogram `hist`.
fn record(hist: &mut [u32], d: Delta) {
    let us = d.as_micros_ceil().clamp(0, BUCKETS as i64 - 1) as usize;
    if let Some(b) = hist.get_mut(us) {
        *b += 1;
    }
}

impl<const INLINE: bool> Job for BenchJob<INLINE> {
    const INLINE: bool = INLINE;

    fn parallel(mut self, ticket: Ticket<Self>, _bh: &BhDisabled) {
        self.work(ticket.cb_cpu());
        ticket.serial(self);
    }

    fn serial(self, _bh: &BhDisabled) {
        self.finish(false);
    }
}

impl<const INLINE: bool> BenchJob<INLINE> {
    /// The parallel part's work, for callback CPU `cb_cpu`.
    fn work(&mut self, cb_cpu: u32) {
        self.started = Instant::now();
        self.key = self.sub * kernel::cpu::nr_cpu_ids() as usize + cb_cpu as usize;
        let sh = &self.shared;
        // The shared counters only with work: trivial jobs measure the engine alone.
        if sh.iters != 0 {
            let running = sh.running.fetch_add(1, Relaxed) + 1;
            sh.overlap.fetch_add(u64::from(running), Relaxed);
            if let Some(c) = sh.per_cpu.get(CpuId::current().as_u32() as usize) {
                c.fetch_add(1, Relaxed);
            }
            spin(sh.iters);
            sh.running.fetch_sub(1, Relaxed);
        }
    }

    /// Records the job's result: what its serial part does, or its submitter for a job
    /// handed back synchronously (`sync`: no burst to signal, nobody waits for it).
    fn finish(self, sync: bool) {
        let now = Instant::<Monotonic>::now();
        let mut s = self.shared.stats.lock();
        record(&mut s.hist, now - self.submitted);
        record(&mut s.queue_hist, self.started - self.submitted);
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
        if burst_done && !sync {
            if let Some(at) = s.burst_at.get_mut(self.sub) {
                *at = Some(now);
            }
            if let Some(cv) = self.shared.burst_cvs.get(self.sub) {
                cv.notify_one();
            }
        }
    }
}

/// Waits until submitter `sub` has seen the serial parts of its first `n` jobs.
fn wait_burst(shared: &Shared, sub: usize, n: u64) {
    let Some(cv) = shared.burst_cvs.get(sub) else {
        return;
    };
    let mut s = shared.stats.lock();
    // The timeout only guards against a lost job; the result line then shows it as lost.
    let mut waits = 0;
    while s.sub_done.get(sub).is_some_and(|d| *d < n) && waits < 100 {
        let _ = cv.wait_interruptible_timeout(&mut s, kernel::time::msecs_to_jiffies(100));
        waits += 1;
    }
    if let Some(at) = s.burst_at.get_mut(sub).and_then(Option::take) {
        let d = at.elapsed();
        record(&mut s.wake_hist, d);
        s.wakes += 1;
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
    /// Nanoseconds every parallel part keeps its CPU busy (0: returns at once). With it the
    /// result line's `cpus_busy_pct` is the parallel work done per second in percent of one
    /// CPU: above 100, the engine beats running the jobs one after another on one CPU. At
    /// most [`MAX_WORK_NS`]; 0 also leaves out the `overlap_pct` and `cpu_jobs` counters.
    pub(crate) work_ns: u32,
    /// Submit through the synchronous path ([`Shell::do_parallel_sync`], as pcrypt does for
    /// a caller that waits): every submitter waits for each job, as tcrypt mode 211 does, and
    /// a job that comes back synchronously is finished by its submitter. `depth` is ignored.
    pub(crate) sync: bool,
    /// Thresholds of the instance's placement and linger policies.
    pub(crate) tuning: Tuning,
}

/// Submits `cfg.jobs` trivial jobs from `cfg.submitters` concurrent threads and prints
/// throughput, latency percentiles and the ordering check (`reordered`, `lost`: both must be
/// 0). With `reg` the instance follows CPU hotplug (the guest hotplug tests offline CPUs
/// meanwhile).
pub(crate) fn run(cfg: &Config, reg: Option<&Registry>) -> Result {
    if cfg.sync {
        run_jobs::<true>(cfg, reg)
    } else {
        run_jobs::<false>(cfg, reg)
    }
}

/// [`run`] with jobs of type [`BenchJob<INLINE>`].
fn run_jobs<const INLINE: bool>(cfg: &Config, reg: Option<&Registry>) -> Result {
    let (jobs, submitters) = (cfg.jobs, cfg.submitters.clamp(1, 64));
    let ncpu = kernel::cpu::nr_cpu_ids() as usize;
    let inst = Arc::new(Instance::new(c"rpd_bench", reg, cfg.tuning)?, GFP_KERNEL)?;
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
    let shell = Arc::new(
        Shell::<BenchJob<INLINE>>::with_first_seq(&inst, first)?,
        GFP_KERNEL,
    )?;
    let hist = kvec_of(BUCKETS, || Ok(0u32))?;
    let last = kvec_of(submitters as usize * ncpu, || Ok(0u64))?;
    let sub_done = kvec_of(submitters as usize, || Ok(0u64))?;
    let queue_hist = kvec_of(BUCKETS, || Ok(0u32))?;
    let wake_hist = kvec_of(BUCKETS, || Ok(0u32))?;
    let burst_at = kvec_of(submitters as usize, || Ok(None))?;
    let per = jobs / u64::from(submitters);
    let total = per * u64::from(submitters);
    let depth = if cfg.sync { 1 } else { u64::from(cfg.depth) };
    let burst_cvs = kvec_of(submitters as usize, || {
        Arc::pin_init(new_condvar!("rpd_bench_burst"), GFP_KERNEL)
    })?;
    // At most 1 ms per parallel part: it runs with bottom halves disabled.
    let work_ns = cfg.work_ns.min(MAX_WORK_NS);
    let iters = calibrate(work_ns);
    let shared = Arc::pin_init(
        pin_init!(Shared {
            stats <- new_spinlock!(Stats {
                hist,
                done: 0,
                last,
                reordered: 0,
                sub_done,
                queue_hist,
                burst_at,
                wake_hist,
                wakes: 0,
            }),
            cv <- new_condvar!(),
            burst_cvs,
            total,
            depth,
            per,
            iters,
            running: Atomic::new(0),
            overlap: Atomic::new(0),
            per_cpu: [const { Atomic::new(0) }; 8],
        }),
        GFP_KERNEL,
    )?;
    let start = Instant::<Monotonic>::now();
    for s in 0..submitters {
        let (shell, shared, sync) = (shell.clone(), shared.clone(), cfg.sync);
        inst.spawn(move || {
            for order in 0..per {
                // The preferred callback CPU; the engine replaces it when it is not usable
                // (for example offline); order is checked per CPU actually chosen.
                let mut cb = CpuSet::online().pick(s).unwrap_or(0);
                let mut job = BenchJob::<INLINE> {
                    shared: shared.clone(),
                    submitted: Instant::now(),
                    started: Instant::now(),
                    sub: s as usize,
                    key: 0,
                    order,
                };
                // The latency runs from the submission the engine accepted: time spent
                // waiting for room in a full window is backpressure, not engine latency.
                // (The engine would queue the job behind the window; the benchmark waits
                // instead, so its memory stays bounded.)
                while shell.outstanding() >= WINDOW {
                    fsleep(Delta::from_micros(20));
                }
                let cb_shared = Atomic::new(cb);
                let mut back = false;
                loop {
                    job.submitted = Instant::now();
                    let r = if sync {
                        // As pcrypt does for a request whose child is synchronous.
                        let direct = |mut j: BenchJob<INLINE>, _: &BhDisabled| {
                            j.work(cb);
                            j.finish(true);
                        };
                        match shell.do_direct(&cb_shared, job, direct) {
                            Ok(()) => break,
                            Err(j) => shell.do_parallel_sync(j, &cb_shared),
                        }
                    } else {
                        shell.do_parallel(job, &mut cb).map(|()| None)
                    };
                    match r {
                        Ok(Some(j)) => {
                            j.finish(true);
                            back = true;
                            break;
                        }
                        Ok(None) => break,
                        Err((e, j)) if e == EBUSY => {
                            job = j;
                            fsleep(Delta::from_micros(20));
                        }
                        Err(_) => return,
                    }
                }
                if !back && depth != 0 && ((order + 1) % depth == 0 || order + 1 == per) {
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
    let p50_p99 = |hist: &[u32], n| (percentile(hist, n, 50), percentile(hist, n, 99));
    let (p50, p99) = p50_p99(&s.hist, total);
    let (q50, q99) = p50_p99(&s.queue_hist, total);
    let (w50, w99) = p50_p99(&s.wake_hist, s.wakes);
    let (done, reordered) = (s.done, s.reordered);
    drop(s);
    let overlap = shared.overlap.load(Relaxed) * 100 / total.max(1);
    let pc = &shared.per_cpu;
    let cpu_jobs = [0, 1, 2, 3].map(|i| pc[i].load(Relaxed));
    let (serial_wake, serial_poll) = shell.serial_wake_and_poll_ns();
    let stats = shell.stats();
    pr_info!(
        "rpd-bench: engine=rust jobs={} submitters={} depth={} sync={} cpus={} first_seq={} ns={} jobs_per_sec={} p50_us={} p99_us={} reordered={} lost={} work_ns={} cpus_busy_pct={} queue_p50_us={} queue_p99_us={} wake_p50_us={} wake_p99_us={} overlap_pct={} cpu_jobs={:?} serial_wake_us={} serial_poll_us={} inline={} sync_back={} direct={}\n",
        total,
        submitters,
        depth,
        u8::from(cfg.sync),
        inst.cpumask(MaskType::Parallel).weight(),
        first,
        ns,
        done * 1_000_000_000 / ns,
        p50,
        p99,
        reordered,
        total - done,
        work_ns,
        done * u64::from(work_ns) * 100 / ns,
        q50,
        q99,
        w50,
        w99,
        overlap,
        cpu_jobs,
        serial_wake / 1000,
        serial_poll / 1000,
        stats.submit.inline,
        stats.serial.sync,
        stats.submit.direct
    );
    Ok(())
}
