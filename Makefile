# SPDX-License-Identifier: GPL-2.0
#
# rust-padata user entry points.  The module itself is built by Kbuild (see Kbuild) with the
# standard out-of-tree command:  make -C $KDIR M=$PWD LLVM=-19
#
# Every target below installs what it needs, fetches and builds the kernel (cached outside the
# repository), builds the modules and the initramfs, and boots QEMU.  KDIR=/path uses another
# prepared 7.3 tree instead of the cached custom kernel.

ifneq ($(KERNELRELEASE),)
# Invoked by Kbuild: everything is in the Kbuild file.
include $(src)/Kbuild
else

SHELL := /bin/bash
export KDIR

.PHONY: help check run exec bench stress lint modules kernel selftest clean distclean

help:
	@echo 'rust-padata targets:'
	@echo '  make check     all tests: harness self-tests, KUnit suites and guest scripts in QEMU'
	@echo '  make run       boot the custom kernel in QEMU with the modules loaded (demo/shell)'
	@echo '  make bench     tcrypt: plain AEAD vs C pcrypt vs Rust pcrypt, engine microbenchmark'
	@echo '  make stress    debug kernel (lockdep, KASAN, kmemleak, failslab): torture battery'
	@echo '  make exec CMDS=f  boot the guest and run the shell commands in file f'
	@echo '  make modules   build rust_padata.ko and rust_pcrypt.ko (and the kernel if needed)'
	@echo '  make kernel    fetch, configure and build the custom kernel (cached)'
	@echo '  make lint      rustfmt, clippy (CLIPPY=1), W=1, checkpatch.pl, shellcheck'
	@echo '  make selftest  only the harness self-tests'
	@echo '  make clean     remove module build products and build/'
	@echo '  make distclean also remove the cache (kernel source and builds, bindgen)'
	@echo 'Variables: KDIR=/path (use a prepared 7.3 tree), RPD_CACHE (cache dir,'
	@echo '  default ~/.cache/rust-padata), RPD_CPUS (guest vCPUs, 4), RPD_TIMEOUT (seconds),'
	@echo '  RPD_POSSIBLE (possible CPUs: that many vCPUs, RPD_CPUS of them online; make check: 2x)'

check:
	@scripts/check.sh

run:
	@scripts/run.sh

bench:
	@scripts/bench.sh

stress:
	@scripts/stress.sh

exec:
	@scripts/exec.sh

kernel:
	@scripts/host-setup.sh && scripts/build-kernel.sh >/dev/null

modules:
	@source scripts/lib.sh && source scripts/prepare.sh && say "modules built in $$TOP"

lint:
	@source scripts/lib.sh && source scripts/prepare.sh && scripts/lint.sh

selftest:
	@source scripts/lib.sh && KSRC=$$(scripts/fetch-kernel.sh | tail -n 1) && \
		scripts/selftest/run.sh "$$KSRC/tools/testing/kunit/kunit.py"

clean:
	rm -rf build
	rm -f *.o *.ko *.mod *.mod.c .*.cmd modules.order Module.symvers .*.d *.d
	rm -f samples/*.o samples/*.ko samples/*.mod samples/*.mod.c samples/.*.cmd

distclean: clean
	rm -rf "$${RPD_CACHE:-$${XDG_CACHE_HOME:-$$HOME/.cache}/rust-padata}"

endif
