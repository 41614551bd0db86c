//! # node: the running beacon-sync node as a library
//!
//! The glue between the crates, so that the `beacon-sync` binary, the end-to-end tests
//! and another project can start the same node in-process:
//!
//! - [`NodeChain`]: the node's [`SyncChain`](sync_manager::SyncChain): the wall slot from
//!   one clock, and the anchors (head, backfill mark) that the [`StoreSink`] publishes
//!   after each commit, read without touching the database;
//! - [`StoreSink`]: the verifiers' `ImportSink`, committing each verified segment to the
//!   [`Store`](store::Store) in one transaction;
//! - [`StoreSource`]: the `ChainSource` the network serves from, over the store;
//! - [`BeaconNode`]: one store, one libp2p node, one peer pool and one metrics registry,
//!   with a forward and a backfill `SyncManager`; backfill pauses while forward sync is
//!   behind and resumes once it is in sync;
//! - `devnet`: a generated, signed chain served by local peers (one adversarial), and
//!   fresh nodes syncing it from genesis and from a checkpoint;
//! - `http`: the beacon-API endpoints and `/metrics`.
//!
//! ## Where it sits
//!
//! Everything is below it (`sync-*`, `peer-pool`, `consensus`, `store`, `net`); only the
//! `beacon-sync` binary and the end-to-end tests depend on it.
//!
//! ## Example
//!
//! ```no_run
//! # async fn example(devnet: &consensus::devnet::Devnet) -> Result<(), node::NodeError> {
//! use node::{BeaconNode, NodeSettings, StartFrom};
//!
//! let mut settings = NodeSettings::new(
//!     "data",
//!     devnet.config().clone(),
//!     devnet.proposers(),
//!     StartFrom::Genesis(Box::new(devnet.genesis_block().clone())),
//! );
//! settings.peers.push("/ip4/127.0.0.1/tcp/9000".parse().expect("multiaddr"));
//! let node = BeaconNode::start(settings).await?;
//! node.wait_for_head(devnet.head().signed().slot()).await;
//! node.wait_for_backfill().await;
//! node.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! ## Feature flags
//!
//! None.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod anchor_data;
pub mod api_client;
pub mod bootnodes;
mod chain;
pub mod checkpoint;
pub mod devnet;
mod discover;
pub mod http;
pub mod inspect;
pub mod launch;
mod node;
pub mod peer_manager;
mod peers;
pub mod progress;
pub mod registry;
mod settings;
mod sink;
mod source;

pub use chain::NodeChain;
pub use discover::{NodeDiscovery, probe_bootnodes};
pub use node::{BeaconNode, NodeManager, NodeStatus, NodeVerifier, STORE_FILE};
pub use peer_manager::{DEFAULT_TARGET_PEERS, PeerManagerConfig};
pub use peers::{PeerBook, PeerRecord, REDIAL_INTERVAL, client_of, peer_id_of};
pub use registry::RegistryRefresh;
pub use settings::{
    BackfillTo, MIN_HEAD_POLL_INTERVAL, NodeError, NodeSettings, StartFrom, pool_config,
};
pub use sink::{COMMITS_IN_FLIGHT, StoreSink};
pub use source::StoreSource;
