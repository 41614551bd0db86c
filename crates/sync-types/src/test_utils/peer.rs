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
            }),
        }
    }

    /// The change of score since the peer was created.
    pub fn score_change(&self) -> i64 {
        self.score() - NEW_PEER_SCORE
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
