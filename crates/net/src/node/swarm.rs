//! The swarm task: the one owner of the libp2p swarm.
//!
//! It reacts to three sources, in a biased `select!`: commands from handles, swarm
//! events, and its own timers (handshake deadlines, goodbye grace periods).
//!
//! - **Handshake.** On a new connection the dialer sends our status at once; both sides
//!   give the other [`NetConfig::handshake_timeout`](crate::NetConfig::handshake_timeout)
//!   to complete the exchange, or say Goodbye(3). Statuses are checked in `handshake.rs`.
//! - **Goodbye.** Leaving peers are taken out of the pool at once, sent a Goodbye, and
//!   disconnected when it is answered or after
//!   [`NetConfig::goodbye_timeout`](crate::NetConfig::goodbye_timeout).
//! - **Outbound requests** go only to connected peers (never a dial); their replies, or
//!   failures mapped to `RequestError`, go back through one-shot channels.
//! - **Serving** is in `inbound.rs`.
//! - **Metrics.** Every swarm event goes to libp2p's metrics; every outbound request is
//!   counted once, when its reply is settled (see [`crate::metrics`]); a peer is on the
//!   `peers` gauge exactly while it is `Ready`.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::FuturesUnordered;
use futures::{Future, StreamExt};
use libp2p::request_response::{Event, Message, OutboundRequestId};
use libp2p::swarm::{ListenError, SwarmEvent};
use libp2p::{Multiaddr, PeerId, Swarm};
use peer_pool::{LifetimeHandle, PeerPool, PeerType};
use sync_types::score::PEER_SCORE_LOW_LIMIT;
use sync_types::{RequestError, ScoredPeer};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::time::Instant;

use super::behaviour::{Behaviour, BehaviourEvent, Split, split};
use super::{Command, NetError, NetEvent};
use crate::clock::WallClock;
use crate::metrics::{
    ConnectedPeer, ConnectionState, Direction, Disconnect, HandshakeFailure, NetMetrics,
    RequestResult,
};
use crate::peer::{NetPeer, PeerNet};
use crate::rpc::{
    ReceivedResponse, RpcKind, RpcRequest, RpcResponse, outbound_failure_to_request_error,
};
use crate::server::{InFlight, ServerQuotas};
use crate::source::ChainSource;
use crate::status::{GoodbyeReason, StatusMessage};

type Reply = oneshot::Sender<Result<ReceivedResponse, RequestError>>;
type TimerFuture = Pin<Box<dyn Future<Output = Timer> + Send>>;

pub(super) enum PeerState {
    /// Connected, status not yet accepted.
    Handshaking,
    /// In the pool; dropping the handle takes it out (and the guard off the `peers`
    /// gauge).
    Ready {
        peer: NetPeer,
        _lifetime: LifetimeHandle,
        _connected: ConnectedPeer,
    },
    /// Goodbye sent or received; the connection is closing.
    Leaving,
}

pub(super) struct PeerEntry {
    pub(super) direction: PeerType,
    pub(super) state: PeerState,
    /// Why it is leaving, once Goodbye was said or heard (counted when it is gone).
    pub(super) leave: Option<Disconnect>,
    /// Score changes from before the handshake completed, applied when it joins.
    pub(super) early_score: i64,
    /// The address of its first connection (theirs if it dialled us).
    pub(super) address: Multiaddr,
    /// Its software, once identify told us.
    pub(super) agent: Option<String>,
}

enum Pending {
    Handshake,
    Reply(Reply),
    Goodbye,
}

#[derive(Clone, Copy)]
pub(super) enum Timer {
    Handshake(PeerId),
    Goodbye(PeerId),
}

pub(crate) struct SwarmTask {
    pub(super) swarm: Swarm<Behaviour>,
    commands: mpsc::Receiver<Command>,
    events: broadcast::Sender<NetEvent>,
    pub(super) net: PeerNet,
    pub(super) source: Arc<dyn ChainSource>,
    pub(super) clock: Arc<dyn WallClock>,
    pub(super) pool: PeerPool<NetPeer>,
    pub(super) peers: HashMap<PeerId, PeerEntry>,
    pending: HashMap<(RpcKind, OutboundRequestId), Pending>,
    pub(super) quotas: ServerQuotas,
    pub(super) inflight: InFlight,
    timers: FuturesUnordered<TimerFuture>,
    /// Peers whose response stream took nothing for the write timeout.
    pub(super) stalled_tx: mpsc::Sender<PeerId>,
    stalled_rx: mpsc::Receiver<PeerId>,
    pub(super) metrics: NetMetrics,
}

