// SPDX-License-Identifier: GPL-2.0

//! rust_pcrypt: the `pcrypt` AEAD template over the Rust padata engine.
//!
//! A drop-in for `crypto/pcrypt.c`: requests of any AEAD are encrypted or decrypted in
//! parallel on the CPUs of `/sys/kernel/pcrypt/<instance>/parallel_cpumask` and completed in
//! submission order on a callback CPU.

// Every item has a doc comment; `make lint` (clippy) enforces it.
#![warn(clippy::missing_docs_in_private_items)]

use kernel::{
    prelude::*,
    sync::{
        atomic::{Atomic, Relaxed},
        Arc,
    },
};

#[cfg_attr(
    not(rpd_dead_code_check),
    allow(
        dead_code,
        unused_imports,
        reason = "shared with rust_padata, which uses other parts"
    )
)]
mod kext;
#[cfg_attr(
    not(rpd_dead_code_check),
    allow(
        dead_code,
        unused_imports,
        reason = "shared with rust_padata, which uses other parts"
    )
)]
mod padata;

use kext::{
    cpumask::CpuSet,
    crypto::{AeadTemplate, Dir, NewRequest, Request, Submitted, Template},
    sysfs::{Attributes, Kset, PageWriter, SysfsDir},
};
use padata::{BhDisabled, Instance, InstanceInner, Job, MaskType, Shell, Ticket};

