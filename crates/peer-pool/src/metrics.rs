//! [`PoolMetrics`]: the pool's Prometheus metrics (prometheus-client), registered into
//! the one registry the binary serves.
//!
//! The gauges are set from the pool's own counters after every change, under the pool's
//! lock, so they never drift from [`PeerPool::counts`](crate::PeerPool::counts) and
//! [`PeerPool::len_acquired`](crate::PeerPool::len_acquired).

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge},
    registry::Registry,
};

use crate::config::{PeerFilter, PeerType, PerDirection};

/// The pool's metrics. Cheap to clone (clones share the values); `Default` gives
/// metrics that count but are in no registry.
///
/// Registered as:
///
/// - `beacon_sync_pool_peers{direction="inbound"|"outbound"}` (gauge): peers in the
///   pool, acquired ones included;
/// - `beacon_sync_pool_acquired_peers` (gauge): peers currently held by workers;
/// - `beacon_sync_pool_removed_peers_total{reason}` (counter): peers that left the
///   pool, by reason: `deleted` ([`PeerPool::delete_peer`](crate::PeerPool::delete_peer)),
///   `disconnected` (its [`Lifetime`](crate::Lifetime) ended), `low_score` (released
///   with a score below [`PoolConfig::min_score`](crate::PoolConfig::min_score)) or
///   `cleared` ([`PeerPool::clear`](crate::PeerPool::clear)).
///
/// Attach them with [`PeerPool::with_metrics`](crate::PeerPool::with_metrics).
#[derive(Clone, Debug, Default)]
pub struct PoolMetrics {
    peers: Family<DirectionLabel, Gauge>,
    acquired_peers: Gauge,
    removed_peers: Family<ReasonLabel, Counter>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DirectionLabel {
    direction: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

/// Why a peer left the pool (the `reason` label of `removed_peers_total`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum RemovalReason {
    /// [`PeerPool::delete_peer`](crate::PeerPool::delete_peer).
    Deleted,
    /// Its [`Lifetime`](crate::Lifetime) ended (the connection closed).
    Disconnected,
    /// Released with a score below [`PoolConfig::min_score`](crate::PoolConfig::min_score).
    LowScore,
    /// [`PeerPool::clear`](crate::PeerPool::clear).
    Cleared,
}

impl RemovalReason {
    /// The label value.
    pub(crate) const fn label(self) -> &'static str {
        match self {
            RemovalReason::Deleted => "deleted",
            RemovalReason::Disconnected => "disconnected",
            RemovalReason::LowScore => "low_score",
            RemovalReason::Cleared => "cleared",
        }
    }
}

/// The `direction` label of a peer type: who opened the connection, from our side.
const fn direction_label(kind: PeerType) -> &'static str {
    match kind {
        PeerType::Incoming => "inbound",
        PeerType::Outgoing => "outbound",
    }
}

fn gauge_value(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl PoolMetrics {
    /// New metrics registered into `registry` under `beacon_sync_pool_...`.
    pub fn register(registry: &mut Registry) -> PoolMetrics {
        let metrics = PoolMetrics::default();
        let sub = registry.sub_registry_with_prefix("beacon_sync_pool");
        sub.register(
            "peers",
            "Peers in the pool (acquired ones included), by who opened the connection",
            metrics.peers.clone(),
        );
        sub.register(
            "acquired_peers",
            "Peers of the pool currently held by sync workers",
            metrics.acquired_peers.clone(),
        );
        sub.register(
            "removed_peers",
            "Peers that left the pool, by reason",
            metrics.removed_peers.clone(),
        );
        metrics
    }

    /// Sets the gauges from the pool's counters (peers per direction, acquired peers).
    pub(crate) fn observe(&self, current: &PerDirection, acquired: &PerDirection) {
        for kind in [PeerType::Incoming, PeerType::Outgoing] {
            self.peers
                .get_or_create(&DirectionLabel {
                    direction: direction_label(kind),
                })
                .set(gauge_value(current.get(kind)));
        }
        self.acquired_peers
            .set(gauge_value(acquired.sum(PeerFilter::ANY)));
    }

    /// Counts `n` peers that left the pool for `reason`.
    pub(crate) fn removed(&self, reason: RemovalReason, n: usize) {
        self.removed_peers
            .get_or_create(&ReasonLabel {
                reason: reason.label(),
            })
            .inc_by(u64::try_from(n).unwrap_or(u64::MAX));
    }
}
