//! The local devnet: a generated, fully signed chain (blocks and blob sidecars) served by
//! local peers on 127.0.0.1, one or more of them adversarial, and two fresh nodes that
//! sync it: one from genesis, one from a checkpoint near the head, forward to the head
//! and backfill to genesis. [`run`] returns what happened as a [`DevnetReport`].
//!
//! The chain is generated once into `<datadir>/source` and reused while the parameters
//! stay the same. Its genesis time is chosen when it is generated so that its head is the
//! wall clock's slot then: the nodes see a live chain (blob window, in-sync detection,
//! the peers' head checks), which ages by a slot every 12 s while it is reused.

mod adversary;
mod bench;
pub mod cpu;
mod report;
mod servers;
mod source;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use consensus::Fork;
use consensus::config::BlobScheduleEntry;
use consensus::devnet::DevnetError as BuildError;
use tracing::info;

pub use adversary::{DevnetServer, Lie};
pub use bench::{
    BENCH_BLOBS_PER_BLOCK, BenchError, BenchReport, BenchRow, TARGET_BLOB_FREE_BACKFILL,
    TARGET_RATIO, TARGET_THREE_BLOBS, run_bench,
};
pub use report::{ColumnCheck, DevnetReport, PeerReport, SyncReport};
pub use servers::{ServingPeers, serve_source, serve_supernodes};
pub use source::{ChainRecipe, SourceChain, parse_fork, prepare};

use crate::{BackfillTo, BeaconNode, NodeError, NodeSettings, StartFrom};

/// The devnet's parameters (the CLI's flags).
#[derive(Clone, Debug)]
pub struct DevnetOptions {
    /// Where the generated chain and the nodes' data go.
    pub data_dir: PathBuf,
    /// Slots after genesis. Default 4,096.
    pub slots: u64,
    /// Interop validators. Default 64.
    pub validators: u64,
    /// Serving peers. Default 4.
    pub peers: usize,
    /// How many of them lie. Default 1.
    pub adversaries: usize,
    /// The most blobs per block (uniform in `0..=max_blobs`). Default 6.
    pub max_blobs: u64,
    /// Empty slots, per mille. Default 100.
    pub skip_per_mille: u16,
    /// The fork of genesis. Default Electra.
    pub fork: Fork,
    /// The epoch the chain turns Fulu, if it does (only after an Electra genesis). Default
    /// 96: the last quarter of the default 4,096 slots ([`default_fulu_epoch`]).
    pub fulu_epoch: Option<u64>,
    /// The BPO forks after Fulu, each changing the blob limit and the fork digest. Default
    /// mainnet's limits (15, then 21) at epochs 104 and 112 ([`default_bpo`]).
    pub bpo: Vec<BlobScheduleEntry>,
    /// Whether the syncing nodes find the serving peers with discv5 (from the first one
    /// as bootnode) instead of being given their addresses. Default false.
    pub discovery: bool,
    /// Whether the syncing nodes custody all 128 columns (otherwise the minimum: 4
    /// groups, 8 sampled columns). Default false.
    pub supernode: bool,
    /// The seed of the chain. Default 0.
    pub seed: u64,
    /// How far below the head the checkpoint node starts, in slots. Default 64.
    pub checkpoint_distance: u64,
}

/// The epoch the default devnet of `slots` slots turns Fulu (from an Electra genesis):
/// the last quarter of the chain is Fulu.
pub fn default_fulu_epoch(slots: u64) -> u64 {
    (slots / 32 * 3 / 4).max(1)
}

/// The BPO forks of the default devnet of `slots` slots that turns Fulu at `fulu`:
/// mainnet's blob limits (15, then 21) a sixteenth and an eighth of the chain after Fulu,
/// so one sync crosses every boundary.
pub fn default_bpo(slots: u64, fulu: u64) -> Vec<BlobScheduleEntry> {
    let epochs = slots / 32;
    let bpo = |after: u64, max_blobs_per_block: u64| BlobScheduleEntry {
        epoch: fulu.saturating_add(after),
        max_blobs_per_block,
    };
    vec![bpo((epochs / 16).max(1), 15), bpo((epochs / 8).max(2), 21)]
}

impl Default for DevnetOptions {
    fn default() -> Self {
        let fulu_epoch = default_fulu_epoch(4096);
        DevnetOptions {
            data_dir: PathBuf::from("beacon-sync-devnet"),
            slots: 4096,
            validators: 64,
            peers: 4,
            adversaries: 1,
            max_blobs: 6,
            skip_per_mille: 100,
            fork: Fork::Electra,
            fulu_epoch: Some(fulu_epoch),
            bpo: default_bpo(4096, fulu_epoch),
            supernode: false,
            discovery: false,
            seed: 0,
            checkpoint_distance: 64,
        }
    }
}

