//! [`NetMetrics`]: the network layer's Prometheus metrics (prometheus-client), registered
//! into the one registry the binary serves, with libp2p's own swarm metrics beside them.
//!
//! Each request is counted once, by its direction (`inbound`: a peer asked us;
//! `outbound`: we asked a peer), its protocol ([`RpcKind::name`]) and how it ended:
//!
//! - an **inbound** request when we decide the answer (the first chunk is not out yet):
//!   `success`, or the error code we answer with (`invalid_request`, `rate_limited`,
//!   `resource_unavailable`). A response that then fails on its way out (the peer went
//!   away mid-stream) keeps that count: libp2p reports such failures only for requests
//!   that reached us, so counting them too would count the request twice;
//! - an **outbound** request when its reply reaches the caller: `success`, the peer's
//!   error code (`invalid_request`, `server_error`, `resource_unavailable`,
//!   `rate_limited`), or the failure (`timeout`, `disconnected`, `malformed`,
//!   `unsupported_protocol`, `cancelled` by our shutdown).
//!
//! Response bytes are counted by the codec as they cross the stream (snappy-framed
//! chunks as on the wire), so both ends of one response count the same number.

use std::fmt;
use std::sync::Arc;

use libp2p::metrics::Recorder;
use libp2p::swarm::SwarmEvent;
use peer_pool::PeerType;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::{counter::Counter, family::Family, gauge::Gauge};
use prometheus_client::registry::{Registry, Unit};
use sync_types::RequestError;

use crate::codec::ResultCode;
use crate::rpc::{ReceivedResponse, RpcError, RpcKind, error_chunk_to_request_error, rpc_error};
use crate::status::StatusError;

mod connections;

pub(crate) use connections::{ConnectionState, Disconnect};

/// The network layer's metrics. Cheap to clone (clones share the values); `Default`
/// gives metrics that count but are in no registry (and no libp2p metrics).
///
/// Registered by [`NetMetrics::register`] as:
///
/// - `beacon_sync_net_requests_total{direction, protocol, result}` (counter): req/resp
///   requests by how they ended (see the [module docs](self));
/// - `beacon_sync_net_response_bytes_total{direction, protocol}` (counter): bytes of
///   responses, sent for inbound requests and received for outbound ones;
/// - `beacon_sync_net_peers{direction}` (gauge): connected peers that passed the status
///   handshake, by who dialed (`inbound`: they did);
/// - `beacon_sync_net_handshake_failures_total{reason}` (counter): peers sent away over
///   their status: refused (`fork_digest_mismatch`, `finalized_after_head`,
///   `head_in_future`, `different_finality`; at the handshake or a later status
///   exchange), `timeout` (no status in time), `status_request_failed` (our status
///   request failed or its answer was unusable) or `pool_refused` (the pool was full or
///   the score too low);
/// - `beacon_sync_net_connections{state}` (gauge): connected peers by where they are:
///   `handshaking`, `ready` (in the pool), `leaving` (Goodbye said or heard);
/// - `beacon_sync_net_disconnects_total{by, reason}` (counter): peers gone, once each, by
///   who ended it (`us` or `peer` with the Goodbye's reason: `client_shutdown`,
///   `irrelevant_network`, `fault`, `too_many_peers`, `bad_score`, `banned`, `other`;
///   `us` with `not_reading` for a peer that stopped reading its responses; `connection`
///   with `closed` when it closed without a Goodbye);
/// - `beacon_sync_net_connections_refused_total{reason}` (counter): inbound connections
///   refused before any protocol ran: `too_many_from_ip`, `banned_ip`, or
///   `connection_limit` (libp2p's limits: pending, inbound, total, per peer);
/// - `beacon_sync_net_ip_bans_total` (counter): IP addresses banned;
/// - libp2p's own metrics (`libp2p_swarm_...`: connections, dials, listeners), recorded
///   from the swarm task's events.
///
/// Hand it to the node through [`NodeSetup::metrics`](crate::NodeSetup::metrics); register
/// one `NetMetrics` per registry (a second would register every family again).
#[derive(Clone, Default)]
pub struct NetMetrics {
    requests: Family<RequestLabels, Counter>,
    response_bytes: Family<TransferLabels, Counter>,
    peers: Family<DirectionLabel, Gauge>,
    handshake_failures: Family<ReasonLabel, Counter>,
    responses_in_flight: Gauge,
    connections: connections::ConnectionMetrics,
    libp2p: Option<Arc<libp2p::metrics::Metrics>>,
}