impl SwarmTask {
    pub(crate) fn new(
        swarm: Swarm<Behaviour>,
        commands: mpsc::Receiver<Command>,
        events: broadcast::Sender<NetEvent>,
        net: PeerNet,
        source: Arc<dyn ChainSource>,
        clock: Arc<dyn WallClock>,
        pool: PeerPool<NetPeer>,
    ) -> SwarmTask {
        let quotas = ServerQuotas::new(
            net.config.server_peer_quotas,
            &net.config.server_global_quotas,
            Instant::now(),
        );
        let inflight = InFlight::new(net.config.max_responses_per_peer, net.config.max_responses);
        let (stalled_tx, stalled_rx) = mpsc::channel(net.config.max_responses.max(1));
        SwarmTask {
            swarm,
            commands,
            events,
            net,
            source,
            clock,
            pool,
            peers: HashMap::new(),
            pending: HashMap::new(),
            quotas,
            inflight,
            timers: FuturesUnordered::new(),
            stalled_tx,
            stalled_rx,
            metrics: NetMetrics::default(),
        }
    }

    /// This task reporting to `metrics`.
    pub(crate) fn with_metrics(mut self, metrics: NetMetrics) -> SwarmTask {
        let config = &self.net.config;
        self.inflight = InFlight::with_gauge(
            config.max_responses_per_peer,
            config.max_responses,
            metrics.responses_in_flight(),
        );
        self.metrics = metrics;
        self
    }

    /// Whether `peer` is connected and has not completed the status handshake.
    pub(super) fn is_handshaking(&self, peer: &PeerId) -> bool {
        matches!(
            self.peers.get(peer).map(|e| &e.state),
            Some(PeerState::Handshaking)
        )
    }

    /// Counts an outbound request of `kind` that ended with `result`.
    fn outbound_done(&self, kind: RpcKind, result: RequestResult) {
        self.metrics.request(Direction::Outbound, kind, result);
    }

    pub(crate) async fn run(mut self) {
        loop {
            tokio::select! {
                biased;
                command = self.commands.recv() => match command {
                    Some(Command::Shutdown { reply }) => {
                        self.shutdown().await;
                        let _ = reply.send(());
                        return;
                    }
                    Some(command) => self.on_command(command),
                    None => return,
                },
                event = self.swarm.select_next_some() => self.on_swarm_event(event),
                Some(timer) = self.timers.next() => self.on_timer(timer),
                Some(peer) = self.stalled_rx.recv() => self.on_stalled(peer),
            }
            self.count_states();
        }
    }

    /// Sets the `connections` gauge.
    fn count_states(&self) {
        let (mut handshaking, mut ready, mut leaving) = (0, 0, 0);
        for entry in self.peers.values() {
            match entry.state {
                PeerState::Handshaking => handshaking += 1,
                PeerState::Ready { .. } => ready += 1,
                PeerState::Leaving => leaving += 1,
            }
        }
        self.metrics.connection_states(|state| match state {
            ConnectionState::Handshaking => handshaking,
            ConnectionState::Ready => ready,
            ConnectionState::Leaving => leaving,
        });
    }

    /// A response to `peer` took no chunk for the write timeout: it does not read, and
    /// holds a response slot and its buffer; let it go.
    fn on_stalled(&mut self, peer: PeerId) {
        if self.peers.contains_key(&peer) {
            tracing::debug!(target: "net", %peer, "does not read its responses");
            self.leave(peer, GoodbyeReason::Fault, Disconnect::NotReading);
        }
    }

    pub(super) fn emit(&self, event: NetEvent) {
        // Err only means nobody is subscribed.
        let _ = self.events.send(event);
    }

    pub(super) fn after(&mut self, delay: Duration, timer: Timer) {
        self.timers.push(Box::pin(async move {
            tokio::time::sleep(delay).await;
            timer
        }));
    }

    pub(super) fn local_status(&self) -> StatusMessage {
        let chain = &self.net.chain;
        StatusMessage::local(chain, &self.source.chain_info(), self.clock.unix_time())
    }

    fn on_command(&mut self, command: Command) {
        match command {
            Command::Dial { addr, reply } => {
                let result = self
                    .swarm
                    .dial(addr.clone())
                    .map_err(|source| NetError::Dial { addr, source });
                let _ = reply.send(result);
            }
            Command::Request {
                peer,
                request,
                reply,
            } => {
                let request = match request {
                    RpcRequest::Status(_) => RpcRequest::Status(self.local_status()),
                    other => other,
                };
                if !self.send_request(peer, request, Pending::Reply(reply)) {
                    tracing::debug!(target: "net", %peer, "request to a peer that is not connected");
                }
            }
            Command::Disconnect { peer, reason } => self.goodbye(peer, reason),
            Command::ScoreBelowLimit { peer } => {
                // A pool without a score check belongs to a client whose own peer
                // manager decides who leaves: then a low score alone disconnects nobody.
                let check = self.pool.config();
                let low = matches!(
                    self.peers.get(&peer).map(|e| &e.state),
                    Some(PeerState::Ready { peer: p, .. })
                        if p.score() < PEER_SCORE_LOW_LIMIT && !check.score_passes(p.score())
                );
                if low {
                    self.goodbye(peer, GoodbyeReason::BadScore);
                }
            }
            Command::Shutdown { reply } => {
                let _ = reply.send(());
            }
        }
    }

