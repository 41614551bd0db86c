//! Admission by IP address, beside libp2p's connection limits (which count connections
//! but not where they come from):
//!
//! - at most [`NetConfig::max_incoming_per_ip`](crate::NetConfig::max_incoming_per_ip)
//!   inbound connections from one IP address, counted from the moment the transport
//!   accepts them (a connection still being set up counts), so one host with many
//!   identities cannot take every inbound slot;
//! - an address from which more than
//!   [`NetConfig::ip_ban_threshold`](crate::NetConfig::ip_ban_threshold) peers were let go
//!   for their score within [`NetConfig::ip_ban_duration`](crate::NetConfig::ip_ban_duration)
//!   is banned for that long: its new connections are refused before any protocol runs
//!   (Lighthouse bans an IP with more than 5 banned peers). Connections already open stay
//!   until their own peers misbehave.
//!
//! Refusals reach the swarm as [`ConnectionDenied`] carrying an [`IpRefusal`], which the
//! swarm task counts by reason.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::net::IpAddr;
use std::task::{Context, Poll};
use std::time::Duration;

use libp2p::core::transport::PortUse;
use libp2p::core::{ConnectedPoint, Endpoint};
use libp2p::multiaddr::Protocol;
use libp2p::swarm::behaviour::ConnectionEstablished;
use libp2p::swarm::{
    ConnectionClosed, ConnectionDenied, ConnectionId, FromSwarm, ListenFailure, NetworkBehaviour,
    THandler, THandlerInEvent, THandlerOutEvent, ToSwarm, dummy,
};
use libp2p::{Multiaddr, PeerId};
use tokio::time::Instant;

/// Why a connection was refused for its address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IpRefusal {
    /// The address already has the most inbound connections allowed.
    #[error("{ip} already has {limit} inbound connections")]
    TooManyFromIp {
        /// The address.
        ip: IpAddr,
        /// The limit it reached.
        limit: u32,
    },
    /// Too many peers from the address were let go for their score.
    #[error("{ip} is banned: too many of its peers were let go for their score")]
    Banned {
        /// The address.
        ip: IpAddr,
    },
}

/// The IP address of a `/ip4/...` or `/ip6/...` multiaddr.
pub(crate) fn ip_of(addr: &Multiaddr) -> Option<IpAddr> {
    addr.iter().find_map(|p| match p {
        Protocol::Ip4(ip) => Some(IpAddr::V4(ip)),
        Protocol::Ip6(ip) => Some(IpAddr::V6(ip)),
        _ => None,
    })
}

/// The most addresses whose strikes are remembered; the oldest are forgotten first.
const MAX_REMEMBERED_IPS: usize = 4096;

/// Per-IP admission (see the [module docs](self)).
pub(crate) struct IpAdmission {
    max_incoming_per_ip: u32,
    ban_threshold: usize,
    ban_duration: Duration,
    /// Inbound connections per address, pending ones included.
    incoming: HashMap<IpAddr, u32>,
    /// The address of every inbound connection counted in `incoming`.
    connections: HashMap<ConnectionId, IpAddr>,
    /// The address each connected peer came from or was dialed at.
    peers: HashMap<PeerId, IpAddr>,
    /// When peers from an address were let go for their score, oldest first.
    strikes: HashMap<IpAddr, VecDeque<Instant>>,
    banned: HashMap<IpAddr, Instant>,
}

impl IpAdmission {
    pub(crate) fn new(
        max_incoming_per_ip: u32,
        ban_threshold: usize,
        ban_duration: Duration,
    ) -> IpAdmission {
        IpAdmission {
            max_incoming_per_ip,
            ban_threshold,
            ban_duration,
            incoming: HashMap::new(),
            connections: HashMap::new(),
            peers: HashMap::new(),
            strikes: HashMap::new(),
            banned: HashMap::new(),
        }
    }

