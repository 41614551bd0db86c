//! One sync worker: acquire a peer, refresh its status, pop a range, download, check,
//! push (spec A.6.2, A.6.3), handing the peer back before any wait (D.10, D.12).

use std::time::Duration;

use std::sync::Arc;

use peer_pool::PeerFilter;
use sync_queue::{NoRequest, OnVerify, PeerReach, PushOutcome, RequestTicket, Verdict};
use sync_types::{
    BlockVerifier, BlockView, RequestError, Slot, SyncDirection, SyncPeer, SyncRange,
    ValidatedResponse,
    score::{
        PEER_SCORE_FINALITY_LIE, PEER_SCORE_GOOD_STATUS, PEER_SCORE_NO_STATUS,
        PEER_SCORE_STALE_STATUS, PEER_SCORE_STATUS_LIE, PEER_SCORE_USELESS,
    },
};
use tracing::debug;

use crate::{
    chain::{SyncChain, bounds},
    columns::ColumnShortfall,
    manager::Inner,
    status::WorkerState,
};

/// A checked response on its way to the queue.
pub(crate) struct Checked<P, V: BlockVerifier> {
    ticket: RequestTicket<P>,
    response: ValidatedResponse<V::Block, V::Sidecar, V::Column>,
    maybe_finalized: bool,
    sidecars: usize,
    /// Custody peers whose columns named other blocks: charged if these verify.
    disputed: Vec<(P, i64)>,
}

/// What a worker does after a step, once it has handed its peer back.
pub(crate) enum Next<P, V: BlockVerifier> {
    /// Hand the peer back, then push this response (see [`Inner::push`]).
    Push(Box<Checked<P, V>>),
    /// Go on at once.
    Continue,
    /// The queue has too much outstanding: wait for one of this worker's pushes to
    /// finish (or a loop interval if it has none).
    Backlog,
    /// Wait this long first (without a peer): the queue has nothing to hand out.
    Wait(Duration),
    /// Keep this peer out of the pool for this long (rate limit, status throttle, pruned
    /// or behind), and go on at once with another peer.
    Cool(Duration),
}

