//! The seeded random source of the generator and the draws built on it.

use rand::{Rng, RngCore, SeedableRng};
use uuid::Uuid;

/// SplitMix64: tiny, fast and statistically fine for demo data. (rand's `SmallRng`
/// needs a cargo feature the crate does not enable.)
pub(super) struct DemoRng {
    state: u64,
}

impl RngCore for DemoRng {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl SeedableRng for DemoRng {
    type Seed = [u8; 8];

    fn from_seed(seed: Self::Seed) -> Self {
        DemoRng {
            state: u64::from_le_bytes(seed),
        }
    }

    fn seed_from_u64(state: u64) -> Self {
        DemoRng { state }
    }
}

/// A version-4 UUID from the seeded generator, so a seed reproduces its ids.
pub(super) fn new_id(rng: &mut DemoRng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.r#gen()).into_uuid()
}

/// A UUID laid out as version 7: the row's own millisecond timestamp, then 74 bits
/// from the seeded generator. Rows are generated roughly in time order, so their
/// primary keys (and the indexes led by conference or session ids) grow at the right
/// edge of each B-tree instead of landing on random pages; that made the event and
/// track inserts about twice as fast on SQLite. They remain ordinary unique UUIDs.
pub(super) fn time_ordered_id(rng: &mut DemoRng, at_micros: i64) -> Uuid {
    let millis = (at_micros / 1_000).max(0) as u64;
    uuid::Builder::from_unix_timestamp_millis(millis, &rng.r#gen()).into_uuid()
}

/// A standard normal variate (Box-Muller).
fn standard_normal(rng: &mut DemoRng) -> f64 {
    let u1: f64 = 1.0 - rng.r#gen::<f64>(); // (0, 1], so ln is finite
    let u2: f64 = rng.r#gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

pub(super) fn log_normal(rng: &mut DemoRng, median: f64, sigma: f64) -> f64 {
    median * (sigma * standard_normal(rng)).exp()
}

pub(super) fn exponential(rng: &mut DemoRng, mean: f64) -> f64 {
    -mean * (1.0 - rng.r#gen::<f64>()).ln()
}

/// A uniform instant within `[from, from + fraction_range × span]`.
pub(super) fn between(
    rng: &mut DemoRng,
    from: i64,
    span: i64,
    fractions: std::ops::Range<f64>,
) -> i64 {
    from + (span as f64 * rng.gen_range(fractions)) as i64
}

/// Picks one entry of a `(value, weight)` table with probability proportional to weight.
pub(super) fn pick<'a, T>(rng: &mut DemoRng, table: &'a [(T, u32)]) -> &'a T {
    let total: u32 = table.iter().map(|(_, weight)| weight).sum();
    let mut ticket = rng.gen_range(0..total);
    for (value, weight) in table {
        if ticket < *weight {
            return value;
        }
        ticket -= weight;
    }
    &table[table.len() - 1].0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_pick_follows_the_weights() {
        let mut rng = DemoRng::seed_from_u64(1);
        let table = [("rare", 1), ("common", 9)];
        let common = (0..10_000)
            .filter(|_| *pick(&mut rng, &table) == "common")
            .count();
        assert!((8_700..9_300).contains(&common), "{common}");
    }
}
