// SPDX-License-Identifier: GPL-2.0
/*
 * One-line C helpers for static inline functions and macros that Rust cannot call directly,
 * in the style of the kernel's rust/helpers/.  No logic lives here: each helper forwards to
 * exactly one kernel inline function or macro.  The Rust side declares them in kext/bh.rs,
 * kext/sched.rs, kext/spinlock_bh.rs and kext/sysfs.rs.
 */

#include <linux/bottom_half.h>
#include <linux/irqflags.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/sysfs.h>

#include "helpers.h"

void rpd_local_bh_disable(void)
{
	local_bh_disable();
}

void rpd_local_bh_enable(void)
{
	local_bh_enable();
}

bool rpd_need_resched(void)
{
	return need_resched();
}

bool rpd_need_resched_lazy(void)
{
	return tif_test_bit(TIF_NEED_RESCHED_LAZY);
}

bool rpd_in_hardirq(void)
{
	return in_hardirq();
}

bool rpd_irqs_disabled(void)
{
	return irqs_disabled();
}

void rpd_sysfs_attr_init(struct attribute *attr)
{
	sysfs_attr_init(attr);
}

void rpd_spin_lock_bh(spinlock_t *lock)
{
	spin_lock_bh(lock);
}

void rpd_spin_unlock_bh(spinlock_t *lock)
{
	spin_unlock_bh(lock);
}

int rpd_spin_trylock_bh(spinlock_t *lock)
{
	return spin_trylock_bh(lock);
}
