// SPDX-License-Identifier: GPL-2.0

//! rust_padata: the padata engine in Rust, with its KUnit suites.
//!
//! Loading the module runs the engine's KUnit suites (KTAP in the kernel log and in
//! `/sys/kernel/debug/kunit/`).

// Every item has a doc comment; `make lint` (clippy) enforces it.
#![warn(clippy::missing_docs_in_private_items)]

use kernel::prelude::*;

/// The engine microbenchmark: a consumer of the engine, run at load with `bench_jobs=N`.
#[path = "bench/engine.rs"]
mod bench;
#[cfg_attr(
    not(rpd_dead_code_check),
    allow(
        dead_code,
        unused_imports,
        reason = "the engine is shared with rust_pcrypt, which uses other parts"
    )
)]
mod kext;
#[cfg_attr(
    not(rpd_dead_code_check),
    allow(
        dead_code,
        unused_imports,
        reason = "the engine is shared with rust_pcrypt, which uses other parts"
    )
)]
mod padata;

module! {
    type: RustPadata,
    name: "rust_padata",
    authors: ["rust-padata developers"],
    description: "padata (parallel jobs, ordered serialization) reimplemented in Rust",
    license: "GPL",
    params: {
        bench_jobs: u64 {
            default: 0,
            description: "Run the engine microbenchmark with this many jobs at load (0: off)",
        },
        bench_submitters: u32 {
            default: 4,
            description: "Concurrent submitters of the microbenchmark",
        },
        bench_hotplug: bool {
            default: false,
            description: "Microbenchmark instance follows CPU hotplug (hotplug test)",
        },
        bench_cpus: u32 {
            default: 0,
            description: "Microbenchmark parallel mask: the first N online CPUs (0: all)",
        },
        bench_depth: u32 {
            default: 0,
            description: "Microbenchmark bursts: submit N jobs, wait for them (0: back to back)",
        },
        bench_work_ns: u32 {
            default: 0,
            description: "Microbenchmark parallel part keeps its CPU busy this long (ns, max 1 ms)",
        },
        bench_sync: bool {
            default: false,
            description: "Microbenchmark submits through the synchronous path, one job at a time",
        },
        bench_wrap: bool {
            default: false,
            description: "Microbenchmark sequence numbers wrap around u32 mid-run",
        },
        debugfs: bool {
            default: false,
            description: "Counters in /sys/kernel/debug/rust_padata (keep no file open on rmmod)",
        },
        handoff_ns: u32 {
            default: crate::padata::Tuning::HANDOFF_NS,
            description: "Cost (ns) of a handoff to another CPU (lane-wake, inline threshold)",
        },
        lane_max: u32 {
            default: 0,
            description: "Most busy lanes per shell (0: measured by each shell; >= CPUs: no cap)",
        },
    },
}

/// Module state of `rust_padata`.
struct RustPadata {
    /// The CPU hotplug state and debugfs directory instances of this module register with.
    _reg: padata::Registry,
}

/// The engine's [`padata::Tuning`] from the module parameters `handoff_ns` and `lane_max`;
/// with `lane_max=0` each shell measures its lane cap from its own lanes' batches.
fn tuning() -> padata::Tuning {
    padata::Tuning::with(
        module_parameters::handoff_ns.value(),
        module_parameters::lane_max.value(),
    )
}

impl kernel::Module for RustPadata {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let tuning = tuning();
        let reg = padata::Registry::new(
            c"rust_padata:online",
            module_parameters::debugfs.value().then_some(c"rust_padata"),
        )?;
        pr_info!("loaded\n");
        let jobs = module_parameters::bench_jobs.value();
        if jobs != 0 {
            let with_reg = module_parameters::bench_hotplug.value().then_some(&reg);
            let cfg = bench::Config {
                jobs,
                submitters: module_parameters::bench_submitters.value(),
                cpus: module_parameters::bench_cpus.value(),
                wrap: module_parameters::bench_wrap.value(),
                depth: module_parameters::bench_depth.value(),
                work_ns: module_parameters::bench_work_ns.value(),
                sync: module_parameters::bench_sync.value(),
                tuning,
            };
            bench::run(&cfg, with_reg)?;
        }
        Ok(RustPadata { _reg: reg })
    }
}

impl Drop for RustPadata {
    fn drop(&mut self) {
        pr_info!("unloaded\n");
    }
}