impl<P, V, C> Inner<P, V, C>
where
    P: SyncPeer<Block = V::Block, Sidecar = V::Sidecar, Column = V::Column>,
    V: BlockVerifier,
    C: SyncChain,
{
    /// One decision list of spec A.6.3 with `peer` held.
    pub(crate) async fn step(&self, index: usize, peer: &P) -> Next<P, V> {
        let direction = self.direction;
        if self.remaining() <= self.config.max_head_age {
            // In sync: hand the peer straight back. Refreshing or cooling it here took it
            // out of a pool another manager (backfill) shares, for up to a minute.
            self.signal_in_sync();
            return Next::Continue;
        }
        let (first, _, _) = bounds(&*self.chain, direction);
        let age = peer.status_age();
        // Forward, a peer whose head is not past our head has nothing for us until its
        // status moves. Backward, a head at our backfill point is enough (every slot we
        // need is below it); the seed asked for `>` there too.
        let behind = match direction {
            SyncDirection::Forward => first >= peer.head_slot(),
            SyncDirection::Backward => first > peer.head_slot(),
        };
        if age >= self.config.status_expiration || behind {
            if age < self.config.status_refresh_throttle {
                // The seed slept here holding the worker and the peer (D.12): the peer
                // cools down instead, and the worker goes on with another.
                return Next::Cool(self.config.status_refresh_throttle - age);
            }
            self.board.set(index, WorkerState::UpdatingStatus);
            let old_head = peer.head_slot();
            match peer.refresh_status().await {
                Err(e) => {
                    if e.penalty().is_some() {
                        self.score(peer, PEER_SCORE_NO_STATUS, "no_status");
                    }
                    return self.after_error(&e);
                }
                // Stale: the head did not move although our clock says the chain did.
                // (The seed also called a peer stale whose head was already at the wall
                // slot; on a quiet chain that drained every honest peer's score.)
                Ok(())
                    if peer.head_slot() <= old_head
                        && peer.head_slot() < self.chain.wall_slot() =>
                {
                    self.score(peer, PEER_SCORE_STALE_STATUS, "stale_status");
                }
                Ok(()) if peer.head_slot() > old_head => {
                    self.score(peer, PEER_SCORE_GOOD_STATUS, "good_status");
                }
                Ok(()) => {}
            }
        }
        if let Some(lie) = self.status_lie(peer) {
            self.score(peer, PEER_SCORE_STATUS_LIE, lie);
            return Next::Continue;
        }
        if self.remaining() <= self.config.max_head_age {
            self.signal_in_sync();
            return Next::Continue;
        }
        let peer_head = peer.head_slot();
        if direction == SyncDirection::Forward && first >= peer_head {
            self.score(peer, PEER_SCORE_USELESS, "useless");
            return Next::Cool(self.config.idle_backoff);
        }
        if direction == SyncDirection::Forward {
            self.queue.update_last_slot(self.forward_last());
        }
        // From Fulu on a range needs its sampled columns: while some have no custody peer
        // in the pool, wait for one rather than download blocks that cannot complete.
        // The next range lies within a chunk of our position, in the sync's direction.
        let wall_epoch = self.spec.epoch_of(self.chain.wall_slot());
        let chunk = self.config.queue.chunk_size.max(1);
        let next = match direction {
            SyncDirection::Forward => SyncRange::new(first, chunk),
            SyncDirection::Backward => SyncRange::from_bounds(first.saturating_sub(chunk), first),
        };
        if next
            .and_then(|r| self.spec.column_range(r, wall_epoch))
            .is_some()
        {
            let lacking = self.columns_without_custody();
            self.note_columns_without_peer(lacking);
            if !lacking.is_empty() {
                self.metrics.request("no_custody_peer");
                return Next::Wait(self.custody_wait());
            }
        }
        self.board.set(index, WorkerState::Requesting);
        // The queue hands a peer only what it declared it has: a peer that pruned the
        // slots we need is skipped, never asked and charged (the seed compared only the
        // next slot, and backward ranges and retries reach lower).
        let reach = reach_of(peer);
        let ticket = match self
            .queue
            .pop_for(reach, peer.clone(), || self.present_peers())
        {
            Ok(t) => t,
            Err(NoRequest::Backlog) => {
                self.queue.process_ready().await;
                return Next::Backlog;
            }
            Err(NoRequest::PeerBehind) => return Next::Cool(self.config.idle_backoff),
            // Another peer may take the range: go on with one at once (the seed waited and
            // took the same best peer again, so the others were never asked).
            Err(NoRequest::Barred { retry_in }) => return Next::Cool(retry_in),
            Err(NoRequest::Exhausted) => return Next::Wait(self.config.idle_backoff),
        };
        let range = ticket.range;
        self.board.set(index, WorkerState::Downloading);
        let blocks = match self.timed(peer.blocks_by_range(range)).await {
            Ok(b) => b,
            Err(e) => {
                self.metrics.request(error_label(&e));
                if let Some(p) = e.penalty() {
                    self.score(peer, p, "request_failed");
                }
                return self.after_error(&e); // the ticket goes back as it drops (D.6)
            }
        };
        self.metrics.blocks_received.inc_by(blocks.len() as u64);
        let needs_data = |r: &SyncRange| {
            blocks
                .iter()
                .any(|b| r.contains(b.slot()) && b.blob_commitment_count() > 0)
        };
        // Only the part of the range inside the blob window: a peer that pruned the older
        // part of a range straddling the boundary is not charged for it. From Fulu on, the
        // blob data comes as columns instead, from custody peers.
        let sidecar_range = self.spec.blob_range(range, wall_epoch).filter(needs_data);
        let column_range = self.spec.column_range(range, wall_epoch).filter(needs_data);
        let sidecars = match sidecar_range {
            Some(sidecar_range) => {
                match self.timed(peer.blob_sidecars_by_range(sidecar_range)).await {
                    Ok(s) => {
                        self.metrics.sidecars_received.inc_by(s.len() as u64);
                        Some((sidecar_range, s))
                    }
                    Err(e) => {
                        self.metrics.request(error_label(&e));
                        if let Some(p) = e.penalty() {
                            self.score(peer, p, "request_failed");
                        }
                        return self.after_error(&e);
                    }
                }
            }
            None => None,
        };
        let checked = match sidecars {
            Some((sidecar_range, sidecars)) => ValidatedResponse::with_sidecars_in(
                range,
                blocks,
                sidecar_range,
                sidecars,
                &self.spec,
            ),
            None => ValidatedResponse::blocks_only(range, blocks),
        };
        let response = match checked {
            Ok(r) => r,
            Err(e) => {
                debug!(target: "sync::manager", peer = %peer.key(), %range, error = %e, "bad response");
                self.metrics.request("bad_response");
                self.score(peer, e.penalty(), "bad_response");
                return Next::Continue;
            }
        };
        // Columns only for blocks that passed the checks: they are grouped against them.
        let (response, disputed) = match column_range {
            Some(column_range) => {
                let blocks: Vec<V::Block> = response
                    .blocks()
                    .iter()
                    .map(|d| &d.block)
                    .filter(|b| column_range.contains(b.slot()))
                    .cloned()
                    .collect();
                let fetched = match self.fetch_columns(column_range, &blocks, peer).await {
                    Ok(fetched) => fetched,
                    Err(shortfall) => return self.after_column_shortfall(shortfall),
                };
                let sampled = self.config.sampled_columns;
                match response.add_columns(column_range, sampled, fetched.columns) {
                    Ok(r) => (r, fetched.disputed),
                    Err(e) => {
                        // Every answer was grouped on its own already: not a peer's fault.
                        debug!(target: "sync::manager", %range, error = %e, "columns did not combine");
                        self.metrics.request("columns_inconsistent");
                        return Next::Continue;
                    }
                }
            }
            None => (response, Vec::new()),
        };
        self.metrics.request("ok");
        // On the last slot of the range, not one past it (D.2).
        let finalized = self.spec.start_slot(peer.finalized_epoch());
        let maybe_finalized = range.last() < finalized;
        let sidecars: usize = response
            .blocks()
            .iter()
            .map(|b| b.sidecars.as_ref().map_or(0, Vec::len))
            .sum();
        Next::Push(Box::new(Checked {
            ticket,
            response,
            maybe_finalized,
            sidecars,
            disputed,
        }))
    }

    /// Push a checked response and judge the outcome. Runs after the peer went back to
    /// the pool: waiting for the queue's turn never holds a peer (the seed's workers held
    /// theirs, and with every honest peer waiting behind one failed range only the
    /// adversaries were left to fetch it).
    pub(crate) async fn push(self: Arc<Self>, index: usize, peer: P, checked: Checked<P, V>) {
        let Checked {
            ticket,
            response,
            maybe_finalized,
            sidecars,
            disputed,
        } = checked;
        let me = Arc::clone(&self);
        let on_verify: OnVerify = Box::new(move || me.board.set(index, WorkerState::Processing));
        let outcome = self
            .queue
            .push_observed(ticket, response, maybe_finalized, Some(on_verify))
            .await;
        let PushOutcome::Processed(report) = &outcome else {
            return;
        };
        if report.verdict.is_accepted() {
            self.metrics.sidecars_verified.inc_by(sidecars as u64);
            // The blocks are ours: columns that named other blocks were wrong.
            for (peer, penalty) in &disputed {
                self.score(peer, *penalty, "bad_columns");
            }
        }
        if let Verdict::MissingParent {
            rewind: Some(_), ..
        } = report.verdict
        {
            self.metrics.rewinds.inc();
        }
        let contradicted = matches!(
            report.verdict,
            Verdict::Invalid | Verdict::UnviableFork | Verdict::MissingParent { .. }
        );
        if maybe_finalized && contradicted {
            self.score(&peer, PEER_SCORE_FINALITY_LIE, "finality_lie");
        }
    }

    /// The peers in the pool (held by a worker or not) with what each serves: the queue
    /// asks for them when a range is barred for the peer at hand.
    fn present_peers(&self) -> Vec<(P::Key, PeerReach)> {
        self.pool
            .peers(PeerFilter::ANY)
            .iter()
            .map(|p| (p.key(), reach_of(p)))
            .collect()
    }

    /// The request, cut off at [`ManagerConfig::request_timeout`](crate::ManagerConfig).
    pub(crate) async fn timed<T>(
        &self,
        request: impl std::future::Future<Output = Result<T, RequestError>>,
    ) -> Result<T, RequestError> {
        tokio::time::timeout(self.config.request_timeout, request)
            .await
            .unwrap_or(Err(RequestError::Timeout))
    }

    /// A status no honest peer can have: a head or a finalized checkpoint ahead of our
    /// wall clock (beyond the allowed disparity), or finality ahead of its own head.
    fn status_lie(&self, peer: &P) -> Option<&'static str> {
        let wall = self
            .chain
            .wall_slot()
            .saturating_add(self.config.max_head_ahead_of_wall);
        let finalized = self.spec.start_slot(peer.finalized_epoch());
        if peer.head_slot() > wall {
            Some("head_in_future")
        } else if finalized > wall || finalized > peer.head_slot() {
            Some("finality_in_future")
        } else {
            None
        }
    }

    /// The range's columns could not all be had: the ticket goes back as it drops, and
    /// nobody is charged here (the column peers at fault already were).
    ///
    /// The block peer cools down rather than the worker waiting: the ticket going back
    /// wakes every waiting worker at once, so a wait would end at once and, with peers
    /// that answer instantly, the range would go round without time passing.
    fn after_column_shortfall(&self, shortfall: ColumnShortfall) -> Next<P, V> {
        match shortfall {
            ColumnShortfall::NoCustodyPeer(missing) => {
                debug!(target: "sync::manager", columns = %missing, "no custody peer");
                self.note_columns_without_peer(missing);
                self.metrics.request("no_custody_peer");
                Next::Cool(self.custody_wait())
            }
            ColumnShortfall::Unserved(missing) => {
                debug!(target: "sync::manager", columns = %missing, "columns unserved");
                self.metrics.request("columns_unserved");
                Next::Cool(self.config.idle_backoff)
            }
            ColumnShortfall::Fault(fault) => {
                debug!(target: "sync::manager", %fault, "column verification failed");
                self.metrics.request("verifier_fault");
                Next::Wait(self.config.idle_backoff)
            }
        }
    }

    fn after_error(&self, e: &RequestError) -> Next<P, V> {
        match e {
            RequestError::RateLimited { retry_after } => {
                Next::Cool(retry_after.unwrap_or(self.config.rate_limit_backoff))
            }
            _ => Next::Continue,
        }
    }

    pub(crate) fn score(&self, peer: &P, delta: i64, reason: &'static str) {
        debug!(target: "sync::manager", peer = %peer.key(), delta, reason, "score");
        if delta > 0 {
            peer.reward(delta);
        } else {
            peer.update_score(delta);
        }
        self.metrics.score(reason);
    }
}

