//! What a node is started with, and why it can fail to start.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use consensus::config::ChainConfig;
use consensus::verify::Proposers;
use consensus::{Block, Column, Sidecar};
use libp2p::Multiaddr;
use libp2p::identity::Keypair;
use net::{NetConfig, WallClock};
use peer_pool::PoolConfig;
use sync_manager::ManagerConfig;
use sync_types::ColumnSet;

use crate::discover::NodeDiscovery;
use crate::peer_manager::PeerManagerConfig;
use crate::registry::RegistryRefresh;

/// Where a node with an empty data directory starts. A data directory that holds a chain
/// resumes from its stored anchors instead.
#[derive(Clone, Debug)]
pub enum StartFrom {
    /// From the genesis block (unsigned; trusted by its root).
    Genesis(Box<Block>),
    /// From a trusted checkpoint block and its blob sidecars (the finalized block of a
    /// checkpoint sync).
    Checkpoint {
        /// The block.
        block: Box<Block>,
        /// Its blob sidecars (stored with it; empty if it has none or they are unknown).
        sidecars: Vec<Sidecar>,
        /// Its data columns (Fulu), in rising index order: those the node samples are
        /// stored with it; empty if it has none or they are unknown.
        columns: Vec<Column>,
    },
}

impl StartFrom {
    /// The trusted block.
    pub fn block(&self) -> &Block {
        match self {
            StartFrom::Genesis(block) | StartFrom::Checkpoint { block, .. } => block,
        }
    }
}

/// How far back backfill goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackfillTo {
    /// To the genesis block.
    Genesis,
    /// To this slot.
    Slot(u64),
    /// To the `MIN_EPOCHS_FOR_BLOCK_REQUESTS` horizon: what peers must serve, and what
    /// a node must keep to serve others (the spec's default for a checkpoint-synced node).
    Horizon,
    /// No backfill.
    None,
}

impl BackfillTo {
    /// The lowest slot to reach at wall slot `wall_slot`, or `None` for no backfill.
    pub fn frontfill_slot(self, chain: &ChainConfig, wall_slot: u64) -> Option<u64> {
        match self {
            BackfillTo::Genesis => Some(0),
            BackfillTo::Slot(slot) => Some(slot),
            BackfillTo::Horizon => {
                let epoch = chain
                    .slot_to_epoch(wall_slot)
                    .saturating_sub(chain.min_epochs_for_block_requests());
                Some(epoch.saturating_mul(chain.slots_per_epoch()))
            }
            BackfillTo::None => None,
        }
    }
}

/// Everything a node needs to start.
pub struct NodeSettings {
    /// The data directory: `chain.redb` and the network identity key live here.
    pub data_dir: PathBuf,
    /// The chain's configuration (fork schedule, genesis, limits).
    pub chain: ChainConfig,
    /// The validator registry's public keys, by index (proposer signatures).
    pub proposers: Proposers,
    /// Where an empty data directory starts.
    pub start: StartFrom,
    /// How far back backfill goes.
    pub backfill: BackfillTo,
    /// Where to listen, e.g. `/ip4/127.0.0.1/tcp/9000`.
    pub listen: Multiaddr,
    /// Peers to dial (and to dial again whenever they are not connected).
    pub peers: Vec<Multiaddr>,
    /// Network limits and timeouts.
    pub net: NetConfig,
    /// The peer pool's limits. Default [`pool_config`] of the default peer manager.
    pub pool: PoolConfig,
    /// The target peer count, its limits, bans and score decay.
    pub peer_manager: PeerManagerConfig,
    /// The forward manager. Default: follow the best peer's head (there is no gossip),
    /// in sync once at it. Statuses are polled every third of a slot, but never more
    /// often than [`MIN_HEAD_POLL_INTERVAL`], and a poll that finds a new head starts the
    /// sync at once.
    pub forward: ManagerConfig,
    /// The backfill manager. Default: Nimbus's, with `max_head_age` 0.
    pub backward: ManagerConfig,
    /// The wall clock.
    pub clock: Arc<dyn WallClock>,
    /// The network identity; `None` loads or creates `network-key` in the data directory.
    pub keypair: Option<Keypair>,
    /// Peer discovery with discv5; `None`: the node's peers are `peers` only.
    pub discovery: Option<NodeDiscovery>,
    /// Where a newer validator registry comes from when forward sync meets a proposer
    /// that joined after `proposers` was read; `None`: `proposers` is complete (a
    /// devnet), and an unknown proposer is the peer's fault.
    pub registry_refresh: Option<RegistryRefresh>,
}

