// SPDX-License-Identifier: GPL-2.0

//! rust_padata: the padata engine in Rust, with its KUnit suites.
//!
//! Loading the module runs the engine's KUnit suites (KTAP in the kernel log and in
//! `/sys/kernel/debug/kunit/`).

use kernel::prelude::*;

#[allow(dead_code, unused_imports, reason = "the engine is shared with rust_pcrypt, which uses other parts")]
mod kext;
#[allow(dead_code, unused_imports, reason = "the engine is shared with rust_pcrypt, which uses other parts")]
mod padata;

module! {
    type: RustPadata,
    name: "rust_padata",
    authors: ["rust-padata developers"],
    description: "padata (parallel jobs, ordered serialization) reimplemented in Rust",
    license: "GPL",
}

/// Module state of `rust_padata`.
struct RustPadata;

impl kernel::Module for RustPadata {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("loaded\n");
        Ok(RustPadata)
    }
}

impl Drop for RustPadata {
    fn drop(&mut self) {
        pr_info!("unloaded\n");
    }
}
