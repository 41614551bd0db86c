//! [`ServerQuotas`]: per-peer and global token buckets of the server.

use std::collections::HashMap;
use std::time::Duration;

use libp2p::PeerId;
use tokio::time::Instant;

use crate::quota::{KindBuckets, QuotaSet};
use crate::rpc::RpcKind;

/// Peers whose buckets are remembered after they disconnect, at most: past it, the
/// buckets that have refilled are forgotten first.
const REMEMBERED_PEERS: usize = 4096;

/// The server's quotas: one set of buckets per peer and one for everyone. A request must
/// fit both; a refused request takes nothing from either.
///
/// - Only requests that make us read the chain (blocks and blobs) are charged to the
///   global buckets, and only what the peer's own quota let through: Status, Ping,
///   MetaData and Goodbye are answered from memory, and a global bucket for them let a
///   burst of fresh identities lock every honest peer out of the handshake.
/// - A peer's buckets outlive its connection until they have refilled: reconnecting
///   does not buy a fresh quota.
#[derive(Debug)]
pub struct ServerQuotas {
    per_peer_quotas: QuotaSet,
    per_peer: HashMap<PeerId, KindBuckets>,
    global: KindBuckets,
}

impl ServerQuotas {
    /// Full buckets, as of `now`.
    pub fn new(per_peer: QuotaSet, global: &QuotaSet, now: Instant) -> ServerQuotas {
        ServerQuotas {
            per_peer_quotas: per_peer,
            per_peer: HashMap::new(),
            global: KindBuckets::new(global, now),
        }
    }

    /// Charges `cost` tokens of `kind` to `peer`, and (blocks and blobs only) the same,
    /// capped at the peer's bucket size, to the global buckets.
    ///
    /// # Errors
    ///
    /// How long until the request would fit, when it does not now.
    pub fn try_take(
        &mut self,
        peer: PeerId,
        kind: RpcKind,
        cost: u64,
        now: Instant,
    ) -> Result<(), Duration> {
        let quotas = &self.per_peer_quotas;
        let charged = cost.min(quotas.get(kind).max);
        let buckets = self
            .per_peer
            .entry(peer)
            .or_insert_with(|| KindBuckets::new(quotas, now));
        buckets.try_take(kind, charged, now)?;
        if !reads_the_chain(kind) {
            return Ok(());
        }
        if let Err(wait) = self.global.try_take(kind, charged, now) {
            buckets.refund(kind, charged);
            return Err(wait);
        }
        Ok(())
    }

    /// A peer disconnected: its buckets are kept until they have refilled (forgotten
    /// at once if they already have), and full ones are pruned when too many are kept.
    pub fn disconnected(&mut self, peer: &PeerId, now: Instant) {
        if self.per_peer.get_mut(peer).is_some_and(|b| b.is_full(now)) {
            self.per_peer.remove(peer);
        }
        if self.per_peer.len() > REMEMBERED_PEERS {
            self.per_peer.retain(|_, buckets| !buckets.is_full(now));
        }
    }

    /// How many peers' buckets are kept.
    pub fn remembered(&self) -> usize {
        self.per_peer.len()
    }
}

/// Whether answering `kind` reads the chain source (and so counts against everyone).
const fn reads_the_chain(kind: RpcKind) -> bool {
    !matches!(
        kind,
        RpcKind::Status | RpcKind::Ping | RpcKind::MetaData | RpcKind::Goodbye
    )
}

#[cfg(test)]
#[path = "quotas_tests.rs"]
mod tests;
