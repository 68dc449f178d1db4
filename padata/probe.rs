// SPDX-License-Identifier: GPL-2.0

//! How many CPUs really run at once: a load-time probe for the lane cap.
//!
//! On a guest whose host gives it fewer cores than vCPUs (overcommit), a lane whose vCPU the
//! host deschedules holds back every later job of its shell, and more lanes than the host's
//! cores cost more than they gain (Documentation/bench.rst, "Change: a cap on the lanes").
//! Under full emulation (QEMU TCG) nothing in the guest reports that (no steal time). So the
//! module measures it when it is loaded, the way `lib/raid6` benchmarks its algorithms at
//! boot: CPU work that the compiler cannot remove runs first on one CPU, then on every
//! online CPU at the same time, for [`PHASE_MS`] each, twice; the work done per second on all of
//! them together, in units of the lone CPU's, is the number of CPUs that really run in
//! parallel. Where that is clearly below the online CPUs, [`lane_max`] returns it as the cap
//! that the crate root puts into the [`super::Tuning`] of its instances (unless the
//! `lane_max` module parameter sets a cap of its own).

use crate::kext::{
    cpumask::CpuSet,
    workqueue::{ClosureWork, Kind, OwnedQueue},
};
use kernel::{
    cpu::{nr_cpu_ids, CpuId},
    prelude::*,
    processor::cpu_relax,
    sync::{
        atomic::{Atomic, Relaxed},
        Arc,
    },
    time::{Delta, Instant, Monotonic},
};

/// Length of each phase of the probe, in milliseconds: several host time slices, so a vCPU
/// that shares a host core is seen at its share, not at a lucky or unlucky instant.
const PHASE_MS: i64 = 30;

/// Rounds of the probe, each one phase on one CPU and one on all.
const PROBE_ROUNDS: u32 = 2;

/// How long a probing CPU waits for the others to start before it starts anyway.
const START_TIMEOUT_MS: i64 = 100;

/// Rounds of [`spin`] between two looks at the clock.
const CHUNK: u64 = 2_000;

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

/// State shared by the CPUs of one phase.
struct Phase {
    /// CPUs that have started.
    started: Atomic<u32>,
    /// CPUs taking part.
    expected: u32,
    /// Per CPU id: [`spin`] rounds per millisecond measured there (0: did not run).
    rate: KVec<Atomic<u64>>,
}

impl Phase {
    /// Runs on one CPU of the phase: waits (a bounded time) until every CPU of the phase has
    /// started, then does [`CHUNK`]s of work for [`PHASE_MS`] and records the rate.
    fn run(&self) {
        let cpu = CpuId::current().as_u32() as usize;
        self.started.fetch_add(1, Relaxed);
        let wait = Instant::<Monotonic>::now();
        while self.started.load(Relaxed) < self.expected
            && wait.elapsed() < Delta::from_millis(START_TIMEOUT_MS)
        {
            cpu_relax();
        }
        let start = Instant::<Monotonic>::now();
        let mut rounds = 0u64;
        while start.elapsed() < Delta::from_millis(PHASE_MS) {
            spin(CHUNK);
            rounds += CHUNK;
        }
        let us = u64::try_from(start.elapsed().as_nanos() / 1000)
            .unwrap_or(0)
            .max(1);
        if let Some(r) = self.rate.get(cpu) {
            r.store(rounds.saturating_mul(1000) / us, Relaxed);
        }
    }

    /// Runs a phase on every CPU of `cpus` at once and returns the sum of their rates.
    fn measure(cpus: &CpuSet) -> Result<u64> {
        let rate = super::kvec_of(nr_cpu_ids() as usize, || Ok(Atomic::new(0)))?;
        let phase = Arc::new(
            Phase {
                started: Atomic::new(0),
                expected: cpus.weight(),
                rate,
            },
            GFP_KERNEL,
        )?;
        {
            // Per-CPU and CPU intensive: one item runs on each CPU, outside the concurrency
            // management. Dropping the queue waits for all of them.
            let queue = OwnedQueue::new(c"rpd_probe", c"", Kind::PerCpuIntensive)?;
            let mut works = KVec::with_capacity(cpus.weight() as usize, GFP_KERNEL)?;
            for _ in cpus.iter() {
                let p = phase.clone();
                works.push(ClosureWork::new(move || p.run(), GFP_KERNEL)?, GFP_KERNEL)?;
            }
            for (cpu, work) in cpus
                .iter()
                .filter_map(CpuId::from_u32)
                .zip(works.drain_all())
            {
                queue.enqueue_on(cpu, work);
            }
        }
        Ok(phase.rate.iter().map(|r| r.load(Relaxed)).sum())
    }
}

/// The lane cap for `cpus` online CPUs of which `parallel_pct` percent of one CPU's work got
/// done per second when all of them ran at once: that many CPUs rounded to the nearest, at
/// least two; 0 (no cap) when that is not below `cpus`.
pub(crate) fn lane_cap(cpus: u32, parallel_pct: u64) -> u32 {
    let cap = u32::try_from(parallel_pct.saturating_add(50) / 100)
        .unwrap_or(u32::MAX)
        .max(2);
    if cap >= cpus {
        0
    } else {
        cap
    }
}

