//! A fixed-bucket histogram of health-check latencies, one per backend, for `/metrics`
//! (Prometheus `_bucket` / `_sum` / `_count`). Recording is a few additions; no allocation.

use std::time::Duration;

/// Upper bounds of the buckets, in seconds (the `le` labels); `+Inf` is implied.
pub const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Counts per bucket (not cumulative), their sum and count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LatencyHistogram {
    /// `counts[i]`: observations in `(BUCKETS[i-1], BUCKETS[i]]`; the last one is `+Inf`.
    counts: [u64; BUCKETS.len() + 1],
    sum_nanos: u64,
    count: u64,
}

impl LatencyHistogram {
    pub fn observe(&mut self, latency: Duration) {
        let s = latency.as_secs_f64();
        let i = BUCKETS
            .iter()
            .position(|&b| s <= b)
            .unwrap_or(BUCKETS.len());
        self.counts[i] += 1;
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos = self.sum_nanos.saturating_add(nanos);
        self.count += 1;
    }

    /// `(le, cumulative count)` for every bucket, ending with `(+Inf, count)`.
    pub fn cumulative(&self) -> Vec<(f64, u64)> {
        let mut total = 0;
        BUCKETS
            .iter()
            .copied()
            .chain([f64::INFINITY])
            .zip(self.counts)
            .map(|(le, n)| {
                total += n;
                (le, total)
            })
            .collect()
    }

    pub fn sum_seconds(&self) -> f64 {
        self.sum_nanos as f64 / 1e9
    }

    pub fn count(&self) -> u64 {
        self.count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_end_with_the_count() {
        let mut h = LatencyHistogram::default();
        h.observe(Duration::from_micros(500));
        h.observe(Duration::from_millis(1));
        h.observe(Duration::from_millis(30));
        h.observe(Duration::from_secs(9));
        let c = h.cumulative();
        assert_eq!(c[0], (0.001, 2));
        assert_eq!(c[4], (0.025, 2));
        assert_eq!(c[5], (0.05, 3));
        assert_eq!(c[11], (5.0, 3));
        assert_eq!(c[12], (f64::INFINITY, 4));
        assert_eq!(h.count(), 4);
        assert!((h.sum_seconds() - 9.0315).abs() < 1e-9);
    }
}