impl fmt::Debug for NetMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NetMetrics")
            .field("libp2p", &self.libp2p.is_some())
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    direction: &'static str,
    protocol: &'static str,
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TransferLabels {
    direction: &'static str,
    protocol: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DirectionLabel {
    direction: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

/// Who opened a request (or a connection): a peer (`inbound`) or we (`outbound`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Direction {
    Inbound,
    Outbound,
}

impl Direction {
    const fn label(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }
}

impl From<PeerType> for Direction {
    fn from(kind: PeerType) -> Self {
        match kind {
            PeerType::Incoming => Direction::Inbound,
            PeerType::Outgoing => Direction::Outbound,
        }
    }
}

/// How a request ended (the `result` label).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum RequestResult {
    Success,
    InvalidRequest,
    RateLimited,
    /// Refused: too many responses in flight (to the peer or in all).
    Busy,
    ResourceUnavailable,
    ServerError,
    Timeout,
    Disconnected,
    Malformed,
    UnsupportedProtocol,
    Cancelled,
}

impl RequestResult {
    const fn label(self) -> &'static str {
        match self {
            RequestResult::Success => "success",
            RequestResult::InvalidRequest => "invalid_request",
            RequestResult::RateLimited => "rate_limited",
            RequestResult::Busy => "busy",
            RequestResult::ResourceUnavailable => "resource_unavailable",
            RequestResult::ServerError => "server_error",
            RequestResult::Timeout => "timeout",
            RequestResult::Disconnected => "disconnected",
            RequestResult::Malformed => "malformed",
            RequestResult::UnsupportedProtocol => "unsupported_protocol",
            RequestResult::Cancelled => "cancelled",
        }
    }

    /// How an outbound request failed.
    pub(crate) fn of_error(error: &RequestError) -> RequestResult {
        match error {
            RequestError::Timeout => RequestResult::Timeout,
            RequestError::Disconnected => RequestResult::Disconnected,
            RequestError::RateLimited { .. } => RequestResult::RateLimited,
            RequestError::ResourceUnavailable => RequestResult::ResourceUnavailable,
            RequestError::ServerError { code } if *code == ResultCode::InvalidRequest.as_u8() => {
                RequestResult::InvalidRequest
            }
            RequestError::ServerError { .. } => RequestResult::ServerError,
            RequestError::Malformed(_) => match rpc_error(error) {
                Some(RpcError::UnsupportedProtocol { .. }) => RequestResult::UnsupportedProtocol,
                _ => RequestResult::Malformed,
            },
            RequestError::Cancelled => RequestResult::Cancelled,
        }
    }

    /// How an outbound request that got an answer ended: its error chunk, if any, read
    /// as the sync reads it.
    pub(crate) fn of_response(received: &ReceivedResponse) -> RequestResult {
        received
            .error
            .as_ref()
            .map_or(RequestResult::Success, |chunk| {
                RequestResult::of_error(&error_chunk_to_request_error(chunk))
            })
    }

    /// How we answered an inbound request: with chunks, or with this error code.
    pub(crate) const fn of_code(code: ResultCode) -> RequestResult {
        match code {
            ResultCode::Success => RequestResult::Success,
            ResultCode::InvalidRequest => RequestResult::InvalidRequest,
            ResultCode::ResourceUnavailable => RequestResult::ResourceUnavailable,
            ResultCode::RateLimited => RequestResult::RateLimited,
            _ => RequestResult::ServerError,
        }
    }
}

/// Why a peer was sent away over its status (the `reason` label).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum HandshakeFailure {
    /// Its status was refused.
    Refused(&'static str),
    /// No status exchanged within the handshake timeout.
    Timeout,
    /// Our status request failed or its answer was unusable.
    StatusRequestFailed,
    /// The pool did not admit it.
    PoolRefused,
}

impl From<&StatusError> for HandshakeFailure {
    fn from(error: &StatusError) -> Self {
        HandshakeFailure::Refused(match error {
            StatusError::ForkDigestMismatch { .. } => "fork_digest_mismatch",
            StatusError::FinalizedAfterHead { .. } => "finalized_after_head",
            StatusError::HeadInFuture { .. } => "head_in_future",
            StatusError::DifferentFinality { .. } => "different_finality",
        })
    }
}

impl HandshakeFailure {
    const fn label(self) -> &'static str {
        match self {
            HandshakeFailure::Refused(reason) => reason,
            HandshakeFailure::Timeout => "timeout",
            HandshakeFailure::StatusRequestFailed => "status_request_failed",
            HandshakeFailure::PoolRefused => "pool_refused",
        }
    }
}

/// One connected peer in the `peers` gauge, for as long as this lives (it sits in the
/// peer's `Ready` state, so every way out of that state takes the peer off the gauge).
pub(crate) struct ConnectedPeer {
    gauge: Gauge,
}

impl Drop for ConnectedPeer {
    fn drop(&mut self) {
        self.gauge.dec();
    }
}

