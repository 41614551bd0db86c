//! A peer's score and response statistics, ready to embed: what every [`ScoredPeer`]
//! implementation keeps, so that an adopter's peer type delegates instead of rewriting it.
//!
//! [`ScoredPeer`]: crate::ScoredPeer

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use crate::score::{NEW_PEER_SCORE, ResponseKind, apply_score};

/// A score (starting at [`NEW_PEER_SCORE`], clamped as [`apply_score`] clamps), the good
/// and empty response counts, and the sum of every penalty. Lock-free; share it between
/// the clones of a peer handle with an `Arc`.
///
/// ```
/// use std::sync::Arc;
/// use sync_types::{PeerScore, ResponseKind, ScoredPeer};
///
/// #[derive(Clone)]
/// struct MyPeer { id: u32, book: Arc<PeerScore> }
///
/// impl ScoredPeer for MyPeer {
///     type Key = u32;
///     fn key(&self) -> u32 { self.id }
///     fn score(&self) -> i64 { self.book.score() }
///     fn update_score(&self, delta: i64) { self.book.update_score(delta); }
///     fn stats(&self, kind: ResponseKind) -> u64 { self.book.stats(kind) }
///     fn update_stats(&self, kind: ResponseKind, n: u64) { self.book.update_stats(kind, n) }
///     fn throughput(&self) -> f64 { 0.0 }
/// }
/// ```
#[derive(Debug)]
pub struct PeerScore {
    score: AtomicI64,
    good: AtomicU64,
    empty: AtomicU64,
    penalties: AtomicI64,
}

impl Default for PeerScore {
    /// A new peer's book: score [`NEW_PEER_SCORE`], no responses, no penalties.
    fn default() -> Self {
        PeerScore::new(NEW_PEER_SCORE)
    }
}

impl PeerScore {
    /// A book starting at `score`.
    pub const fn new(score: i64) -> Self {
        PeerScore {
            score: AtomicI64::new(score),
            good: AtomicU64::new(0),
            empty: AtomicU64::new(0),
            penalties: AtomicI64::new(0),
        }
    }

    /// The score.
    pub fn score(&self) -> i64 {
        self.score.load(Ordering::Relaxed)
    }

    /// Adds `delta` to the score (clamped at the top, saturating at the bottom); a
    /// negative delta also adds its magnitude to [`penalties`](Self::penalties). Returns
    /// the score before the change (with it, `apply_score(before, delta)` is the score
    /// after), for a caller that acts when a limit is crossed.
    pub fn update_score(&self, delta: i64) -> i64 {
        if delta < 0 {
            let _ = self
                .penalties
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |p| {
                    Some(p.saturating_sub(delta))
                });
        }
        self.score
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |s| {
                Some(apply_score(s, delta))
            })
            .unwrap_or_else(|s| s)
    }

    /// Every penalty ever given, as a positive total (saturating): unlike the score, it
    /// cannot be hidden by later gains or by the clamp at the top.
    pub fn penalties(&self) -> i64 {
        self.penalties.load(Ordering::Relaxed)
    }

    /// A response count.
    pub fn stats(&self, kind: ResponseKind) -> u64 {
        self.counter(kind).load(Ordering::Relaxed)
    }

    /// Adds `n` to a response count (saturating).
    pub fn update_stats(&self, kind: ResponseKind, n: u64) {
        let _ = self
            .counter(kind)
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |c| {
                Some(c.saturating_add(n))
            });
    }

    fn counter(&self, kind: ResponseKind) -> &AtomicU64 {
        match kind {
            ResponseKind::Good => &self.good,
            ResponseKind::Empty => &self.empty,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::PEER_SCORE_HIGH_LIMIT;

    #[test]
    fn penalties_stay_visible_after_the_score_recovers_at_the_clamp() {
        let book = PeerScore::new(PEER_SCORE_HIGH_LIMIT);
        book.update_score(-100);
        book.update_score(500);
        assert_eq!(book.score(), PEER_SCORE_HIGH_LIMIT);
        assert_eq!(book.penalties(), 100);
        book.update_stats(ResponseKind::Empty, 2);
        book.update_stats(ResponseKind::Good, 1);
        assert_eq!(
            (
                book.stats(ResponseKind::Good),
                book.stats(ResponseKind::Empty)
            ),
            (1, 2)
        );
        assert_eq!(PeerScore::default().score(), NEW_PEER_SCORE);
    }
}
