// SPDX-License-Identifier: GPL-2.0

//! How many of a shell's lanes really run at once, measured from the lanes' own batches:
//! the lane cap of a shell whose [`super::Tuning::lane_max`] is 0.
//!
//! A lane whose CPU is not its own (an overcommitted guest whose host deschedules the vCPU,
//! a CPU shared with other busy tasks) holds back every later job of its shell, because
//! jobs complete in order; on a guest with 4 vCPUs on 2 host cores four lanes per shell
//! ran 1024-8192 byte requests at 0.52-0.89x the speed of two (Documentation/bench.rst,
//! "Change: the lane cap measured by each shell"). Under full emulation nothing in the guest
//! reports this (no steal time). But the lanes' own work shows it: a job takes as long on
//! a lane that runs beside others as on a lane that runs alone when each lane has a CPU of
//! its own, and longer when they share fewer CPUs. So every lane batch is a sample of
//! its time per job and of how many of the shell's lanes ran beside it ([`batch_lanes`]):
//!
//! - batches that ran with no other lane of the shell running, from start to end, give the
//!   reference time per job (a moving average, so it follows the jobs' cost);
//! - batches that ran beside other lanes give the efficiency, the reference time divided
//!   by their average time per job (at most 1), and with the average number of lanes they
//!   ran beside, the CPUs they delivered.
//!
//! The policy, with the same rule the load-time probe it replaced applied once (round the
//! CPUs that ran in parallel, at least two):
//!
//! - **Judge.** Only a reference that is steady (its last sample between 4/5 and 5/4 of the
//!   average) and recent (at most [`FRESH`] batches beside other lanes since) judges, and
//!   only after [`JUDGE`] batches beside other lanes measured against it.
//! - **Cut.** At an efficiency below [`SHARED`] the lanes lose more than a quarter of their
//!   time to sharing, and the cap becomes the CPUs they delivered (lanes times efficiency),
//!   rounded, at least [`MIN_CAP`], if that is below the current limit.
//! - **Try.** While the cap binds (a batch ran beside as many lanes as the cap, itself
//!   included) and the reference is fresh, one more lane is tried after [`TRY_MIN`] such
//!   batches. A try is judged like a cut, also one that reaches every CPU, but only on
//!   batches that ran beside as many lanes as it allows: one at a low efficiency goes back
//!   to the cap it started from (a lower cap is left to that cap's judgement), one that
//!   cannot be judged within [`FRESH`] batches beside other lanes is undone the same way,
//!   and either doubles the wait before the next, up to [`TRY_MAX`] batches, like the
//!   synchronous-completion probes of [`super::placement::sync_pays`]; one that holds keeps
//!   the lane (no cap once it reaches every CPU) and resets the wait. So a host that gets
//!   more CPUs for the guest is followed, and where it does not, a try costs at most
//!   [`FRESH`] batches in [`TRY_MAX`]. During a try the lanes stay placed as under the cap
//!   it started from ([`LaneGauge::settled`]).
//! - **Kept jobs.** A cap also raises the split between the submitter and the lanes
//!   ([`super::placement::split_ns`]), and the jobs that the raised split keeps in their
//!   submitters feed no batch to the gauge. They count as batches at the cap, as many as
//!   they would have made on the lanes ([`LaneGauge::kept`], [`KEPT_PER_BATCH`] jobs per
//!   batch), so tries keep coming, and during a try the split is the handoff cost
//!   ([`LaneGauge::split_cap`]): those jobs go to the lanes, which judge the try. A raised
//!   split therefore lasts about [`TRY_MAX`] batches' worth of kept jobs at most (a few
//!   more where several callers run direct jobs at once) between two measurements.
//!
//! Nothing runs at module load, and nothing runs that is not a job: the measurement is two
//! clock reads per batch, which the lanes make anyway for the shell's job cost, and a few
//! integer operations under the input lock that the lane takes anyway.

/// Fixed point one of [`LaneGauge`]'s efficiencies and lane counts.
const ONE: u32 = 256;

/// Average efficiency of lanes running beside others below which they count as sharing
/// CPUs: three quarters of the reference speed. Well below what lanes with CPUs of their own
/// lose to cache misses and to the moving averages' noise, and well above what lanes that
/// share CPUs get (half or less, for two lanes on one CPU).
pub(super) const SHARED: u32 = ONE * 3 / 4;

