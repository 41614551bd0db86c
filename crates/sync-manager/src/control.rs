//! What the workers are told, and the signal that tells them.

use std::sync::{Mutex, MutexGuard};

use sync_queue::{Listener, Signal};

/// What the workers are told.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Control {
    /// The sync needs workers (Nimbus's `notInSyncEvent`).
    pub(crate) syncing: bool,
    /// Paused by the operator.
    pub(crate) paused: bool,
    /// Stop everything.
    pub(crate) shutdown: bool,
}

impl Control {
    pub(crate) fn workers_may_run(self) -> bool {
        self.syncing && !self.paused && !self.shutdown
    }
}

/// The current [`Control`] and a [`Signal`] raised on every change. Waiters wake in the
/// order they waited (a `watch` channel wakes them in a random order, so a simulated sync
/// did not run the same way twice).
#[derive(Debug, Default)]
pub(crate) struct ControlCell {
    value: Mutex<Control>,
    signal: Signal,
}

impl ControlCell {
    fn lock(&self) -> MutexGuard<'_, Control> {
        // Only plain field writes happen under the lock: a poisoned one is consistent.
        sync_types::lock::lock(&self.value)
    }

    /// The current control.
    pub(crate) fn get(&self) -> Control {
        *self.lock()
    }

    /// Change the control and wake every waiter.
    pub(crate) fn modify(&self, f: impl FnOnce(&mut Control)) {
        f(&mut self.lock());
        self.signal.raise();
    }

    /// Change the control; wake the waiters only if `f` says it changed anything.
    pub(crate) fn modify_if(&self, f: impl FnOnce(&mut Control) -> bool) {
        let changed = f(&mut self.lock());
        if changed {
            self.signal.raise();
        }
    }

    /// A listener for changes from now on.
    pub(crate) fn listen(&self) -> Listener {
        self.signal.listen()
    }

    /// The current control, with every change so far marked seen by `listener`.
    pub(crate) fn read(&self, listener: &mut Listener) -> Control {
        listener.mark_seen();
        self.get()
    }
}
