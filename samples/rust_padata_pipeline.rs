// SPDX-License-Identifier: GPL-2.0

//! Sample: an ordered pipeline over the Rust padata API.
//!
//! Blocks are checksummed in parallel on all CPUs and the checksums are emitted strictly in
//! block order by the serial parts, which fold them into a running digest. The KUnit suite
//! checks the digest against a single-threaded computation.

// Every item has a doc comment; `make lint` (clippy) enforces it.
#![warn(clippy::missing_docs_in_private_items)]

use kernel::{
    new_condvar, new_spinlock,
    prelude::*,
    sync::{Arc, CondVar, SpinLock},
};

#[cfg_attr(
    not(rpd_dead_code_check),
    allow(
        dead_code,
        unused_imports,
        reason = "shared engine; the sample uses part of it"
    )
)]
#[path = "../kext/mod.rs"]
mod kext;
#[cfg_attr(
    not(rpd_dead_code_check),
    allow(
        dead_code,
        unused_imports,
        reason = "shared engine; the sample uses part of it"
    )
)]
#[path = "../padata/mod.rs"]
mod padata;

use padata::{BhDisabled, Instance, Job, Shell, Ticket, Tuning};

module! {
    type: PipelineSample,
    name: "rust_padata_pipeline",
    authors: ["rust-padata developers"],
    description: "Sample: ordered parallel checksum pipeline over Rust padata",
    license: "GPL",
}

/// Block size of the sample data.
const BLOCK: usize = 4096;

/// FNV-1a over `data`: the per-block checksum, computed in the parallel part.
fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Folds a block checksum into the running digest; order-sensitive on purpose.
fn fold(digest: u64, sum: u64) -> u64 {
    digest.rotate_left(7) ^ sum
}

/// The ordered output of the pipeline.
struct Output {
    /// Running digest of the checksums, in block order.
    digest: u64,
    /// Blocks received.
    blocks: u64,
    /// Index of the next block expected; any other block arriving is an order error.
    next: u64,
    /// Blocks received out of order.
    order_errors: u64,
}

/// Output shared by the serial parts and the waiter.
#[pin_data]
struct Sink {
    /// The output.
    #[pin]
    out: SpinLock<Output>,
    /// Signalled by every serial part.
    #[pin]
    done: CondVar,
}

/// One block travelling through the pipeline.
struct BlockJob {
    /// Block index, in submission order.
    index: u64,
    /// The block's data.
    data: KVec<u8>,
    /// The block's checksum, computed in the parallel part.
    sum: u64,
    /// Where the serial part emits the checksum.
    sink: Arc<Sink>,
}

impl Job for BlockJob {
    fn parallel(mut self, ticket: Ticket<Self>, _bh: &BhDisabled) {
        self.sum = fnv1a(&self.data);
        ticket.serial(self);
    }

    fn serial(self, _bh: &BhDisabled) {
        let mut o = self.sink.out.lock();
        if self.index != o.next {
            o.order_errors += 1;
        }
        o.next = self.index + 1;
        o.digest = fold(o.digest, self.sum);
        o.blocks += 1;
        self.sink.done.notify_all();
    }
}

/// Deterministic sample content of block `i`.
fn block_data(i: u64) -> Result<KVec<u8>> {
    let mut v = KVec::with_capacity(BLOCK, GFP_KERNEL)?;
    let mut x = (i as u32).wrapping_mul(2_654_435_761) | 1;
    for _ in 0..BLOCK {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        v.push(x as u8, GFP_KERNEL)?;
    }
    Ok(v)
}

/// Runs `n` blocks through the pipeline; returns (digest, blocks, order errors).
fn run_pipeline(n: u64) -> Result<(u64, u64, u64)> {
    let inst = Instance::new(c"sample_pipe", None, Tuning::DEFAULT)?;
    let shell = Shell::new(&inst)?;
    let sink = Arc::pin_init(
        pin_init!(Sink {
            out <- new_spinlock!(Output { digest: 0, blocks: 0, next: 0, order_errors: 0 }),
            done <- new_condvar!(),
        }),
        GFP_KERNEL,
    )?;
    // All serial parts on one callback CPU: one ordered output stream.
    let mut cb_cpu = 0;
    for index in 0..n {
        let job = BlockJob {
            index,
            data: block_data(index)?,
            sum: 0,
            sink: sink.clone(),
        };
        shell
            .do_parallel_wait(job, &mut cb_cpu)
            .map_err(|(e, _)| e)?;
    }
    shell.wait_idle();
    let o = sink.out.lock();
    Ok((o.digest, o.blocks, o.order_errors))
}

/// The same digest, single-threaded.
fn sequential_digest(n: u64) -> Result<u64> {
    let mut d = 0;
    for i in 0..n {
        d = fold(d, fnv1a(&block_data(i)?));
    }
    Ok(d)
}

/// Module state.
struct PipelineSample;

impl kernel::Module for PipelineSample {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let (digest, blocks, errors) = run_pipeline(2048)?;
        pr_info!(
            "{} blocks checksummed in parallel, emitted in order: {:#018x}, {} order errors\n",
            blocks,
            digest,
            errors
        );
        Ok(PipelineSample)
    }
}

/// KUnit suite `rust_padata_sample_pipeline`.
#[kunit_tests(rust_padata_sample_pipeline)]
mod tests {
    use super::*;

    /// The parallel pipeline's digest equals a single-threaded computation.
    #[test]
    fn parallel_digest_equals_sequential() -> Result {
        let n = 3000;
        let (digest, blocks, errors) = run_pipeline(n)?;
        assert_eq!(blocks, n);
        assert_eq!(errors, 0);
        assert_eq!(digest, sequential_digest(n)?);
        Ok(())
    }
}
