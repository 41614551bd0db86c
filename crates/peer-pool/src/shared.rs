//! The pool behind its mutex: every operation locks, decides, serves waiters, unlocks,
//! then wakes tasks and delivers callbacks.
//!
//! Callbacks never run under the lock, so they may call the pool (an `on_delete` that
//! disconnects the peer, which closes its lifetime, which deletes it again, is fine).
//! They are delivered in the order the changes happened: events queue up under the lock,
//! and one thread at a time drains the queue. A thread that finds another one draining
//! (or a callback that calls back into the pool) leaves its events to that thread.

use std::sync::{Arc, Mutex, MutexGuard};

use sync_types::ScoredPeer;

use crate::{
    config::{PeerType, PoolConfig},
    error::AddError,
    lifetime::{Lifetime, WatchId, Watcher},
    state::{Event, State},
};

pub(crate) struct Shared<P: ScoredPeer> {
    state: Mutex<State<P>>,
}

/// Resets the dispatching flag if a callback panics, so later events still go out.
struct DispatchGuard<'a, P: ScoredPeer> {
    shared: &'a Shared<P>,
    armed: bool,
}

impl<P: ScoredPeer> Drop for DispatchGuard<'_, P> {
    fn drop(&mut self) {
        if self.armed {
            self.shared.lock().dispatching = false;
        }
    }
}

impl<P: ScoredPeer> Shared<P> {
    pub(crate) fn new(config: PoolConfig) -> Self {
        Shared {
            state: Mutex::new(State::new(config)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<P>> {
        // Critical sections only move entries and counters and call the peer's score
        // and throughput getters; a poisoned lock still holds consistent state.
        sync_types::lock::lock(&self.state)
    }

    /// Read the state.
    pub(crate) fn read<R>(&self, f: impl FnOnce(&State<P>) -> R) -> R {
        f(&self.lock())
    }

    /// Change the state, then serve waiters, wake them and deliver callbacks (all after
    /// the lock is released).
    pub(crate) fn with_state<R>(&self, f: impl FnOnce(&mut State<P>) -> R) -> R {
        let mut state = self.lock();
        let result = f(&mut state);
        state.serve_waiters();
        state.metrics.observe(&state.current, &state.acquired);
        debug_assert!(
            state.counters_match_entries(),
            "invariant: counters agree with entries"
        );
        let wakers = std::mem::take(&mut state.wakers);
        let deliver = !state.dispatching && !state.events.is_empty();
        drop(state);
        for waker in wakers {
            waker.wake();
        }
        if deliver {
            self.dispatch();
        }
        result
    }

    /// Deliver queued events to the callbacks, in order, until the queue is empty.
    fn dispatch(&self) {
        {
            let mut state = self.lock();
            if state.dispatching {
                return;
            }
            state.dispatching = true;
        }
        let mut guard = DispatchGuard {
            shared: self,
            armed: true,
        };
        loop {
            let (event, on_delete, on_count_change) = {
                let mut state = self.lock();
                let Some(event) = state.events.pop_front() else {
                    // Checked and cleared under one lock: no event is left behind.
                    state.dispatching = false;
                    guard.armed = false;
                    return;
                };
                (
                    event,
                    state.on_delete.clone(),
                    state.on_count_change.clone(),
                )
            };
            match event {
                Event::Deleted(peer) => {
                    if let Some(on_delete) = on_delete {
                        on_delete(&peer);
                    }
                }
                Event::Counts(counts) => {
                    if let Some(on_count_change) = on_count_change {
                        on_count_change(counts);
                    }
                }
            }
        }
    }

    /// Check `peer` (Nimbus's `checkPeer`) and add a clone of it if its direction has
    /// space. `ticket` is the id and lifetime watch of a waiter that registered them
    /// already; without one, fresh ones are made.
    pub(crate) fn admit(
        self: &Arc<Self>,
        state: &mut State<P>,
        peer: &P,
        kind: PeerType,
        lifetime: &Lifetime,
        ticket: Option<(u64, WatchId)>,
    ) -> Result<(), AddError> {
        state.check(peer, lifetime)?;
        if !state.has_space(kind) {
            return Err(AddError::NoSpace);
        }
        let (id, watch) = match ticket {
            Some(ticket) => ticket,
            None => {
                let id = state.next_id();
                let watch = lifetime
                    .watch(self.watcher(peer.key(), id))
                    .map_err(|_| AddError::Dead)?;
                (id, watch)
            }
        };
        state.insert(peer.clone(), kind, lifetime.clone(), id, watch);
        Ok(())
    }

    /// The lifetime watcher of admission (or add waiter) `id`: a non-forced delete.
    pub(crate) fn watcher(self: &Arc<Self>, key: P::Key, id: u64) -> Watcher {
        let shared = Arc::downgrade(self);
        Box::new(move || {
            if let Some(shared) = shared.upgrade() {
                shared.with_state(|state| state.lifetime_ended(&key, id));
            }
        })
    }
}
