//! The swarm task's side of the status handshake: a peer's status, from a request or a
//! response, is checked with [`check_status`]; refused → [`NetEvent::PeerRejected`] and
//! Goodbye(2); accepted → the peer joins the pool with a lifetime that the connection's
//! end closes, or its stored status is refreshed.

use std::sync::Arc;

use libp2p::PeerId;
use peer_pool::Lifetime;
use sync_types::{RequestError, ScoredPeer};

use super::NetEvent;
use super::swarm::{PeerState, SwarmTask};
use crate::metrics::HandshakeFailure;
use crate::peer::NetPeer;
use crate::rpc::{ReceivedResponse, RpcError};
use crate::status::{GoodbyeReason, LocalView, StatusError, StatusMessage, check_status};

impl SwarmTask {
    /// Decodes and checks a status response; a refused status says goodbye.
    pub(super) fn on_status_response(
        &mut self,
        peer: PeerId,
        received: &ReceivedResponse,
    ) -> Result<(), RequestError> {
        let chunk = received.clone().into_single()?;
        let status = StatusMessage::from_ssz(&chunk.ssz).map_err(|source| {
            RequestError::Malformed(Box::new(RpcError::UnexpectedResponse {
                protocol: received.protocol,
                source,
            }))
        })?;
        self.on_peer_status(peer, status)
            .map_err(|_| RequestError::Disconnected)
    }

    /// Checks a peer's status: refused → goodbye; accepted → into the pool, or a refresh.
    pub(super) fn on_peer_status(
        &mut self,
        peer: PeerId,
        status: StatusMessage,
    ) -> Result<(), StatusError> {
        let config = &self.net.config;
        let info = self.source.chain_info();
        let view = LocalView::new(
            &self.net.chain,
            &info,
            self.clock.unix_time(),
            config.clock_disparity,
        );
        let source = Arc::clone(&self.source);
        if let Err(error) = check_status(&status, &view, |slot| source.block_root_at_slot(slot)) {
            tracing::debug!(target: "net", %peer, %error, "status refused");
            self.metrics
                .handshake_failure(HandshakeFailure::from(&error));
            self.emit(NetEvent::PeerRejected { peer, error });
            self.goodbye(peer, error.goodbye_reason());
            return Err(error);
        }
        let Some(entry) = self.peers.get_mut(&peer) else {
            return Ok(());
        };
        match &entry.state {
            PeerState::Ready { peer: p, .. } => p.set_status(status),
            PeerState::Leaving => {}
            PeerState::Handshaking => {
                let direction = entry.direction;
                let net_peer = NetPeer::new(peer, direction, status, self.net.clone());
                // What it did before joining counts: below zero, the pool refuses it.
                if entry.early_score != 0 {
                    net_peer.update_score(entry.early_score);
                }
                if let Some(agent) = &entry.agent {
                    net_peer.set_agent(agent.clone());
                }
                let (lifetime, handle) = Lifetime::new();
                match self
                    .pool
                    .add_peer_no_wait(net_peer.clone(), direction, lifetime)
                {
                    Ok(()) => {
                        if self.net.config.fulu_protocols {
                            // Its custody decides which columns it is asked for; until it
                            // is known the peer gets no column work.
                            let asked = net_peer.clone();
                            tokio::spawn(async move {
                                if let Err(error) = asked.learn_custody().await {
                                    tracing::debug!(target: "net", peer = %asked.key(), %error, "custody unknown");
                                }
                            });
                        }
                        entry.state = PeerState::Ready {
                            peer: net_peer,
                            _lifetime: handle,
                            _connected: self.metrics.connected_peer(direction),
                        };
                        tracing::debug!(target: "net", %peer, head = status.head_slot, "peer joined the pool");
                        let address = entry.address.clone();
                        self.emit(NetEvent::PeerConnected {
                            peer,
                            status,
                            direction,
                            address,
                        });
                    }
                    Err(error) => {
                        tracing::debug!(target: "net", %peer, %error, "pool refused the peer");
                        if error.should_disconnect() {
                            self.metrics
                                .handshake_failure(HandshakeFailure::PoolRefused);
                            let reason = match error {
                                peer_pool::AddError::NoSpace => GoodbyeReason::TooManyPeers,
                                _ => GoodbyeReason::BadScore,
                            };
                            self.goodbye(peer, reason);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
