// SPDX-License-Identifier: GPL-2.0

//! The placement policy: where a submitted job's parallel part runs, and where its serial
//! part runs (C: the choice of `cb_cpu` in `padata_do_parallel()`).
//!
//! A shell asks these functions under its input lock, when a job is submitted or a lane
//! leaves a CPU outside the mask; they never change the order of jobs, only who runs them:
//!
//! - [`usable_cb_cpu`]: the callback CPU, as C chooses it;
//! - [`inline_pays`]: whether the submitter runs the parallel part itself (cheap jobs, and
//!   lone jobs of a shell that runs one at a time);
//! - [`split_ns`]: the cost below which a job is cheap, the handoff cost scaled by the lane
//!   cap the shell measured;
//! - [`pick_lane`]: whether another lane is worth waking, and whether it is pinned to a
//!   parallel CPU or goes to the unbound workqueue (deep load on capped lanes);
//! - [`lane_limit`]: how many lanes of a shell may be busy at once.
//!
//! Their inputs are run-time measurements of the shell (the average cost of a parallel part,
//! the decaying peak of jobs in flight, the lane cap) and the instance's [`Tuning`].

use super::{
    instance::Snapshot,
    shell::Input,
    tuning::{Tuning, UNBOUND_PER_CPU},
};

/// Fixed-point shift of [`Input::peak`].
pub(super) const PEAK_SHIFT: u32 = 8;

/// [`Input::peak`] below which a shell counts as running one job at a time: 1.5 jobs, so
/// after a burst of N jobs it takes about 64 x ln(N / 1.5) submissions (one at a time) until
/// expensive jobs run inline again, and bursts of two keep it above the bound.
const SOLO_PEAK: u32 = 3 << (PEAK_SHIFT - 1);

/// What a submission does after queueing its job (see [`super::Shell::do_parallel`]).
pub(super) enum Next<J> {
    /// Run the job's parallel part here, now.
    Inline {
        /// The job.
        job: J,
        /// Its sequence number.
        seq: super::seq::Seq,
        /// Its callback CPU.
        cb_cpu: u32,
        /// Its submitter waits to take it back synchronously
        /// ([`super::Shell::do_parallel_sync`]).
        sync: bool,
    },
    /// Queue a reserved lane.
    Wake {
        /// The lane's number.
        lane: usize,
        /// The CPU to queue it on; `None`: the unbound parallel workqueue.
        cpu: Option<u32>,
    },
    /// A busy lane will take the job.
    Nothing,
}

/// The first interval, in lone jobs costlier than the split ([`split_ns`]), between two of
/// them that are not handed back synchronously (see [`sync_pays`]); a probe falls on one
/// of the interval's last half ([`probe_at`]), so 17 to 32 jobs apart.
pub(super) const SYNC_PROBE_EVERY: u32 = 32;

/// The longest such interval (see [`next_probe_every`]): a probe then costs one handoff per
/// 513 to 1024 jobs that each cost at least a handoff, under 0.2 % of the work.
pub(super) const SYNC_PROBE_MAX: u32 = SYNC_PROBE_EVERY << 5;

/// Whether a lone job that runs inline, of average cost `cost` (ns), may be handed back to
/// its submitter synchronously ([`super::Shell::do_parallel_sync`]).
///
/// A job cheaper than a handoff (the split, [`split_ns`]) always may: running it beside the
/// next one would not pay. A costlier job could run beside the next one if the caller
/// submitted that one before this one completes. But a caller that gets every result
/// synchronously never shows whether it would: its next submission always finds the shell
/// idle. So one such job in about [`Input::probe_every`] completes asynchronously, as a
/// probe, and the next submission tells what the caller did meanwhile ([`probe_seen`]):
/// - If the caller submitted more while the probe was in flight (tcrypt mode 215, a flow
///   with several packets in flight), the shell's peak of jobs in flight rises. Its next
///   jobs are no longer alone, and they go to lanes ([`inline_pays`]).
/// - If the caller waited for the result (tcrypt mode 211, one packet at a time), the probe
///   cost one serial handoff and found nothing, and the next one comes twice as late.
pub(super) fn sync_pays<J>(inp: &mut Input<J>, cost: u32) -> bool {
    if cost < inp.split_ns {
        return true;
    }
    inp.sync_probe = inp.sync_probe.saturating_add(1);
    if inp.sync_probe < inp.probe_at {
        return true;
    }
    inp.sync_probe = 0;
    inp.probe_pending = true;
    false
}

