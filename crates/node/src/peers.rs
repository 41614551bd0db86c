//! The peers a node knows: the configured ones it keeps dialing, and a book of every peer
//! that passed the handshake (their handles keep their final scores readable after they
//! left), with where each connected from and why it left. A peer that leaves with a score
//! below zero is banned in the node's [`BanList`] (kept across restarts).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId};
use net::{NetEvent, NetPeer, NetworkHandle, WallClock};
use sync_types::ScoredPeer;
use sync_types::lock::lock;
use tokio::sync::broadcast::error::RecvError;
use tracing::{debug, info, warn};

use crate::peer_manager::BanList;

/// How often configured peers that are not connected are dialed again.
pub const REDIAL_INTERVAL: Duration = Duration::from_secs(10);

/// A peer as the book saw it last.
#[derive(Clone, Debug)]
pub struct PeerRecord {
    /// The peer's handle (score and status).
    pub peer: NetPeer,
    /// Whether it is connected now.
    pub connected: bool,
    /// How many of its connections ended with a score below zero (dropped for faults).
    pub faults: u32,
    /// The address of its last connection.
    pub address: Multiaddr,
    /// Why its last connection ended (or is ending), once known.
    pub disconnect_reason: Option<String>,
    /// Whether its last connection ended in a ban (its score was, or later fell, below
    /// zero).
    pub banned: bool,
}

impl PeerRecord {
    /// The peer's current score.
    pub fn score(&self) -> i64 {
        self.peer.score()
    }
}

/// Every peer that passed the handshake since the book was opened, and the bans.
#[derive(Clone)]
pub struct PeerBook {
    peers: Arc<Mutex<BTreeMap<PeerId, PeerRecord>>>,
    bans: Arc<Mutex<BanList>>,
    clock: Arc<dyn WallClock>,
}

impl std::fmt::Debug for PeerBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeerBook")
            .field("peers", &lock(&self.peers).len())
            .finish_non_exhaustive()
    }
}

impl PeerBook {
    /// A book that follows `handle`'s events from now on, banning in `bans` by `clock`.
    pub fn new(handle: &NetworkHandle, bans: BanList, clock: Arc<dyn WallClock>) -> PeerBook {
        let book = PeerBook {
            peers: Arc::default(),
            bans: Arc::new(Mutex::new(bans)),
            clock,
        };
        let mut events = handle.subscribe();
        let handle = handle.clone();
        let this = book.clone();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(event) => this.on_event(&handle, event),
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => break,
                }
            }
        });
        book
    }

    fn on_event(&self, handle: &NetworkHandle, event: NetEvent) {
        match event {
            NetEvent::PeerConnected { peer, address, .. } => {
                if let Some(found) = handle.peer(&peer) {
                    let mut peers = lock(&self.peers);
                    let faults = peers.get(&peer).map_or(0, |r| r.faults);
                    let record = PeerRecord {
                        peer: found,
                        connected: true,
                        faults,
                        address,
                        disconnect_reason: None,
                        banned: false,
                    };
                    peers.insert(peer, record);
                }
            }
            NetEvent::GoodbyeSent { peer, reason } => {
                self.note_reason(&peer, &format!("we said goodbye: {reason}"));
            }
            NetEvent::GoodbyeReceived { peer, reason } => {
                self.note_reason(&peer, &format!("the peer said goodbye: {reason}"));
            }
            NetEvent::PeerDisconnected { peer } => self.on_disconnected(&peer),
            NetEvent::DialFailed { peer, error } => {
                let peer = peer.map_or_else(|| "a peer".to_owned(), |p| p.to_string());
                debug!(target: "node::peers", %peer, %error, "cannot reach the peer");
            }
            _ => {}
        }
    }

    fn on_disconnected(&self, peer: &PeerId) {
        if let Some(record) = lock(&self.peers).get_mut(peer) {
            record.connected = false;
            if record.disconnect_reason.is_none() {
                record.disconnect_reason = Some("the connection closed".to_owned());
            }
        }
        self.ban_faulty();
    }

    /// Bans every peer that left with a score below zero, or whose score fell below zero
    /// after it left (a response of its still being verified), once.
    pub fn ban_faulty(&self) {
        let faulty: Vec<(PeerId, Option<IpAddr>)> = lock(&self.peers)
            .iter_mut()
            .filter(|(_, r)| !r.connected && !r.banned && r.score() < 0)
            .map(|(id, r)| {
                r.banned = true;
                r.faults += 1;
                (*id, ip_of(&r.address))
            })
            .collect();
        let now = self.now();
        let mut bans = lock(&self.bans);
        for (peer, ip) in faulty {
            match bans.ban(&peer.to_string(), ip, now) {
                Ok(true) => {
                    info!(target: "node::peers", ip = ?ip, "address banned: too many of its peers were banned");
                }
                Ok(false) => {}
                Err(error) => {
                    warn!(target: "node::peers", %error, "the ban holds until a restart only");
                }
            }
        }
    }

    /// Records why `peer`'s connection ends, unless a reason is already known (the
    /// manager's own reason comes before the Goodbye it sends).
    pub fn note_reason(&self, peer: &PeerId, reason: &str) {
        if let Some(record) = lock(&self.peers).get_mut(peer)
            && record.disconnect_reason.is_none()
        {
            record.disconnect_reason = Some(reason.to_owned());
        }
    }

    /// Every peer seen, by id.
    pub fn snapshot(&self) -> BTreeMap<PeerId, PeerRecord> {
        lock(&self.peers).clone()
    }

    /// Whether `peer` is banned now.
    pub fn is_banned(&self, peer: &PeerId) -> bool {
        lock(&self.bans).is_banned(&peer.to_string(), self.now())
    }

    /// Whether `ip` is banned now (it holds too many banned peers).
    pub fn is_ip_banned(&self, ip: IpAddr) -> bool {
        lock(&self.bans).is_ip_banned(ip, self.now())
    }

    /// How many peers are banned now.
    pub fn banned_count(&self) -> usize {
        lock(&self.bans).len(self.now())
    }

    fn now(&self) -> u64 {
        self.clock.unix_time().as_secs()
    }
}

