// SPDX-License-Identifier: GPL-2.0

//! The padata engine: parallel execution with strictly ordered serial completion.
//!
//! This module is compiled into every crate root of the project (`rust_padata` and
//! `rust_pcrypt`); it contains no `unsafe` code. Everything it needs from the kernel that the
//! 7.3 `kernel` crate lacks comes from safe wrappers in [`crate::kext`].
//!
//! - [`Instance`]: workqueues and cpumasks (C: `struct padata_instance`);
//! - [`Shell`]: an ordered series of [`Job`]s on an instance (C: `struct padata_shell`);
//! - [`Tuning`]: the thresholds of an instance's placement and linger policies;
//! - [`do_multithreaded`]: split a range over several threads (C:
//!   `padata_do_multithreaded()`).
//!
//! # Examples
//!
//! A job checksums a block in parallel and emits the sums in submission order (the
//! complete, tested version is `samples/rust_padata_pipeline.rs`; out-of-tree crates do not
//! run doctests, hence `ignore`):
//!
//! ```ignore
//! struct Checksum {
//!     block: KVec<u8>,
//!     sum: u32,
//!     out: Arc<Output>,
//! }
//!
//! impl Job for Checksum {
//!     // Runs on a parallel CPU with bottom halves disabled: must not sleep.
//!     fn parallel(mut self, ticket: Ticket<Self>, _bh: &BhDisabled) {
//!         self.sum = crc32(&self.block);
//!         // May also be called later, from any context (a completion, a hard IRQ).
//!         ticket.serial(self);
//!     }
//!
//!     // Runs on the callback CPU, in submission order, exactly once.
//!     fn serial(self, _bh: &BhDisabled) {
//!         self.out.emit(self.sum);
//!     }
//! }
//!
//! let reg = Registry::new(c"mymod:online", c"mymod")?; // once per module: hotplug, debugfs
//! let inst = Instance::new(c"mymod", Some(&reg), Tuning::DEFAULT)?; // workqueues, cpumasks
//! let shell = Shell::<Checksum>::new(&inst)?; // one ordered series
//! let mut cb_cpu = 0;
//! match shell.do_parallel(job, &mut cb_cpu) {
//!     // `cb_cpu` may have been replaced by a usable callback CPU.
//!     Ok(()) => {}
//!     // Nothing was queued; the job is handed back untouched.
//!     Err((e, job)) => return Err(e),
//! }
//! shell.wait_idle(); // optional: wait for all serial parts
//! ```
//!
//! Multithreaded jobs, at any time from process context:
//!
//! ```ignore
//! let job = MtJob { start: 0, size: n, align: 64, min_chunk: 4096, max_threads: 4 };
//! do_multithreaded(&inst, &job, move |start, end| clear_range(start, end))?;
//! ```

mod gauge;
mod instance;
mod linger;
mod mt;
mod placement;
mod reorder;
pub(crate) mod seq;
mod shell;
mod stats;
#[cfg(padata_kunit)]
mod tests;
mod tuning;
mod util;

pub(crate) use crate::kext::bh::BhDisabled;
pub(crate) use instance::{Instance, InstanceInner, MaskType, Registry};
pub(crate) use mt::{do_multithreaded, MtJob};
pub(crate) use shell::{Job, Shell, Ticket, WINDOW};
pub(crate) use tuning::Tuning;
pub(crate) use util::{kvec_of, spin};