/// What [`probe_lane_cap`] measured.
pub(crate) struct Probe {
    /// Online CPUs.
    online: u32,
    /// Work done by all online CPUs at once, in percent of one CPU's.
    parallel_pct: u64,
    /// The lane cap for that ([`lane_cap`]; 0: none).
    cap: u32,
}

/// Measures how many of the online CPUs run in parallel and the lane cap that follows (see
/// [`lane_cap`]). Takes about 2 x [`PROBE_ROUNDS`] x [`PHASE_MS`] and keeps every online CPU
/// busy for half of that. Process context.
pub(crate) fn probe_lane_cap() -> Result<Probe> {
    let online = CpuSet::online();
    let n = online.weight();
    let mut one = CpuSet::empty();
    if let Some(cpu) = online.iter().next() {
        one.set(cpu);
    }
    // Two rounds: the lone CPU's better rate counts (so warm-up is not taken for lost
    // parallelism), all CPUs' rates are averaged (host time slicing makes them noisy).
    let mut solo = 1;
    let mut all = 0u64;
    for _ in 0..PROBE_ROUNDS {
        solo = solo.max(Phase::measure(&one)?);
        all = all.saturating_add(Phase::measure(&online)?);
    }
    let pct = all.saturating_mul(100) / u64::from(PROBE_ROUNDS) / solo;
    Ok(Probe {
        online: n,
        parallel_pct: pct,
        cap: lane_cap(n, pct),
    })
}

/// The lane cap for the module parameter `lane_max` (see [`super::Tuning::lane_max`]): that
/// cap if it is not 0, otherwise the cap [`probe_lane_cap`] finds (reported in the kernel
/// log). A cap of at least the parallel CPUs is no cap, so `lane_max=4096` skips the probe
/// and lets every parallel CPU run a lane. A failed probe (no memory) leaves the lanes
/// uncapped: the probe only tunes, it is not needed to run.
pub(crate) fn lane_max(lane_max: u32) -> u32 {
    if lane_max != 0 {
        return lane_max;
    }
    match probe_lane_cap() {
        Ok(Probe {
            online: n,
            parallel_pct: pct,
            cap: 0,
        }) => {
            pr_info!("lane probe: {n} online CPUs ran {pct}% of one CPU's work: no lane cap\n");
            0
        }
        Ok(Probe {
            online: n,
            parallel_pct: pct,
            cap,
        }) => {
            pr_info!(
                "lane probe: {n} online CPUs ran {pct}% of one CPU's work: at most {cap} lanes per shell\n"
            );
            cap
        }
        Err(e) => {
            pr_warn!("lane probe failed ({e:?}): no lane cap\n");
            0
        }
    }
}

#[cfg(padata_kunit)]
/// KUnit suite `rust_padata_probe`: the load-time probe of how many CPUs run in parallel.
#[kernel::prelude::kunit_tests(rust_padata_probe)]
mod probe_tests {
    use super::{lane_cap, lane_max, probe_lane_cap};
    use crate::kext::cpumask::CpuSet;
    use kernel::prelude::*;

    /// The cap is the CPUs that ran in parallel, rounded to the nearest, at least two, and no
    /// cap at all when that is not below the online CPUs.
    #[test]
    fn cap_follows_the_measured_parallelism() {
        // 4 vCPUs on 2 host cores.
        assert_eq!(lane_cap(4, 200), 2);
        assert_eq!(lane_cap(4, 249), 2);
        assert_eq!(lane_cap(4, 250), 3);
        // Real parallel CPUs, measured a little low.
        assert_eq!(lane_cap(4, 360), 0);
        assert_eq!(lane_cap(64, 6_330), 63);
        assert_eq!(lane_cap(64, 6_350), 0);
        // Never below two lanes, and never a cap on one or two CPUs.
        assert_eq!(lane_cap(8, 0), 2);
        assert_eq!(lane_cap(8, 120), 2);
        assert_eq!(lane_cap(2, 100), 0);
        assert_eq!(lane_cap(1, 100), 0);
        assert_eq!(lane_cap(4, u64::MAX), 0);
    }

    /// The probe reports the online CPUs, some work done, and the cap that [`lane_cap`]
    /// gives for its measurement; with `lane_max=0` the cap is one the probe finds, and a
    /// `lane_max` of its own wins over the probe.
    #[test]
    fn probe_reports_online_cpus_and_its_cap() -> Result {
        let p = probe_lane_cap()?;
        let n = p.online;
        assert_eq!(n, CpuSet::online().weight());
        assert!(p.parallel_pct > 0);
        assert_eq!(p.cap, lane_cap(n, p.parallel_pct));
        let probed = lane_max(0);
        assert!(probed == 0 || (2..n).contains(&probed));
        assert_eq!(lane_max(3), 3);
        assert_eq!(lane_max(4096), 4096);
        Ok(())
    }
}