/// Batches beside other lanes that a cap is judged on before it is cut (or a try ends).
pub(super) const JUDGE: u32 = 8;

/// Most batches beside other lanes since the last batch alone for the reference to judge
/// them: a shell whose lanes never all stop (a steady flood) keeps its cap until they do.
pub(super) const FRESH: u32 = 4 * JUDGE;

/// Batches at the cap before the first try of one more lane, and after a try that held.
pub(super) const TRY_MIN: u32 = 32;

/// Most batches at the cap between two tries of one more lane.
pub(super) const TRY_MAX: u32 = TRY_MIN << 5;

/// Jobs kept in their submitters by a raised split that count as one batch at the cap
/// ([`LaneGauge::kept`]): the most jobs a lane batch takes, so kept jobs count as no more
/// batches than they would have made on the lanes. A try sends jobs to the lanes for up to
/// [`FRESH`] batches of as many jobs, so counting each kept job as a batch spent a third of
/// a deep load's jobs on tries even at the longest wait, and most of them at the shortest
/// (measured: Documentation/bench.rst, "Change: the split follows the measured lane cap").
pub(super) const KEPT_PER_BATCH: u32 = super::shell::BATCH as u32;

/// Smallest cap the gauge sets: two lanes let a shell overlap one job with the next, and
/// the probe this replaces never capped below two either.
pub(super) const MIN_CAP: u32 = 2;

/// Weight of a new sample in the gauge's moving averages of batches beside other lanes:
/// 1/8, as the shell's job cost.
fn average(old: u32, new: u32) -> u32 {
    old - old / 8 + new / 8
}

/// The lanes a lane batch ran beside, itself included, for [`LaneGauge::fold`]: 1 (alone)
/// if `at_start` lanes of the shell were running when it started (itself included) and
/// `joined` lane batches started before it ended; else the most lanes running at its start
/// or `at_end` (itself included), at least two.
///
/// A batch that another lane joined midway did not run alone, also when that lane left
/// before it ended; counting it as alone would slow the reference down by the very
/// sharing it is there to show.
pub(crate) fn batch_lanes(at_start: u32, joined: u32, at_end: u32) -> u32 {
    match (at_start, joined) {
        (0..=1, 0) => 1,
        (r, _) => r.max(at_end).max(2),
    }
}

/// A shell's measurement of how many of its lanes run at once, and the cap it derives (see
/// the module documentation).
///
/// # Invariants
///
/// `cap` is 0 or at least [`MIN_CAP`] (but 1 after the test-only [`LaneGauge::force`], and
/// [`MIN_CAP`] during the try that follows it), and above [`MIN_CAP`] while `trying`
/// otherwise; `wait` and `backoff` are at most [`TRY_MAX`], and `wait` is at least 1 while
/// not `trying` (so [`LaneGauge::until_try`] cannot underflow); `kept_jobs` is below
/// [`KEPT_PER_BATCH`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LaneGauge {
    /// Moving average (1/4) of the time per job, in ns, of batches that ran with no other
    /// lane of the shell running; 0 before the first.
    solo_ns: u32,
    /// Whether the last such batch took between 4/5 and 5/4 of `solo_ns` per job: a reference
    /// that moves (the jobs' cost changed) judges nothing, and the batches beside other
    /// lanes measured against it are forgotten.
    solo_steady: bool,
    /// Batches beside other lanes since the last batch alone.
    since_solo: u32,
    /// The efficiency of the batches that ran beside other lanes since the cap last changed:
    /// `ONE` x `solo_ns` / `wide_ns`, at most `ONE`.
    eff: u32,
    /// Moving average of the time per job, in ns, of the batches that ran beside other
    /// lanes since the cap last changed.
    wide_ns: u32,
    /// Moving average of the lanes running (in 1/`ONE`) when those batches started.
    lanes: u32,
    /// Those batches since the cap last changed.
    seen: u32,
    /// The cap: most lanes of the shell busy at once; 0: none.
    cap: u32,
    /// Batches at the cap until the next try of one more lane; during a try, batches beside
    /// other lanes left to judge it before it is undone.
    wait: u32,
    /// What `wait` starts at after a cap change: [`TRY_MIN`], doubled by each try that is
    /// cut again, up to [`TRY_MAX`].
    backoff: u32,
    /// The cap was raised by a try that has not been judged yet.
    trying: bool,
    /// Kept jobs ([`LaneGauge::kept`]) not yet counted as a batch at the cap: fewer than
    /// [`KEPT_PER_BATCH`].
    kept_jobs: u32,
    /// Times the cap was cut.
    pub(crate) cuts: u32,
    /// Times one more lane was tried.
    pub(crate) tries: u32,
}