/// What a peer declared it can serve: its earliest available slot up to its head.
pub(crate) fn reach_of<P: SyncPeer>(peer: &P) -> PeerReach {
    PeerReach::new(peer.earliest_available_slot(), peer.head_slot())
}

pub(crate) fn error_label(e: &RequestError) -> &'static str {
    match e {
        RequestError::Timeout => "timeout",
        RequestError::Disconnected => "disconnected",
        RequestError::RateLimited { .. } => "rate_limited",
        RequestError::ResourceUnavailable => "resource_unavailable",
        RequestError::ServerError { .. } => "server_error",
        RequestError::Malformed(_) => "malformed",
        RequestError::Cancelled => "cancelled",
    }
}

/// The queue's first and last slot for a (re)started sync (spec A.6.1 `initQueue`).
///
/// Forward starts just above the stored head, where Nimbus starts at the head itself: a
/// node that follows the head by range sync restarts the sync for every new block or
/// two, and would download its head block again each time (a third of what it fetched
/// while following Lodestar's head). The first block's parent is checked against the
/// head either way.
pub(crate) fn queue_bounds<C: SyncChain + ?Sized>(
    chain: &C,
    direction: SyncDirection,
) -> (Slot, Slot) {
    let (first, last, _) = bounds(chain, direction);
    match direction {
        SyncDirection::Forward if first < last => (first.saturating_add(1), last),
        SyncDirection::Forward => (first, last),
        SyncDirection::Backward if first == last => (first, last),
        SyncDirection::Backward => (first.saturating_sub(1), last),
    }
}
