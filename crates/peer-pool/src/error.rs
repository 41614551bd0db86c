//! Why the pool refused a peer or a config.

/// Why a peer was not added (Nimbus's `PeerStatus`, minus `Success`). The variants are
/// listed, and checked, in Nimbus's `checkPeer` order; [`NoSpace`](Self::NoSpace) comes
/// last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum AddError {
    /// The peer's score fails the pool's score check (`score < min_score`).
    #[error("peer score is below the pool's minimum")]
    LowScore,
    /// A peer with the same key is already in the pool (possibly acquired, or waiting to
    /// be removed on release).
    #[error("peer is already in the pool")]
    Duplicate,
    /// The peer's [`Lifetime`](crate::Lifetime) has already ended.
    #[error("peer connection has already ended")]
    Dead,
    /// The pool has no space for a peer of this direction.
    #[error("no space in the pool for a peer of this direction")]
    NoSpace,
}

impl AddError {
    /// Whether the node should disconnect the refused peer, as Nimbus's `eth2_network`
    /// does: a low score or a full pool disconnects; a dead or duplicate peer is ignored
    /// (it is gone already, or connected through another entry).
    pub const fn should_disconnect(&self) -> bool {
        matches!(self, AddError::LowScore | AddError::NoSpace)
    }
}

/// A [`PoolConfig`](crate::PoolConfig) that cannot be honoured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum ConfigError {
    /// The direction limits add up to more than the total limit.
    #[error(
        "max_peers {max_peers} is below max_incoming {max_incoming} + max_outgoing {max_outgoing}"
    )]
    DirectionLimitsExceedTotal {
        /// The total limit.
        max_peers: usize,
        /// The incoming limit.
        max_incoming: usize,
        /// The outgoing limit.
        max_outgoing: usize,
    },
}