/// How many lone jobs costlier than the split ([`split_ns`]) may run directly
/// ([`super::Shell::do_direct`]) before one goes through a submission again, for a shell
/// whose submission state is `inp`: those left before the next probe of [`sync_pays`] while
/// the shell counts as running one job at a time (its decaying peak, once decayed by a
/// submission, below [`SOLO_PEAK`]) and runs lone jobs inline ([`inline_pays`]); 0
/// otherwise, and while a probe awaits the first submission after it ([`probe_seen`]),
/// which tells what the caller did meanwhile.
///
/// Such a job would run inline, in its submitter, and come back synchronously
/// ([`inline_pays`], [`sync_pays`]); run directly it does the same without the engine's
/// path (the input lock, a sequence number, a ticket, the reorder lock). The probes keep
/// their intervals: direct jobs count towards them ([`Input::sync_probe`]), and the job
/// that would be the probe goes through a submission (where in an interval it falls moves,
/// as direct jobs take no sequence number for [`probe_at`]'s hash). A caller that keeps
/// several jobs in flight is seen by the probe as before, and its jobs then go to lanes.
/// Several callers that each wait for every job are seen later than before: their direct
/// jobs are not in flight for the shell, so they run side by side, each in its own context
/// as without padata, until a submission finds another job in flight (at a probe, or at the
/// first job after one).
pub(super) fn direct_solo<J>(inp: &Input<J>) -> u32 {
    let t = &inp.tuning;
    // The peak as the submission that this stands in for would see it: decayed by that
    // submission (a synchronous return then puts the old one back).
    let peak = next_peak(inp.peak, 1);
    if t.inline_ns == 0 || t.inline_solo_ns == 0 || peak >= SOLO_PEAK || inp.probe_pending {
        return 0;
    }
    inp.probe_at
        .saturating_sub(inp.sync_probe.saturating_add(1))
}

/// One in this many jobs that [`super::Shell::do_direct`] runs directly it times, and folds
/// into the shell's cost average (by 1/8 of the difference per timed job), so the shell
/// follows a change of its jobs' cost: jobs that became costlier than a handoff go to the
/// shell again (unless alone: [`direct_solo`]) after a few timed ones, 16 jobs apart (after
/// about 100 jobs for jobs twice as costly as a handoff, after more the closer the new cost
/// is to a handoff). Timing costs two clock reads, so the other 15 in 16 skip them.
pub(super) const DIRECT_SAMPLE: u32 = 16;

/// Notes, at an accepted submission of job `seq` that found `in_flight` jobs of the shell
/// in flight (itself included), what the caller did while the last probe of [`sync_pays`]
/// was in flight, if this is the first submission since then, and picks where the next
/// probe falls ([`probe_at`]).
pub(super) fn probe_seen<J>(inp: &mut Input<J>, in_flight: u32, seq: super::seq::Seq) {
    if inp.probe_pending {
        inp.probe_pending = false;
        inp.probe_every = next_probe_every(inp.probe_every, in_flight);
        inp.probe_at = probe_at(inp.probe_every, seq.0);
    }
}

/// Which costly lone job, counted from the last probe, is the next probe for the interval
/// `every`: one in `every / 2 + 1..=every`, picked by a multiplicative hash of the sequence
/// number `seq` of the submission that chose it.
///
/// A fixed interval could fall on the same place of every burst of a caller that submits a
/// burst and then waits for all of it (tcrypt mode 215 submits 8 or 32): on the burst's last
/// job the probe finds the caller waiting, every time, and never shows that it keeps
/// several jobs in flight. A position that varies falls elsewhere in the burst soon.
pub(super) fn probe_at(every: u32, seq: u32) -> u32 {
    let half = every / 2;
    let span = u64::from(every - half);
    let hash = u64::from(seq.wrapping_mul(0x9e37_79b9));
    half + 1 + ((hash * span) >> 32) as u32
}

