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
/// How long a peer that left with a score below zero is not dialed again (Lighthouse
/// bans such a peer for about half an hour).
pub const BAN_DURATION: Duration = Duration::from_secs(30 * 60);

/// A peer as the book saw it last.
#[derive(Clone, Debug)]
pub struct PeerRecord {
    /// The peer's handle (score and status).
    pub peer: NetPeer,
    /// Whether it is connected now.
    pub connected: bool,
    /// How many of its connections ended with a score below zero (dropped for faults).
    pub faults: u32,
    /// Until when it is not dialed again, after a fault.
    pub banned_until: Option<tokio::time::Instant>,
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
                            let mut peers = sync_types::lock::lock(&peers);
                            let faults = peers.get(&peer).map_or(0, |r| r.faults);
                            let record = PeerRecord {
                                peer: found,
                                connected: true,
                                faults,
                                banned_until: None,
                            };
                            peers.insert(peer, record);
                        }
                    }
                    Ok(NetEvent::PeerDisconnected { peer }) => {
                        if let Some(record) = sync_types::lock::lock(&peers).get_mut(&peer) {
                            record.connected = false;
                            if record.score() < 0 {
                                record.faults += 1;
                                record.banned_until =
                                    Some(tokio::time::Instant::now() + BAN_DURATION);
                            }
                        }
                    }
                    Ok(NetEvent::DialFailed { peer, error }) => {
                        let peer = peer.map_or_else(|| "a peer".to_owned(), |p| p.to_string());
                        warn!(target: "node::peers", %peer, %error, "cannot reach the peer; dialing again in {REDIAL_INTERVAL:?}");
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

    /// Whether `peer` left below zero less than [`BAN_DURATION`] ago.
    pub fn is_banned(&self, peer: &PeerId) -> bool {
        sync_types::lock::lock(&self.peers)
            .get(peer)
            .and_then(|r| r.banned_until)
            .is_some_and(|until| tokio::time::Instant::now() < until)
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
/// A peer that left with a score below zero is not dialed for [`BAN_DURATION`].
pub(crate) async fn redial(handle: NetworkHandle, book: PeerBook, addrs: Vec<Multiaddr>) {
    if addrs.is_empty() {
        return;
    }
    let mut tick = tokio::time::interval(REDIAL_INTERVAL);
    loop {
        tick.tick().await;
        for addr in &addrs {
            let connected = match peer_id_of(addr) {
                Some(id) => handle.peer(&id).is_some() || book.is_banned(&id),
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
