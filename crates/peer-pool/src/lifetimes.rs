//! Lifetimes that end when a connection layer's own "closed" futures complete, all
//! driven by one future on any executor: no bridge code and no task per peer.

use std::{future::Future, pin::Pin};

use futures::{
    StreamExt,
    channel::mpsc::{UnboundedSender, unbounded},
    stream::FuturesUnordered,
};

use crate::lifetime::{Lifetime, LifetimeHandle};

type Watched = (Pin<Box<dyn Future<Output = ()> + Send>>, LifetimeHandle);

/// Turns "connection closed" futures into [`Lifetime`]s: [`watch`](Self::watch) takes a
/// future that completes when a peer's connection ends and returns the lifetime to add the
/// peer with; the lifetime ends when the future completes.
///
/// One driver future (from [`new`](Self::new)) polls every watched future; spawn it once,
/// on any executor. Cheap to clone: clones feed the same driver. When every clone is
/// dropped, the driver still waits for the futures it holds, then ends.
#[derive(Clone, Debug)]
pub struct Lifetimes {
    tx: UnboundedSender<Watched>,
}

impl Lifetimes {
    /// A new set and its driver, to spawn once (`tokio::spawn(driver)`, or any executor).
    pub fn new() -> (Lifetimes, impl Future<Output = ()> + Send + 'static) {
        let (tx, mut rx) = unbounded::<Watched>();
        let driver = async move {
            let mut running = FuturesUnordered::new();
            loop {
                futures::select! {
                    new = rx.next() => match new {
                        Some((closed, handle)) => running.push(async move {
                            closed.await;
                            handle.close();
                        }),
                        None => break,
                    },
                    () = running.select_next_some() => {}
                }
            }
            while running.next().await.is_some() {}
        };
        (Lifetimes { tx }, driver)
    }

    /// A lifetime that ends when `closed` completes. If the driver is gone (never
    /// spawned and dropped, or its executor shut down) the lifetime has ended already,
    /// and a pool refuses the peer as dead: nobody could tell it the connection ended.
    pub fn watch(&self, closed: impl Future<Output = ()> + Send + 'static) -> Lifetime {
        let (lifetime, handle) = Lifetime::new();
        // A send that fails hands the handle back inside the error; dropping it closes.
        let _ = self.tx.unbounded_send((Box::pin(closed), handle));
        lifetime
    }
}

#[cfg(test)]
mod tests {
    use tokio::sync::oneshot;

    use super::*;

    /// A watcher on `lifetime` that reports through the returned receiver.
    fn on_close(lifetime: &Lifetime) -> oneshot::Receiver<()> {
        let (ran, watched) = oneshot::channel();
        lifetime
            .watch(Box::new(move || {
                let _ = ran.send(());
            }))
            .expect("open");
        watched
    }

    #[tokio::test(start_paused = true)]
    async fn each_lifetime_ends_when_its_own_future_completes() {
        let (lifetimes, driver) = Lifetimes::new();
        let driver = tokio::spawn(driver);
        let (close_a, closed_a) = oneshot::channel::<()>();
        let (close_b, closed_b) = oneshot::channel::<()>();
        let a = lifetimes.watch(async move {
            let _ = closed_a.await;
        });
        let b = lifetimes.watch(async move {
            let _ = closed_b.await;
        });
        let a_closed = on_close(&a);
        tokio::task::yield_now().await;
        assert!(!a.is_closed() && !b.is_closed(), "both open while pending");
        close_a.send(()).expect("watched");
        a_closed.await.expect("a's watcher ran");
        assert!(!b.is_closed(), "b's connection is still up");
        drop(lifetimes);
        let b_closed = on_close(&b);
        drop(close_b); // the connection task ends: its receiver completes
        b_closed
            .await
            .expect("b's watcher ran after the set was dropped");
        driver.await.expect("the driver ends once its futures have");
    }

    #[test]
    fn without_a_driver_a_lifetime_is_dead_at_once() {
        let (lifetimes, driver) = Lifetimes::new();
        drop(driver);
        assert!(lifetimes.watch(std::future::pending()).is_closed());
    }
}
