//! A peer that only keeps a score and statistics.

use std::sync::Arc;

use crate::{
    book::PeerScore,
    peer::ScoredPeer,
    score::{NEW_PEER_SCORE, ResponseKind},
};

/// A [`ScoredPeer`] handle; clones share the same score.
#[derive(Clone, Debug)]
pub struct TestPeer {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    key: u32,
    book: PeerScore,
}

impl TestPeer {
    /// A peer with key `key` and the new-peer score of 300.
    pub fn new(key: u32) -> Self {
        TestPeer {
            inner: Arc::new(Inner {
                key,
                book: PeerScore::default(),
            }),
        }
    }

    /// The change of score since the peer was created.
    pub fn score_change(&self) -> i64 {
        self.score() - NEW_PEER_SCORE
    }

    /// Every penalty the peer was ever given, as a positive total (see
    /// [`PeerScore::penalties`]), 0 for a peer never penalised.
    pub fn penalties(&self) -> i64 {
        self.inner.book.penalties()
    }
}

impl ScoredPeer for TestPeer {
    type Key = u32;

    fn key(&self) -> u32 {
        self.inner.key
    }
    fn score(&self) -> i64 {
        self.inner.book.score()
    }
    fn update_score(&self, delta: i64) {
        self.inner.book.update_score(delta);
    }
    fn stats(&self, kind: ResponseKind) -> u64 {
        self.inner.book.stats(kind)
    }
    fn update_stats(&self, kind: ResponseKind, n: u64) {
        self.inner.book.update_stats(kind, n);
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