impl Default for LaneGauge {
    fn default() -> Self {
        Self::NEW
    }
}

impl LaneGauge {
    /// A gauge that has measured nothing: no cap.
    pub(crate) const NEW: LaneGauge = LaneGauge {
        solo_ns: 0,
        solo_steady: false,
        since_solo: 0,
        wide_ns: 0,
        eff: 0,
        lanes: 0,
        seen: 0,
        cap: 0,
        wait: TRY_MIN,
        backoff: TRY_MIN,
        trying: false,
        kept_jobs: 0,
        cuts: 0,
        tries: 0,
    };

    /// The measured cap: most lanes of the shell busy at once; 0: none.
    pub(crate) fn cap(&self) -> u32 {
        self.cap
    }

    /// Sets the cap to `cap`, at least [`MIN_CAP`], and starts judging it afresh: as a try
    /// of one more lane if `trying` (kept also where it reaches all `cpus`, so the try is
    /// judged like any other), else as a cap that the lanes measured (none if that is at
    /// least `cpus`).
    fn set(&mut self, cap: u32, cpus: u32, trying: bool) {
        self.restore(if !trying && cap >= cpus {
            0
        } else {
            cap.max(MIN_CAP)
        });
        if trying {
            self.trying = true;
            self.wait = FRESH;
        }
    }

    /// Makes `cap` the cap as it is, with no try under way, and starts judging it afresh
    /// after the current backoff.
    fn restore(&mut self, cap: u32) {
        self.cap = cap;
        self.seen = 0;
        self.wait = self.backoff;
        self.trying = false;
        self.kept_jobs = 0;
    }

    /// Sets the cap to `cap` (0: none) as if the lanes had measured it, for tests of what
    /// follows the cap. Unlike a measured cap it may be 1 (below [`MIN_CAP`]), which tests
    /// use for the largest split a shell's CPUs allow; the end of the next try, or a cut,
    /// restores the invariant.
    #[cfg(padata_kunit)]
    pub(super) fn force(&mut self, cap: u32) {
        self.restore(cap);
    }

