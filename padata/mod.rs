// SPDX-License-Identifier: GPL-2.0

//! The padata engine: parallel execution with strictly ordered serial completion.
//!
//! This module is compiled into every crate root of the project (`rust_padata` and
//! `rust_pcrypt`); it contains no `unsafe` code. Everything it needs from the kernel that the
//! 7.3 `kernel` crate lacks comes from safe wrappers in [`crate::kext`].

pub(crate) mod seq;
