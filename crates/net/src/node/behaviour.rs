//! The swarm's behaviour: libp2p's connection limits, admission by IP address, then one `request_response`
//! behaviour per [`RpcKind`], each offering the protocol ids of its versions (newest
//! first) with the same codec.

#![allow(missing_docs, unreachable_pub)] // the derive macro generates an undocumented event enum

use std::sync::Arc;

use consensus::config::ChainConfig;
use libp2p::connection_limits::{self, ConnectionLimits};
use libp2p::identify;
use libp2p::request_response::{self, ProtocolSupport};
use libp2p::swarm::NetworkBehaviour;

use super::admission::IpAdmission;
use crate::config::NetConfig;
use crate::metrics::NetMetrics;
use crate::rpc::{RpcCodec, RpcKind};

pub(crate) type RequestResponse = request_response::Behaviour<RpcCodec>;

/// Every req/resp protocol of the node.
#[derive(NetworkBehaviour)]
#[behaviour(prelude = "libp2p::swarm::derive_prelude")]
pub(crate) struct Behaviour {
    /// Denies connections past [`NetConfig`]'s limits before any protocol runs.
    pub(crate) limits: connection_limits::Behaviour,
    /// Denies inbound connections past the per-address share, and banned addresses.
    pub(crate) ip: IpAdmission,
    /// libp2p identify: tells peers our software and learns theirs (every consensus
    /// client runs it).
    pub(crate) identify: identify::Behaviour,
    pub(crate) status: RequestResponse,
    pub(crate) goodbye: RequestResponse,
    pub(crate) ping: RequestResponse,
    pub(crate) metadata: RequestResponse,
    pub(crate) blocks_by_range: RequestResponse,
    pub(crate) blocks_by_root: RequestResponse,
    pub(crate) blobs_by_range: RequestResponse,
    pub(crate) blobs_by_root: RequestResponse,
    pub(crate) columns_by_range: RequestResponse,
    pub(crate) columns_by_root: RequestResponse,
}

impl Behaviour {
    pub(crate) fn new(
        config: &NetConfig,
        chain: &Arc<ChainConfig>,
        metrics: &NetMetrics,
        public: libp2p::identity::PublicKey,
    ) -> Behaviour {
        let make = |kind: RpcKind| {
            let codec = RpcCodec::new(Arc::clone(chain), config.codec_limits())
                .with_metrics(metrics.clone());
            let protocols = kind
                .protocols(config.fulu_protocols)
                .into_iter()
                .map(|p| (p, ProtocolSupport::Full));
            let rr_config = request_response::Config::default()
                .with_request_timeout(config.stream_timeout)
                .with_max_concurrent_streams(config.max_concurrent_streams);
            RequestResponse::with_codec(codec, protocols, rr_config)
        };
        let limits = ConnectionLimits::default()
            .with_max_pending_incoming(Some(config.max_pending_incoming))
            .with_max_established_incoming(Some(config.max_incoming_connections))
            .with_max_established(Some(config.max_connections))
            .with_max_established_per_peer(Some(config.max_connections_per_peer));
        Behaviour {
            limits: connection_limits::Behaviour::new(limits),
            ip: IpAdmission::new(
                config.max_incoming_per_ip,
                config.ip_ban_threshold,
                config.ip_ban_duration,
            ),
            identify: identify::Behaviour::new(
                identify::Config::new(IDENTIFY_PROTOCOL.to_owned(), public)
                    .with_agent_version(agent_version()),
            ),
            status: make(RpcKind::Status),
            goodbye: make(RpcKind::Goodbye),
            ping: make(RpcKind::Ping),
            metadata: make(RpcKind::MetaData),
            blocks_by_range: make(RpcKind::BlocksByRange),
            blocks_by_root: make(RpcKind::BlocksByRoot),
            blobs_by_range: make(RpcKind::BlobsByRange),
            blobs_by_root: make(RpcKind::BlobsByRoot),
            columns_by_range: make(RpcKind::ColumnsByRange),
            columns_by_root: make(RpcKind::ColumnsByRoot),
        }
    }

    /// The behaviour of `kind`.
    pub(crate) fn of(&mut self, kind: RpcKind) -> &mut RequestResponse {
        match kind {
            RpcKind::Status => &mut self.status,
            RpcKind::Goodbye => &mut self.goodbye,
            RpcKind::Ping => &mut self.ping,
            RpcKind::MetaData => &mut self.metadata,
            RpcKind::BlocksByRange => &mut self.blocks_by_range,
            RpcKind::BlocksByRoot => &mut self.blocks_by_root,
            RpcKind::BlobsByRange => &mut self.blobs_by_range,
            RpcKind::BlobsByRoot => &mut self.blobs_by_root,
            RpcKind::ColumnsByRange => &mut self.columns_by_range,
            RpcKind::ColumnsByRoot => &mut self.columns_by_root,
        }
    }
}

/// The identify protocol version consensus clients announce.
const IDENTIFY_PROTOCOL: &str = "eth2/1.0.0";

/// Our software's name, as identify announces it and the beacon API's
/// `/eth/v1/node/version` gives it: `beacon-sync/v<version>/<arch>-<os>`, in the form
/// other clients use (`Lighthouse/v7.0.1-e42406d/x86_64-linux`).
pub fn agent_version() -> String {
    format!(
        "beacon-sync/v{}/{}-{}",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::ARCH,
        std::env::consts::OS
    )
}

/// A behaviour event: a request-response event of a kind, or what identify learned.
pub(crate) enum Split {
    Rpc(
        RpcKind,
        request_response::Event<crate::rpc::RpcRequest, crate::rpc::RpcResponse>,
    ),
    Identified(libp2p::PeerId, String),
    Other,
}

/// Splits a behaviour event into its kind and the request-response event, or identify's.
pub(crate) fn split(event: BehaviourEvent) -> Split {
    let (kind, e) = match event {
        BehaviourEvent::Limits(never) | BehaviourEvent::Ip(never) => match never {},
        BehaviourEvent::Identify(identify::Event::Received { peer_id, info, .. }) => {
            return Split::Identified(peer_id, info.agent_version);
        }
        BehaviourEvent::Identify(_) => return Split::Other,
        BehaviourEvent::Status(e) => (RpcKind::Status, e),
        BehaviourEvent::Goodbye(e) => (RpcKind::Goodbye, e),
        BehaviourEvent::Ping(e) => (RpcKind::Ping, e),
        BehaviourEvent::Metadata(e) => (RpcKind::MetaData, e),
        BehaviourEvent::BlocksByRange(e) => (RpcKind::BlocksByRange, e),
        BehaviourEvent::BlocksByRoot(e) => (RpcKind::BlocksByRoot, e),
        BehaviourEvent::BlobsByRange(e) => (RpcKind::BlobsByRange, e),
        BehaviourEvent::BlobsByRoot(e) => (RpcKind::BlobsByRoot, e),
        BehaviourEvent::ColumnsByRange(e) => (RpcKind::ColumnsByRange, e),
        BehaviourEvent::ColumnsByRoot(e) => (RpcKind::ColumnsByRoot, e),
    };
    Split::Rpc(kind, e)
}