/// The client an identify agent string names (`Lighthouse/v7.0.1-…` → `lighthouse`), or
/// `unknown`.
pub fn client_of(agent: Option<&str>) -> &'static str {
    let name = agent
        .and_then(|a| a.split('/').next())
        .unwrap_or_default()
        .to_ascii_lowercase();
    const CLIENTS: [(&str, &str); 9] = [
        ("lighthouse", "lighthouse"),
        ("prysm", "prysm"),
        ("teku", "teku"),
        ("nimbus", "nimbus"),
        ("lodestar", "lodestar"),
        ("grandine", "grandine"),
        ("caplin", "caplin"),
        ("erigon", "caplin"),
        ("beacon-sync", "beacon-sync"),
    ];
    CLIENTS
        .iter()
        .find(|(needle, _)| name.contains(needle))
        .map_or("unknown", |(_, client)| client)
}

/// The IP address a multiaddr starts with, if any.
pub(crate) fn ip_of(addr: &Multiaddr) -> Option<IpAddr> {
    addr.iter().find_map(|p| match p {
        Protocol::Ip4(ip) => Some(IpAddr::V4(ip)),
        Protocol::Ip6(ip) => Some(IpAddr::V6(ip)),
        _ => None,
    })
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
/// A banned peer is not dialed.
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

#[cfg(test)]
mod tests {
    use super::client_of;

    #[test]
    fn clients_are_named_from_their_agent_strings() {
        let seen = [
            ("Lighthouse/v7.0.1-e42406d/x86_64-linux", "lighthouse"),
            ("Prysm/v6.0.4/2ca1b3d4", "prysm"),
            (
                "teku/v25.6.0/linux-x86_64/-eclipseadoptium-openjdk64bitservervm-java-21",
                "teku",
            ),
            ("nimbus", "nimbus"),
            ("lodestar/v1.31.0/6a5d7d2", "lodestar"),
            ("Grandine/1.1.2-7e4ef2f/x86_64-linux", "grandine"),
            ("erigon/caplin", "caplin"),
            ("beacon-sync/v0.1.0/x86_64-linux", "beacon-sync"),
            ("rust-libp2p/0.47.0", "unknown"),
        ];
        for (agent, client) in seen {
            assert_eq!(client_of(Some(agent)), client, "{agent}");
        }
        assert_eq!(client_of(None), "unknown");
    }
}