/// Why the devnet could not run.
#[derive(Debug, thiserror::Error)]
pub enum DevnetError {
    /// The options make no sense.
    #[error("invalid devnet options: {0}")]
    Options(&'static str),
    /// The chain could not be generated.
    #[error("cannot generate the chain: {0}")]
    Build(Box<BuildError>),
    /// The generated chain's store failed.
    #[error(transparent)]
    Store(Box<store::StoreError>),
    /// The bench's runtime for its serving peers could not start.
    #[error("cannot start the serving peers' runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// A file could not be written or removed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
    /// A node could not start.
    #[error(transparent)]
    Node(Box<NodeError>),
    /// The network of a serving peer could not start.
    #[error(transparent)]
    Net(Box<net::NetError>),
    /// Discovery could not start on a serving peer.
    #[error("cannot start discovery: {0}")]
    Discovery(String),
    /// A sync did not finish in the time allowed.
    #[error("the {what} did not finish within {after:?}; see the log for its last status")]
    Timeout {
        /// Which sync.
        what: &'static str,
        /// The time allowed.
        after: Duration,
    },
}

impl From<BuildError> for DevnetError {
    fn from(error: BuildError) -> Self {
        DevnetError::Build(Box::new(error))
    }
}

impl From<store::StoreError> for DevnetError {
    fn from(error: store::StoreError) -> Self {
        DevnetError::Store(Box::new(error))
    }
}

impl From<NodeError> for DevnetError {
    fn from(error: NodeError) -> Self {
        DevnetError::Node(Box::new(error))
    }
}

impl From<net::NetError> for DevnetError {
    fn from(error: net::NetError) -> Self {
        DevnetError::Net(Box::new(error))
    }
}

impl DevnetOptions {
    /// The forks after genesis: Fulu at `fulu_epoch` after an Electra genesis, none
    /// otherwise (a Fulu genesis is Fulu already).
    pub fn later_forks(&self) -> Vec<(Fork, u64)> {
        match (self.fork, self.fulu_epoch) {
            (Fork::Electra, Some(epoch)) => vec![(Fork::Fulu, epoch)],
            _ => Vec::new(),
        }
    }

    /// Whether the chain reaches Fulu (at genesis or later).
    pub fn reaches_fulu(&self) -> bool {
        self.fork == Fork::Fulu || !self.later_forks().is_empty()
    }

    fn check(&self) -> Result<(), DevnetError> {
        if self.fork == Fork::Deneb && self.fulu_epoch.is_some() {
            return Err(DevnetError::Options(
                "a Deneb chain cannot turn Fulu: start from Electra, or give --fulu-epoch never",
            ));
        }
        if self.peers == 0 {
            return Err(DevnetError::Options("--peers must be at least 1"));
        }
        if self.adversaries >= self.peers {
            return Err(DevnetError::Options(
                "--adversaries must be fewer than --peers (someone must be honest)",
            ));
        }
        if self.slots < 2 * 32 {
            return Err(DevnetError::Options("--slots must be at least 64"));
        }
        Ok(())
    }
}

/// How long one sync of the devnet may take before [`run`] gives up.
pub const SYNC_LIMIT: Duration = Duration::from_secs(30 * 60);

/// Generates (or reuses) the chain, starts the serving peers, syncs a fresh node from
/// genesis and another from a checkpoint (forward, then backfill to genesis), and reports.
///
/// # Errors
/// [`DevnetError`] when the options are invalid, the chain cannot be built or stored, a
/// node cannot start, or a sync does not finish within [`SYNC_LIMIT`].
pub async fn run(options: &DevnetOptions) -> Result<DevnetReport, DevnetError> {
    options.check()?;
    let started = Instant::now();
    let prepared = {
        let options = options.clone();
        tokio::task::spawn_blocking(move || prepare(&options))
            .await
            .map_err(|_| DevnetError::from(NodeError::Interrupted))??
    };
    let mut servers = serve_source(
        &prepared,
        options.peers,
        options.adversaries,
        lie_for(options),
    )
    .await?;
    let bootnode = match options.discovery {
        true => Some(servers.start_discovery(&prepared.config).await?),
        false => None,
    };
    let head = prepared.anchors.head;
    info!(target: "node::devnet", head = head.slot, peers = options.peers, adversaries = options.adversaries, "serving peers up");

    let genesis_dir = fresh_dir(&options.data_dir.join("nodes").join("genesis"))?;
    let mut settings = node_settings(
        &prepared,
        &servers,
        genesis_dir,
        StartFrom::Genesis(Box::new(prepared.genesis.clone())),
        options.supernode,
    );
    found_by(&mut settings, bootnode.as_ref(), options.peers)?;
    settings.backfill = BackfillTo::Genesis;
    let from_genesis = sync_one(
        settings,
        &prepared,
        &servers,
        head.slot,
        "forward sync from genesis",
    )
    .await?;

    let checkpoint_dir = fresh_dir(&options.data_dir.join("nodes").join("checkpoint"))?;
    let checkpoint = checkpoint_start(&prepared, options.checkpoint_distance)?;
    let mut settings = node_settings(
        &prepared,
        &servers,
        checkpoint_dir,
        checkpoint,
        options.supernode,
    );
    found_by(&mut settings, bootnode.as_ref(), options.peers)?;
    let from_checkpoint = sync_one(
        settings,
        &prepared,
        &servers,
        head.slot,
        "sync from a checkpoint",
    )
    .await?;

    servers.shutdown().await;
    Ok(DevnetReport {
        source: report::SourceReport::of(&prepared),
        from_genesis,
        from_checkpoint,
        total_time: started.elapsed(),
    })
}

fn lie_for(options: &DevnetOptions) -> Lie {
    if options.max_blobs > 0 {
        Lie::Blobs
    } else {
        Lie::Signatures
    }
}

fn fresh_dir(dir: &std::path::Path) -> Result<PathBuf, DevnetError> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|source| DevnetError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    Ok(dir.to_path_buf())
}