    /// Folds in one lane batch whose jobs took `per_job_ns` each and that ran beside
    /// `running` lanes of the shell (itself included; 1: alone; see [`batch_lanes`]), for a
    /// shell with `cpus` usable parallel CPUs, and moves the cap as the module documentation
    /// says.
    pub(crate) fn fold(&mut self, running: u32, per_job_ns: u32, cpus: u32) {
        if per_job_ns == 0 {
            return;
        }
        if running <= 1 {
            let old = u64::from(self.solo_ns);
            let new = u64::from(per_job_ns);
            self.solo_steady = old != 0 && new * 4 <= old * 5 && new * 5 >= old * 4;
            self.solo_ns = match self.solo_ns {
                0 => per_job_ns,
                old => old - old / 4 + per_job_ns / 4,
            };
            self.since_solo = 0;
            if !self.solo_steady {
                // What the lanes measured against the old reference judges nothing.
                self.seen = 0;
            }
            return;
        }
        self.since_solo = self.since_solo.saturating_add(1);
        if self.trying {
            self.wait = self.wait.saturating_sub(1);
        }
        let limit = match self.cap {
            0 => cpus,
            cap => cap.min(cpus),
        };
        // A try is judged only on batches that ran beside as many lanes as it allows: a load
        // that never wakes that many leaves the lane unmeasured, and the try is undone.
        let counts = !self.trying || running >= limit;
        if self.solo_ns != 0 && counts {
            let lanes = running.min(u32::MAX / ONE) * ONE;
            if self.seen == 0 {
                (self.wide_ns, self.lanes) = (per_job_ns, lanes);
            } else {
                self.wide_ns = average(self.wide_ns, per_job_ns);
                self.lanes = average(self.lanes, lanes);
            }
            // Time-weighted: the reference over the average time per job, so a rare batch
            // that waited a host time slice counts with its whole slice.
            self.eff = (u64::from(self.solo_ns) * u64::from(ONE) / u64::from(self.wide_ns.max(1)))
                .min(u64::from(ONE)) as u32;
            self.seen = self.seen.saturating_add(1);
        }
        // Only a recent, steady reference judges.
        let fresh = self.solo_steady && self.since_solo <= FRESH;
        let judged = self.seen >= JUDGE && fresh;
        if self.trying {
            if judged || self.wait == 0 {
                self.end_try(judged && self.eff >= SHARED, cpus);
            }
            return;
        }
        if judged && self.eff < SHARED {
            // The CPUs the lanes delivered, rounded to the nearest.
            let delivered = u64::from(self.lanes) * u64::from(self.eff) / u64::from(ONE);
            let delivered = ((delivered + u64::from(ONE / 2)) / u64::from(ONE)) as u32;
            let cap = delivered.max(MIN_CAP);
            if cap < limit {
                self.cuts = self.cuts.wrapping_add(1);
                self.set(cap, cpus, false);
                return;
            }
        }
        if self.cap != 0 && self.cap < cpus && running >= self.cap && fresh {
            self.wait = self.wait.saturating_sub(1);
            if self.wait == 0 {
                self.tries = self.tries.wrapping_add(1);
                self.set(self.cap + 1, cpus, true);
            }
        }
    }

    /// Ends the try of one more lane: keeps the lane if it `held` (no cap once it reaches
    /// every one of the `cpus`) and resets the wait before the next try; else goes back to
    /// the cap the try started from and doubles that wait. A lower cap is left to the
    /// judgement of that cap, so a try that fails never cuts below where it started. If the
    /// usable CPUs shrank below the tried cap meanwhile, the try judged something else: the
    /// cap it started from comes back as it was, neither cut nor lifted.
    fn end_try(&mut self, held: bool, cpus: u32) {
        let start = self.cap.saturating_sub(1);
        if self.cap > cpus {
            self.restore(start);
        } else if held {
            self.backoff = TRY_MIN;
            self.set(self.cap, cpus, false);
        } else {
            self.backoff = (self.backoff * 2).min(TRY_MAX);
            self.cuts = self.cuts.wrapping_add(1);
            self.set(start, cpus, false);
        }
    }

    /// Counts `n` jobs that the split raised by the cap kept in their submitters
    /// ([`super::placement::split_ns`]) as batches at the cap, [`KEPT_PER_BATCH`] jobs as
    /// one: under the handoff cost's split they would have run on lanes at the cap. While
    /// such jobs are all a shell gets, no lane batch reaches the gauge, and without this
    /// count no try of one more lane would ever come: a raised split would keep itself in
    /// place. A try they start is judged as any
    /// other, on lane batches, because during a try the split is the handoff cost
    /// ([`LaneGauge::split_cap`]) and those jobs go to the lanes; one that cannot be judged
    /// there (no batch beside other lanes) leaves the split at the handoff cost until it is.
    /// Unlike a try that lane batches start, it does not wait for a fresh reference: no
    /// lane batch refreshes the reference while the split keeps jobs from the lanes, and a
    /// try judged on a stale one is undone after [`FRESH`] batches beside other lanes.
    pub(crate) fn kept(&mut self, n: u32, cpus: u32) {
        if self.trying || self.cap == 0 || self.cap >= cpus {
            return;
        }
        let jobs = self.kept_jobs.saturating_add(n);
        self.kept_jobs = jobs % KEPT_PER_BATCH;
        self.wait = self.wait.saturating_sub(jobs / KEPT_PER_BATCH);
        if self.wait == 0 {
            self.tries = self.tries.wrapping_add(1);
            self.set(self.cap + 1, cpus, true);
        }
    }

