//! How peers are ranked (spec A.2/A.3, with D.17 fixed).
//!
//! Nimbus meant to rank by score, then by throughput, but the node compared memory
//! addresses (D.17). Here the order is, best first:
//!
//! 1. the higher score;
//! 2. the higher throughput (a NaN throughput ranks below every number);
//! 3. outgoing before incoming: Nimbus takes the incoming heap top only if it is
//!    strictly better, so ties go to the outgoing peer;
//! 4. the peer that has been available longest (round robin among equals, so a pool of
//!    equal peers spreads the work instead of reusing one peer).
//!
//! That order starves peers: scores climb to the top limit with every good answer, so a
//! peer that joins later (incoming, at the starting score) is never picked while the first
//! peers are free, and rotation only happens among exact ties. With fair rotation
//! ([`PoolConfig::fair_score`](crate::PoolConfig), the default) every score at or above
//! the fair score counts as that score, and the longest-available peer comes before
//! throughput and direction: peers in good standing take turns, and a peer that was
//! penalised below the fair score waits until they are busy. A fast peer still gets more
//! work, because it comes back to the pool sooner.
//!
//! Scores and throughput change while a peer sits in the pool (they live behind the
//! peer handle), so the pool keeps no heap ordered by stale values: it takes a
//! [`Rank`] snapshot of each candidate when it chooses or sorts. Sorting snapshots also
//! keeps the comparison a total order while other threads change scores.

use std::cmp::Ordering;

use sync_types::ScoredPeer;

use crate::config::PeerType;

/// A snapshot of everything a peer is ranked by.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rank {
    /// Fair rotation: the longest available comes before throughput and direction.
    fair: bool,
    score: i64,
    throughput: f64,
    outgoing: bool,
    /// When the peer last became available (a pool-wide sequence number; smaller is
    /// earlier). Unique per peer, so no two ranks are equal.
    available_since: u64,
}

impl Rank {
    /// Read the peer's score and throughput now. With `fair_score`, a score at or above
    /// it counts as it.
    pub(crate) fn of<P: ScoredPeer>(
        peer: &P,
        kind: PeerType,
        available_since: u64,
        fair_score: Option<i64>,
    ) -> Rank {
        let throughput = peer.throughput();
        let score = peer.score();
        Rank {
            fair: fair_score.is_some(),
            score: fair_score.map_or(score, |fair| score.min(fair)),
            throughput: if throughput.is_nan() {
                f64::NEG_INFINITY
            } else {
                throughput
            },
            outgoing: kind == PeerType::Outgoing,
            available_since,
        }
    }

    /// `Greater` when `self` is the better peer.
    pub(crate) fn compare(&self, other: &Rank) -> Ordering {
        let longest_available = other.available_since.cmp(&self.available_since);
        let by_score = self.score.cmp(&other.score);
        if self.fair {
            return by_score.then(longest_available);
        }
        by_score
            .then_with(|| self.throughput.total_cmp(&other.throughput))
            .then_with(|| self.outgoing.cmp(&other.outgoing))
            .then(longest_available)
    }

    /// Whether `self` ranks above `other`.
    pub(crate) fn is_better_than(&self, other: &Rank) -> bool {
        self.compare(other) == Ordering::Greater
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rank(score: i64, throughput: f64, kind: PeerType, since: u64) -> Rank {
        Rank {
            fair: false,
            score,
            throughput: if throughput.is_nan() {
                f64::NEG_INFINITY
            } else {
                throughput
            },
            outgoing: kind == PeerType::Outgoing,
            available_since: since,
        }
    }

    #[test]
    fn fair_rotation_caps_scores_and_takes_the_longest_available_first() {
        use sync_types::test_utils::TestPeer;
        let fair = Some(300);
        let old_top = TestPeer::new(1);
        old_top.update_score(700);
        let late = TestPeer::new(2);
        let penalised = TestPeer::new(3);
        penalised.update_score(-100);
        let top = Rank::of(&old_top, PeerType::Outgoing, 5, fair);
        let new = Rank::of(&late, PeerType::Incoming, 4, fair);
        let low = Rank::of(&penalised, PeerType::Outgoing, 0, fair);
        assert!(
            new.is_better_than(&top),
            "equal standing: longest available first"
        );
        assert!(top.is_better_than(&low), "below the fair score, score wins");
        let nimbus_top = Rank::of(&old_top, PeerType::Outgoing, 5, None);
        let nimbus_new = Rank::of(&late, PeerType::Incoming, 4, None);
        assert!(nimbus_top.is_better_than(&nimbus_new));
    }

    #[test]
    fn score_then_throughput_then_direction_then_age() {
        use PeerType::{Incoming, Outgoing};
        let best_score = rank(301, 0.0, Incoming, 9);
        let fast = rank(300, 10.0, Incoming, 9);
        let outgoing = rank(300, 1.0, Outgoing, 9);
        let old_incoming = rank(300, 1.0, Incoming, 1);
        let young_incoming = rank(300, 1.0, Incoming, 2);
        let nan = rank(300, f64::NAN, Outgoing, 0);
        let order = [
            best_score,
            fast,
            outgoing,
            old_incoming,
            young_incoming,
            nan,
        ];
        for pair in order.windows(2) {
            assert!(
                pair[0].is_better_than(&pair[1]),
                "{:?} > {:?}",
                pair[0],
                pair[1]
            );
            assert!(!pair[1].is_better_than(&pair[0]));
        }
    }
}