/// The interval between probes ([`sync_pays`]) that follows `every` when the first
/// submission after a probe found `in_flight` jobs in flight (itself included): twice
/// `every`, at most [`SYNC_PROBE_MAX`], if the probe was over (the caller waited for it);
/// [`SYNC_PROBE_EVERY`] if it was not (the caller, or another one, submitted meanwhile).
///
/// The probe's cost halves with each probe that finds a caller waiting, like a backoff; a
/// caller that starts to keep several jobs in flight waits at most [`SYNC_PROBE_MAX`] jobs
/// to be seen, and meanwhile its jobs run in its own context, as they would without padata.
pub(super) fn next_probe_every(every: u32, in_flight: u32) -> u32 {
    if in_flight <= 1 {
        every
            .saturating_mul(2)
            .clamp(SYNC_PROBE_EVERY, SYNC_PROBE_MAX)
    } else {
        SYNC_PROBE_EVERY
    }
}

/// The decaying peak of jobs in flight after a submission that found `in_flight` of them
/// (itself included): the maximum of those and the old `peak` less 1/64, in 1/256 of a job
/// (see [`Input::peak`]).
pub(super) fn next_peak(peak: u32, in_flight: u32) -> u32 {
    (in_flight << PEAK_SHIFT).max(peak - peak / 64)
}

/// How many lanes of a shell whose snapshot is `snap` may be busy at once: one per usable
/// parallel CPU (at least one), at most [`Tuning::lane_max`] if that is set, else at most
/// the cap `measured` by the shell's [`LaneGauge`] if that is not 0.
pub(super) fn lane_limit(t: &Tuning, snap: &Snapshot, measured: u32) -> u32 {
    let cpus = snap.pcpus;
    match (t.lane_max, measured) {
        (0, 0) => cpus,
        (0, max) | (max, _) => cpus.min(max),
    }
}

/// The recent peak of jobs in flight from which a shell whose snapshot is `snap` and whose
/// measured cap is `measured` (see [`lane_limit`]) sends its lanes to the unbound workqueue
/// (0: never): [`Tuning::lane_unbound_depth`], or with [`UNBOUND_PER_CPU`] more than two
/// jobs per usable parallel CPU while the shell's lanes are capped below those CPUs
/// ([`lane_limit`]), and never while they are not. During a try of one more lane the caller
/// passes the cap the try started from ([`super::gauge::LaneGauge::settled`]).
///
/// A cap says that the usable CPUs do not all run in parallel: the shell's
/// [`super::gauge::LaneGauge`] sets it where they do not (an overcommitted guest, a host
/// busy with other work), or the user did. There, which CPUs the few lanes run on matters,
/// and with more than two jobs per CPU (each pinned lane's CPU also runs submitters, jobs
/// wait behind busy lanes) the scheduler's choice of an idle CPU pays. Where every usable
/// CPU runs in parallel, the pinned spread (lane 0 on the submitting CPU, no migration)
/// measured as fast or faster at every depth (Documentation/bench.rst, "Change: pinned
/// lanes where uncapped, a poll that yields").
pub(super) fn unbound_depth(t: &Tuning, snap: &Snapshot, measured: u32) -> u32 {
    match t.lane_unbound_depth {
        UNBOUND_PER_CPU => {
            let cpus = snap.pcpus;
            if lane_limit(t, snap, measured) >= cpus {
                0
            } else {
                cpus.saturating_mul(2).saturating_add(1)
            }
        }
        depth => depth,
    }
}

/// The split, in ns of a job's measured cost, below which a job runs in its submitter
/// rather than on a lane ([`inline_pays`], [`sync_pays`], [`super::Shell::do_direct`]):
/// [`Tuning::inline_ns`], the cost of a handoff, times one plus the base-2 logarithm
/// (rounded down) of the usable parallel CPUs `cpus` over the cap `measured` that the
/// shell's [`super::gauge::LaneGauge`] set (0: none, and none during a try: see
/// [`super::gauge::LaneGauge::split_cap`]). Only a measured cap raises it, and only while
/// [`Tuning::lane_max`] is 0.
///
/// A measured cap means that the usable CPUs do not all run in parallel (an overcommitted
/// guest, a host busy with other work), so a woken lane often waits for its CPU, and a
/// handoff costs more than where every lane has a CPU. How much more, nothing measures:
/// `cpus / measured` is the most the share of CPUs the lanes get suggests, and on the one
/// host measured (4 vCPUs on 2 cores, a cap of 2) twice the handoff cost was where the split
/// paid (Documentation/bench.rst, "Measurement: the split between direct requests and
/// lanes"). One more handoff per halving of the CPUs the lanes deliver keeps that point and
/// grows only as the logarithm where the ratio is large, so a cap that is wrong on a large
/// machine (until the gauge's tries lift it) keeps in their submitters at most jobs of 13
/// handoffs (8192 CPUs, a cap of 2). A job kept in its submitter runs as it would without
/// padata.
pub(super) fn split_ns(t: &Tuning, cpus: u32, measured: u32) -> u32 {
    if t.lane_max != 0 || measured == 0 || measured >= cpus {
        return t.inline_ns;
    }
    t.inline_ns.saturating_mul((cpus / measured).ilog2() + 1)
}

