//! beacon-sync's eth2 req/resp networking.
//!
//! Two layers:
//!
//! - the `ssz_snappy` codec ([`codec`]): the byte format of every request and response
//!   chunk of the eth2 req/resp protocols (Status, Goodbye, Ping, MetaData, blocks and
//!   blob/data-column sidecars by range and by root), with the protocol ids, the size
//!   bounds of each type, result codes, context bytes and typed decoding of blocks and
//!   sidecars;
//! - the libp2p node on top of it: TCP + noise + yamux/mplex ([`transport`]) with a
//!   persisted secp256k1 identity ([`identity`]), the protocols as libp2p
//!   request-response behaviours ([`rpc`]), the status handshake ([`status`]), the
//!   serving side with its quotas ([`server`], [`quota`], [`source`]), and [`NetPeer`],
//!   the `sync-types` [`SyncPeer`](sync_types::SyncPeer) over the network, which joins a
//!   [`peer_pool::PeerPool`] once its status is accepted. [`Node::start`] runs it all in
//!   one swarm task driven through a [`NetworkHandle`], reporting to [`NetMetrics`]
//!   ([`metrics`]: requests, response bytes, peers, handshake failures, and libp2p's own
//!   swarm metrics).
//!
//! # Where it sits
//!
//! `net` depends on `consensus` (SSZ containers, fork digests), `sync-types` (the
//! `SyncPeer` seam it implements) and `peer-pool`; only the binary and the end-to-end
//! tests depend on it. The sync crates (`sync-queue`, `peer-pool`, `sync-manager`) never
//! see libp2p: they reach peers through the `SyncPeer` seam (the project's DESIGN.md,
//! section "Workspace").
//!
//! # Starting a node
//!
//! ```no_run
//! # async fn example(devnet: &consensus::devnet::Devnet) -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use net::{MemorySource, NetConfig, NetMetrics, Node, NodeSetup, SystemClock};
//! use peer_pool::{PeerPool, PoolConfig, PoolMetrics};
//! use prometheus_client::registry::Registry;
//!
//! // The one registry the binary serves: the network's, the pool's and libp2p's metrics.
//! let mut registry = Registry::default();
//! let node = Node::start(NodeSetup {
//!     keypair: net::load_or_create_identity("data".as_ref())?,
//!     config: NetConfig::default(),
//!     chain: devnet.config().clone(),
//!     source: Arc::new(MemorySource::from_devnet(devnet)),
//!     clock: Arc::new(SystemClock),
//!     pool: PeerPool::new(PoolConfig::default())?
//!         .with_metrics(PoolMetrics::register(&mut registry)),
//!     listen: "/ip4/127.0.0.1/tcp/0".parse()?,
//!     metrics: NetMetrics::register(&mut registry),
//! })
//! .await?;
//! println!("dial me at {:?}", node.handle().dial_addr());
//! node.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! The clock decides what is served: blob sidecars and columns only inside the retention
//! windows of the wall clock's epoch, as the spec says. A devnet whose genesis time lies
//! months back (the default devnet's) therefore serves its blocks but no blob data under
//! the [`SystemClock`]; serve it with a [`ManualClock`] set at its head
//! (`ManualClock::at_slot`), as `examples/adopters/src/bin/pull_range.rs` does. The key
//! can also be a fresh one in memory ([`generate_identity`]); [`Keypair`], [`Multiaddr`]
//! and [`PeerId`] are re-exported, and [`NetMetrics::default`] stands for metrics nobody
//! reads.
//!
//! # The codec
//!
//! ```
//! use bytes::BytesMut;
//! use net::codec::{Protocol, ResponseChunk, ResponseDecoder, encode_success_chunk};
//!
//! let ping = 7u64.to_le_bytes();
//! let mut wire = Vec::new();
//! encode_success_chunk(Protocol::Ping, None, &ping, &mut wire)?;
//!
//! // Bytes arrive in pieces; the decoder waits for a whole chunk.
//! let mut decoder = ResponseDecoder::new(Protocol::Ping);
//! let mut buf = BytesMut::new();
//! let (first, rest) = wire.split_at(3);
//! buf.extend_from_slice(first);
//! assert_eq!(decoder.decode(&mut buf)?, None);
//! buf.extend_from_slice(rest);
//! let Some(ResponseChunk::Success(chunk)) = decoder.decode(&mut buf)? else { panic!() };
//! assert_eq!(chunk.decode_ssz::<u64>()?, 7);
//! assert_eq!(decoder.decode_eof(&mut buf)?, None);
//! # Ok::<(), net::codec::CodecError>(())
//! ```
//!
//! # Features
//!
//! None.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod clock;
pub mod codec;
pub mod config;
pub mod discovery;
pub mod identity;
pub mod metrics;
pub mod node;
pub mod peer;
pub mod quota;
pub mod rpc;
pub mod server;
pub mod source;
pub mod status;
pub mod transport;

pub use clock::{ManualClock, SystemClock, WallClock};
pub use config::NetConfig;
pub use identity::{IdentityError, load_or_create_identity, node_id, peer_node_id};
pub use metrics::NetMetrics;
pub use node::{
    ConnectError, IpRefusal, NetError, NetEvent, NetworkHandle, Node, NodeSetup, agent_version,
};
pub use peer::NetPeer;
pub use quota::{Quota, QuotaSet};
pub use rpc::{MetaDataMessage, ReceivedResponse, RpcError, RpcKind, RpcRequest, rpc_error};
pub use source::{BlockBytes, ChainInfo, ChainSource, MemorySource, SidecarBytes, SourceError};
pub use status::{GoodbyeReason, StatusError, StatusMessage};
pub use transport::Muxers;

/// The libp2p types of this crate's API (a node's key, addresses, peer ids), so that an
/// adopter needs no libp2p dependency of its own, of a matching version and features.
pub use libp2p::{Multiaddr, PeerId, identity::Keypair};

/// A new random secp256k1 node key (the key type of the eth2 network), kept in memory
/// only; [`load_or_create_identity`] keeps one in a data directory.
pub fn generate_identity() -> Keypair {
    Keypair::generate_secp256k1()
}
