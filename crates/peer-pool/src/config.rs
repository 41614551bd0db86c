//! The pool's limits, peer directions, direction filters and counts.

use sync_types::score::{NEW_PEER_SCORE, PEER_SCORE_LOW_LIMIT};

use crate::error::ConfigError;

/// Which side opened the connection to a peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PeerType {
    /// The peer dialled us.
    Incoming,
    /// We dialled the peer.
    Outgoing,
}

/// The directions an operation looks at. Never empty: the only values are
/// [`ANY`](Self::ANY), [`INCOMING`](Self::INCOMING) and [`OUTGOING`](Self::OUTGOING), so
/// Nimbus's "filter must not be empty" assertion cannot fail here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PeerFilter {
    incoming: bool,
    outgoing: bool,
}

impl PeerFilter {
    /// Both directions.
    pub const ANY: PeerFilter = PeerFilter {
        incoming: true,
        outgoing: true,
    };
    /// Incoming peers only.
    pub const INCOMING: PeerFilter = PeerFilter {
        incoming: true,
        outgoing: false,
    };
    /// Outgoing peers only.
    pub const OUTGOING: PeerFilter = PeerFilter {
        incoming: false,
        outgoing: true,
    };

    /// The filter of one direction.
    pub const fn only(kind: PeerType) -> PeerFilter {
        match kind {
            PeerType::Incoming => PeerFilter::INCOMING,
            PeerType::Outgoing => PeerFilter::OUTGOING,
        }
    }

    /// Whether peers of direction `kind` pass the filter.
    pub const fn matches(self, kind: PeerType) -> bool {
        match kind {
            PeerType::Incoming => self.incoming,
            PeerType::Outgoing => self.outgoing,
        }
    }

    /// Whether the filter lets both directions through.
    pub const fn is_any(self) -> bool {
        self.incoming && self.outgoing
    }
}

impl Default for PeerFilter {
    /// [`PeerFilter::ANY`].
    fn default() -> Self {
        PeerFilter::ANY
    }
}

impl From<PeerType> for PeerFilter {
    fn from(kind: PeerType) -> Self {
        PeerFilter::only(kind)
    }
}

/// The pool's admission limits and score check. `None` is unlimited (Nimbus's `-1`).
///
/// The default is unlimited in every direction, with the node's score check
/// `score >= 0` ([`PEER_SCORE_LOW_LIMIT`]); the check can be turned off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolConfig {
    /// The most peers in the pool, both directions together. Default unlimited.
    pub max_peers: Option<usize>,
    /// The most incoming peers. Default unlimited.
    pub max_incoming: Option<usize>,
    /// The most outgoing peers. Default unlimited.
    pub max_outgoing: Option<usize>,
    /// The score check: a peer is admitted, and stays in the pool after a release, only
    /// while `score >= min_score`. Default `Some(`[`PEER_SCORE_LOW_LIMIT`]`)` (0). `None`
    /// turns the check off: the pool then never refuses or removes a peer for its score,
    /// for a client whose own peer manager decides that (see
    /// [`without_score_check`](Self::without_score_check)).
    pub min_score: Option<i64>,
    /// Fair rotation: peers whose score is at least this rank as equals and take turns,
    /// the one available longest first, whatever their throughput or direction; below
    /// it, the higher score still wins. Default `Some(`[`NEW_PEER_SCORE`]`)`, so a peer in
    /// good standing that joined late (incoming, at the starting score) gets work
    /// although older peers earned more. `None` ranks as Nimbus does (score, then
    /// throughput, then outgoing before incoming, then the longest available), which
    /// starves late and incoming peers while the first peers are free.
    pub fair_score: Option<i64>,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            max_peers: None,
            max_incoming: None,
            max_outgoing: None,
            min_score: Some(PEER_SCORE_LOW_LIMIT),
            fair_score: Some(NEW_PEER_SCORE),
        }
    }
}

impl PoolConfig {
    /// This config with at most `n` peers in total.
    pub fn with_max_peers(mut self, n: usize) -> Self {
        self.max_peers = Some(n);
        self
    }

    /// This config with at most `n` incoming peers.
    pub fn with_max_incoming(mut self, n: usize) -> Self {
        self.max_incoming = Some(n);
        self
    }

    /// This config with at most `n` outgoing peers.
    pub fn with_max_outgoing(mut self, n: usize) -> Self {
        self.max_outgoing = Some(n);
        self
    }

