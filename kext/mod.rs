// SPDX-License-Identifier: GPL-2.0

//! Safe wrappers for kernel APIs that the Linux 7.3 `kernel` crate does not provide.
//!
//! All `unsafe` code of the project lives below this module; each wrapper is modelled on
//! `rust/kernel/workqueue.rs`: a small type with documented invariants and a `// SAFETY:`
//! comment on every `unsafe` block.

pub(crate) mod bh;
pub(crate) mod cpuhp;
pub(crate) mod cpumask;
#[cfg(rpd_crypto)]
pub(crate) mod crypto;
pub(crate) mod sched;
pub(crate) mod spinlock_bh;
pub(crate) mod sysfs;
pub(crate) mod workqueue;