/// The pool of a node with the peer manager `config`: room for its maximum
/// ([`PeerManagerConfig::max_peers`]), of which at most
/// [`PeerManagerConfig::max_inbound`] inbound. A peer over the limit is told
/// Goodbye(129, too many peers) after its status.
pub fn pool_config(config: &PeerManagerConfig) -> PoolConfig {
    PoolConfig::default()
        .with_max_peers(config.max_peers().max(1))
        .with_max_incoming(config.max_inbound().max(1))
}

/// The shortest interval between two status requests to one peer while following its
/// head: Lighthouse and Lodestar allow 5 per 15 s, and Lodestar bans a peer that keeps
/// going over. 3.2 s keeps 6 % under that.
pub const MIN_HEAD_POLL_INTERVAL: Duration = Duration::from_millis(3200);

/// The forward sync loop's tick while following the head: a poll is sent at most this
/// long after the peer's status is due, and "in sync" is seen as soon.
const FOLLOW_LOOP_INTERVAL: Duration = Duration::from_millis(250);

/// A third of a slot (a new head is seen within about that long after it is made), but
/// never under [`MIN_HEAD_POLL_INTERVAL`]. On a 2 s chain a poll every 3.2 s keeps the
/// head within 2 slots of the wall clock; on mainnet the poll runs every 4 s.
fn head_poll_interval(seconds_per_slot: u64) -> Duration {
    (Duration::from_secs(seconds_per_slot) / 3).max(MIN_HEAD_POLL_INTERVAL)
}

impl NodeSettings {
    /// Settings with the defaults above: listen on an OS-chosen port of 127.0.0.1, no
    /// peers, the system clock.
    pub fn new(
        data_dir: impl Into<PathBuf>,
        chain: ChainConfig,
        proposers: Proposers,
        start: StartFrom,
    ) -> NodeSettings {
        let forward = ManagerConfig {
            head_poll_interval: head_poll_interval(chain.seconds_per_slot()),
            loop_interval: FOLLOW_LOOP_INTERVAL,
            ..ManagerConfig::default().following_peers(0)
        };
        NodeSettings {
            data_dir: data_dir.into(),
            chain,
            proposers,
            start,
            backfill: BackfillTo::Genesis,
            listen: "/ip4/127.0.0.1/tcp/0"
                .parse()
                .expect("invariant: a valid multiaddr"),
            peers: Vec::new(),
            net: NetConfig::default(),
            pool: pool_config(&PeerManagerConfig::default()),
            peer_manager: PeerManagerConfig::default(),
            forward,
            backward: ManagerConfig {
                max_head_age: 0,
                ..ManagerConfig::default()
            },
            clock: Arc::new(net::SystemClock),
            keypair: None,
            discovery: None,
            registry_refresh: None,
        }
    }
}

