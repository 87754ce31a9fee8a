//! The seeded random source behind the example data. ChaCha8 yields the same stream on
//! every platform; the helpers derive values with integer arithmetic and IEEE basic
//! operations only (no libm functions such as `ln` or `sin`, whose last bits differ
//! between platforms), so the generated rows are byte-identical everywhere.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

pub(crate) struct Random(ChaCha8Rng);

impl Random {
    pub(crate) fn new(seed: u64) -> Random {
        Random(ChaCha8Rng::seed_from_u64(seed))
    }

    /// Uniform in `0..n` (multiply-shift; the bias is below 2^-32 for our small `n`).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.0.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `[0, 1)`, from the top 53 bits.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Triangular in `(-1, 1)`, peaked at 0: noise that stays near the middle.
    pub(crate) fn centered(&mut self) -> f64 {
        self.unit() - self.unit()
    }

    /// An index picked in proportion to the weights whose running totals are `cumulative`.
    pub(crate) fn weighted(&mut self, cumulative: &[u64]) -> usize {
        let total = cumulative.last().copied().unwrap_or(0);
        let x = self.below(total);
        cumulative.partition_point(|&c| c <= x)
    }
}

/// Running totals of `weights`, for [`Random::weighted`].
pub(crate) fn cumulative(weights: impl IntoIterator<Item = u64>) -> Vec<u64> {
    weights
        .into_iter()
        .scan(0, |total, w| {
            *total += w;
            Some(*total)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_is_fixed_by_the_seed() {
        let draw = |seed| {
            let mut r = Random::new(seed);
            (0..4).map(|_| r.below(1000)).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
    }

    #[test]
    fn weighted_picks_follow_the_weights() {
        let mut r = Random::new(1);
        let cumulative = cumulative([1, 0, 3]);
        let mut counts = [0; 3];
        for _ in 0..40_000 {
            counts[r.weighted(&cumulative)] += 1;
        }
        assert_eq!(counts[1], 0, "a zero weight is never picked");
        let ratio = f64::from(counts[2]) / f64::from(counts[0]);
        assert!((2.8..3.2).contains(&ratio), "{counts:?}");
    }

    #[test]
    fn values_stay_in_range() {
        let mut r = Random::new(3);
        for _ in 0..10_000 {
            assert!(r.below(20) < 20);
            assert!((0.0..1.0).contains(&r.unit()));
            assert!((-1.0..1.0).contains(&r.centered()));
        }
    }
}