    /// The cap that the split between submitter and lanes follows
    /// ([`super::placement::split_ns`]): none during a try, so that the jobs a raised split
    /// keeps in their submitters reach the lanes and judge it; else the cap.
    pub(crate) fn split_cap(&self) -> u32 {
        match self.trying {
            true => 0,
            false => self.cap,
        }
    }

    /// Kept jobs ([`LaneGauge::kept`]) until the next try of one more lane, if no lane batch
    /// comes first; 0 during a try or without a cap.
    pub(crate) fn until_try(&self) -> u32 {
        match (self.trying, self.cap) {
            (false, 1..) => self.wait.saturating_mul(KEPT_PER_BATCH) - self.kept_jobs,
            _ => 0,
        }
    }

    /// The cap that lane placement treats as the measured one: during a try, the cap it
    /// started from, so a try of every CPU does not move the lanes from the unbound
    /// workqueue to pinned ones and is measured where the cap it is judged against was
    /// (see [`super::placement::unbound_depth`]).
    pub(crate) fn settled(&self) -> u32 {
        match (self.trying, self.cap) {
            (true, cap) => cap.saturating_sub(1),
            (false, cap) => cap,
        }
    }
}

#[cfg(padata_kunit)]
/// KUnit suite `rust_padata_gauge`: the lane cap measured from lane batches.
#[kernel::prelude::kunit_tests(rust_padata_gauge)]
mod gauge_tests {
    use super::{batch_lanes, LaneGauge, FRESH, JUDGE, KEPT_PER_BATCH, MIN_CAP, TRY_MAX, TRY_MIN};

    /// Batches of one burst in [`busy`]: the first runs alone.
    const BURST: u32 = 16;

    /// The lanes a shell with `cpus` usable parallel CPUs may run under `g`'s cap.
    fn limit(g: &LaneGauge, cpus: u32) -> u32 {
        match g.cap() {
            0 => cpus,
            cap => cap.min(cpus),
        }
    }

    /// Feeds `g` batch `i` of a shell with `cpus` usable parallel CPUs on a host with
    /// `cores` CPUs for them, whose jobs cost `cost` ns on a CPU of their own, in bursts of
    /// [`BURST`]: the first batch of a burst runs alone, the others with as many lanes as
    /// the cap allows, each lane getting `cores / (lanes + 1)` of a CPU once they and the
    /// submitter outnumber the cores. Returns the limit after the batch.
    fn batch(g: &mut LaneGauge, i: u32, (cpus, cores, cost): (u32, u32, u32)) -> u32 {
        let lanes = if i % BURST == 0 { 1 } else { limit(g, cpus) };
        let share = (lanes + 1).max(cores);
        let per_job = u64::from(cost) * u64::from(share) / u64::from(cores.max(1));
        g.fold(lanes, per_job as u32, cpus);
        limit(g, cpus)
    }

    /// Feeds `g` `batches` batches as [`batch`] does, returns the least limit seen after a
    /// batch, the most, and the last, and calls `each` with every limit.
    fn busy(
        g: &mut LaneGauge,
        host: (u32, u32, u32),
        batches: u32,
        mut each: impl FnMut(u32, u32),
    ) -> [u32; 3] {
        let mut seen = [u32::MAX, 0, 0];
        for i in 0..batches {
            let now = batch(g, i, host);
            each(i, now);
            seen = [seen[0].min(now), seen[1].max(now), now];
        }
        seen
    }

    /// Where the CPUs really run in parallel (64 lanes, each with a CPU), the gauge never
    /// sets a cap, also when the jobs' cost changes tenfold every 4096 batches.
    #[test]
    fn no_cap_where_lanes_have_cpus() {
        let mut g = LaneGauge::NEW;
        for cost in [50_000, 5_000, 80_000, 8_000] {
            assert_eq!(busy(&mut g, (64, 128, cost), 4096, |_, _| {}), [64, 64, 64]);
        }
        assert_eq!((g.cap(), g.cuts, g.tries), (0, 0, 0));
        // Two CPUs that share one core: the gauge never caps below two, so it neither cuts
        // nor tries.
        let mut g = LaneGauge::NEW;
        assert_eq!(busy(&mut g, (2, 1, 40_000), 4096, |_, _| {}), [2, 2, 2]);
        assert_eq!((g.cap(), g.cuts, g.tries), (0, 0, 0));
    }

