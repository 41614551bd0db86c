//! The `ScoredPeer` and `SyncPeer` seams: what the queue and the sync workers need from a
//! peer. `net` implements them over libp2p; `test_utils` has scripted ones.

use std::{
    fmt::{Debug, Display},
    future::Future,
    hash::Hash,
    time::Duration,
};

use crate::{
    column::ColumnSet,
    range::SyncRange,
    score::{self, ResponseKind},
    slot::{Epoch, Slot},
};

/// A cheap, shareable handle to a peer that carries a score and response statistics.
///
/// This is all [`SyncQueue`](../sync_queue/index.html) needs. Scores use interior
/// mutability because many requests to one peer are in flight at once.
pub trait ScoredPeer: Clone + Send + Sync + 'static {
    /// The peer's identity (a libp2p `PeerId`, say).
    type Key: Clone + Eq + Hash + Debug + Display + Send + Sync + 'static;

    /// The peer's identity.
    fn key(&self) -> Self::Key;
    /// The current score (spec A.2).
    fn score(&self) -> i64;
    /// Add `delta` to the score, clamped as [`score::apply_score`] does.
    fn update_score(&self, delta: i64);
    /// Add a reward `delta`, unless the score is already below
    /// [`PEER_SCORE_LOW_LIMIT`](score::PEER_SCORE_LOW_LIMIT): a peer on its way out (a
    /// proven fault took it below zero) earns nothing from answers it gave before, so it
    /// cannot climb back.
    fn reward(&self, delta: i64) {
        if self.score() >= score::PEER_SCORE_LOW_LIMIT {
            self.update_score(delta);
        }
    }
    /// A response statistic.
    fn stats(&self, kind: ResponseKind) -> u64;
    /// Add `n` to a response statistic.
    fn update_stats(&self, kind: ResponseKind, n: u64);
    /// Average download throughput in bytes per second (ranks equal scores). The
    /// default, 0, is for a peer type that does not measure it: equal scores then rank
    /// by the pool's other rules.
    fn throughput(&self) -> f64 {
        0.0
    }
}

/// What a sync worker needs from a peer: its status, its custody, and three range
/// downloads.
pub trait SyncPeer: ScoredPeer {
    /// The block type the peer returns.
    type Block: Send + 'static;
    /// The blob sidecar type the peer returns.
    type Sidecar: Send + 'static;
    /// The data column sidecar type the peer returns.
    type Column: Send + 'static;

    /// The head slot from the peer's last status.
    fn head_slot(&self) -> Slot;
    /// The finalized epoch from the peer's last status.
    fn finalized_epoch(&self) -> Epoch;
    /// The oldest slot the peer says it can serve (status v2), if it said. The default
    /// is `None`: the peer said nothing (status v1), so it is asked for any range.
    fn earliest_available_slot(&self) -> Option<Slot> {
        None
    }
    /// How long ago the peer's status was last received.
    fn status_age(&self) -> Duration;
    /// Ask the peer for a fresh status.
    fn refresh_status(&self) -> impl Future<Output = Result<(), RequestError>> + Send;
    /// Blocks by range, step 1.
    fn blocks_by_range(
        &self,
        range: SyncRange,
    ) -> impl Future<Output = Result<Vec<Self::Block>, RequestError>> + Send;
    /// Blob sidecars by range.
    fn blob_sidecars_by_range(
        &self,
        range: SyncRange,
    ) -> impl Future<Output = Result<Vec<Self::Sidecar>, RequestError>> + Send;
    /// The data columns the peer custodies (from its node id and custody group count),
    /// or `None` while they are not known (its metadata has not arrived): such a peer is
    /// given no column work. The default is `None`, right for a chain without data
    /// columns.
    fn custody(&self) -> Option<ColumnSet> {
        None
    }
    /// Data column sidecars by range, for `columns` (a subset of the peer's custody).
    fn data_column_sidecars_by_range(
        &self,
        range: SyncRange,
        columns: ColumnSet,
    ) -> impl Future<Output = Result<Vec<Self::Column>, RequestError>> + Send;
}

/// Why a request to a peer failed.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// No answer in time.
    #[error("request timed out")]
    Timeout,
    /// The connection closed.
    #[error("peer disconnected")]
    Disconnected,
    /// The peer answered with a rate-limit error: back off, it is not a fault.
    #[error("rate limited by the peer{}", retry_after.map(|d| format!(", retry after {d:?}")).unwrap_or_default())]
    RateLimited {
        /// When the peer said to retry, if it said.
        retry_after: Option<Duration>,
    },
    /// The peer said it does not have the data (`ResourceUnavailable`).
    #[error("peer does not have the requested range")]
    ResourceUnavailable,
    /// The peer answered with an error result code.
    #[error("peer answered with error code {code}")]
    ServerError {
        /// The response result code.
        code: u8,
    },
    /// The response could not be decoded.
    #[error("malformed response: {0}")]
    Malformed(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The request was cancelled by us (shutdown, reset): not the peer's fault.
    #[error("request cancelled")]
    Cancelled,
}

impl RequestError {
    /// The peer's score change for this failure: `None` for a rate limit or our own
    /// cancellation, which never cost score.
    pub const fn penalty(&self) -> Option<i64> {
        match self {
            RequestError::RateLimited { .. } | RequestError::Cancelled => None,
            RequestError::Malformed(_) => Some(score::PEER_SCORE_BAD_RESPONSE),
            RequestError::Timeout
            | RequestError::Disconnected
            | RequestError::ResourceUnavailable
            | RequestError::ServerError { .. } => Some(score::PEER_SCORE_NO_VALUES),
        }
    }

    /// Whether the same range may be asked again (of this or another peer).
    pub const fn is_retryable(&self) -> bool {
        !matches!(self, RequestError::Cancelled)
    }
}