module! {
    type: RustPcrypt,
    name: "rust_pcrypt",
    authors: ["rust-padata developers"],
    description: "Parallel crypto (pcrypt) AEAD template over the Rust padata engine",
    license: "GPL",
    // The alternative name too: a request for `pcrypt_rs(...)` loads this module, which
    // always registers that template (see `RustPcrypt::init`).
    alias: ["crypto-pcrypt", "pcrypt", "crypto-pcrypt_rs", "pcrypt_rs"],
    params: {
        alt_name: bool {
            default: false,
            description: "Register only pcrypt_rs, kset pcrypt_rs (to load beside pcrypt.ko)",
        },
        debugfs: bool {
            default: false,
            description: "Counters in /sys/kernel/debug/rust_pcrypt (keep no file open on rmmod)",
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

/// The alternative template name, always registered, so that a request for it loads the
/// module whatever its parameters (the crypto API asks modprobe for `crypto-<template>`).
const ALT_NAME: &CStr = c"pcrypt_rs";

/// The drop-in template name, registered unless `alt_name` is set.
const NAME: &CStr = c"pcrypt";

/// The pcrypt template: one padata instance per direction, shared by all algorithm
/// instances (as C's `pencrypt` and `pdecrypt`) of both template names.
struct Pcrypt {
    /// Padata instance of all encryptions.
    pencrypt: Arc<Instance>,
    /// Padata instance of all decryptions.
    pdecrypt: Arc<Instance>,
}

impl Pcrypt {
    /// The same padata instances, for another template name.
    fn share(&self) -> Self {
        Pcrypt {
            pencrypt: self.pencrypt.clone(),
            pdecrypt: self.pdecrypt.clone(),
        }
    }
}

/// State of one algorithm instance such as `pcrypt(gcm_base(ctr(aes-lib),ghash-lib))`.
struct PcryptInstance {
    /// Ordered series of this instance's encryptions.
    psenc: Shell<PcryptJob>,
    /// Ordered series of this instance's decryptions.
    psdec: Shell<PcryptJob>,
    /// Transforms created so far, to spread callback CPUs.
    tfm_count: Atomic<u32>,
}

/// State of one transform.
struct PcryptTfm {
    /// Callback CPU of the transform's requests (updated when padata picks another).
    cb_cpu: Atomic<u32>,
}

/// A request travelling through padata.
struct PcryptJob {
    /// The caller's request.
    req: Request<Pcrypt>,
    /// Encryption or decryption.
    dir: Dir,
    /// Result of the child, reported to the caller by the serial part.
    err: i32,
}

impl Job for PcryptJob {
    // The child AEAD runs in the caller's context exactly as without pcrypt; for requests
    // cheaper than a handoff to another CPU that is faster and costs the caller less.
    const INLINE: bool = true;

    fn parallel(self, ticket: Ticket<Self>, _bh: &BhDisabled) {
        let dir = self.dir;
        // An asynchronous child completes through `child_done` instead.
        if let Some((req, ticket, err)) = self.req.run_child(dir, ticket) {
            ticket.serial(PcryptJob { req, dir, err });
        }
    }

    fn serial(self, _bh: &BhDisabled) {
        self.req.complete(self.err);
    }
}

impl AeadTemplate for Pcrypt {
    type Instance = PcryptInstance;
    type Tfm = PcryptTfm;
    type Pending = Ticket<PcryptJob>;

    fn new_instance(&self) -> Result<PcryptInstance> {
        Ok(PcryptInstance {
            psenc: Shell::new(&self.pencrypt)?,
            psdec: Shell::new(&self.pdecrypt)?,
            tfm_count: Atomic::new(0),
        })
    }

    fn new_tfm(inst: &PcryptInstance) -> Result<PcryptTfm> {
        // Round-robin over the online CPUs, as C does.
        let n = inst.tfm_count.fetch_add(1, Relaxed).wrapping_add(1);
        let cb_cpu = CpuSet::online().pick(n).unwrap_or(0);
        // The callback CPU's serial workers are allocated here, where memory may be waited
        // for, not by the first request in softirq context; padata may choose another CPU
        // (a restricted serial_cpumask), as it will for the requests. With no usable
        // serial CPU (`EINVAL`) there is nothing to prepare, and the transform is created
        // all the same, as C's init_tfm does not consult padata: its requests fail with
        // `EINVAL` until the mask has an online CPU again, and the first one after that
        // allocates what it needs.
        for shell in [&inst.psenc, &inst.psdec] {
            if let Err(e) = shell.prepare_cb_cpu(cb_cpu) {
                if e != EINVAL {
                    return Err(e);
                }
            }
        }
        Ok(PcryptTfm {
            cb_cpu: Atomic::new(cb_cpu),
        })
    }

    fn submit<'s>(
        inst: &PcryptInstance,
        tfm: &PcryptTfm,
        req: NewRequest<'s, Self>,
        dir: Dir,
    ) -> Submitted<'s> {
        let shell = match dir {
            Dir::Encrypt => &inst.psenc,
            Dir::Decrypt => &inst.psdec,
        };
        // Not in C: a request may complete synchronously (directly, or handed back by the
        // engine), but only for a caller that waits (`crypto_wait_req()`). One whose
        // completion acts on the result (ESP) may take another path for a synchronous return
        // than for its callback, and so overtake earlier requests; it completes through its
        // callback, as in C (Documentation/pcrypt.rst, "Synchronous completion").
        let waits = req.caller_waits();
        // Not in C: while the shell has nothing in flight, a request whose child is
        // synchronous and that is cheap, or costly but alone, runs the child directly, as
        // without pcrypt, and returns its result (Documentation/pcrypt.rst, "Direct
        // requests").
        let req = if waits && req.child_sync() {
            match shell.do_direct(&tfm.cb_cpu, req, |req, _bh| req.run_sync_child(dir)) {
                Ok(done) => return done,
                Err(req) => req,
            }
        } else {
            req
        };
        let (req, accepted) = req.accept();
        let job = PcryptJob { req, dir, err: 0 };
        // A replacement callback CPU is written to the transform before the request can
        // complete (and the transform be freed), as C does with `&ctx->cb_cpu`.
        let r = if waits {
            shell.do_parallel_sync(job, &tfm.cb_cpu)
        } else {
            shell.do_parallel_shared(job, &tfm.cb_cpu).map(|()| None)
        };
        match r {
            Ok(None) => accepted.in_progress(),
            // Not in C: the request ran here, alone, and its turn came before it returned
            // (Documentation/pcrypt.rst, "Synchronous completion"). The caller gets the
            // result now, as from the inner algorithm itself; no serial worker, no wakeup.
            Ok(Some(job)) => accepted.finish(job.req, job.err),
            // Refused: nothing was queued and the caller owns the request again. Unlike C,
            // a request is never run past padata (C does that for -EBUSY), which would let
            // it complete ahead of earlier ones. A full window never refuses (the engine
            // queues behind it); `EBUSY` only comes from a reconfiguration in progress and is
            // reported as the crypto API's "not queued, try later", `ENOSPC` (`refuse` maps
            // it).
            Err((e, job)) => accepted.refuse(job.req, e),
        }
    }

    fn child_done(req: Request<Self>, ticket: Ticket<PcryptJob>, err: i32) {
        let dir = Dir::Encrypt; // Only the serial part runs after this; it does not use `dir`.
        ticket.serial(PcryptJob { req, dir, err });
    }
}

/// The files of `/sys/kernel/pcrypt/<instance>/`: the user cpumasks of a padata instance,
/// read and written in the format and with the errors of C padata's `show_cpumask()` /
/// `store_cpumask()`.
struct MaskFiles(Arc<InstanceInner>);

impl Attributes for MaskFiles {
    type File = MaskType;

    const FILES: &'static [(&'static CStr, MaskType)] = &[
        (c"parallel_cpumask", MaskType::Parallel),
        (c"serial_cpumask", MaskType::Serial),
    ];

    fn show(&self, which: MaskType, out: &mut PageWriter<'_>) -> Result {
        use core::fmt::Write;
        let mask = self.0.cpumask(which);
        mask.write_pb(out).map_err(|_| EINVAL)?;
        out.write_char('\n').map_err(|_| EINVAL)
    }

    fn store(&self, which: MaskType, input: &[u8]) -> Result {
        let mask = CpuSet::parse(input)?;
        self.0.set_cpumask(which, &mask)
    }
}