/// A syncing node's settings: the serving peers, backfill to genesis, and all 128 columns
/// if `supernode` (otherwise the minimum custody).
fn node_settings(
    source: &SourceChain,
    servers: &ServingPeers,
    dir: PathBuf,
    start: StartFrom,
    supernode: bool,
) -> NodeSettings {
    let mut settings =
        NodeSettings::new(dir, source.config.clone(), source.proposers.clone(), start);
    settings.peers = servers.addrs();
    settings.backfill = BackfillTo::Genesis;
    if supernode {
        settings.net.metadata.custody_group_count =
            Some(consensus::custody::NUMBER_OF_CUSTODY_GROUPS);
    }
    settings
}

/// With a `bootnode`: the node is given no address and finds the `peers` serving peers
/// with discv5 from it.
fn found_by(
    settings: &mut NodeSettings,
    bootnode: Option<&net::discovery::Enr>,
    peers: usize,
) -> Result<(), DevnetError> {
    let Some(bootnode) = bootnode else {
        return Ok(());
    };
    settings.peers = Vec::new();
    settings.discovery = Some(crate::NodeDiscovery {
        ip: std::net::Ipv4Addr::LOCALHOST,
        udp_port: servers::free_udp_port()?,
        bootnodes: vec![bootnode.clone()],
        bootnode_wait: Some(Duration::from_secs(30)),
    });
    settings.peer_manager.target_peers = peers;
    settings.pool = crate::pool_config(&settings.peer_manager);
    Ok(())
}

/// The block at or before the epoch boundary `distance` slots below the head, with its
/// sidecars or columns: the "finalized" checkpoint a node starts from.
///
/// # Errors
/// [`DevnetError::Store`] when the source store cannot be read.
pub fn checkpoint_start(source: &SourceChain, distance: u64) -> Result<StartFrom, DevnetError> {
    let per_epoch = source.config.slots_per_epoch().max(1);
    let target = source.anchors.head.slot.saturating_sub(distance) / per_epoch * per_epoch;
    let id = source
        .store
        .block_at_or_before(target)?
        .ok_or(store::StoreError::NoAnchor)?;
    let block = source
        .store
        .block(id.root)?
        .ok_or(store::StoreError::NoAnchor)?;
    let sidecars = source.store.sidecars(id.root)?;
    let columns = source.store.columns(id.root)?;
    Ok(StartFrom::Checkpoint {
        block: Box::new(block),
        sidecars,
        columns,
    })
}

/// How long a node with discovery may take, after its sync, to have met every serving
/// peer.
const PEERS_FOUND_LIMIT: Duration = Duration::from_secs(30);

/// Waits (at most [`PEERS_FOUND_LIMIT`]) until `node` has met every peer of `servers`.
async fn wait_until_found(node: &BeaconNode, servers: &ServingPeers) {
    let expected = servers.addrs().len();
    let mut events = node.network().subscribe();
    let met = || {
        node.peer_book()
            .snapshot()
            .keys()
            .filter(|peer| servers.contains(peer))
            .count()
    };
    let all = async {
        while met() < expected {
            if let Err(tokio::sync::broadcast::error::RecvError::Closed) = events.recv().await {
                return;
            }
        }
    };
    if tokio::time::timeout(PEERS_FOUND_LIMIT, all).await.is_err() {
        tracing::warn!(target: "node::devnet", met = met(), expected, "discovery did not find every serving peer in time");
    }
}

async fn sync_one(
    settings: NodeSettings,
    source: &SourceChain,
    servers: &ServingPeers,
    head: u64,
    what: &'static str,
) -> Result<SyncReport, DevnetError> {
    let dir = settings.data_dir.clone();
    let started = Instant::now();
    let node = BeaconNode::start(settings).await?;
    let before = node.store().stats()?;
    let anchors_before = node.chain().anchors();
    let done = async {
        node.wait_for_head(head).await;
        let forward_time = started.elapsed();
        node.wait_for_backfill().await;
        forward_time
    };
    let forward_time =
        tokio::time::timeout(SYNC_LIMIT, done)
            .await
            .map_err(|_| DevnetError::Timeout {
                what,
                after: SYNC_LIMIT,
            })?;
    let total = started.elapsed();
    if node.discovery().is_some() {
        // A short sync may end before lookups returned every serving peer: the run is
        // also the demonstration that discovery finds them all, so give it the time.
        wait_until_found(&node, servers).await;
    }
    let report = SyncReport::collect(
        what,
        &node,
        source,
        servers,
        &before,
        &anchors_before,
        forward_time,
        total,
        dir,
    )?;
    node.shutdown().await;
    Ok(report)
}
