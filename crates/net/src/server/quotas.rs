//! [`ServerQuotas`]: per-peer and global token buckets of the server.

use std::collections::HashMap;
use std::time::Duration;

use libp2p::PeerId;
use tokio::time::Instant;

use crate::quota::{KindBuckets, QuotaSet};
use crate::rpc::RpcKind;

/// The server's quotas: one set of buckets per peer and one for everyone. A request must
/// fit both; a refused request takes nothing from either.
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

    /// Charges `cost` tokens of `kind` to `peer` and to the global buckets.
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
        let buckets = self
            .per_peer
            .entry(peer)
            .or_insert_with(|| KindBuckets::new(quotas, now));
        buckets.try_take(kind, cost, now)?;
        if let Err(wait) = self.global.try_take(kind, cost, now) {
            buckets.refund(kind, cost);
            return Err(wait);
        }
        Ok(())
    }

    /// Forgets a peer's buckets (it disconnected).
    pub fn remove_peer(&mut self, peer: &PeerId) {
        self.per_peer.remove(peer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quota::Quota;

    #[test]
    fn a_flooding_peer_is_refused_while_another_still_fits() {
        let t0 = Instant::now();
        let per_peer = QuotaSet {
            blocks_by_range: Quota::per_secs(100, 10),
            ..QuotaSet::lighthouse()
        };
        let global = QuotaSet {
            blocks_by_range: Quota::per_secs(250, 10),
            ..QuotaSet::lighthouse()
        };
        let mut quotas = ServerQuotas::new(per_peer, &global, t0);
        let (flooder, other) = (PeerId::random(), PeerId::random());
        assert!(
            quotas
                .try_take(flooder, RpcKind::BlocksByRange, 64, t0)
                .is_ok()
        );
        assert!(
            quotas
                .try_take(flooder, RpcKind::BlocksByRange, 64, t0)
                .is_err()
        );
        assert!(
            quotas
                .try_take(other, RpcKind::BlocksByRange, 64, t0)
                .is_ok()
        );
        // 128 of the 250 global tokens are gone; a third peer fits 100 but not 150.
        let third = PeerId::random();
        assert!(
            quotas
                .try_take(third, RpcKind::BlocksByRange, 100, t0)
                .is_ok()
        );
        assert!(
            quotas
                .try_take(other, RpcKind::BlocksByRange, 30, t0)
                .is_err()
        );
    }
}
