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
    score: i64,
    throughput: f64,
    outgoing: bool,
    /// When the peer last became available (a pool-wide sequence number; smaller is
    /// earlier). Unique per peer, so no two ranks are equal.
    available_since: u64,
}

impl Rank {
    /// Read the peer's score and throughput now.
    pub(crate) fn of<P: ScoredPeer>(peer: &P, kind: PeerType, available_since: u64) -> Rank {
        let throughput = peer.throughput();
        Rank {
            score: peer.score(),
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
        self.score
            .cmp(&other.score)
            .then_with(|| self.throughput.total_cmp(&other.throughput))
            .then_with(|| self.outgoing.cmp(&other.outgoing))
            .then_with(|| other.available_since.cmp(&self.available_since))
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