    /// Four CPUs on two host cores: the cap goes to two lanes within two bursts and stays
    /// there for at least [`TRY_MIN`] batches; then three are tried less and less often,
    /// each try cut again after [`JUDGE`] batches at three lanes: in 8192 batches at most
    /// 12 tries, at most `JUDGE + 1` batches at three lanes per try.
    #[test]
    fn cap_follows_an_overcommitted_host() {
        let mut g = LaneGauge::NEW;
        let mut at_three = 0;
        let mut capped = None;
        let seen = busy(&mut g, (4, 2, 40_000), 8192, |i, now| {
            if now == 2 && capped.is_none() {
                assert!(i < 2 * BURST);
                capped = Some(i);
            }
            if capped.is_some_and(|c| i < c + TRY_MIN) {
                assert_eq!(now, 2);
            }
            if i >= 2 * BURST {
                assert!(now == 2 || now == 3);
            }
            if now == 3 {
                at_three += 1;
            }
        });
        assert_eq!(seen, [2, 4, 2]);
        assert!((1..=12).contains(&g.tries));
        assert!(at_three <= g.tries * (JUDGE + 1));
        assert!((g.tries..=g.tries + 1).contains(&g.cuts));
    }

    /// Three CPUs on two host cores: a try of the third lane reaches every CPU, and is judged
    /// and cut like any other, so tries back off (at most 12 in 8192 batches, each at most
    /// `JUDGE + 1` batches at three lanes); during a try, lanes are placed as under the cap
    /// it started from.
    #[test]
    fn try_to_every_cpu_is_judged() {
        let mut g = LaneGauge::NEW;
        let mut at_three = 0;
        for i in 0..8192 {
            // Three lanes under a cap: a try (with no cap, at first, three are the limit).
            if batch(&mut g, i, (3, 2, 40_000)) == 3 && g.cap() != 0 {
                at_three += 1;
                assert_eq!(g.settled(), 2);
            }
        }
        assert_eq!((g.cap(), g.settled()), (2, 2));
        assert!((1..=12).contains(&g.tries));
        assert!(at_three <= g.tries * (JUDGE + 1));
    }

    /// Five CPUs on four host cores: four lanes hold (4/5 of the speed alone), five do not
    /// (2/3). A failed try of the fifth goes back to four, not to the three its efficiency
    /// would give, so tries back off instead of going round 3, 4, 5 lanes.
    #[test]
    fn failed_try_goes_back_to_where_it_started() {
        let mut g = LaneGauge::NEW;
        let mut at_four = false;
        let mut at_five = 0;
        busy(&mut g, (5, 4, 40_000), 8192, |_, now| {
            at_four |= now == 4;
            if at_four {
                assert!(now == 4 || now == 5);
            }
            if now == 5 && at_four {
                at_five += 1;
            }
        });
        assert!(at_four);
        assert_eq!(g.cap(), 4);
        assert!((2..=16).contains(&g.tries));
        assert!(at_five <= g.tries * (JUDGE + 1));
    }

    /// With no batch alone (a flood whose lanes never all stop), the reference goes stale:
    /// no lane is tried, and a try under way when it went stale is undone within [`FRESH`]
    /// batches.
    #[test]
    fn no_try_without_a_fresh_reference() {
        let mut g = LaneGauge::NEW;
        busy(&mut g, (4, 2, 40_000), 2 * TRY_MAX, |_, _| {});
        assert_eq!(g.cap(), 2);
        let tries = g.tries;
        for _ in 0..4 * TRY_MAX {
            g.fold(2, 60_000, 4);
            assert_eq!(g.cap(), 2);
        }
        assert_eq!(g.tries, tries);
        // A try under way when the reference moves (a batch alone ten times slower) and no
        // batch alone follows: it is undone after FRESH batches, not kept unjudged.
        let mut g = LaneGauge::NEW;
        let mut i = 0;
        while batch(&mut g, i, (4, 2, 40_000)) != 3 {
            assert!(i < 4 * TRY_MAX);
            i += 1;
        }
        assert_eq!(g.settled(), 2);
        g.fold(1, 400_000, 4);
        for _ in 0..FRESH - 1 {
            g.fold(3, 60_000, 4);
            assert_eq!(g.cap(), 3);
        }
        g.fold(3, 60_000, 4);
        assert_eq!(g.cap(), 2);
    }

