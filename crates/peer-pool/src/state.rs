//! The pool's decisions, as plain synchronous state (STYLE habit 4): the registry, the
//! counters, admission checks, choosing, releasing and deleting. The async layer in
//! `pool.rs` only locks, registers waiters and passes results; `waiters.rs` hands
//! freed space and released peers to waiters.
//!
//! Nimbus keeps an append-only item array with a key → index registry and deleted
//! slots left in place (D.18). Here the registry *is* the storage: a map from key to
//! entry, so there are no slots to leak or to iterate over.

use std::{
    collections::{BTreeMap, HashMap, VecDeque},
    sync::Arc,
    task::Waker,
};

use sync_types::ScoredPeer;

use crate::{
    config::{PeerFilter, PeerType, PerDirection, PoolConfig, PoolCounts},
    error::AddError,
    lifetime::{Lifetime, WatchId},
    metrics::{PoolMetrics, RemovalReason},
    rank::Rank,
    waiters::{AcquireWaiter, AddWaiter},
};

/// The tracing target of this crate.
pub(crate) const TARGET: &str = "sync::pool";

/// The `on_delete` callback.
pub(crate) type DeleteCallback<P> = Arc<dyn Fn(&P) + Send + Sync>;
/// The `on_count_change` callback.
pub(crate) type CountCallback = Arc<dyn Fn(PoolCounts) + Send + Sync>;

/// One peer in the pool.
pub(crate) struct Entry<P> {
    peer: P,
    kind: PeerType,
    /// Unique per admission: a handle or lifetime watcher from an earlier admission of
    /// the same key never touches this one.
    id: u64,
    acquired: bool,
    /// Nimbus's `DeleteOnRelease`: deleted while acquired, removed when released (and
    /// why, for the metrics).
    delete_on_release: Option<RemovalReason>,
    /// When the peer last became available (ranks equal peers, oldest first).
    available_since: u64,
    lifetime: Lifetime,
    /// The pool's watcher on `lifetime`; `None` once it has run.
    watch: Option<WatchId>,
}

/// A peer taken out of the available set: what a [`PooledPeer`](crate::PooledPeer) is
/// made of.
pub(crate) struct Taken<P> {
    pub(crate) peer: P,
    pub(crate) kind: PeerType,
    pub(crate) id: u64,
}

/// Something for the callbacks, delivered in order outside the lock.
pub(crate) enum Event<P> {
    /// A peer left the pool (not by [`State::clear`]).
    Deleted(P),
    /// The number of peers changed; the counts right after the change.
    Counts(PoolCounts),
}

/// The whole pool behind its mutex.
pub(crate) struct State<P: ScoredPeer> {
    pub(crate) config: PoolConfig,
    entries: HashMap<P::Key, Entry<P>>,
    pub(crate) current: PerDirection,
    pub(crate) acquired: PerDirection,
    /// Space promised to woken `add_peer` waiters that have not yet come to take it.
    pub(crate) reserved: PerDirection,
    next_id: u64,
    next_available_since: u64,
    /// FIFO by id (ids grow).
    pub(crate) add_waiters: BTreeMap<u64, AddWaiter>,
    /// FIFO by id (ids grow).
    pub(crate) acquire_waiters: BTreeMap<u64, AcquireWaiter<P>>,
    /// Callback events not yet delivered.
    pub(crate) events: VecDeque<Event<P>>,
    /// Waiters to wake once the lock is released.
    pub(crate) wakers: Vec<Waker>,
    /// Whether some thread is delivering `events` right now.
    pub(crate) dispatching: bool,
    pub(crate) on_delete: Option<DeleteCallback<P>>,
    pub(crate) on_count_change: Option<CountCallback>,
    /// Set from the counters after every change (see `Shared::with_state`).
    pub(crate) metrics: PoolMetrics,
}

impl<P: ScoredPeer> State<P> {
    pub(crate) fn new(config: PoolConfig) -> Self {
        State {
            config,
            entries: HashMap::new(),
            current: PerDirection::default(),
            acquired: PerDirection::default(),
            reserved: PerDirection::default(),
            next_id: 1,
            next_available_since: 0,
            add_waiters: BTreeMap::new(),
            acquire_waiters: BTreeMap::new(),
            events: VecDeque::new(),
            wakers: Vec::new(),
            dispatching: false,
            on_delete: None,
            on_count_change: None,
            metrics: PoolMetrics::default(),
        }
    }

