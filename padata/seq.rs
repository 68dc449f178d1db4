// SPDX-License-Identifier: GPL-2.0

//! Wrap-safe job sequence numbers.
//!
//! Every job of a shell gets the next sequence number at submission. Sequence numbers are
//! 32-bit and wrap; they are only ever compared with [`Seq::distance`], never with `<`, so
//! crossing `u32::MAX` is an ordinary step (the C implementation once deadlocked there).

/// A job's position in its shell's submission order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Seq(pub(crate) u32);

impl Seq {
    /// The sequence number that follows `self`.
    #[inline]
    pub(crate) fn next(self) -> Seq {
        Seq(self.0.wrapping_add(1))
    }

    /// How many steps `self` lies ahead of `base` (modulo 2^32).
    ///
    /// The result is only meaningful while fewer than 2^31 jobs are in flight, which the
    /// engine's bounded in-flight window guarantees by a wide margin.
    #[inline]
    pub(crate) fn distance(self, base: Seq) -> u32 {
        self.0.wrapping_sub(base.0)
    }

    /// Whether `self` comes strictly before `other` in submission order.
    #[inline]
    pub(crate) fn before(self, other: Seq) -> bool {
        let d = other.0.wrapping_sub(self.0);
        d != 0 && d < (1 << 31)
    }
}

/// KUnit suite `rust_padata_seq`.
#[cfg(padata_kunit)]
#[kernel::prelude::kunit_tests(rust_padata_seq)]
mod tests {
    use super::Seq;

    /// Incrementing wraps from `u32::MAX` to 0.
    #[test]
    fn next_wraps_at_u32_max() {
        assert_eq!(Seq(u32::MAX).next(), Seq(0));
        assert_eq!(Seq(7).next(), Seq(8));
    }

    /// Distances are computed modulo 2^32.
    #[test]
    fn distance_crosses_the_wrap() {
        assert_eq!(Seq(2).distance(Seq(u32::MAX - 1)), 4);
        assert_eq!(Seq(10).distance(Seq(10)), 0);
    }

    /// Ordering holds across the wrap.
    #[test]
    fn order_is_wrap_safe() {
        assert!(Seq(u32::MAX).before(Seq(0)));
        assert!(!Seq(0).before(Seq(u32::MAX)));
        assert!(!Seq(5).before(Seq(5)));
        let mut s = Seq(u32::MAX - 3);
        for _ in 0..8 {
            let n = s.next();
            assert!(s.before(n));
            assert_eq!(n.distance(s), 1);
            s = n;
        }
    }
}