    /// A try under way when the usable CPUs shrink below the tried cap judged something
    /// else: the cap it started from comes back, neither lost (no cap) nor cut.
    #[test]
    fn try_ends_where_it_started_when_cpus_shrink() {
        let mut g = LaneGauge::NEW;
        // Lanes as fast beside each other as alone once capped, a batch alone in 16.
        let mut i = 0u32;
        let mut step = |g: &mut LaneGauge, cpus: u32| {
            let lanes = if i % BURST == 0 { 1 } else { limit(g, cpus) };
            g.fold(lanes, 1_000, cpus);
            i += 1;
        };
        g.fold(1, 1_000, 8);
        g.fold(1, 1_000, 8);
        for _ in 0..JUDGE {
            g.fold(8, 4_000, 8);
        }
        assert_eq!(g.cap(), 2);
        // Tries of a third and a fourth lane hold.
        let mut n = 0;
        while g.cap() < 4 {
            assert!(n < 4 * TRY_MAX);
            step(&mut g, 8);
            n += 1;
        }
        assert_eq!(g.settled(), 3);
        let cuts = g.cuts;
        // The parallel mask shrinks to 3 CPUs during the try of the fourth lane.
        for _ in 0..2 * FRESH {
            step(&mut g, 3);
        }
        assert_eq!((g.cap(), g.settled(), g.cuts), (3, 3, cuts));
    }

    /// A batch ran alone only if no other lane ran at any time during it.
    #[test]
    fn alone_means_no_lane_joined() {
        assert_eq!(batch_lanes(1, 0, 1), 1);
        assert_eq!(batch_lanes(0, 0, 0), 1);
        // Another lane started during the batch, and left before it ended.
        assert_eq!(batch_lanes(1, 1, 1), 2);
        assert_eq!(batch_lanes(1, 3, 3), 3);
        assert_eq!(batch_lanes(3, 0, 1), 3);
        assert_eq!(batch_lanes(2, 5, 4), 4);
        assert_eq!(batch_lanes(u32::MAX, u32::MAX, 0), u32::MAX);
    }

    /// Feeds `g` what a shell gets whose jobs a raised split keeps in their submitters, for
    /// `steps` steps or until the cap is gone: one kept job per step while the split follows
    /// the cap ([`LaneGauge::split_cap`]), else (during a try, when the split is the handoff
    /// cost) a lane batch as [`batch`] feeds it for `host`. Returns how many kept jobs came
    /// before each try, for the first 16 tries, and how many tries that was.
    fn kept_only(g: &mut LaneGauge, host: (u32, u32, u32), steps: u32) -> ([u32; 16], usize) {
        let (mut runs, mut n, mut kept, mut i) = ([0; 16], 0, 0, 0);
        for _ in 0..steps {
            if g.cap() == 0 {
                break;
            }
            if g.split_cap() == 0 {
                batch(g, i, host);
                i += 1;
                continue;
            }
            g.kept(1, host.0);
            kept += 1;
            if g.split_cap() == 0 && n < runs.len() {
                runs[n] = kept;
                (n, kept) = (n + 1, 0);
            }
        }
        (runs, n)
    }

