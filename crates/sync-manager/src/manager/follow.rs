//! Where forward sync aims: the wall clock (Nimbus), or the best peer's head for a node
//! without gossip ([`ManagerConfig::follow_peers_head`](crate::ManagerConfig)), and the
//! status polling that lets such a node see a new head while it is in sync.

use std::sync::{Arc, atomic::Ordering};

use peer_pool::PeerFilter;
use sync_types::{BlockVerifier, Slot, SyncDirection, SyncPeer};
use tracing::debug;

use super::Inner;
use crate::chain::{SyncChain, remaining};

impl<P, V, C> Inner<P, V, C>
where
    P: SyncPeer<Block = V::Block, Sidecar = V::Sidecar, Column = V::Column>,
    V: BlockVerifier,
    C: SyncChain,
{
    /// Slots left before the sync counts as done, towards the configured target.
    pub(crate) fn remaining(&self) -> u64 {
        if self.direction == SyncDirection::Backward || !self.config.follow_peers_head {
            return remaining(&*self.chain, self.direction);
        }
        self.forward_target().distance_from(self.chain.head_slot())
    }

    /// Forward: the last slot the queue should hand out. Following the peers' head, it is
    /// that head: ranges past it would only make every worker set its peer aside as
    /// "behind" (out of the pool for `idle_backoff`), so a range that came back failed
    /// found no peer for up to that long.
    pub(crate) fn forward_last(&self) -> Slot {
        if self.config.follow_peers_head {
            self.forward_target()
        } else {
            self.chain.wall_slot()
        }
    }

    /// The best head among the pool's peers, capped at the wall slot (a head beyond it
    /// is a lie the workers punish); the wall slot when there is no peer.
    fn forward_target(&self) -> Slot {
        let wall = self.chain.wall_slot();
        self.pool
            .peers(PeerFilter::ANY)
            .iter()
            .map(SyncPeer::head_slot)
            .max()
            .map_or(wall, |best| best.min(wall))
    }

    /// While in sync and following the peers' head: refresh, in one background batch,
    /// every status older than the poll interval. At most one batch runs at a time. A
    /// batch that finds a head past ours runs the sync loop at once: waiting for its next
    /// tick would leave the node that much further behind.
    pub(crate) fn poll_heads(self: &Arc<Self>) {
        if self.direction == SyncDirection::Backward || !self.config.follow_peers_head {
            return;
        }
        let interval = self.config.head_poll_interval;
        let stale: Vec<P> = self
            .pool
            .peers(PeerFilter::ANY)
            .into_iter()
            .filter(|p| p.status_age() >= interval)
            .collect();
        if stale.is_empty() || self.polling.swap(true, Ordering::AcqRel) {
            return;
        }
        let inner = Arc::clone(self);
        tokio::spawn(async move {
            let refreshes = stale.iter().map(|peer| async move {
                if let Err(error) = peer.refresh_status().await {
                    // Not scored here: a worker that takes the peer refreshes it again
                    // and charges a failure by the usual rules.
                    debug!(target: "sync::manager", peer = %peer.key(), %error, "head poll failed");
                }
            });
            futures::future::join_all(refreshes).await;
            inner.polling.store(false, Ordering::Release);
            let head = inner.chain.head_slot();
            if stale.iter().any(|peer| peer.head_slot() > head) {
                inner.poke.notify_one();
            }
        });
    }
}
