//! The public face of the pool.

use std::{fmt, future::poll_fn, sync::Arc};

use sync_types::ScoredPeer;

use crate::{
    config::{PeerFilter, PeerType, PoolConfig, PoolCounts},
    error::{AddError, ConfigError},
    lifetime::Lifetime,
    metrics::{PoolMetrics, RemovalReason},
    pending::{PendingAcquire, PendingAdd},
    pooled::PooledPeer,
    shared::Shared,
    state::{Select, State},
};

/// Nimbus's `PeerPool` (spec A.3), with the seed's bugs fixed: admission limits per
/// direction, a registry of peers, and ranked acquire/release. Cheap to clone: clones
/// share the pool. `Send + Sync`.
///
/// Peers are ranked best first by score, then throughput, then outgoing before
/// incoming, then the longest available (D.17). Scores are read live: a score changed
/// through the peer handle counts at the next acquire.
///
/// The pool calls the peer's [`ScoredPeer`] getters while holding its lock; they must
/// not call back into the pool. Callbacks ([`on_delete`](Self::on_delete),
/// [`on_count_change`](Self::on_count_change)) run without the lock and may.
pub struct PeerPool<P: ScoredPeer> {
    shared: Arc<Shared<P>>,
}

impl<P: ScoredPeer> Clone for PeerPool<P> {
    fn clone(&self) -> Self {
        PeerPool {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<P: ScoredPeer> PeerPool<P> {
    /// An empty pool; fails if the limits are inconsistent (see
    /// [`PoolConfig::validate`]).
    pub fn new(config: PoolConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(PeerPool {
            shared: Arc::new(Shared::new(config)),
        })
    }

    /// This pool reporting to `metrics` (see [`PoolMetrics`] for the families), from now
    /// on and with the current counts at once. Clones of the pool share the metrics;
    /// the last call wins. Without it the pool reports nowhere.
    ///
    /// ```
    /// use peer_pool::{PeerPool, PoolConfig, PoolMetrics};
    /// use prometheus_client::registry::Registry;
    /// use sync_types::test_utils::TestPeer;
    ///
    /// let mut registry = Registry::default();
    /// let pool: PeerPool<TestPeer> =
    ///     PeerPool::new(PoolConfig::default())?.with_metrics(PoolMetrics::register(&mut registry));
    /// # drop(pool);
    /// # Ok::<(), peer_pool::ConfigError>(())
    /// ```
    #[must_use]
    pub fn with_metrics(self, metrics: PoolMetrics) -> Self {
        self.shared.with_state(|state| state.metrics = metrics);
        self
    }

    /// The pool's config.
    pub fn config(&self) -> PoolConfig {
        self.shared.read(|state| state.config.clone())
    }

    /// Spec A.3 `addPeerNoWait`: check the peer (score, duplicate, dead, in that order)
    /// and add it if its direction has space, else [`AddError::NoSpace`]. From now on
    /// the end of `lifetime` removes the peer.
    pub fn add_peer_no_wait(
        &self,
        peer: P,
        kind: PeerType,
        lifetime: Lifetime,
    ) -> Result<(), AddError> {
        PendingAdd::new(&self.shared, peer, kind, lifetime).admit_now()
    }

    /// Spec A.3 `addPeer`: check the peer, wait for space in its direction, check it
    /// again and add it. Never returns [`AddError::NoSpace`].
    ///
    /// Waiters are served first come first served, each as soon as space of its own
    /// direction exists, whichever side freed it; a waiter whose direction is still
    /// full does not hold up a later one of the other direction. If the lifetime ends
    /// while waiting, this returns [`AddError::Dead`] at once.
    ///
    /// Cancel-safe: if the future is dropped before it completes, the peer was not added,
    /// and space that was set aside for it goes to the next waiter.
    pub async fn add_peer(
        &self,
        peer: P,
        kind: PeerType,
        lifetime: Lifetime,
    ) -> Result<(), AddError> {
        let mut pending = PendingAdd::new(&self.shared, peer, kind, lifetime);
        poll_fn(|cx| pending.poll_add(cx)).await
    }

    /// Spec A.3 `acquire`: the best available peer that `filter` allows, waiting until
    /// one is added or released. Waiting acquirers are served in FIFO order.
    ///
    /// Cancel-safe: if the future is dropped, no peer stays acquired on its behalf; a peer
    /// that was already handed to it goes to the next waiter.
    pub async fn acquire(&self, filter: PeerFilter) -> PooledPeer<P> {
        let mut pending = PendingAcquire::new(&self.shared, filter);
        poll_fn(|cx| pending.poll_acquire(cx)).await
    }

    /// The best available peer that `filter` allows, if there is one.
    pub fn acquire_no_wait(&self, filter: PeerFilter) -> Option<PooledPeer<P>> {
        self.shared
            .with_state(|state| state.take_best(filter))
            .map(|taken| PooledPeer::new(taken, Arc::downgrade(&self.shared)))
    }

    /// `n` peers, best first, waiting as needed (one at a time, like Nimbus's
    /// `acquire(n)`); `n == 0` gives an empty list. If the future is dropped, the peers
    /// collected so far go back to the pool.
    pub async fn acquire_n(&self, n: usize, filter: PeerFilter) -> Vec<PooledPeer<P>> {
        let mut peers = Vec::new();
        while peers.len() < n {
            peers.push(self.acquire(filter).await);
        }
        peers
    }

    /// `n` peers, best first, if at least `n` are available now; otherwise none are taken.
    pub fn acquire_n_no_wait(&self, n: usize, filter: PeerFilter) -> Option<Vec<PooledPeer<P>>> {
        let taken = self.shared.with_state(|state| {
            if state.len_available(filter) < n {
                return None;
            }
            Some(
                (0..n)
                    .filter_map(|_| state.take_best(filter))
                    .collect::<Vec<_>>(),
            )
        })?;
        let pool = Arc::downgrade(&self.shared);
        Some(
            taken
                .into_iter()
                .map(|t| PooledPeer::new(t, pool.clone()))
                .collect(),
        )
    }

    /// Spec A.3 `deletePeer`. Returns false if no peer has this key. An available peer
    /// is removed at once; an acquired one is removed at once only if `force`, otherwise
    /// when it is released. Removal calls `on_delete`.
    pub fn delete_peer(&self, key: &P::Key, force: bool) -> bool {
        self.shared
            .with_state(|state| state.delete(key, force, RemovalReason::Deleted))
    }

    /// Whether a peer with this key is in the pool (acquired ones, and ones waiting to be
    /// removed on release, included).
    pub fn contains(&self, key: &P::Key) -> bool {
        self.shared.read(|state| state.contains(key))
    }

    /// The peer with this key.
    pub fn get(&self, key: &P::Key) -> Option<P> {
        self.shared.read(|state| state.get(key))
    }

    /// Peers in the pool, available and acquired.
    pub fn len(&self) -> usize {
        self.shared.read(State::len)
    }

    /// Whether the pool holds no peer.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Available peers of the directions `filter` allows.
    pub fn len_available(&self, filter: PeerFilter) -> usize {
        self.shared.read(|state| state.len_available(filter))
    }

    /// Acquired peers of the directions `filter` allows.
    pub fn len_acquired(&self, filter: PeerFilter) -> usize {
        self.shared.read(|state| state.len_acquired(filter))
    }

    /// Peers (available and acquired) of the directions `filter` allows.
    pub fn len_current(&self, filter: PeerFilter) -> usize {
        self.shared.read(|state| state.len_current(filter))
    }

    /// How many more peers of the directions `filter` allows could be added now (spec
    /// A.3 `lenSpace`, saturating; `usize::MAX` when unlimited). Space promised to a
    /// woken [`add_peer`](Self::add_peer) waiter counts as taken.
    pub fn len_space(&self, filter: PeerFilter) -> usize {
        self.shared.read(|state| state.len_space(filter))
    }

    /// Peers in the pool per direction.
    pub fn counts(&self) -> PoolCounts {
        self.shared.read(State::counts)
    }

    /// Every peer of the directions `filter` allows, best first.
    pub fn peers(&self, filter: PeerFilter) -> Vec<P> {
        self.shared.read(|state| state.ranked(filter, Select::All))
    }

    /// The available peers of the directions `filter` allows, best first.
    pub fn available_peers(&self, filter: PeerFilter) -> Vec<P> {
        self.shared
            .read(|state| state.ranked(filter, Select::Available))
    }

    /// The acquired peers of the directions `filter` allows, best first.
    pub fn acquired_peers(&self, filter: PeerFilter) -> Vec<P> {
        self.shared
            .read(|state| state.ranked(filter, Select::Acquired))
    }

    /// Forget every peer. Unlike Nimbus's `clear` (D.18), the peers' lifetime watchers
    /// are detached, so a connection that ends later cannot touch the pool (or a new
    /// peer with the same key). `on_delete` is not called: the caller is discarding the
    /// peers on purpose. `on_count_change` is called once with zero counts, so a metric
    /// fed by it stays right. Handles of peers acquired before release to nothing;
    /// waiting [`add_peer`](Self::add_peer) calls get the freed space, waiting
    /// acquirers keep waiting.
    pub fn clear(&self) {
        let dropped = self.shared.with_state(State::clear);
        drop(dropped);
    }

    /// Call `f` with every peer that leaves the pool, except by [`clear`](Self::clear)
    /// (spec A.3 `onDeletePeer`). Replaces the previous callback.
    pub fn on_delete(&self, f: impl Fn(&P) + Send + Sync + 'static) {
        let old = self
            .shared
            .with_state(|state| state.on_delete.replace(Arc::new(f)));
        drop(old);
    }

    /// Call `f` with the new counts whenever a peer joins or leaves the pool (spec A.3
    /// `peerCounter`; also once after a [`clear`](Self::clear) of a non-empty pool).
    /// Calls come in the order of the changes. Replaces the previous callback.
    pub fn on_count_change(&self, f: impl Fn(PoolCounts) + Send + Sync + 'static) {
        let old = self
            .shared
            .with_state(|state| state.on_count_change.replace(Arc::new(f)));
        drop(old);
    }
}

impl<P: ScoredPeer> fmt::Debug for PeerPool<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (counts, acquired) = self
            .shared
            .read(|state| (state.counts(), state.len_acquired(PeerFilter::ANY)));
        f.debug_struct("PeerPool")
            .field("incoming", &counts.incoming)
            .field("outgoing", &counts.outgoing)
            .field("acquired", &acquired)
            .finish_non_exhaustive()
    }
}