/// Whether a job of average cost `cost` (ns), submitted with `in_flight` jobs of its
/// shell in flight (itself included) and the shell's peak updated to `peak`, costs less
/// in the submitter's context than on a lane (see [`super::Job::INLINE`]): it is cheaper
/// than `split` ([`split_ns`]: a handoff to another CPU costs more than such a job), or it
/// is alone and cheaper than [`Tuning::inline_solo_ns`] (there is nothing to run beside it,
/// and the submitter would only wait for the lane).
pub(super) fn inline_pays(t: &Tuning, split: u32, cost: u32, in_flight: u32, peak: u32) -> bool {
    let cheap = cost < split;
    let alone = t.inline_ns != 0 && in_flight == 1 && peak < SOLO_PEAK && cost < t.inline_solo_ns;
    cheap || alone
}

/// Decides, after a job was queued, whether to wake another lane, and reserves it.
///
/// Another lane is woken only if the queued jobs outnumber the busy lanes, there is a
/// parallel CPU for it, and the queued work is worth a wakeup ([`Tuning::lane_wake_ns`]):
/// with cheap jobs one busy lane finishes them sooner than a remote worker would wake up. A
/// busy lane picks up new jobs without any wakeup. `here` is the current CPU, `cb_cpu` the
/// job's callback CPU (the fallback when the mask has no CPU for the lane); the thresholds
/// are those of the shell's tuning ([`Input::tuning`]).
pub(super) fn pick_lane<J>(inp: &mut Input<J>, cost: u32, here: u32, cb_cpu: u32) -> Next<J> {
    let t = &inp.tuning;
    let queued = inp.next.distance(inp.dispatch);
    let limit = lane_limit(t, &inp.snap, inp.gauge.cap());
    let busy = inp.lanes_busy;
    let worth = busy == 0
        || u64::from(queued) * u64::from(cost) >= u64::from(busy) * u64::from(t.lane_wake_ns);
    if busy >= limit || busy >= queued || !worth {
        return Next::Nothing;
    }
    let Some(i) = inp.lane_busy.iter().position(|b| !*b) else {
        return Next::Nothing;
    };
    let unbound = unbound_depth(t, &inp.snap, inp.gauge.settled());
    inp.lane_busy[i] = true;
    inp.lanes_busy += 1;
    inp.stats.lane_wakeups += 1;
    if inp.snap.pcpu_any && unbound != 0 && inp.peak >> PEAK_SHIFT >= unbound {
        // Deep load on capped lanes, and any CPU will do: the scheduler picks an idle one.
        return Next::Wake { lane: i, cpu: None };
    }
    // The first idle lane index is below `limit` (pigeonhole), so the lane maps to a
    // distinct usable parallel CPU; only a lane leaving a CPU no longer in the mask, still
    // reserved while it picks, may get index `limit` and share a CPU with another lane.
    // Lane 0 goes to the submitting CPU when it is a parallel CPU: a lone lane then runs
    // locally, without an IPI.
    let pcpu = &inp.snap.pcpu;
    let base = pcpu.iter().position(|c| c == here).unwrap_or(0) as u32;
    Next::Wake {
        lane: i,
        cpu: Some(pcpu.pick(base + i as u32).unwrap_or(cb_cpu)),
    }
}

/// The callback CPU a job asking for `cpu` gets with snapshot `snap`: `cpu` if it is a usable
/// serial CPU, else the `cpu % weight`-th usable one, as C does (`None`: there is none).
pub(super) fn usable_cb_cpu(snap: &Snapshot, cpu: u32) -> Option<u32> {
    if snap.cbcpu.test(cpu) {
        Some(cpu)
    } else {
        snap.cbcpu.pick(cpu)
    }
}

