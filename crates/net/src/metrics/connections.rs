//! Connection metrics: peers by state, disconnects by reason, inbound connections refused
//! before any protocol ran, and IP bans (see [`NetMetrics`](super::NetMetrics)).

use libp2p::connection_limits::Exceeded;
use libp2p::swarm::ConnectionDenied;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::{counter::Counter, family::Family, gauge::Gauge};
use prometheus_client::registry::Registry;

use super::{NetMetrics, ReasonLabel};
use crate::node::IpRefusal;
use crate::status::GoodbyeReason;

/// Where a connected peer is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ConnectionState {
    Handshaking,
    Ready,
    Leaving,
}

impl ConnectionState {
    const ALL: [ConnectionState; 3] = [
        ConnectionState::Handshaking,
        ConnectionState::Ready,
        ConnectionState::Leaving,
    ];

    const fn label(self) -> &'static str {
        match self {
            ConnectionState::Handshaking => "handshaking",
            ConnectionState::Ready => "ready",
            ConnectionState::Leaving => "leaving",
        }
    }
}

/// Why a peer's connection ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Disconnect {
    /// We said Goodbye.
    Sent(GoodbyeReason),
    /// We let it go (Goodbye 3) because it did not read its responses.
    NotReading,
    /// It said Goodbye.
    Received(GoodbyeReason),
    /// The connection closed without a Goodbye.
    Closed,
}

impl Disconnect {
    const fn labels(self) -> DisconnectLabels {
        let (by, reason) = match self {
            Disconnect::Sent(reason) => ("us", reason.label()),
            Disconnect::NotReading => ("us", "not_reading"),
            Disconnect::Received(reason) => ("peer", reason.label()),
            Disconnect::Closed => ("connection", "closed"),
        };
        DisconnectLabels { by, reason }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DisconnectLabels {
    by: &'static str,
    reason: &'static str,
}

/// The connection families of [`NetMetrics`](super::NetMetrics).
#[derive(Clone, Default)]
pub(super) struct ConnectionMetrics {
    states: Family<StateLabel, Gauge>,
    disconnects: Family<DisconnectLabels, Counter>,
    refused: Family<ReasonLabel, Counter>,
    ip_bans: Counter,
}

impl ConnectionMetrics {
    pub(super) fn register(&self, sub: &mut Registry) {
        for state in ConnectionState::ALL {
            drop(self.states.get_or_create(&StateLabel {
                state: state.label(),
            }));
        }
        sub.register(
            "connections",
            "Connected peers by state: handshaking, ready (in the pool), leaving",
            self.states.clone(),
        );
        sub.register(
            "disconnects",
            "Peers gone, by who ended the connection and why",
            self.disconnects.clone(),
        );
        sub.register(
            "connections_refused",
            "Inbound connections refused before any protocol ran, by reason",
            self.refused.clone(),
        );
        sub.register("ip_bans", "IP addresses banned", self.ip_bans.clone());
    }
}

/// The `reason` label of an inbound connection denied by a behaviour.
fn refusal_label(cause: &ConnectionDenied) -> &'static str {
    match cause.downcast_ref::<IpRefusal>() {
        Some(IpRefusal::TooManyFromIp { .. }) => "too_many_from_ip",
        Some(IpRefusal::Banned { .. }) => "banned_ip",
        None if cause.downcast_ref::<Exceeded>().is_some() => "connection_limit",
        None => "other",
    }
}

impl NetMetrics {
    /// Sets the `connections` gauge from the count of peers in each state.
    pub(crate) fn connection_states(&self, count: impl Fn(ConnectionState) -> usize) {
        for state in ConnectionState::ALL {
            let n = i64::try_from(count(state)).unwrap_or(i64::MAX);
            self.connections
                .states
                .get_or_create(&StateLabel {
                    state: state.label(),
                })
                .set(n);
        }
    }

    /// Counts a peer gone.
    pub(crate) fn disconnect(&self, why: Disconnect) {
        self.connections
            .disconnects
            .get_or_create(&why.labels())
            .inc();
    }

    /// Counts an inbound connection denied before any protocol ran.
    pub(crate) fn connection_refused(&self, cause: &ConnectionDenied) {
        self.connections
            .refused
            .get_or_create(&ReasonLabel {
                reason: refusal_label(cause),
            })
            .inc();
    }

    /// Counts an IP address banned.
    pub(crate) fn ip_banned(&self) {
        self.connections.ip_bans.inc();
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use prometheus_client::encoding::text::encode;

    use super::*;

    #[test]
    fn connection_families_are_registered_and_labelled() {
        let mut registry = Registry::default();
        let metrics = NetMetrics::register(&mut registry);
        metrics.connection_states(|s| match s {
            ConnectionState::Ready => 3,
            _ => 0,
        });
        metrics.disconnect(Disconnect::NotReading);
        metrics.disconnect(Disconnect::Sent(GoodbyeReason::BadScore));
        metrics.disconnect(Disconnect::Received(GoodbyeReason::Other(7)));
        metrics.disconnect(Disconnect::Closed);
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        metrics.connection_refused(&ConnectionDenied::new(IpRefusal::Banned { ip }));
        metrics.connection_refused(&ConnectionDenied::new(IpRefusal::TooManyFromIp {
            ip,
            limit: 8,
        }));
        metrics.ip_banned();
        let mut text = String::new();
        encode(&mut text, &registry).expect("encodes");
        for line in [
            r#"beacon_sync_net_connections{state="ready"} 3"#,
            r#"beacon_sync_net_connections{state="handshaking"} 0"#,
            r#"beacon_sync_net_disconnects_total{by="us",reason="not_reading"} 1"#,
            r#"beacon_sync_net_disconnects_total{by="us",reason="bad_score"} 1"#,
            r#"beacon_sync_net_disconnects_total{by="peer",reason="other"} 1"#,
            r#"beacon_sync_net_disconnects_total{by="connection",reason="closed"} 1"#,
            r#"beacon_sync_net_connections_refused_total{reason="banned_ip"} 1"#,
            r#"beacon_sync_net_connections_refused_total{reason="too_many_from_ip"} 1"#,
            "beacon_sync_net_ip_bans_total 1",
        ] {
            assert!(text.lines().any(|l| l == line), "no {line} in:\n{text}");
        }
    }
}
