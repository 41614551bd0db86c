//! How the pool learns that a peer's connection ended, without a task per peer.
//!
//! Nimbus gives each peer a lifetime future and attaches a callback to it. Here a
//! [`Lifetime`] is a shared flag plus a short list of watchers: the pool registers one
//! watcher per admitted (or waiting) peer, and [`LifetimeHandle::close`] runs them. A
//! watcher holds only a weak reference to its pool, so a lifetime never keeps a pool
//! alive, and the pool removes its watcher whenever it lets go of the peer (delete,
//! release, [`clear`](crate::PeerPool::clear)), so no stale callback can fire later
//! (spec D.18).

use std::{
    fmt,
    sync::{Arc, Mutex, MutexGuard},
};

/// What the pool runs when a lifetime ends.
pub(crate) type Watcher = Box<dyn FnOnce() + Send>;

/// Identifies a watcher of one [`Lifetime`], to remove it again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WatchId(u64);

/// The lifetime had ended before the watcher was registered.
#[derive(Debug)]
pub(crate) struct Closed;

#[derive(Default)]
struct Watchers {
    closed: bool,
    next_id: u64,
    list: Vec<(WatchId, Watcher)>,
}

#[derive(Default)]
struct Inner {
    state: Mutex<Watchers>,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, Watchers> {
        // Every critical section below only moves values in and out of the list; a
        // panic elsewhere cannot leave it inconsistent.
        sync_types::lock::lock(&self.state)
    }
}

/// The lifetime of a peer's connection, as the pool sees it: it ends once, and stays
/// ended.
///
/// Make one per connection with [`Lifetime::new`]; the connection owner keeps the
/// [`LifetimeHandle`] and closes it when the connection ends. A connection layer that
/// already has a future that completes when the connection closes hands it to
/// [`Lifetimes::watch`](crate::Lifetimes::watch) instead. A peer whose lifetime has
/// ended is refused ([`AddError::Dead`](crate::AddError::Dead)); a peer in the pool whose
/// lifetime ends is removed as by a non-forced
/// [`delete_peer`](crate::PeerPool::delete_peer): at once if available, on release if
/// acquired. Clones observe the same lifetime, so one connection can be in several pools.
#[derive(Clone)]
pub struct Lifetime {
    inner: Arc<Inner>,
}

/// Ends a [`Lifetime`]: explicitly with [`close`](Self::close), or when dropped.
///
/// Closing on drop means that a connection task that ends in any way (return, error,
/// panic, cancellation) takes its peer out of the pool: no path can leave a dead peer
/// in it (spec D.10). Keep the handle for as long as the connection lives; a handle
/// dropped at once (`let (lifetime, _) = Lifetime::new();`) ends the lifetime at once.
/// Use [`Lifetime::forever`] for a peer without a connection.
pub struct LifetimeHandle {
    inner: Arc<Inner>,
}

impl Lifetime {
    /// A new open lifetime and the handle that ends it.
    #[must_use = "dropping the handle ends the lifetime at once"]
    pub fn new() -> (Lifetime, LifetimeHandle) {
        let inner = Arc::new(Inner::default());
        (
            Lifetime {
                inner: Arc::clone(&inner),
            },
            LifetimeHandle { inner },
        )
    }

    /// A lifetime that never ends (for tests, or peers without a connection).
    pub fn forever() -> Lifetime {
        Lifetime {
            inner: Arc::new(Inner::default()),
        }
    }

    /// Whether the lifetime has ended.
    pub fn is_closed(&self) -> bool {
        self.inner.lock().closed
    }

    /// Run `watcher` when the lifetime ends. Fails if it has ended already: the check and
    /// the registration are one step, so a close cannot slip between them.
    pub(crate) fn watch(&self, watcher: Watcher) -> Result<WatchId, Closed> {
        let mut state = self.inner.lock();
        if state.closed {
            drop(state);
            drop(watcher);
            return Err(Closed);
        }
        let id = WatchId(state.next_id);
        state.next_id = state.next_id.wrapping_add(1);
        state.list.push((id, watcher));
        Ok(id)
    }

    /// Remove a watcher. It is dropped outside the lifetime's lock; a watcher that already
    /// ran (or was removed) is ignored.
    pub(crate) fn unwatch(&self, id: WatchId) {
        let removed = {
            let mut state = self.inner.lock();
            let at = state.list.iter().position(|(w, _)| *w == id);
            at.map(|at| state.list.swap_remove(at))
        };
        drop(removed);
    }

    /// How many watchers are registered (for tests: nothing stale stays attached).
    #[cfg(test)]
    pub(crate) fn watcher_count(&self) -> usize {
        self.inner.lock().list.len()
    }
}

impl fmt::Debug for Lifetime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lifetime")
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl LifetimeHandle {
    /// End the lifetime and run its watchers (on this thread, outside any lock). Closing
    /// twice does nothing.
    pub fn close(&self) {
        let watchers = {
            let mut state = self.inner.lock();
            if state.closed {
                return;
            }
            state.closed = true;
            std::mem::take(&mut state.list)
        };
        for (_, watcher) in watchers {
            watcher();
        }
    }

    /// Whether the lifetime has ended.
    pub fn is_closed(&self) -> bool {
        self.inner.lock().closed
    }

    /// Another [`Lifetime`] observing this handle (to add the peer to a second pool).
    pub fn lifetime(&self) -> Lifetime {
        Lifetime {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl Drop for LifetimeHandle {
    fn drop(&mut self) {
        self.close();
    }
}

impl fmt::Debug for LifetimeHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LifetimeHandle")
            .field("closed", &self.is_closed())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn counter() -> (Arc<AtomicUsize>, Watcher) {
        let n = Arc::new(AtomicUsize::new(0));
        let m = Arc::clone(&n);
        (
            n,
            Box::new(move || {
                m.fetch_add(1, Ordering::SeqCst);
            }),
        )
    }

    #[test]
    fn close_runs_each_watcher_once_and_refuses_new_ones() {
        let (lifetime, handle) = Lifetime::new();
        let (runs, watcher) = counter();
        lifetime.watch(watcher).expect("open");
        handle.close();
        handle.close();
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert!(lifetime.is_closed());
        let (_, late) = counter();
        assert!(lifetime.watch(late).is_err());
    }

    #[test]
    fn an_unwatched_watcher_never_runs() {
        let (lifetime, handle) = Lifetime::new();
        let (runs, watcher) = counter();
        let id = lifetime.watch(watcher).expect("open");
        lifetime.unwatch(id);
        assert_eq!(lifetime.watcher_count(), 0);
        drop(handle);
        assert_eq!(runs.load(Ordering::SeqCst), 0);
        assert!(lifetime.is_closed(), "dropping the handle closes");
    }

    #[test]
    fn forever_never_closes() {
        let lifetime = Lifetime::forever();
        assert!(!lifetime.is_closed());
        assert!(lifetime.watch(Box::new(|| ())).is_ok());
    }
}
