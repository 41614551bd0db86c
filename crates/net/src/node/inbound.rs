//! The swarm task's serving side: every inbound request is answered here.
//!
//! Invalid requests get `InvalidRequest` and cost the peer
//! [`PEER_SCORE_INVALID_REQUEST`]; a Goodbye is acknowledged with an empty answer and
//! the peer is let go; everything else is charged to the peer's and the global quotas
//! first (refusal: code 139, and [`PEER_SCORE_OVER_QUOTA`]). Blocks and blobs are produced on tokio's blocking pool into
//! the response stream ([`crate::server::produce`]). Each request is counted once, by
//! how it is answered, when the answer is decided.

use std::sync::Arc;

use libp2p::PeerId;
use libp2p::request_response::ResponseChannel;
use sync_types::ScoredPeer;
use sync_types::score::{PEER_SCORE_INVALID_REQUEST, PEER_SCORE_OVER_QUOTA};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::NetEvent;
use super::swarm::{PeerState, SwarmTask, Timer};
use crate::clock::epoch_at;
use crate::codec::{ErrorMessage, ResultCode};
use crate::metrics::{Direction, Disconnect, RequestResult};
use crate::rpc::{RpcKind, RpcRequest, RpcResponse};
use crate::server::{Produced, ServePlan, drained, plan, produce};

impl SwarmTask {
    pub(super) fn respond(
        &mut self,
        kind: RpcKind,
        channel: ResponseChannel<RpcResponse>,
        response: RpcResponse,
    ) {
        // Err: the stream is gone (the peer gave up); nothing to do.
        let _ = self
            .swarm
            .behaviour_mut()
            .of(kind)
            .send_response(channel, response);
    }

    /// Answers with one error chunk.
    fn refuse(
        &mut self,
        kind: RpcKind,
        channel: ResponseChannel<RpcResponse>,
        code: ResultCode,
        message: &str,
    ) {
        let message = ErrorMessage::from(message);
        self.respond(kind, channel, RpcResponse::Error(code, message));
    }

    /// Counts an inbound request of `kind` answered with `result`.
    fn answered(&self, kind: RpcKind, result: RequestResult) {
        self.metrics.request(Direction::Inbound, kind, result);
    }

    /// Changes the peer's score; a peer still in the handshake has it kept for when it
    /// joins (a peer that misbehaves before its status is accepted does not escape).
    pub(super) fn penalize(&mut self, peer: &PeerId, delta: i64) {
        let Some(entry) = self.peers.get_mut(peer) else {
            return;
        };
        match &entry.state {
            PeerState::Ready { peer: p, .. } => p.update_score(delta),
            PeerState::Handshaking => {
                entry.early_score = entry.early_score.saturating_add(delta);
            }
            PeerState::Leaving => {}
        }
    }

