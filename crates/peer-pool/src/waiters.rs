//! Who waits for what, and how freed space and released peers are handed out.
//!
//! Waiters are served **by handoff**, in FIFO order, inside the same critical section
//! that freed the resource, so no other caller can slip in between the wakeup and the
//! waiter, and a cancelled waiter cannot swallow a wakeup meant for another:
//!
//! - An `add_peer` waiter whose direction has space gets a *reservation*: the space
//!   counts as taken (`len_space` drops) until the waiter comes to use it. It then
//!   checks its peer again (score, duplicate, dead) and adds it. If the check fails, or
//!   the waiter was cancelled, the reservation goes to the next waiter. A waiter is
//!   served as soon as space of its direction exists, whichever side freed it: this is
//!   Nimbus's wait mask ("both directions if that direction's cap is at least
//!   `maxPeers`") made exact, and a waiter whose direction is still full does not block
//!   a later waiter of the other direction.
//! - An `acquire` waiter gets the best available peer its filter allows, already marked
//!   acquired. If it is cancelled before it picks the peer up, the peer is released
//!   again, which hands it to the next waiter.
//!
//! Invariant after every operation: no waiting adder has space for its direction, and
//! no waiting acquirer has an available peer it could take. So a caller that finds
//! space or a peer at once takes it fairly.

use std::task::Waker;

use sync_types::ScoredPeer;

use crate::{
    config::{PeerFilter, PeerType},
    state::{State, Taken, space},
};

/// What an `add_peer` waiter is waiting on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AddStatus {
    /// No space for its direction yet.
    Waiting,
    /// Space was reserved for it.
    Reserved,
    /// Its peer's lifetime ended while it waited.
    Dead,
}

pub(crate) struct AddWaiter {
    kind: PeerType,
    status: AddStatus,
    waker: Option<Waker>,
}

pub(crate) struct AcquireWaiter<P> {
    filter: PeerFilter,
    /// The peer handed to this waiter, not yet picked up.
    pub(crate) handed: Option<Taken<P>>,
    waker: Option<Waker>,
}

fn set_waker(slot: &mut Option<Waker>, waker: &Waker) {
    match slot {
        Some(w) if w.will_wake(waker) => {}
        _ => *slot = Some(waker.clone()),
    }
}

impl<P: ScoredPeer> State<P> {
    /// Hand freed space and available peers to waiters, first come first served.
    pub(crate) fn serve_waiters(&mut self) {
        for waiter in self.add_waiters.values_mut() {
            if waiter.status != AddStatus::Waiting {
                continue;
            }
            let filter = PeerFilter::only(waiter.kind);
            if space(&self.config, &self.current, &self.reserved, filter) == 0 {
                continue;
            }
            self.reserved.add(waiter.kind);
            waiter.status = AddStatus::Reserved;
            self.wakers.extend(waiter.waker.take());
        }

        if self.acquire_waiters.is_empty() {
            return;
        }
        let hungry: Vec<(u64, PeerFilter)> = self
            .acquire_waiters
            .iter()
            .filter(|(_, w)| w.handed.is_none())
            .map(|(id, w)| (*id, w.filter))
            .collect();
        for (id, filter) in hungry {
            if self.len_available(PeerFilter::ANY) == 0 {
                break;
            }
            let Some(taken) = self.take_best(filter) else {
                continue;
            };
            if let Some(waiter) = self.acquire_waiters.get_mut(&id) {
                waiter.handed = Some(taken);
                self.wakers.extend(waiter.waker.take());
            }
        }
    }

    /// Queue an `add_peer` call for space of direction `kind`.
    pub(crate) fn push_add_waiter(&mut self, id: u64, kind: PeerType, waker: &Waker) {
        self.add_waiters.insert(
            id,
            AddWaiter {
                kind,
                status: AddStatus::Waiting,
                waker: Some(waker.clone()),
            },
        );
    }

    /// Where waiter `id` stands. A reserved or dead waiter leaves the queue (its
    /// reservation is given up: the caller either uses the space at once, under the same
    /// lock, or lets the next waiter have it). A waiter missing from the queue (it cannot
    /// be, but the answer is safe) is queued again.
    pub(crate) fn poll_add_waiter(&mut self, id: u64, kind: PeerType, waker: &Waker) -> AddStatus {
        let Some(waiter) = self.add_waiters.get_mut(&id) else {
            self.push_add_waiter(id, kind, waker);
            return AddStatus::Waiting;
        };
        let status = waiter.status;
        if status == AddStatus::Waiting {
            set_waker(&mut waiter.waker, waker);
        } else {
            self.remove_add_waiter(id);
        }
        status
    }

    /// Drop waiter `id` (done or cancelled), giving up a reservation it holds.
    pub(crate) fn remove_add_waiter(&mut self, id: u64) {
        if let Some(waiter) = self.add_waiters.remove(&id)
            && waiter.status == AddStatus::Reserved
        {
            self.reserved.sub(waiter.kind);
        }
    }

    /// The lifetime of a waiting peer ended: the waiter is done, with `Dead`. Returns
    /// whether `id` was an add waiter.
    pub(crate) fn mark_add_waiter_dead(&mut self, id: u64) -> bool {
        let Some(waiter) = self.add_waiters.get_mut(&id) else {
            return false;
        };
        if waiter.status == AddStatus::Reserved {
            self.reserved.sub(waiter.kind);
        }
        waiter.status = AddStatus::Dead;
        self.wakers.extend(waiter.waker.take());
        true
    }

    /// Queue an `acquire` call.
    pub(crate) fn push_acquire_waiter(&mut self, id: u64, filter: PeerFilter, waker: &Waker) {
        self.acquire_waiters.insert(
            id,
            AcquireWaiter {
                filter,
                handed: None,
                waker: Some(waker.clone()),
            },
        );
    }

    /// The peer handed to waiter `id`, if any; the waiter then leaves the queue. A waiter
    /// missing from the queue is queued again.
    pub(crate) fn poll_acquire_waiter(
        &mut self,
        id: u64,
        filter: PeerFilter,
        waker: &Waker,
    ) -> Option<Taken<P>> {
        let Some(waiter) = self.acquire_waiters.get_mut(&id) else {
            self.push_acquire_waiter(id, filter, waker);
            return None;
        };
        if waiter.handed.is_none() {
            set_waker(&mut waiter.waker, waker);
            return None;
        }
        self.acquire_waiters.remove(&id).and_then(|w| w.handed)
    }

    /// Take back the peer of admission `id` if it was handed to a waiter that has not
    /// picked it up; that waiter waits on. The returned handle is a clone: the entry
    /// still holds the peer.
    pub(crate) fn take_back_handed(&mut self, id: u64) -> Option<Taken<P>> {
        self.acquire_waiters
            .values_mut()
            .find(|w| w.handed.as_ref().is_some_and(|t| t.id == id))
            .and_then(|w| w.handed.take())
    }

    /// Drop waiter `id` (cancelled). A peer already handed to it is released again;
    /// the returned handle is to be dropped outside the lock.
    pub(crate) fn cancel_acquire_waiter(&mut self, id: u64) -> Option<P> {
        let taken = self.acquire_waiters.remove(&id)?.handed?;
        self.release(&taken.peer.key(), taken.id);
        Some(taken.peer)
    }
}
