//! [`InFlight`]: how many responses are being produced or written, per peer and in all.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use libp2p::PeerId;
use prometheus_client::metrics::gauge::Gauge;

/// Bounds the responses in flight (from the request's acceptance until its stream is
/// written or dropped), per peer and in total. Each holds a batch of the source and a
/// channel of chunks; without a bound, peers that never read pinned memory without end.
#[derive(Clone, Debug)]
pub struct InFlight {
    inner: Arc<Mutex<Counts>>,
}

/// The permits' shared counts and the gauge that shows them.

#[derive(Debug)]
struct Counts {
    per_peer_max: usize,
    total_max: usize,
    total: usize,
    per_peer: HashMap<PeerId, usize>,
    gauge: Gauge,
}

/// One response in flight; dropping it ends it.
#[derive(Debug)]
pub struct InFlightPermit {
    counts: Arc<Mutex<Counts>>,
    peer: PeerId,
}

impl InFlight {
    /// At most `per_peer` responses per peer and `total` in all.
    pub fn new(per_peer: usize, total: usize) -> InFlight {
        InFlight::with_gauge(per_peer, total, Gauge::default())
    }

    /// As [`new`](Self::new), showing the total in `gauge`.
    pub fn with_gauge(per_peer: usize, total: usize, gauge: Gauge) -> InFlight {
        InFlight {
            inner: Arc::new(Mutex::new(Counts {
                per_peer_max: per_peer,
                total_max: total,
                total: 0,
                per_peer: HashMap::new(),
                gauge,
            })),
        }
    }

    /// A permit for one more response to `peer`, if both bounds allow it.
    pub fn try_acquire(&self, peer: PeerId) -> Option<InFlightPermit> {
        let mut counts = sync_types::lock::lock(&self.inner);
        let mine = counts.per_peer.get(&peer).copied().unwrap_or(0);
        if mine >= counts.per_peer_max || counts.total >= counts.total_max {
            return None;
        }
        counts.total += 1;
        counts.gauge.inc();
        counts.per_peer.insert(peer, mine + 1);
        Some(InFlightPermit {
            counts: Arc::clone(&self.inner),
            peer,
        })
    }

    /// Responses in flight now.
    pub fn total(&self) -> usize {
        sync_types::lock::lock(&self.inner).total
    }
}

impl Drop for InFlightPermit {
    fn drop(&mut self) {
        let mut counts = sync_types::lock::lock(&self.counts);
        counts.total = counts.total.saturating_sub(1);
        counts.gauge.dec();
        if let Some(n) = counts.per_peer.get_mut(&self.peer) {
            *n -= 1;
            if *n == 0 {
                counts.per_peer.remove(&self.peer);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_are_bounded_per_peer_and_in_all_and_freed_when_dropped() {
        let inflight = InFlight::new(2, 3);
        let (a, b) = (PeerId::random(), PeerId::random());
        let a1 = inflight.try_acquire(a).expect("a's first");
        let _a2 = inflight.try_acquire(a).expect("a's second");
        assert!(
            inflight.try_acquire(a).is_none(),
            "a's third is over its bound"
        );
        let _b1 = inflight.try_acquire(b).expect("b's first");
        assert!(inflight.try_acquire(b).is_none(), "three in all");
        drop(a1);
        assert_eq!(inflight.total(), 2);
        assert_eq!(sync_types::lock::lock(&inflight.inner).gauge.get(), 2);
        assert!(
            inflight.try_acquire(b).is_some(),
            "a finished one: room again"
        );
    }
}