    /// Jobs that a raised split keeps in their submitters count as batches at the cap,
    /// [`KEPT_PER_BATCH`] jobs per batch, so a shell whose only lane work is the tries they
    /// lead to still follows its host (fails on the version whose raised split kept itself
    /// in place). Where the host stays overcommitted every try is cut, and the next comes
    /// after twice as many kept jobs, up to [`TRY_MAX`] batches' worth; where it frees its
    /// cores, the cap is tried up step by step, one try per [`TRY_MIN`] batches' worth,
    /// until there is none. Kept jobs without a cap, or during a try, change nothing.
    #[test]
    fn kept_jobs_lead_to_tries() {
        let mut g = LaneGauge::NEW;
        g.kept(TRY_MAX, 8);
        assert_eq!(
            (g.cap(), g.tries, g.split_cap(), g.until_try()),
            (0, 0, 0, 0)
        );
        // Capped within three bursts, before any try.
        assert_eq!(
            busy(&mut g, (8, 2, 30_000), 3 * BURST, |_, _| {})[2],
            MIN_CAP
        );
        assert_eq!(g.tries, 0);
        // What `until_try` says is what comes: the first try after that many kept jobs, also
        // with kept jobs that make no whole batch yet.
        let first = g.until_try();
        assert!(first > 5);
        g.kept(5, 8);
        assert_eq!(g.until_try(), first - 5);
        let (runs, n) = kept_only(&mut g, (8, 2, 30_000), 16 * TRY_MAX * KEPT_PER_BATCH);
        assert_eq!(g.settled(), MIN_CAP);
        assert!(n >= 8);
        assert_eq!(runs[0], first - 5);
        let doubling = [2, 4, 8, 16, 32].map(|k| k * TRY_MIN * KEPT_PER_BATCH);
        assert_eq!(runs[1..6], doubling);
        assert!(runs[6..n].iter().all(|&k| k == TRY_MAX * KEPT_PER_BATCH));
        // A try under way: the split follows no cap, and kept jobs do not end the try.
        while g.split_cap() != 0 {
            g.kept(1, 8);
        }
        let before = g;
        g.kept(TRY_MAX, 8);
        assert_eq!(g, before);
        assert_eq!(g.until_try(), 0);
        // The host frees its cores: the tries from 3 lanes to 8 hold, and the cap is gone.
        let tries = g.tries;
        let (runs, n) = kept_only(&mut g, (8, 16, 30_000), 16 * TRY_MAX * KEPT_PER_BATCH);
        assert_eq!((g.cap(), g.split_cap()), (0, 0));
        assert_eq!(g.tries, tries + 5);
        assert!(runs[..n].iter().all(|&k| k == TRY_MIN * KEPT_PER_BATCH));
    }

    /// When the host gets its cores back (the guest's CPUs run in parallel again), the cap
    /// is tried up step by step until there is none.
    #[test]
    fn cap_lifts_when_the_host_frees_cores() {
        let mut g = LaneGauge::NEW;
        assert_eq!(busy(&mut g, (8, 2, 30_000), 4096, |_, _| {})[2], MIN_CAP);
        let tries = g.tries;
        // At most TRY_MAX batches at the cap until the next try, then TRY_MIN per step.
        let [low, _, now] = busy(
            &mut g,
            (8, 16, 30_000),
            2 * TRY_MAX + 16 * TRY_MIN,
            |_, _| {},
        );
        assert_eq!((low, now, g.cap()), (MIN_CAP, 8, 0));
        assert_eq!(g.tries, tries + 6);
    }

    /// Samples that cannot be judged change nothing: a 0 time, batches beside other lanes
    /// before any batch alone, and fewer than [`JUDGE`] batches beside others; and a
    /// reference that moves (the jobs got costlier) judges nothing until it is steady.
    #[test]
    fn nothing_without_a_steady_reference() {
        let mut g = LaneGauge::NEW;
        g.fold(4, 0, 4);
        for _ in 0..100 {
            g.fold(4, 1_000_000, 4);
        }
        assert_eq!(g.cap(), 0);
        g.fold(1, 1_000, 4);
        g.fold(1, 1_000, 4);
        for _ in 0..JUDGE - 1 {
            g.fold(4, 1_000_000, 4);
        }
        assert_eq!(g.cap(), 0);
        g.fold(4, 1_000_000, 4);
        assert_eq!(g.cap(), MIN_CAP);
        // Jobs ten times costlier: the first batch alone moves the reference, and lanes
        // that run as fast as it are not cut.
        let mut g = LaneGauge::NEW;
        g.fold(1, 1_000, 4);
        g.fold(1, 1_000, 4);
        g.fold(1, 10_000, 4);
        for _ in 0..100 {
            g.fold(4, 10_000, 4);
        }
        assert_eq!(g.cap(), 0);
        // Extreme values do not overflow.
        g.fold(u32::MAX, u32::MAX, u32::MAX);
        g.fold(1, u32::MAX, 2);
        g.fold(1, u32::MAX, 2);
        g.fold(2, 1, 2);
        assert!(g.cap() == 0 || g.cap() >= MIN_CAP);
    }
}
