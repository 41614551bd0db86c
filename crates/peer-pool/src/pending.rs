//! The two waits, `add_peer` and `acquire`, as poll functions over guard structs: the
//! guard's `Drop` is what makes each wait cancel-safe.

use std::{
    sync::Arc,
    task::{Context, Poll},
};

use sync_types::ScoredPeer;

use crate::{
    config::{PeerFilter, PeerType},
    error::AddError,
    lifetime::{Lifetime, WatchId},
    pooled::PooledPeer,
    shared::Shared,
    waiters::AddStatus,
};

/// An `add_peer` call. Dropped while queued, it leaves the queue, gives up any space
/// reserved for it and detaches its lifetime watcher: a cancelled `add_peer` never adds
/// its peer.
pub(crate) struct PendingAdd<'a, P: ScoredPeer> {
    shared: &'a Arc<Shared<P>>,
    peer: P,
    kind: PeerType,
    lifetime: Lifetime,
    /// The waiter id and lifetime watch, while queued.
    queued: Option<(u64, WatchId)>,
}

/// What one look at the state decided.
enum Step {
    Done(Result<(), AddError>),
    Queued(u64, WatchId),
    Wait,
}

impl<'a, P: ScoredPeer> PendingAdd<'a, P> {
    pub(crate) fn new(
        shared: &'a Arc<Shared<P>>,
        peer: P,
        kind: PeerType,
        lifetime: Lifetime,
    ) -> Self {
        PendingAdd {
            shared,
            peer,
            kind,
            lifetime,
            queued: None,
        }
    }

    /// `add_peer_no_wait`: check and add now, or refuse.
    pub(crate) fn admit_now(self) -> Result<(), AddError> {
        let shared = self.shared;
        // `self` (the peer and lifetime, if refused) is dropped on return, outside the
        // lock; it was never queued, so its `Drop` does nothing.
        shared.with_state(|state| shared.admit(state, &self.peer, self.kind, &self.lifetime, None))
    }

    pub(crate) fn poll_add(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), AddError>> {
        let (shared, peer, kind, lifetime) = (self.shared, &self.peer, self.kind, &self.lifetime);
        let waker = cx.waker();
        let queued = self.queued;
        let step = shared.with_state(|state| match queued {
            None => match shared.admit(state, peer, kind, lifetime, None) {
                Err(AddError::NoSpace) => {
                    let id = state.next_id();
                    match lifetime.watch(shared.watcher(peer.key(), id)) {
                        Ok(watch) => {
                            state.push_add_waiter(id, kind, waker);
                            Step::Queued(id, watch)
                        }
                        Err(_) => Step::Done(Err(AddError::Dead)),
                    }
                }
                done => Step::Done(done),
            },
            Some((id, watch)) => match state.poll_add_waiter(id, kind, waker) {
                AddStatus::Waiting => Step::Wait,
                AddStatus::Dead => Step::Done(Err(AddError::Dead)),
                // The spec's "after the wait the peer is checked again".
                AddStatus::Reserved => {
                    match shared.admit(state, peer, kind, lifetime, Some((id, watch))) {
                        Err(AddError::NoSpace) => {
                            state.push_add_waiter(id, kind, waker);
                            Step::Wait
                        }
                        done => Step::Done(done),
                    }
                }
            },
        });
        match step {
            Step::Queued(id, watch) => {
                tracing::debug!(target: crate::state::TARGET, peer = %self.peer.key(), ?kind, "waiting for space");
                self.queued = Some((id, watch));
                Poll::Pending
            }
            Step::Wait => Poll::Pending,
            Step::Done(result) => {
                if let Some((_, watch)) = self.queued.take()
                    && result.is_err()
                {
                    self.lifetime.unwatch(watch);
                }
                Poll::Ready(result)
            }
        }
    }
}

impl<P: ScoredPeer> Drop for PendingAdd<'_, P> {
    fn drop(&mut self) {
        if let Some((id, watch)) = self.queued.take() {
            self.shared.with_state(|state| state.remove_add_waiter(id));
            self.lifetime.unwatch(watch);
        }
    }
}

/// An `acquire` call. Dropped while queued, it leaves the queue; a peer already handed
/// to it goes back to the pool (and on to the next waiter).
pub(crate) struct PendingAcquire<'a, P: ScoredPeer> {
    shared: &'a Arc<Shared<P>>,
    filter: PeerFilter,
    queued: Option<u64>,
}

impl<'a, P: ScoredPeer> PendingAcquire<'a, P> {
    pub(crate) fn new(shared: &'a Arc<Shared<P>>, filter: PeerFilter) -> Self {
        PendingAcquire {
            shared,
            filter,
            queued: None,
        }
    }

    pub(crate) fn poll_acquire(&mut self, cx: &mut Context<'_>) -> Poll<PooledPeer<P>> {
        let (filter, queued, waker) = (self.filter, self.queued, cx.waker());
        let taken = self.shared.with_state(|state| match queued {
            None => state.take_best(filter).ok_or_else(|| {
                let id = state.next_id();
                state.push_acquire_waiter(id, filter, waker);
                id
            }),
            Some(id) => state.poll_acquire_waiter(id, filter, waker).ok_or(id),
        });
        match taken {
            Ok(taken) => {
                self.queued = None;
                Poll::Ready(PooledPeer::new(taken, Arc::downgrade(self.shared)))
            }
            Err(id) => {
                self.queued = Some(id);
                Poll::Pending
            }
        }
    }
}

impl<P: ScoredPeer> Drop for PendingAcquire<'_, P> {
    fn drop(&mut self) {
        if let Some(id) = self.queued.take() {
            let handed = self
                .shared
                .with_state(|state| state.cancel_acquire_waiter(id));
            drop(handed);
        }
    }
}