#[cfg(padata_kunit)]
/// KUnit suite `rust_padata_placement`: thresholds that the placement policy derives.
#[kernel::prelude::kunit_tests(rust_padata_placement)]
mod placement_tests {
    use super::{
        lane_limit, next_probe_every, probe_at, split_ns, unbound_depth, SYNC_PROBE_EVERY,
        SYNC_PROBE_MAX,
    };
    use crate::{
        kext::cpumask::CpuSet,
        padata::{instance::Snapshot, tuning::UNBOUND_PER_CPU, Tuning},
    };
    use kernel::cpu::nr_cpu_ids;

    /// A snapshot whose usable parallel and callback CPUs are CPUs `0..n`.
    fn snap(n: u32) -> Snapshot {
        let mut pcpu = CpuSet::empty();
        for cpu in 0..n {
            pcpu.set(cpu);
        }
        Snapshot {
            pcpu,
            pcpus: pcpu.weight().max(1),
            cbcpu: pcpu,
            pcpu_any: true,
            running: true,
            reset: false,
        }
    }

    /// By default lanes go unbound only while they are capped below the usable parallel CPUs
    /// (by the shell's measurement or `lane_max`), and then beyond two jobs in flight per usable
    /// parallel CPU (9 with 4 CPUs); uncapped lanes are woken pinned at every depth (unbound
    /// beyond 5 jobs on 2 uncapped CPUs lost up to 30 % with 8 in flight). A depth set in the
    /// tuning is used as it is (0: never, 1: always), capped or not.
    #[test]
    fn unbound_lanes_only_where_capped() {
        let t = Tuning::DEFAULT;
        assert_eq!(t.lane_unbound_depth, UNBOUND_PER_CPU);
        let capped = |max| Tuning { lane_max: max, ..t };
        // `CpuSet::set` ignores CPU ids at or beyond `nr_cpu_ids`.
        if nr_cpu_ids() >= 4 {
            assert_eq!(unbound_depth(&t, &snap(4), 0), 0);
            assert_eq!(unbound_depth(&capped(4), &snap(4), 0), 0);
            assert_eq!(unbound_depth(&capped(4096), &snap(4), 0), 0);
            assert_eq!(unbound_depth(&capped(3), &snap(4), 0), 9);
            assert_eq!(unbound_depth(&capped(2), &snap(4), 0), 9);
            // A cap the shell measured counts as one set by `lane_max`.
            assert_eq!(unbound_depth(&t, &snap(4), 2), 9);
            assert_eq!(unbound_depth(&t, &snap(4), 4), 0);
        }
        if nr_cpu_ids() >= 2 {
            assert_eq!(unbound_depth(&t, &snap(2), 0), 0);
            assert_eq!(unbound_depth(&capped(2), &snap(2), 0), 0);
            assert_eq!(unbound_depth(&capped(1), &snap(2), 0), 5);
        }
        assert_eq!(unbound_depth(&t, &snap(1), 0), 0);
        assert_eq!(unbound_depth(&capped(1), &snap(1), 0), 0);
        assert_eq!(unbound_depth(&t, &snap(0), 0), 0);
        for depth in [0, 1, 9, 100] {
            let t = Tuning {
                lane_unbound_depth: depth,
                ..Tuning::DEFAULT
            };
            assert_eq!(unbound_depth(&t, &snap(4), 0), depth);
            assert_eq!(
                unbound_depth(&Tuning { lane_max: 1, ..t }, &snap(4), 0),
                depth
            );
        }
    }

    /// The interval between probes doubles from 32 to at most 1024 jobs while each probe
    /// finds the caller waiting (nothing else in flight at the next submission), and goes
    /// back to 32 as soon as one does not.
    #[test]
    fn probe_interval_backs_off_and_resets() {
        assert_eq!((SYNC_PROBE_EVERY, SYNC_PROBE_MAX), (32, 1024));
        let mut every = SYNC_PROBE_EVERY;
        let mut seen = [0; 7];
        for s in seen.iter_mut() {
            every = next_probe_every(every, 1);
            *s = every;
        }
        assert_eq!(seen, [64, 128, 256, 512, 1024, 1024, 1024]);
        assert_eq!(next_probe_every(SYNC_PROBE_MAX, 2), SYNC_PROBE_EVERY);
        assert_eq!(next_probe_every(256, 100), SYNC_PROBE_EVERY);
        assert_eq!(next_probe_every(SYNC_PROBE_EVERY, 2), SYNC_PROBE_EVERY);
        assert_eq!(next_probe_every(0, 1), SYNC_PROBE_EVERY);
        assert_eq!(next_probe_every(u32::MAX, 0), SYNC_PROBE_MAX);
    }