impl NetMetrics {
    /// New metrics registered into `registry`: ours under `beacon_sync_net_...`,
    /// libp2p's under `libp2p_...` (libp2p's `Metrics::new` makes that sub-registry).
    pub fn register(registry: &mut Registry) -> NetMetrics {
        let libp2p = Arc::new(libp2p::metrics::Metrics::new(registry));
        let metrics = NetMetrics {
            libp2p: Some(libp2p),
            ..NetMetrics::default()
        };
        let sub = registry.sub_registry_with_prefix("beacon_sync_net");
        sub.register(
            "requests",
            "Req/resp requests by direction (inbound: a peer asked us), protocol and result",
            metrics.requests.clone(),
        );
        sub.register_with_unit(
            "response",
            "Response bytes on the wire, sent for inbound requests, received for outbound ones",
            Unit::Bytes,
            metrics.response_bytes.clone(),
        );
        // Both directions from the start, so a dashboard sees 0 rather than no series.
        for direction in [Direction::Inbound, Direction::Outbound] {
            drop(metrics.peers.get_or_create(&DirectionLabel {
                direction: direction.label(),
            }));
        }
        sub.register(
            "peers",
            "Connected peers that passed the status handshake, by who dialed",
            metrics.peers.clone(),
        );
        sub.register(
            "handshake_failures",
            "Peers sent away over their status, by reason",
            metrics.handshake_failures.clone(),
        );
        sub.register(
            "responses_in_flight",
            "Block and blob responses being read, buffered or written to peers",
            metrics.responses_in_flight.clone(),
        );
        metrics.connections.register(sub);
        metrics
    }

    /// The gauge of block and blob responses in flight.
    pub(crate) fn responses_in_flight(&self) -> Gauge {
        self.responses_in_flight.clone()
    }

    /// Counts one request of `kind` that ended with `result`.
    pub(crate) fn request(&self, direction: Direction, kind: RpcKind, result: RequestResult) {
        self.requests
            .get_or_create(&RequestLabels {
                direction: direction.label(),
                protocol: kind.name(),
                result: result.label(),
            })
            .inc();
    }

    /// The counter of response bytes of `kind` (one lookup per stream, then lock-free).
    pub(crate) fn response_bytes(&self, direction: Direction, kind: RpcKind) -> Counter {
        self.response_bytes
            .get_or_create(&TransferLabels {
                direction: direction.label(),
                protocol: kind.name(),
            })
            .clone()
    }

    /// Puts a peer that passed the handshake on the `peers` gauge until the returned
    /// guard is dropped.
    pub(crate) fn connected_peer(&self, direction: PeerType) -> ConnectedPeer {
        let gauge = self
            .peers
            .get_or_create(&DirectionLabel {
                direction: Direction::from(direction).label(),
            })
            .clone();
        gauge.inc();
        ConnectedPeer { gauge }
    }

    /// Counts a peer sent away over its status.
    pub(crate) fn handshake_failure(&self, reason: HandshakeFailure) {
        self.handshake_failures
            .get_or_create(&ReasonLabel {
                reason: reason.label(),
            })
            .inc();
    }

    /// Hands a swarm event to libp2p's metrics (when registered).
    pub(crate) fn record_swarm_event<E>(&self, event: &SwarmEvent<E>) {
        if let Some(libp2p) = &self.libp2p {
            libp2p.record(event);
        }
    }
}

#[cfg(test)]
mod tests {
    use prometheus_client::encoding::text::encode;

    use super::*;

    #[test]
    fn families_follow_prometheus_naming() {
        let mut registry = Registry::default();
        let metrics = NetMetrics::register(&mut registry);
        metrics.request(
            Direction::Inbound,
            RpcKind::BlocksByRange,
            RequestResult::RateLimited,
        );
        metrics
            .response_bytes(Direction::Outbound, RpcKind::Status)
            .inc_by(92);
        let connected = metrics.connected_peer(PeerType::Incoming);
        metrics.handshake_failure(HandshakeFailure::Timeout);
        let mut text = String::new();
        encode(&mut text, &registry).expect("encodes");
        for line in [
            r#"beacon_sync_net_requests_total{direction="inbound",protocol="blocks_by_range",result="rate_limited"} 1"#,
            r#"beacon_sync_net_response_bytes_total{direction="outbound",protocol="status"} 92"#,
            r#"beacon_sync_net_peers{direction="inbound"} 1"#,
            r#"beacon_sync_net_handshake_failures_total{reason="timeout"} 1"#,
        ] {
            assert!(text.lines().any(|l| l == line), "no {line} in:\n{text}");
        }
        drop(connected);
        text.clear();
        encode(&mut text, &registry).expect("encodes");
        assert!(
            text.contains(r#"beacon_sync_net_peers{direction="inbound"} 0"#),
            "{text}"
        );
    }

    #[test]
    fn error_chunks_and_failures_map_to_results() {
        assert_eq!(
            RequestResult::of_error(&RequestError::ServerError { code: 1 }),
            RequestResult::InvalidRequest
        );
        assert_eq!(
            RequestResult::of_error(&RequestError::ServerError { code: 2 }),
            RequestResult::ServerError
        );
        let unsupported = RequestError::Malformed(Box::new(RpcError::UnsupportedProtocol {
            kind: RpcKind::Ping,
        }));
        assert_eq!(
            RequestResult::of_error(&unsupported),
            RequestResult::UnsupportedProtocol
        );
        assert_eq!(
            RequestResult::of_code(ResultCode::RateLimited),
            RequestResult::RateLimited
        );
    }
}
