//! One sync worker's loop: take a peer, run a step, hand the peer back before any wait,
//! spawn its pushes, cool down peers that cannot be used now.

use std::sync::Arc;

use peer_pool::{PeerFilter, PooledPeer};
use sync_queue::Listener;
use sync_types::{BlockVerifier, SyncPeer};
use tokio::{task::JoinSet, time::Instant};

use super::Inner;
use crate::{chain::SyncChain, status::WorkerState, worker::Next};

impl<P, V, C> Inner<P, V, C>
where
    P: SyncPeer<Block = V::Block, Sidecar = V::Sidecar, Column = V::Column>,
    V: BlockVerifier,
    C: SyncChain,
{
    /// One worker: loop until shutdown.
    pub(super) async fn worker(self: Arc<Self>, index: usize) {
        let mut control = self.control.listen();
        let mut work = self.queue.work_available();
        // Peers this worker keeps out of the pool for a while (rate limit, throttle,
        // pruned, barred): the worker goes on with others meanwhile and hands each back
        // when its time is up. At most `MAX_COOLING_PER_WORKER`; past that the worker
        // waits.
        let mut cooling: Vec<(PooledPeer<P>, Instant)> = Vec::new();
        // Responses waiting for their turn in the queue. Each runs as its own task, so a
        // result is parked (and, when it is the awaited one, verified) at once, whatever
        // this worker does next; the seed's worker held its result while it downloaded
        // the next range, and every other result waited behind it. Dropping the set
        // (shutdown) cancels them cleanly. Bounded by the queue's
        // `max_outstanding_requests`.
        let mut pushes: JoinSet<()> = JoinSet::new();
        loop {
            while pushes.try_join_next().is_some() {}
            let ctl = self.control.read(&mut control);
            if ctl.shutdown {
                return;
            }
            let now = Instant::now();
            cooling.retain(|(_, until)| *until > now);
            if !ctl.workers_may_run() {
                cooling.clear();
                let state = if ctl.paused {
                    WorkerState::Paused
                } else {
                    WorkerState::Sleeping
                };
                self.board.set(index, state);
                control.changed().await;
                continue;
            }
            let waiting = if pushes.is_empty() {
                WorkerState::WaitingPeer
            } else {
                WorkerState::Queueing
            };
            self.board.set(index, waiting);
            let next_free = cooling.iter().map(|(_, until)| *until).min();
            let peer = tokio::select! {
                biased;
                peer = self.pool.acquire(PeerFilter::ANY) => peer,
                () = sleep_until_or_never(next_free) => continue,
                () = control.changed() => continue,
            };
            // Work that comes back from here on wakes this worker if it has to wait.
            work.mark_seen();
            let next = self.step(index, &peer).await;
            self.board.set(index, WorkerState::Sleeping);
            match next {
                Next::Push(checked) => {
                    let handle = P::clone(&peer);
                    drop(peer); // back to the pool before waiting for the queue
                    pushes.spawn(Arc::clone(&self).push(index, handle, *checked));
                    tokio::task::yield_now().await;
                }
                Next::Cool(d) if cooling.len() < MAX_COOLING_PER_WORKER => {
                    cooling.push((peer, Instant::now() + d));
                    tokio::task::yield_now().await;
                }
                Next::Backlog => {
                    drop(peer);
                    // Bounded: one of our pushes finishing, work coming back, or a loop
                    // interval, whichever comes first (the seed waited on its pushes
                    // alone).
                    self.wait(
                        &mut control,
                        &mut work,
                        &mut pushes,
                        self.config.loop_interval,
                    )
                    .await;
                }
                Next::Cool(d) | Next::Wait(d) => {
                    drop(peer); // back to the pool before any wait (D.10, D.12)
                    cooling.clear();
                    self.wait(&mut control, &mut work, &mut pushes, d).await;
                }
                Next::Continue => {
                    drop(peer);
                    // Let the other workers run: a peer that answers at once must not
                    // let one worker take every range.
                    tokio::task::yield_now().await;
                }
            }
        }
    }
}

impl<P, V, C> Inner<P, V, C>
where
    P: SyncPeer<Block = V::Block, Sidecar = V::Sidecar, Column = V::Column>,
    V: BlockVerifier,
    C: SyncChain,
{
    /// Wait without a peer: at most `d`, less if one of this worker's pushes finishes,
    /// the queue has work again (a range came back, a restart, a new final slot), or the
    /// manager stops or pauses.
    async fn wait(
        &self,
        control: &mut Listener,
        work: &mut Listener,
        pushes: &mut JoinSet<()>,
        d: std::time::Duration,
    ) {
        let deadline = tokio::time::sleep(d);
        tokio::pin!(deadline);
        tokio::select! {
            biased;
            () = &mut deadline => {}
            Some(_) = pushes.join_next(), if !pushes.is_empty() => {}
            () = work.changed() => {}
            () = control.changed() => {}
        }
    }
}

async fn sleep_until_or_never(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// How many peers one worker may keep cooling down at once.
const MAX_COOLING_PER_WORKER: usize = 4;