/// A registered pcrypt template.
type PcryptTemplate = Pin<KBox<Template<Pcrypt>>>;

/// Module state of `rust_pcrypt`.
struct RustPcrypt {
    /// The registered templates, `pcrypt_rs` and (unless `alt_name`) `pcrypt`; dropped first
    /// (unregistering frees all algorithm instances).
    _templates: (PcryptTemplate, Option<PcryptTemplate>),
    /// `/sys/kernel/pcrypt/pencrypt/` and `/sys/kernel/pcrypt/pdecrypt/`.
    _dirs: [SysfsDir<MaskFiles>; 2],
    /// `/sys/kernel/pcrypt/`, parent of the per-instance cpumask directories.
    _kset: Kset,
    /// The CPU hotplug state and debugfs directory of the two padata instances.
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

impl kernel::Module for RustPcrypt {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let tuning = tuning();
        let reg = padata::Registry::new(
            c"rust_pcrypt:online",
            module_parameters::debugfs.value().then_some(c"rust_pcrypt"),
        )?;
        let alt = module_parameters::alt_name.value();
        let kset = Kset::new_in_kernel(if alt { ALT_NAME } else { NAME })?;
        let pcrypt = Pcrypt {
            pencrypt: Arc::new(Instance::new(c"pencrypt", Some(&reg), tuning)?, GFP_KERNEL)?,
            pdecrypt: Arc::new(Instance::new(c"pdecrypt", Some(&reg), tuning)?, GFP_KERNEL)?,
        };
        let dirs = [
            SysfsDir::new(
                &kset,
                c"pencrypt",
                MaskFiles(pcrypt.pencrypt.inner().clone()),
            )?,
            SysfsDir::new(
                &kset,
                c"pdecrypt",
                MaskFiles(pcrypt.pdecrypt.inner().clone()),
            )?,
        ];
        let drop_in = if alt {
            None
        } else {
            Some(Template::register(NAME, module, pcrypt.share())?)
        };
        let templates = (Template::register(ALT_NAME, module, pcrypt)?, drop_in);
        pr_info!(
            "registered template{}\n",
            if alt {
                " pcrypt_rs"
            } else {
                "s pcrypt, pcrypt_rs"
            }
        );
        Ok(RustPcrypt {
            _templates: templates,
            _dirs: dirs,
            _kset: kset,
            _reg: reg,
        })
    }
}

/// KUnit suite `rust_pcrypt_names`.
#[kunit_tests(rust_pcrypt_names)]
mod tests {
    use super::*;
    use kext::crypto::{instance_name, MAX_ALG_NAME};

    /// The driver name is `<template>(<inner driver name>)`, NUL-terminated.
    #[test]
    fn name_is_template_of_inner() -> Result {
        let mut buf = [0xffu8; MAX_ALG_NAME];
        let len = instance_name(&mut buf, b"pcrypt", b"rfc4106-gcm-aes-lib")?;
        assert_eq!(&buf[..len], b"pcrypt(rfc4106-gcm-aes-lib)");
        assert_eq!(buf[len], 0);
        Ok(())
    }

    /// The longest name that fits is accepted, one byte more is `ENAMETOOLONG`.
    #[test]
    fn longest_name_fits_and_one_more_is_refused() {
        let mut buf = [0u8; MAX_ALG_NAME];
        // "pcrypt(" + inner + ")" + NUL must fit in 128 bytes: inner may be 119 bytes long.
        let inner = [b'a'; 120];
        assert_eq!(
            instance_name(&mut buf, b"pcrypt", &inner[..119]).ok(),
            Some(127)
        );
        assert_eq!(
            instance_name(&mut buf, b"pcrypt", &inner).err(),
            Some(ENAMETOOLONG)
        );
    }
}
