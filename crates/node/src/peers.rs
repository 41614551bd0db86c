//! The peers a node knows: the configured ones it keeps dialing, and a book of every peer
//! that passed the handshake (their handles keep their final scores readable after they
//! left).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId};
use net::{NetEvent, NetPeer, NetworkHandle};
use sync_types::ScoredPeer;
use tokio::sync::broadcast::error::RecvError;
use tracing::{debug, warn};

/// How often configured peers that are not connected are dialed again.
pub const REDIAL_INTERVAL: Duration = Duration::from_secs(10);

/// A peer as the book saw it last.
#[derive(Clone, Debug)]
pub struct PeerRecord {
    /// The peer's handle (score and status).
    pub peer: NetPeer,
    /// Whether it is connected now.
    pub connected: bool,
}

impl PeerRecord {
    /// The peer's current score.
    pub fn score(&self) -> i64 {
        self.peer.score()
    }
}

/// Every peer that passed the handshake since the book was opened.
#[derive(Clone, Debug, Default)]
pub struct PeerBook {
    peers: Arc<Mutex<BTreeMap<PeerId, PeerRecord>>>,
}

impl PeerBook {
    /// A book that follows `handle`'s events from now on.
    pub fn new(handle: &NetworkHandle) -> PeerBook {
        let book = PeerBook::default();
        let mut events = handle.subscribe();
        let handle = handle.clone();
        let peers = Arc::clone(&book.peers);
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(NetEvent::PeerConnected { peer, .. }) => {
                        if let Some(found) = handle.peer(&peer) {
                            sync_types::lock::lock(&peers).insert(
                                peer,
                                PeerRecord {
                                    peer: found,
                                    connected: true,
                                },
                            );
                        }
                    }
                    Ok(NetEvent::PeerDisconnected { peer }) => {
                        if let Some(record) = sync_types::lock::lock(&peers).get_mut(&peer) {
                            record.connected = false;
                        }
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => break,
                }
            }
        });
        book
    }

    /// Every peer seen, by id.
    pub fn snapshot(&self) -> BTreeMap<PeerId, PeerRecord> {
        sync_types::lock::lock(&self.peers).clone()
    }
}

/// The peer id a multiaddr names (`/p2p/<id>` at its end), if it names one.
pub fn peer_id_of(addr: &Multiaddr) -> Option<PeerId> {
    addr.iter().find_map(|p| match p {
        Protocol::P2p(id) => Some(id),
        _ => None,
    })
}

/// Dials every configured peer now and again every [`REDIAL_INTERVAL`] while it is not
/// connected (an address without a `/p2p/` id is dialed while the pool has fewer peers
/// than there are configured addresses).
pub(crate) async fn redial(handle: NetworkHandle, addrs: Vec<Multiaddr>) {
    if addrs.is_empty() {
        return;
    }
    let mut tick = tokio::time::interval(REDIAL_INTERVAL);
    loop {
        tick.tick().await;
        for addr in &addrs {
            let connected = match peer_id_of(addr) {
                Some(id) => handle.peer(&id).is_some(),
                None => handle.pool().len() >= addrs.len(),
            };
            if connected {
                continue;
            }
            debug!(target: "node::peers", %addr, "dialing");
            if let Err(error) = handle.dial(addr.clone()).await {
                warn!(target: "node::peers", %addr, %error, "cannot dial peer; trying again in {REDIAL_INTERVAL:?}");
            }
        }
    }
}
