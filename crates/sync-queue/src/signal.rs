//! A change signal that wakes its waiters in a fixed order.
//!
//! `tokio::sync::watch` parks each waiting receiver on one of several notifiers chosen by
//! the runtime's random generator, so which task wakes first differs from run to run, and
//! with it which worker takes which peer: a simulated sync on the paused clock did not
//! run the same way twice. [`Signal`] is a version counter over a
//! [`Notify`](tokio::sync::Notify), whose waiters wake first come, first served.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use tokio::sync::Notify;

/// A version number that tasks can wait on. Cheap to clone: clones share the signal.
#[derive(Clone, Debug, Default)]
pub struct Signal {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    version: AtomicU64,
    notify: Notify,
}

impl Signal {
    /// A signal at version 0.
    pub fn new() -> Self {
        Signal::default()
    }

    /// Move to the next version and wake every waiter, oldest first.
    pub fn raise(&self) {
        self.inner.version.fetch_add(1, Ordering::SeqCst);
        self.inner.notify.notify_waiters();
    }

    /// The current version.
    pub fn version(&self) -> u64 {
        self.inner.version.load(Ordering::SeqCst)
    }

    /// A listener that has seen the current version.
    pub fn listen(&self) -> Listener {
        Listener {
            signal: self.clone(),
            seen: self.version(),
        }
    }
}

/// Waits for a [`Signal`] to move past the version it last saw.
#[derive(Clone, Debug)]
pub struct Listener {
    signal: Signal,
    seen: u64,
}

impl Listener {
    /// Count everything raised so far as seen.
    pub fn mark_seen(&mut self) {
        self.seen = self.signal.version();
    }

    /// Wait until the signal is raised after the version last seen (at once if it
    /// already was), and mark it seen. Cancel-safe.
    pub async fn changed(&mut self) {
        loop {
            let notified = self.signal.inner.notify.notified();
            let mut notified = std::pin::pin!(notified);
            // Registered before the version is read: a raise in between is not missed.
            notified.as_mut().enable();
            let version = self.signal.version();
            if version != self.seen {
                self.seen = version;
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_raise_before_the_wait_is_not_missed_and_counts_once() {
        let signal = Signal::new();
        let mut listener = signal.listen();
        signal.raise();
        signal.raise();
        listener.changed().await;
        let mut next = std::pin::pin!(listener.changed());
        assert!(
            futures_poll(next.as_mut()).is_none(),
            "both raises were seen"
        );
        signal.raise();
        assert!(futures_poll(next.as_mut()).is_some());
    }

    #[tokio::test]
    async fn waiters_wake_in_the_order_they_waited() {
        let signal = Signal::new();
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for i in 0..8 {
            let mut listener = signal.listen();
            let order = Arc::clone(&order);
            tasks.push(tokio::spawn(async move {
                listener.changed().await;
                order.lock().expect("lock").push(i);
            }));
            tokio::task::yield_now().await;
        }
        signal.raise();
        for t in tasks {
            t.await.expect("task");
        }
        assert_eq!(*order.lock().expect("lock"), (0..8).collect::<Vec<_>>());
    }

    fn futures_poll<F: std::future::Future>(f: std::pin::Pin<&mut F>) -> Option<F::Output> {
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        match f.poll(&mut cx) {
            std::task::Poll::Ready(v) => Some(v),
            std::task::Poll::Pending => None,
        }
    }
}