    /// The next probe falls on one of the last half of the interval's jobs, and not on the
    /// same one for consecutive sequence numbers: of the probes of 64 submissions in a row
    /// for an interval of 32, each of the 16 places is taken at least once.
    #[test]
    fn probe_position_varies_within_the_interval() {
        for every in [SYNC_PROBE_EVERY, 64, SYNC_PROBE_MAX] {
            for seq in [0, 1, 2, 31, 1000, u32::MAX] {
                let at = probe_at(every, seq);
                assert!(at > every / 2 && at <= every);
            }
        }
        let mut hit = [false; 16];
        for seq in 0..64 {
            let at = probe_at(SYNC_PROBE_EVERY, seq);
            if let Some(h) = hit.get_mut((at - 17) as usize) {
                *h = true;
            }
        }
        assert!(hit.iter().all(|h| *h));
    }

    /// `handoff_ns` sets both thresholds that compare a job's cost with a handoff, `lane_max`
    /// the cap (a cap of at least the usable CPUs is none), and nothing else changes.
    #[test]
    fn module_parameters_set_handoff_and_cap_only() {
        let t = Tuning::with(12_345, 3);
        assert_eq!(
            (t.lane_wake_ns, t.inline_ns, t.lane_max),
            (12_345, 12_345, 3)
        );
        let rest = Tuning {
            lane_wake_ns: Tuning::HANDOFF_NS,
            inline_ns: Tuning::HANDOFF_NS,
            lane_max: 0,
            ..t
        };
        assert_eq!(rest, Tuning::DEFAULT);
        assert_eq!(Tuning::with(Tuning::HANDOFF_NS, 0), Tuning::DEFAULT);
        assert_eq!(lane_limit(&Tuning::with(0, 1), &snap(2), 0), 1);
        // `CpuSet::set` ignores CPU ids at or beyond `nr_cpu_ids`.
        if nr_cpu_ids() >= 2 {
            assert_eq!(lane_limit(&Tuning::with(0, 4096), &snap(2), 0), 2);
            assert_eq!(lane_limit(&Tuning::DEFAULT, &snap(2), 0), 2);
            // The measured cap applies only while `lane_max` is 0.
            assert_eq!(lane_limit(&Tuning::DEFAULT, &snap(2), 1), 1);
            assert_eq!(lane_limit(&Tuning::DEFAULT, &snap(2), 3), 2);
            assert_eq!(lane_limit(&Tuning::with(0, 4096), &snap(2), 1), 2);
        }
    }

    /// The split between the submitter and the lanes is the handoff cost where the shell
    /// measured no cap, and one more handoff cost per halving of the usable CPUs that the
    /// cap leaves where it did (a handoff to a lane that waits for its CPU costs more), so it
    /// grows with the logarithm of the ratio, not with the ratio. A cap set with `lane_max`
    /// is the user's limit, not a measurement, and changes nothing; a zero handoff cost stays
    /// zero, and a huge one saturates.
    #[test]
    fn split_follows_the_measured_cap() {
        let t = Tuning::DEFAULT;
        let h = Tuning::HANDOFF_NS;
        assert_eq!(split_ns(&t, 4, 0), h);
        assert_eq!(split_ns(&t, 4, 4), h);
        assert_eq!(split_ns(&t, 4, 9), h);
        assert_eq!(split_ns(&t, 4, 3), h);
        assert_eq!(split_ns(&t, 4, 2), 2 * h);
        assert_eq!(split_ns(&t, 6, 2), 2 * h);
        assert_eq!(split_ns(&t, 8, 2), 3 * h);
        assert_eq!(split_ns(&t, 64, 48), h);
        assert_eq!(split_ns(&t, 64, 16), 3 * h);
        assert_eq!(split_ns(&t, 8192, 2), 13 * h);
        assert_eq!(split_ns(&t, u32::MAX, 2), 31 * h);
        assert_eq!(split_ns(&Tuning::with(u32::MAX, 0), 4, 2), u32::MAX);
        assert_eq!(split_ns(&Tuning::with(h, 2), 4, 2), h);
        assert_eq!(split_ns(&Tuning::with(0, 0), 4, 2), 0);
    }
}