    pub(super) fn on_request(
        &mut self,
        peer: PeerId,
        kind: RpcKind,
        request: RpcRequest,
        channel: ResponseChannel<RpcResponse>,
    ) {
        tracing::debug!(target: "net", %peer, %kind, "inbound request");
        match request {
            RpcRequest::Invalid { protocol, error } => {
                tracing::debug!(target: "net", %peer, %protocol, %error, "invalid request");
                self.answered(kind, RequestResult::InvalidRequest);
                self.refuse(kind, channel, ResultCode::InvalidRequest, "invalid request");
                self.penalize(&peer, PEER_SCORE_INVALID_REQUEST);
                return;
            }
            RpcRequest::Goodbye(reason) => {
                tracing::debug!(target: "net", %peer, %reason, "goodbye received");
                self.answered(kind, RequestResult::Success);
                self.respond(kind, channel, RpcResponse::Empty);
                self.emit(NetEvent::GoodbyeReceived { peer, reason });
                if let Some(entry) = self.peers.get_mut(&peer) {
                    entry.state = PeerState::Leaving;
                    entry.leave.get_or_insert(Disconnect::Received(reason));
                }
                self.after(self.net.config.goodbye_timeout, Timer::Goodbye(peer));
                return;
            }
            _ => {}
        }
        let cost = request.cost(&self.net.chain);
        if let Err(wait) = self.quotas.try_take(peer, kind, cost, Instant::now()) {
            tracing::debug!(target: "net", %peer, %kind, cost, ?wait, "rate limited");
            self.answered(kind, RequestResult::RateLimited);
            self.refuse(kind, channel, ResultCode::RateLimited, "rate limited");
            // A peer that keeps going over drops below zero and is let go (Goodbye).
            self.penalize(&peer, PEER_SCORE_OVER_QUOTA);
            return;
        }
        self.emit(NetEvent::RequestAnswered { peer, kind });
        match request {
            RpcRequest::Status(status) => {
                self.answered(kind, RequestResult::Success);
                let ours = self.local_status();
                self.respond(kind, channel, RpcResponse::Status(ours));
                let _ = self.on_peer_status(peer, status);
            }
            RpcRequest::Ping(_) => {
                self.answered(kind, RequestResult::Success);
                let seq = self.net.config.metadata.seq_number;
                self.respond(kind, channel, RpcResponse::Ping(seq));
            }
            RpcRequest::MetaData => {
                self.answered(kind, RequestResult::Success);
                let metadata = self.net.config.metadata;
                self.respond(kind, channel, RpcResponse::MetaData(metadata));
            }
            data => self.serve(peer, kind, &data, channel),
        }
    }

    fn serve(
        &mut self,
        peer: PeerId,
        kind: RpcKind,
        request: &RpcRequest,
        channel: ResponseChannel<RpcResponse>,
    ) {
        let chain = Arc::clone(&self.net.chain);
        let wall_epoch = epoch_at(&chain, self.clock.unix_time());
        let Some(plan) = plan(request, &chain, &self.source.chain_info(), wall_epoch) else {
            return;
        };
        if plan == ServePlan::Empty {
            self.answered(kind, RequestResult::Success);
            self.respond(kind, channel, RpcResponse::Empty);
            return;
        }
        let Some(permit) = self.inflight.try_acquire(peer) else {
            tracing::debug!(target: "net", %peer, %kind, "too many responses in flight");
            self.answered(kind, RequestResult::Busy);
            self.refuse(
                kind,
                channel,
                ResultCode::RateLimited,
                "too many responses in flight",
            );
            return;
        };
        let result = match &plan {
            ServePlan::Reject { code, .. } => RequestResult::of_code(*code),
            _ => RequestResult::Success,
        };
        self.answered(kind, result);
        let config = &self.net.config;
        let (batch, capacity) = match plan {
            ServePlan::BlobsByRange { .. }
            | ServePlan::BlobsByRoot(_)
            | ServePlan::ColumnsByRange { .. }
            | ServePlan::ColumnsByRoot(_) => (
                config.serve_blob_batch_slots,
                config.serve_blob_buffer_chunks,
            ),
            _ => (config.serve_batch_slots, config.serve_buffer_chunks),
        };
        let capacity = capacity.max(1);
        let (tx, rx) = mpsc::channel(capacity);
        self.respond(kind, channel, RpcResponse::Stream(rx));
        let source = Arc::clone(&self.source);
        let write_timeout = self.net.config.write_timeout;
        let stalled = self.stalled_tx.clone();
        tokio::spawn(async move {
            let mut ended = produce(plan, source, chain, batch, tx.clone(), write_timeout).await;
            // The response stays in flight until the stream has taken every chunk (the
            // channel is empty again) or is gone: a peer that does not read keeps it,
            // for the write timeout.
            if ended == Produced::Done {
                ended = drained(&tx, write_timeout).await;
            }
            drop(permit);
            if ended == Produced::Stalled {
                let _ = stalled.send(peer).await;
            }
        });
    }
}
