//! A peer that only keeps a score and statistics.

use std::sync::{
    Arc,
    atomic::{AtomicI64, AtomicU64, Ordering},
};

use crate::{
    peer::ScoredPeer,
    score::{NEW_PEER_SCORE, ResponseKind, apply_score},
};

/// A [`ScoredPeer`] handle; clones share the same score.
#[derive(Clone, Debug)]
pub struct TestPeer {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    key: u32,
    score: AtomicI64,
    good: AtomicU64,
    empty: AtomicU64,
    /// The sum of every negative delta's magnitude (saturating).
    penalties: AtomicI64,
}

impl TestPeer {
    /// A peer with key `key` and the new-peer score of 300.
    pub fn new(key: u32) -> Self {
        TestPeer {
            inner: Arc::new(Inner {
                key,
                score: AtomicI64::new(NEW_PEER_SCORE),
                good: AtomicU64::new(0),
                empty: AtomicU64::new(0),
                penalties: AtomicI64::new(0),
            }),
        }
    }

    /// The change of score since the peer was created.
    pub fn score_change(&self) -> i64 {
        self.score() - NEW_PEER_SCORE
    }

    /// Every penalty the peer was ever given, as a positive total: the sum of the
    /// magnitudes of all negative deltas passed to
    /// [`update_score`](ScoredPeer::update_score) (saturating), 0 for a peer never
    /// penalised.
    ///
    /// Unlike [`score_change`](Self::score_change) it cannot be hidden by gains: scores
    /// clamp at [`PEER_SCORE_HIGH_LIMIT`](crate::score::PEER_SCORE_HIGH_LIMIT), so a peer
    /// at the top that loses 100 and earns 100 ends with no change, yet was penalised.
    pub fn penalties(&self) -> i64 {
        self.inner.penalties.load(Ordering::Relaxed)
    }
}

impl ScoredPeer for TestPeer {
    type Key = u32;

    fn key(&self) -> u32 {
        self.inner.key
    }
    fn score(&self) -> i64 {
        self.inner.score.load(Ordering::Relaxed)
    }
    fn update_score(&self, delta: i64) {
        if delta < 0 {
            let _ = self
                .inner
                .penalties
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |p| {
                    Some(p.saturating_sub(delta))
                });
        }
        let _ = self
            .inner
            .score
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |s| {
                Some(apply_score(s, delta))
            });
    }
    fn stats(&self, kind: ResponseKind) -> u64 {
        match kind {
            ResponseKind::Good => self.inner.good.load(Ordering::Relaxed),
            ResponseKind::Empty => self.inner.empty.load(Ordering::Relaxed),
        }
    }
    fn update_stats(&self, kind: ResponseKind, n: u64) {
        let counter = match kind {
            ResponseKind::Good => &self.inner.good,
            ResponseKind::Empty => &self.inner.empty,
        };
        counter.fetch_add(n, Ordering::Relaxed);
    }
    fn throughput(&self) -> f64 {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn penalties_add_up_even_when_gains_hide_them_in_the_score() {
        let peer = TestPeer::new(1);
        peer.update_score(1_000); // clamped at the top
        peer.update_score(-100);
        peer.update_score(100);
        peer.update_score(0);
        assert_eq!(peer.score_change(), 700);
        assert_eq!(peer.penalties(), 100);
        peer.clone().update_score(-25);
        assert_eq!(peer.penalties(), 125, "clones share the total");
        assert_eq!(TestPeer::new(2).penalties(), 0);
    }
}