    /// This config with Nimbus's ranking (no fair rotation, see
    /// [`fair_score`](Self::fair_score)).
    pub fn with_nimbus_ranking(mut self) -> Self {
        self.fair_score = None;
        self
    }

    /// This config with the score check `score >= min_score`.
    pub fn with_min_score(mut self, min_score: i64) -> Self {
        self.min_score = Some(min_score);
        self
    }

    /// This config without a score check: scores still rank peers, but never keep one
    /// out of the pool or remove it on release.
    pub fn without_score_check(mut self) -> Self {
        self.min_score = None;
        self
    }

    /// Whether `score` passes the score check (always, without one).
    pub fn score_passes(&self, score: i64) -> bool {
        self.min_score.is_none_or(|min| score >= min)
    }

    /// Check the limits: when all three are set, `max_peers` must be at least
    /// `max_incoming + max_outgoing` (Nimbus asserts the same). A direction cap above
    /// `max_peers` with the other direction unlimited is valid: that direction may then
    /// use all of the total.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let (Some(max_peers), Some(max_incoming), Some(max_outgoing)) =
            (self.max_peers, self.max_incoming, self.max_outgoing)
        {
            let fits = max_incoming
                .checked_add(max_outgoing)
                .is_some_and(|sum| sum <= max_peers);
            if !fits {
                return Err(ConfigError::DirectionLimitsExceedTotal {
                    max_peers,
                    max_incoming,
                    max_outgoing,
                });
            }
        }
        Ok(())
    }

    /// The limit of one direction.
    pub(crate) const fn max_of(&self, kind: PeerType) -> Option<usize> {
        match kind {
            PeerType::Incoming => self.max_incoming,
            PeerType::Outgoing => self.max_outgoing,
        }
    }
}

/// How many peers the pool holds per direction, acquired ones included. Handed to the
/// [`on_count_change`](crate::PeerPool::on_count_change) callback.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PoolCounts {
    /// Incoming peers in the pool.
    pub incoming: usize,
    /// Outgoing peers in the pool.
    pub outgoing: usize,
}

impl PoolCounts {
    /// Peers of both directions.
    pub const fn total(self) -> usize {
        self.incoming.saturating_add(self.outgoing)
    }

    /// The count of one direction.
    pub const fn of(self, kind: PeerType) -> usize {
        match kind {
            PeerType::Incoming => self.incoming,
            PeerType::Outgoing => self.outgoing,
        }
    }
}

/// One counter per direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct PerDirection {
    pub(crate) incoming: usize,
    pub(crate) outgoing: usize,
}

impl PerDirection {
    pub(crate) const fn get(&self, kind: PeerType) -> usize {
        match kind {
            PeerType::Incoming => self.incoming,
            PeerType::Outgoing => self.outgoing,
        }
    }

    /// The sum over the directions `filter` lets through.
    pub(crate) const fn sum(&self, filter: PeerFilter) -> usize {
        let mut sum = 0usize;
        if filter.matches(PeerType::Incoming) {
            sum = sum.saturating_add(self.incoming);
        }
        if filter.matches(PeerType::Outgoing) {
            sum = sum.saturating_add(self.outgoing);
        }
        sum
    }

    pub(crate) fn add(&mut self, kind: PeerType) {
        let slot = self.slot(kind);
        *slot = slot.saturating_add(1);
    }

    pub(crate) fn sub(&mut self, kind: PeerType) {
        let slot = self.slot(kind);
        *slot = slot.saturating_sub(1);
    }

    fn slot(&mut self, kind: PeerType) -> &mut usize {
        match kind {
            PeerType::Incoming => &mut self.incoming,
            PeerType::Outgoing => &mut self.outgoing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_match_their_directions() {
        assert!(PeerFilter::ANY.matches(PeerType::Incoming));
        assert!(PeerFilter::ANY.matches(PeerType::Outgoing));
        assert!(!PeerFilter::INCOMING.matches(PeerType::Outgoing));
        assert!(!PeerFilter::OUTGOING.matches(PeerType::Incoming));
        assert_eq!(PeerFilter::from(PeerType::Outgoing), PeerFilter::OUTGOING);
        assert_eq!(PeerFilter::default(), PeerFilter::ANY);
    }

    #[test]
    fn per_direction_sums_saturate() {
        let c = PerDirection {
            incoming: usize::MAX,
            outgoing: 3,
        };
        assert_eq!(c.sum(PeerFilter::ANY), usize::MAX);
        assert_eq!(c.sum(PeerFilter::OUTGOING), 3);
    }
}