    /// Records that `peer` was let go for its score; its address is banned once more
    /// than the threshold of its peers were within the ban duration. Returns the address
    /// when this strike banned it.
    pub(crate) fn strike(&mut self, peer: &PeerId, now: Instant) -> Option<IpAddr> {
        let ip = *self.peers.get(peer)?;
        if self.strikes.len() >= MAX_REMEMBERED_IPS && !self.strikes.contains_key(&ip) {
            self.forget_expired(now);
            if self.strikes.len() >= MAX_REMEMBERED_IPS {
                return None;
            }
        }
        let strikes = self.strikes.entry(ip).or_default();
        while strikes
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.ban_duration)
        {
            strikes.pop_front();
        }
        strikes.push_back(now);
        if strikes.len() > self.ban_threshold && !self.is_banned(ip, now) {
            self.banned.insert(ip, now + self.ban_duration);
            return Some(ip);
        }
        None
    }

    /// Whether `ip` is banned at `now`.
    pub(crate) fn is_banned(&self, ip: IpAddr, now: Instant) -> bool {
        self.banned.get(&ip).is_some_and(|until| now < *until)
    }

    fn forget_expired(&mut self, now: Instant) {
        let window = self.ban_duration;
        self.strikes
            .retain(|_, s| s.back().is_some_and(|t| now.duration_since(*t) < window));
        self.banned.retain(|_, until| now < *until);
    }

    fn admit(
        &mut self,
        connection: ConnectionId,
        remote: &Multiaddr,
    ) -> Result<(), ConnectionDenied> {
        let Some(ip) = ip_of(remote) else {
            return Ok(());
        };
        if self.is_banned(ip, Instant::now()) {
            return Err(ConnectionDenied::new(IpRefusal::Banned { ip }));
        }
        let count = self.incoming.entry(ip).or_default();
        if *count >= self.max_incoming_per_ip {
            return Err(ConnectionDenied::new(IpRefusal::TooManyFromIp {
                ip,
                limit: self.max_incoming_per_ip,
            }));
        }
        *count += 1;
        self.connections.insert(connection, ip);
        Ok(())
    }

    fn release(&mut self, connection: ConnectionId) {
        let Some(ip) = self.connections.remove(&connection) else {
            return;
        };
        if let Some(count) = self.incoming.get_mut(&ip) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.incoming.remove(&ip);
            }
        }
    }
}

impl NetworkBehaviour for IpAdmission {
    type ConnectionHandler = dummy::ConnectionHandler;
    type ToSwarm = Infallible;

    fn handle_pending_inbound_connection(
        &mut self,
        connection_id: ConnectionId,
        _local: &Multiaddr,
        remote: &Multiaddr,
    ) -> Result<(), ConnectionDenied> {
        self.admit(connection_id, remote)
    }

    fn handle_established_inbound_connection(
        &mut self,
        _connection_id: ConnectionId,
        _peer: PeerId,
        _local: &Multiaddr,
        _remote: &Multiaddr,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        Ok(dummy::ConnectionHandler)
    }

    fn handle_established_outbound_connection(
        &mut self,
        _connection_id: ConnectionId,
        _peer: PeerId,
        _addr: &Multiaddr,
        _role: Endpoint,
        _port_use: PortUse,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        Ok(dummy::ConnectionHandler)
    }

    fn on_swarm_event(&mut self, event: FromSwarm<'_>) {
        match event {
            FromSwarm::ConnectionEstablished(ConnectionEstablished {
                peer_id, endpoint, ..
            }) => {
                if let Some(ip) = ip_of(endpoint.get_remote_address()) {
                    self.peers.insert(peer_id, ip);
                }
            }
            FromSwarm::ConnectionClosed(ConnectionClosed {
                peer_id,
                connection_id,
                remaining_established,
                endpoint,
                ..
            }) => {
                if matches!(endpoint, ConnectedPoint::Listener { .. }) {
                    self.release(connection_id);
                }
                if remaining_established == 0 {
                    self.peers.remove(&peer_id);
                }
            }
            FromSwarm::ListenFailure(ListenFailure { connection_id, .. }) => {
                self.release(connection_id);
            }
            _ => {}
        }
    }

    fn on_connection_handler_event(
        &mut self,
        _peer: PeerId,
        _connection: ConnectionId,
        event: THandlerOutEvent<Self>,
    ) {
        match event {}
    }

    fn poll(&mut self, _: &mut Context<'_>) -> Poll<ToSwarm<Infallible, THandlerInEvent<Self>>> {
        Poll::Pending
    }
}

#[cfg(test)]
#[path = "admission_tests.rs"]
mod tests;