/// Why a node could not start.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The data directory could not be created.
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
    /// The store could not be opened or initialised.
    #[error(transparent)]
    Store(Box<store::StoreError>),
    /// The network identity could not be loaded or created.
    #[error(transparent)]
    Identity(#[from] net::IdentityError),
    /// The network could not start (a port in use, say).
    #[error(transparent)]
    Net(Box<net::NetError>),
    /// The network key is not a secp256k1 key (eth2 node ids need one).
    #[error("the network key is not a secp256k1 key")]
    NotSecp256k1,
    /// The advertised custody group count is over `NUMBER_OF_CUSTODY_GROUPS` (128).
    #[error("invalid custody group count {count}: at most 128")]
    CustodyGroupCount {
        /// The count.
        count: u64,
    },
    /// The peer pool's configuration is invalid.
    #[error("invalid peer pool configuration: {0}")]
    Pool(#[from] peer_pool::ConfigError),
    /// The store's commit thread could not be started.
    #[error("cannot start the store's commit thread: {0}")]
    CommitThread(std::io::Error),
    /// The runtime shut down while the node was starting.
    #[error("the node was shut down while starting")]
    Interrupted,
    /// Discovery could not start.
    #[error(transparent)]
    Discovery(net::discovery::DiscoveryError),
    /// No bootnode answered the first lookup in time (no network, or they are all down).
    #[error("no bootnode answered ({bootnodes} tried, for up to {} s): check the network connection, or give peers with --peer or other bootnodes with --bootnodes", waited.as_secs())]
    NoBootnodeAnswered {
        /// How many bootnodes were tried.
        bootnodes: usize,
        /// How long the node waited.
        waited: Duration,
    },
    /// The stored chain's trusted block is not the one we were asked to start from.
    #[error(
        "the data directory starts from {stored}, not from the requested block {requested}; use another --datadir or drop the checkpoint"
    )]
    OtherStart {
        /// The stored trusted anchor.
        stored: Box<store::BlockId>,
        /// The requested one.
        requested: Box<store::BlockId>,
    },
}

impl From<net::NetError> for NodeError {
    fn from(error: net::NetError) -> Self {
        NodeError::Net(Box::new(error))
    }
}

impl From<store::StoreError> for NodeError {
    fn from(error: store::StoreError) -> Self {
        NodeError::Store(Box::new(error))
    }
}

/// The data columns this node samples for every Fulu block: its custody sampling set from
/// its node id and the custody group count its MetaData advertises (so the columns it
/// stores and serves include every column it says it custodies).
pub(crate) fn sampled_columns(keypair: &Keypair, net: &NetConfig) -> Result<ColumnSet, NodeError> {
    let count = net
        .metadata
        .custody_group_count
        .unwrap_or(consensus::custody::CUSTODY_REQUIREMENT);
    let node_id = net::node_id(&keypair.public()).ok_or(NodeError::NotSecp256k1)?;
    let columns = consensus::custody::sampling_columns(node_id, count)
        .map_err(|_| NodeError::CustodyGroupCount { count })?;
    Ok(columns.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use consensus::containers::BeaconBlockHeader;
    use consensus::{Fork, SignedBeaconBlock};

    use super::*;

    fn settings(seconds_per_slot: u64) -> NodeSettings {
        let config = ChainConfig::devnet(Fork::Capella, 0, consensus::primitives::Hash256::ZERO)
            .with_seconds_per_slot(seconds_per_slot)
            .expect("a valid slot length");
        let genesis =
            SignedBeaconBlock::with_empty_body(Fork::Capella, &BeaconBlockHeader::default());
        let start = StartFrom::Genesis(Box::new(Block::new(genesis)));
        NodeSettings::new(
            "unused",
            config,
            Proposers::from_compressed(Vec::new()),
            start,
        )
    }

    #[test]
    fn the_head_is_polled_every_third_of_a_slot_within_the_status_quota() {
        // Lodestar's dev chain (2 s slots): as often as the quota allows.
        assert_eq!(
            settings(2).forward.head_poll_interval,
            Duration::from_millis(3200)
        );
        assert_eq!(
            settings(12).forward.head_poll_interval,
            Duration::from_secs(4)
        );
        assert_eq!(
            settings(24).forward.head_poll_interval,
            Duration::from_secs(8)
        );
        assert!(settings(12).forward.follow_peers_head);
    }
}