    /// A fresh id for an admission or a waiter.
    pub(crate) fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        id
    }

    fn next_available_since(&mut self) -> u64 {
        let since = self.next_available_since;
        self.next_available_since = self.next_available_since.wrapping_add(1);
        since
    }

    /// Nimbus's `checkPeer`, in its order: score, duplicate, dead.
    pub(crate) fn check(&self, peer: &P, lifetime: &Lifetime) -> Result<(), AddError> {
        if !self.config.score_passes(peer.score()) {
            Err(AddError::LowScore)
        } else if self.entries.contains_key(&peer.key()) {
            Err(AddError::Duplicate)
        } else if lifetime.is_closed() {
            Err(AddError::Dead)
        } else {
            Ok(())
        }
    }

    /// Spec A.3 `lenSpace`, saturating; space promised to woken waiters counts as taken.
    /// Unlimited is `usize::MAX`.
    pub(crate) fn len_space(&self, filter: PeerFilter) -> usize {
        space(&self.config, &self.current, &self.reserved, filter)
    }

    pub(crate) fn has_space(&self, kind: PeerType) -> bool {
        self.len_space(PeerFilter::only(kind)) > 0
    }

    /// Add a checked peer whose lifetime `watch` is already registered under `id`.
    pub(crate) fn insert(
        &mut self,
        peer: P,
        kind: PeerType,
        lifetime: Lifetime,
        id: u64,
        watch: WatchId,
    ) {
        let key = peer.key();
        tracing::debug!(target: TARGET, peer = %key, ?kind, score = peer.score(), "peer added");
        let available_since = self.next_available_since();
        self.entries.insert(
            key,
            Entry {
                peer,
                kind,
                id,
                acquired: false,
                delete_on_release: None,
                available_since,
                lifetime,
                watch: Some(watch),
            },
        );
        self.current.add(kind);
        self.events.push_back(Event::Counts(self.counts()));
    }

    /// Take the best available peer that `filter` lets through and mark it acquired.
    pub(crate) fn take_best(&mut self, filter: PeerFilter) -> Option<Taken<P>> {
        let mut best: Option<(Rank, &P::Key)> = None;
        for (key, entry) in &self.entries {
            if entry.acquired || !filter.matches(entry.kind) {
                continue;
            }
            let rank = Rank::of(
                &entry.peer,
                entry.kind,
                entry.available_since,
                self.config.fair_score,
            );
            if best.as_ref().is_none_or(|(b, _)| rank.is_better_than(b)) {
                best = Some((rank, key));
            }
        }
        let key = best?.1.clone();
        let entry = self.entries.get_mut(&key)?;
        entry.acquired = true;
        self.acquired.add(entry.kind);
        tracing::trace!(target: TARGET, peer = %key, kind = ?entry.kind, "peer acquired");
        Some(Taken {
            peer: entry.peer.clone(),
            kind: entry.kind,
            id: entry.id,
        })
    }

    /// Give back the peer of admission `id`. Removes it if its score now fails the check
    /// or it was deleted while acquired; otherwise it is available again. A stale handle
    /// (the peer was force-deleted, cleared, or re-added since) does nothing.
    pub(crate) fn release(&mut self, key: &P::Key, id: u64) {
        let config = &self.config;
        let Some(entry) = self.entries.get_mut(key) else {
            return;
        };
        if entry.id != id || !entry.acquired {
            return;
        }
        let score = entry.peer.score();
        if !config.score_passes(score) {
            tracing::debug!(target: TARGET, peer = %key, score, min_score = ?config.min_score, "released peer fails the score check");
            entry
                .delete_on_release
                .get_or_insert(RemovalReason::LowScore);
        }
        if let Some(reason) = entry.delete_on_release {
            self.remove(key, reason);
            return;
        }
        entry.acquired = false;
        let kind = entry.kind;
        self.acquired.sub(kind);
        let since = self.next_available_since();
        if let Some(entry) = self.entries.get_mut(key) {
            entry.available_since = since;
        }
        tracing::trace!(target: TARGET, peer = %key, ?kind, "peer released");
    }

    /// Spec A.3 `deletePeer`: false for an unknown key. An acquired peer is only marked,
    /// unless `force`; it then leaves when released. `reason` is what the metrics count.
    pub(crate) fn delete(&mut self, key: &P::Key, force: bool, reason: RemovalReason) -> bool {
        let Some(id) = self.entries.get(key).map(|e| e.id) else {
            return false;
        };
        // A peer handed to a waiting acquirer that has not picked it up yet is still
        // free in all but name: take it back, so the waiter never gets a deleted peer.
        if let Some(taken) = self.take_back_handed(id) {
            self.acquired.sub(taken.kind);
            if let Some(entry) = self.entries.get_mut(key) {
                entry.acquired = false;
            }
        }
        let Some(entry) = self.entries.get_mut(key) else {
            return false;
        };
        if entry.acquired && !force {
            tracing::debug!(target: TARGET, peer = %key, "acquired peer will be removed on release");
            // The first reason stands (a peer deleted, then disconnected, was deleted).
            entry.delete_on_release.get_or_insert(reason);
        } else {
            self.remove(key, reason);
        }
        true
    }

    /// The lifetime watcher of admission (or add waiter) `id` ran.
    pub(crate) fn lifetime_ended(&mut self, key: &P::Key, id: u64) {
        if self.mark_add_waiter_dead(id) {
            return;
        }
        match self.entries.get_mut(key) {
            Some(entry) if entry.id == id => {
                entry.watch = None;
                tracing::debug!(target: TARGET, peer = %key, "peer connection ended");
                self.delete(key, false, RemovalReason::Disconnected);
            }
            _ => {}
        }
    }

    /// Take a peer out of the pool, detach its lifetime watcher, queue the callbacks.
    fn remove(&mut self, key: &P::Key, reason: RemovalReason) {
        let Some(entry) = self.entries.remove(key) else {
            return;
        };
        self.current.sub(entry.kind);
        if entry.acquired {
            self.acquired.sub(entry.kind);
        }
        if let Some(watch) = entry.watch {
            entry.lifetime.unwatch(watch);
        }
        tracing::debug!(target: TARGET, peer = %key, kind = ?entry.kind, reason = reason.label(), "peer removed");
        self.metrics.removed(reason, 1);
        self.events.push_back(Event::Deleted(entry.peer));
        self.events.push_back(Event::Counts(self.counts()));
    }

    /// Forget every peer and detach every lifetime watcher. No `on_delete` calls; one
    /// count event if the pool was not empty. Peers already handed to waiting acquirers
    /// are taken back (those acquirers keep waiting). Returns the peers, to be dropped
    /// outside the lock.
    pub(crate) fn clear(&mut self) -> Vec<P> {
        let mut dropped: Vec<P> = Vec::with_capacity(self.entries.len());
        self.metrics
            .removed(RemovalReason::Cleared, self.entries.len());
        for (_, entry) in self.entries.drain() {
            if let Some(watch) = entry.watch {
                entry.lifetime.unwatch(watch);
            }
            dropped.push(entry.peer);
        }
        for waiter in self.acquire_waiters.values_mut() {
            dropped.extend(waiter.handed.take().map(|t| t.peer));
        }
        if self.current != PerDirection::default() {
            self.current = PerDirection::default();
            self.acquired = PerDirection::default();
            self.events.push_back(Event::Counts(self.counts()));
        }
        tracing::debug!(target: TARGET, peers = dropped.len(), "pool cleared");
        dropped
    }

    pub(crate) fn counts(&self) -> PoolCounts {
        PoolCounts {
            incoming: self.current.incoming,
            outgoing: self.current.outgoing,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn len_available(&self, filter: PeerFilter) -> usize {
        self.len_current(filter)
            .saturating_sub(self.acquired.sum(filter))
    }

    pub(crate) fn len_acquired(&self, filter: PeerFilter) -> usize {
        self.acquired.sum(filter)
    }

    pub(crate) fn len_current(&self, filter: PeerFilter) -> usize {
        self.current.sum(filter)
    }

    pub(crate) fn contains(&self, key: &P::Key) -> bool {
        self.entries.contains_key(key)
    }

    pub(crate) fn get(&self, key: &P::Key) -> Option<P> {
        self.entries.get(key).map(|e| e.peer.clone())
    }

    /// The peers `filter` and `select` let through, best first.
    pub(crate) fn ranked(&self, filter: PeerFilter, select: Select) -> Vec<P> {
        let mut ranked: Vec<(Rank, &P)> = self
            .entries
            .values()
            .filter(|e| filter.matches(e.kind) && select.admits(e.acquired))
            .map(|e| {
                let rank = Rank::of(&e.peer, e.kind, e.available_since, self.config.fair_score);
                (rank, &e.peer)
            })
            .collect();
        ranked.sort_by(|a, b| b.0.compare(&a.0));
        ranked.into_iter().map(|(_, p)| p.clone()).collect()
    }

    /// Whether the counters agree with the entries (checked after every operation in
    /// debug builds).
    pub(crate) fn counters_match_entries(&self) -> bool {
        let mut current = PerDirection::default();
        let mut acquired = PerDirection::default();
        for entry in self.entries.values() {
            current.add(entry.kind);
            if entry.acquired {
                acquired.add(entry.kind);
            }
        }
        current == self.current && acquired == self.acquired
    }
}

/// Which of the pool's peers a listing covers.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Select {
    All,
    Available,
    Acquired,
}

