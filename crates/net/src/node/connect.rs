//! Dial a peer and wait until it is a sync peer: one awaitable call instead of a dial and
//! a loop over the node's events.

use std::time::Duration;

use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId};
use tokio::sync::broadcast::error::RecvError;

use super::{NetError, NetEvent, NetworkHandle};
use crate::peer::NetPeer;
use crate::status::{GoodbyeReason, StatusError};

/// Why [`NetworkHandle::connect`] gave no peer.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The address names no peer: it needs a `/p2p/<peer id>` part.
    #[error("{addr} names no peer (it needs a /p2p/<peer id> part)")]
    NoPeerId {
        /// The address.
        addr: Multiaddr,
    },
    /// The dial could not start, or the node has stopped.
    #[error(transparent)]
    Net(#[from] NetError),
    /// The transport failed (refused, unreachable, or another peer answered).
    #[error("dialling {peer} failed: {error}")]
    DialFailed {
        /// The peer.
        peer: PeerId,
        /// What the transport said.
        error: String,
    },
    /// The peer's status was refused (another chain, a head in the future, ...).
    #[error("{peer} was refused as a sync peer: {error}")]
    Rejected {
        /// The peer.
        peer: PeerId,
        /// Why.
        error: StatusError,
    },
    /// One side said goodbye before the peer joined the pool (for example the pool or the
    /// peer was full).
    #[error("{peer} left before it joined the pool: goodbye {reason}")]
    Goodbye {
        /// The peer.
        peer: PeerId,
        /// The reason given.
        reason: GoodbyeReason,
    },
    /// The connection closed before the peer joined the pool.
    #[error("{peer} disconnected before it joined the pool")]
    Disconnected {
        /// The peer.
        peer: PeerId,
    },
    /// The peer did not pass the status handshake in time.
    #[error("{peer} did not pass the status handshake within {after:?}")]
    Timeout {
        /// The peer.
        peer: PeerId,
        /// The time waited.
        after: Duration,
    },
}

/// The peer id an address ends with (`/p2p/<id>`), if any.
fn peer_of(addr: &Multiaddr) -> Option<PeerId> {
    addr.iter().find_map(|part| match part {
        Protocol::P2p(peer) => Some(peer),
        _ => None,
    })
}

impl NetworkHandle {
    /// Dials `addr` (which must end with `/p2p/<peer id>`) and waits, at most `timeout`,
    /// until the peer has passed the status handshake and joined the pool; returns it.
    /// A peer already in the pool is returned at once. Cancel-safe: dropping the future
    /// leaves the dial to go on, as [`dial`](Self::dial) does.
    ///
    /// # Errors
    ///
    /// A [`ConnectError`] saying what stopped the peer from joining.
    pub async fn connect(
        &self,
        addr: Multiaddr,
        timeout: Duration,
    ) -> Result<NetPeer, ConnectError> {
        let Some(peer) = peer_of(&addr) else {
            return Err(ConnectError::NoPeerId { addr });
        };
        // Subscribed before the dial and before the pool is looked at: no event is missed.
        let mut events = self.subscribe();
        if let Some(joined) = self.peer(&peer) {
            return Ok(joined);
        }
        self.dial(addr).await?;
        let outcome = tokio::time::timeout(timeout, async {
            loop {
                let event = match events.recv().await {
                    Ok(event) => event,
                    // Events were missed: the pool tells whether the peer joined meanwhile.
                    Err(RecvError::Lagged(_)) => match self.peer(&peer) {
                        Some(joined) => return Ok(joined),
                        None => continue,
                    },
                    Err(RecvError::Closed) => return Err(ConnectError::Net(NetError::Stopped)),
                };
                match event {
                    NetEvent::PeerConnected { peer: p, .. } if p == peer => {
                        if let Some(joined) = self.peer(&peer) {
                            return Ok(joined);
                        }
                    }
                    NetEvent::PeerRejected { peer: p, error } if p == peer => {
                        return Err(ConnectError::Rejected { peer, error });
                    }
                    NetEvent::DialFailed {
                        peer: Some(p),
                        error,
                    } if p == peer => {
                        return Err(ConnectError::DialFailed { peer, error });
                    }
                    NetEvent::GoodbyeSent { peer: p, reason }
                    | NetEvent::GoodbyeReceived { peer: p, reason }
                        if p == peer =>
                    {
                        return Err(ConnectError::Goodbye { peer, reason });
                    }
                    NetEvent::PeerDisconnected { peer: p } if p == peer => {
                        return Err(ConnectError::Disconnected { peer });
                    }
                    _ => {}
                }
            }
        })
        .await;
        outcome.unwrap_or(Err(ConnectError::Timeout {
            peer,
            after: timeout,
        }))
    }
}