    /// Sends a request if the peer is connected (never dials); a failed send answers the
    /// reply with `Disconnected` and returns false.
    fn send_request(&mut self, peer: PeerId, request: RpcRequest, pending: Pending) -> bool {
        if !self.swarm.is_connected(&peer) {
            self.outbound_done(request.kind(), RequestResult::Disconnected);
            if let Pending::Reply(reply) = pending {
                let _ = reply.send(Err(RequestError::Disconnected));
            }
            return false;
        }
        let kind = request.kind();
        let id = self
            .swarm
            .behaviour_mut()
            .of(kind)
            .send_request(&peer, request);
        self.pending.insert((kind, id), pending);
        true
    }

    fn on_swarm_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        self.metrics.record_swarm_event(&event);
        match event {
            SwarmEvent::ConnectionEstablished {
                peer_id,
                endpoint,
                num_established,
                ..
            } if num_established.get() == 1 => {
                let direction = if endpoint.is_dialer() {
                    PeerType::Outgoing
                } else {
                    PeerType::Incoming
                };
                tracing::debug!(target: "net", peer = %peer_id, ?direction, "connected");
                self.peers.insert(
                    peer_id,
                    PeerEntry {
                        direction,
                        state: PeerState::Handshaking,
                        leave: None,
                        early_score: 0,
                        address: endpoint.get_remote_address().clone(),
                        agent: None,
                    },
                );
                self.after(self.net.config.handshake_timeout, Timer::Handshake(peer_id));
                if direction == PeerType::Outgoing {
                    let status = RpcRequest::Status(self.local_status());
                    self.send_request(peer_id, status, Pending::Handshake);
                }
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                num_established: 0,
                ..
            } => {
                tracing::debug!(target: "net", peer = %peer_id, "disconnected");
                self.quotas
                    .disconnected(&peer_id, tokio::time::Instant::now());
                if let Some(entry) = self.peers.remove(&peer_id) {
                    self.metrics
                        .disconnect(entry.leave.unwrap_or(Disconnect::Closed));
                    self.emit(NetEvent::PeerDisconnected { peer: peer_id });
                }
            }
            SwarmEvent::Behaviour(event) => match split(event) {
                Split::Rpc(kind, event) => self.on_rpc_event(kind, event),
                Split::Identified(peer, agent) => {
                    if let Some(entry) = self.peers.get_mut(&peer) {
                        if let PeerState::Ready { peer, .. } = &entry.state {
                            peer.set_agent(agent.clone());
                        }
                        entry.agent = Some(agent.clone());
                        self.emit(NetEvent::PeerIdentified { peer, agent });
                    }
                }
                Split::Other => {}
            },
            SwarmEvent::OutgoingConnectionError { peer_id, error, .. } => {
                tracing::debug!(target: "net", peer = ?peer_id, %error, "dial failed");
                let error = error.to_string().replace('\n', " ");
                self.emit(NetEvent::DialFailed {
                    peer: peer_id,
                    error,
                });
            }
            SwarmEvent::IncomingConnectionError {
                error: ListenError::Denied { cause },
                send_back_addr,
                ..
            } => {
                tracing::debug!(target: "net", from = %send_back_addr, %cause, "connection refused");
                self.metrics.connection_refused(&cause);
            }
            SwarmEvent::NewListenAddr { address, .. } => {
                tracing::debug!(target: "net", %address, "listening");
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, timer: Timer) {
        match timer {
            Timer::Handshake(peer) => {
                if self.is_handshaking(&peer) {
                    tracing::debug!(target: "net", %peer, "no status in time");
                    self.metrics.handshake_failure(HandshakeFailure::Timeout);
                    self.goodbye(peer, GoodbyeReason::Fault);
                }
            }
            Timer::Goodbye(peer) => {
                if self.swarm.is_connected(&peer) {
                    let _ = self.swarm.disconnect_peer_id(peer);
                }
            }
        }
    }

    /// Takes the peer out of the pool, sends it a Goodbye and closes the connection once
    /// it is answered or after the grace period.
    pub(super) fn goodbye(&mut self, peer: PeerId, reason: GoodbyeReason) {
        self.leave(peer, reason, Disconnect::Sent(reason));
    }

    /// [`goodbye`](Self::goodbye), counted as `why` when the peer is gone. A peer let go
    /// for its score is a strike against its IP address.
    fn leave(&mut self, peer: PeerId, reason: GoodbyeReason, why: Disconnect) {
        let Some(entry) = self.peers.get_mut(&peer) else {
            return;
        };
        if matches!(entry.state, PeerState::Leaving) {
            return;
        }
        entry.state = PeerState::Leaving;
        entry.leave = Some(why);
        if reason == GoodbyeReason::BadScore {
            let banned = self.swarm.behaviour_mut().ip.strike(&peer, Instant::now());
            if let Some(ip) = banned {
                tracing::info!(target: "net", %ip, "IP address banned: too many of its peers were let go for their score");
                self.metrics.ip_banned();
            }
        }
        tracing::debug!(target: "net", %peer, %reason, "saying goodbye");
        self.emit(NetEvent::GoodbyeSent { peer, reason });
        self.send_request(peer, RpcRequest::Goodbye(reason), Pending::Goodbye);
        self.after(self.net.config.goodbye_timeout, Timer::Goodbye(peer));
    }

    fn on_rpc_event(&mut self, kind: RpcKind, event: Event<RpcRequest, RpcResponse>) {
        match event {
            Event::Message {
                peer,
                message:
                    Message::Request {
                        request, channel, ..
                    },
                ..
            } => self.on_request(peer, kind, request, channel),
            Event::Message {
                peer,
                message:
                    Message::Response {
                        request_id,
                        response,
                    },
                ..
            } => self.on_response(peer, kind, request_id, response),
            Event::OutboundFailure {
                peer,
                request_id,
                error,
                ..
            } => {
                tracing::debug!(target: "net", %peer, %kind, %error, "request failed");
                let error = outbound_failure_to_request_error(kind, error);
                self.outbound_done(kind, RequestResult::of_error(&error));
                match self.pending.remove(&(kind, request_id)) {
                    Some(Pending::Reply(reply)) => {
                        let _ = reply.send(Err(error));
                    }
                    Some(Pending::Handshake) => self.handshake_failed(peer),
                    Some(Pending::Goodbye) => {
                        let _ = self.swarm.disconnect_peer_id(peer);
                    }
                    None => {}
                }
            }
            Event::InboundFailure { peer, error, .. } => {
                tracing::debug!(target: "net", %peer, %kind, %error, "serving a request failed");
            }
            Event::ResponseSent { .. } => {}
        }
    }

    fn on_response(
        &mut self,
        peer: PeerId,
        kind: RpcKind,
        request_id: OutboundRequestId,
        response: RpcResponse,
    ) {
        let Some(pending) = self.pending.remove(&(kind, request_id)) else {
            return;
        };
        let RpcResponse::Received(received) = response else {
            return; // the read side only produces `Received`
        };
        let outcome = if kind == RpcKind::Status {
            self.on_status_response(peer, &received)
        } else {
            Ok(())
        };
        let result = match &outcome {
            Err(error @ RequestError::Malformed(_)) => RequestResult::of_error(error),
            _ => RequestResult::of_response(&received),
        };
        self.outbound_done(kind, result);
        match pending {
            Pending::Reply(reply) => {
                let _ = reply.send(outcome.map(|()| received));
            }
            Pending::Handshake => {
                if let Err(error) = outcome {
                    tracing::debug!(target: "net", %peer, %error, "handshake failed");
                    self.handshake_failed(peer);
                }
            }
            Pending::Goodbye => {
                let _ = self.swarm.disconnect_peer_id(peer);
            }
        }
    }

    /// Our status request of the handshake failed or was answered unusably: goodbye,
    /// counted unless the peer is already leaving (a refused status was counted when it
    /// was refused).
    fn handshake_failed(&mut self, peer: PeerId) {
        if self.is_handshaking(&peer) {
            self.metrics
                .handshake_failure(HandshakeFailure::StatusRequestFailed);
        }
        self.goodbye(peer, GoodbyeReason::Fault);
    }

    /// Says goodbye (1) to every peer and waits, at most the goodbye timeout, for the
    /// goodbyes to be answered.
    async fn shutdown(&mut self) {
        let peers: Vec<PeerId> = self.peers.keys().copied().collect();
        for peer in peers {
            self.goodbye(peer, GoodbyeReason::ClientShutdown);
        }
        let deadline = Instant::now() + self.net.config.goodbye_timeout;
        while self.pending.values().any(|p| matches!(p, Pending::Goodbye)) {
            let Ok(event) = tokio::time::timeout_at(deadline, self.swarm.select_next_some()).await
            else {
                break;
            };
            self.on_swarm_event(event);
        }
        self.peers.clear();
        for ((kind, _), pending) in std::mem::take(&mut self.pending) {
            self.outbound_done(kind, RequestResult::Cancelled);
            if let Pending::Reply(reply) = pending {
                let _ = reply.send(Err(RequestError::Cancelled));
            }
        }
    }
}