impl Select {
    const fn admits(self, acquired: bool) -> bool {
        match self {
            Select::All => true,
            Select::Available => !acquired,
            Select::Acquired => acquired,
        }
    }
}

/// Spec A.3 `lenSpace` over `current + reserved`: `total = maxPeers - (inc + out)`,
/// `inc = min(total, maxInc - inc)`, `out = min(total, maxOut - out)`; both directions
/// give `min(total, inc + out)`. Every step saturates; unlimited is `usize::MAX`.
pub(crate) fn space(
    config: &PoolConfig,
    current: &PerDirection,
    reserved: &PerDirection,
    filter: PeerFilter,
) -> usize {
    let used = |kind| current.get(kind).saturating_add(reserved.get(kind));
    let free =
        |limit: Option<usize>, used: usize| limit.map_or(usize::MAX, |l| l.saturating_sub(used));
    let (used_in, used_out) = (used(PeerType::Incoming), used(PeerType::Outgoing));
    let total = free(config.max_peers, used_in.saturating_add(used_out));
    let incoming = total.min(free(config.max_of(PeerType::Incoming), used_in));
    let outgoing = total.min(free(config.max_of(PeerType::Outgoing), used_out));
    if filter.is_any() {
        total.min(incoming.saturating_add(outgoing))
    } else if filter.matches(PeerType::Incoming) {
        incoming
    } else {
        outgoing
    }
}
