//! [`BeaconNode`]: one store, one network node, one peer pool and one metrics registry,
//! with a forward and a backfill [`SyncManager`] over them.

use std::sync::Arc;
use std::time::Duration;

use consensus::ChainVerifier;
use consensus::config::ChainConfig;
use consensus::containers::Checkpoint;
use consensus::primitives::Hash256;
use consensus::verify::{DataRequirement, UnknownProposers};
use net::{NetPeer, NetworkHandle, Node, NodeSetup, WallClock};
use peer_pool::{PeerPool, PoolMetrics};
use prometheus_client::registry::Registry;
use store::{Anchors, Store, StoreMetrics};
use sync_manager::{ManagerConfig, SyncManager, SyncMetricFamilies, SyncState, SyncStatus};
use sync_types::{ColumnSet, SyncDirection};
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::anchor_data::{complete_anchor_data, is_complete};
use crate::chain::NodeChain;
use crate::discover;
use crate::peer_manager::{self, BanList, PeerManagerMetrics};
use crate::peers::{PeerBook, redial};
use crate::registry::refresh_registry;
use crate::settings::{NodeError, NodeSettings, StartFrom, sampled_columns};
use crate::sink::StoreSink;
use crate::source::StoreSource;

/// The verifier of the bundled node.
pub type NodeVerifier = ChainVerifier<StoreSink>;
/// A sync manager of the bundled node.
pub type NodeManager = SyncManager<NetPeer, NodeVerifier, NodeChain>;

/// The store file in a data directory.
pub const STORE_FILE: &str = "chain.redb";

/// How often the backfill coordinator looks at the forward sync.
const COORDINATE_INTERVAL: Duration = Duration::from_millis(500);

/// A running node. Dropping it aborts everything without goodbyes; call
/// [`shutdown`](Self::shutdown).
pub struct BeaconNode {
    store: Arc<Store>,
    chain: Arc<NodeChain>,
    net: Option<Node>,
    handle: NetworkHandle,
    forward: NodeManager,
    backfill: Option<NodeManager>,
    registry: Arc<Registry>,
    peers: PeerBook,
    sink: StoreSink,
    sampled: ColumnSet,
    anchor_data: tokio::sync::watch::Receiver<bool>,
    discovery: Option<Arc<net::discovery::Discovery>>,
    tasks: Vec<JoinHandle<()>>,
}

/// The two syncs at a glance.
#[derive(Clone, Debug)]
pub struct NodeStatus {
    /// The forward sync.
    pub forward: SyncStatus,
    /// The backfill, if there is one (none once the store reached its target).
    pub backfill: Option<SyncStatus>,
    /// The committed anchors.
    pub anchors: Anchors,
    /// The wall slot.
    pub wall_slot: u64,
}

impl BeaconNode {
    /// Opens (or creates) the data directory's store, starts the network on
    /// `settings.listen`, dials the peers and starts both syncs.
    ///
    /// # Errors
    /// [`NodeError`]: the data directory, the store (another network, locked, corrupt),
    /// the identity, or the network (a port in use).
    pub async fn start(settings: NodeSettings) -> Result<BeaconNode, NodeError> {
        std::fs::create_dir_all(&settings.data_dir).map_err(|source| NodeError::DataDir {
            path: settings.data_dir.clone(),
            source,
        })?;
        let keypair = match settings.keypair {
            Some(k) => k,
            None => net::load_or_create_identity(&settings.data_dir)?,
        };
        let sampled = sampled_columns(&keypair, &settings.net)?;
        let path = settings.data_dir.join(STORE_FILE);
        let chain_config = settings.chain.clone();
        let start = settings.start.clone();
        let (store, anchors) =
            tokio::task::spawn_blocking(move || open_store(&path, &chain_config, &start, sampled))
                .await
                .map_err(|_| NodeError::Interrupted)??;
        let mut registry = Registry::default();
        let store = Arc::new(store.with_metrics(StoreMetrics::register(&mut registry)));
        let wall = net::clock::slot_at(&settings.chain, settings.clock.unix_time());
        let frontfill = settings
            .backfill
            .frontfill_slot(&settings.chain, wall)
            .unwrap_or(anchors.backfill.slot);
        let chain = Arc::new(NodeChain::new(
            settings.chain.clone(),
            Arc::clone(&settings.clock),
            anchors,
            finalized_of(&settings.chain, &anchors),
            frontfill,
        ));
        let pool = PeerPool::new(settings.pool.clone())?
            .with_metrics(PoolMetrics::register(&mut registry));
        let complete = is_complete(&store, &settings.chain, settings.clock.as_ref(), sampled);
        let (anchor_data_done, anchor_data) = tokio::sync::watch::channel(complete);
        let source = StoreSource::new(Arc::clone(&store), Arc::clone(&chain))
            .with_anchor_data(anchor_data.clone());
        let source = Arc::new(source);
        let net = Node::start(NodeSetup {
            keypair: keypair.clone(),
            config: settings.net.clone(),
            chain: settings.chain.clone(),
            source,
            clock: Arc::clone(&settings.clock),
            pool: pool.clone(),
            listen: settings.listen.clone(),
            metrics: net::NetMetrics::register(&mut registry),
        })
        .await?;
        let handle = net.handle().clone();
        let discovery = match &settings.discovery {
            Some(discovery) => {
                let tcp_port = handle.listen_addrs().iter().find_map(tcp_port).unwrap_or(0);
                let cgc = settings.net.metadata.custody_group_count.unwrap_or(0);
                let wall_epoch = settings.chain.slot_to_epoch(wall);
                let started = discover::start(
                    discovery,
                    &keypair,
                    &settings.chain,
                    wall_epoch,
                    tcp_port,
                    cgc,
                )
                .await;
                match started {
                    Ok(found) => Some(Arc::new(found)),
                    Err(error) => {
                        net.shutdown().await;
                        return Err(error);
                    }
                }
            }
            None => None,
        };
        let spec = settings.chain.to_sync_spec();
        let sink = StoreSink::new(Arc::clone(&store), Arc::clone(&chain))
            .map_err(NodeError::CommitThread)?;
        let sync_metrics = SyncMetricFamilies::register(&mut registry);
        let mut forward_verifier = ChainVerifier::new(
            settings.chain.clone(),
            settings.proposers.clone(),
            anchors.forward(),
            sink.clone(),
        )
        .with_data_requirement(data_windows(&settings.chain, &settings.clock));
        if let Some(refresh) = &settings.registry_refresh {
            forward_verifier = forward_verifier.with_unknown_proposers(UnknownProposers::Refresh {
                state_slot: refresh.state_slot,
            });
        }
        let forward = SyncManager::start(
            SyncDirection::Forward,
            ManagerConfig {
                sampled_columns: sampled,
                ..settings.forward.clone()
            },
            spec.clone(),
            Arc::clone(&chain),
            pool.clone(),
            forward_verifier.clone(),
            sync_metrics.for_direction(SyncDirection::Forward),
        );
        let backfill = (!chain.is_backfill_done()).then(|| {
            let manager = SyncManager::start(
                SyncDirection::Backward,
                ManagerConfig {
                    sampled_columns: sampled,
                    ..settings.backward.clone()
                },
                spec,
                Arc::clone(&chain),
                pool.clone(),
                ChainVerifier::new(
                    settings.chain.clone(),
                    settings.proposers.clone(),
                    anchors.backward(),
                    sink.clone(),
                )
                .with_data_requirement(data_windows(&settings.chain, &settings.clock)),
                sync_metrics.for_direction(SyncDirection::Backward),
            );
            // Backfill waits until forward sync is in sync (Lighthouse's order).
            manager.pause();
            manager
        });
        let now = settings.clock.unix_time().as_secs();
        let bans = match BanList::open(&settings.data_dir, &settings.peer_manager, now) {
            Ok(bans) => bans,
            Err(error) => {
                warn!(target: "node", %error, "starting with no bans");
                BanList::in_memory(&settings.peer_manager)
            }
        };
        let peers = PeerBook::new(&handle, bans, Arc::clone(&settings.clock));
        let mut tasks = vec![tokio::spawn(redial(
            handle.clone(),
            peers.clone(),
            settings.peers.clone(),
        ))];
        if let Some(backfill) = &backfill {
            tasks.push(tokio::spawn(coordinate(forward.clone(), backfill.clone())));
        }
        let record = discovery.clone();
        if let Some(discovery) = discovery {
            let clock = (settings.chain.clone(), Arc::clone(&settings.clock));
            let rules = (settings.peer_manager.clone(), sampled);
            let dialer =
                discover::dial_discovered(discovery, handle.clone(), peers.clone(), rules, clock);
            tasks.push(tokio::spawn(dialer));
        }
        tasks.push(tokio::spawn(peer_manager::run::manage(
            peer_manager::run::Managed {
                config: settings.peer_manager.clone(),
                handle: handle.clone(),
                book: peers.clone(),
                chain: Arc::clone(&chain),
                sampled,
                metrics: PeerManagerMetrics::register(&mut registry),
            },
        )));
        if let Some(refresh) = settings.registry_refresh.clone() {
            let config = settings.chain.clone();
            tasks.push(tokio::spawn(refresh_registry(
                forward_verifier,
                refresh,
                config,
            )));
        }
        tasks.push(tokio::spawn(complete_anchor_data(
            Arc::clone(&store),
            settings.chain.clone(),
            Arc::clone(&settings.clock),
            peers.clone(),
            sampled,
            anchor_data_done,
        )));
        info!(
            target: "node",
            peer_id = %handle.local_peer_id(),
            listen = ?handle.listen_addrs(),
            head = anchors.head.slot,
            backfill = anchors.backfill.slot,
            frontfill,
            "node started"
        );
        Ok(BeaconNode {
            store,
            chain,
            net: Some(net),
            handle,
            forward,
            backfill,
            registry: Arc::new(registry),
            peers,
            sink,
            sampled,
            anchor_data,
            discovery: record,
            tasks,
        })
    }

    /// The data columns this node samples, fetches and stores for every Fulu block with
    /// blobs (from its node id and custody group count).
    pub fn sampled_columns(&self) -> ColumnSet {
        self.sampled
    }

    /// Waits until the trusted anchor holds its blob data: its blob sidecars, or its
    /// sampled columns (fetched by root from peers when the start came without them), or
    /// none is needed (no blobs, or older than the retention window). Waits forever if no
    /// peer ever serves it.
    pub async fn wait_for_anchor_data(&self) {
        let mut done = self.anchor_data.clone();
        // An error means the task ended without completing (the store failed): it will
        // not complete later either.
        if done.wait_for(|done| *done).await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    /// Our node record (`enr:...`) as it is now (it changes at fork and BPO boundaries)
    /// when discovery runs.
    pub fn enr(&self) -> Option<String> {
        self.discovery.as_ref().map(|d| d.local_enr().to_base64())
    }

    /// The running discovery service, if any.
    pub fn discovery(&self) -> Option<&Arc<net::discovery::Discovery>> {
        self.discovery.as_ref()
    }

    /// The store.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The chain positions (anchors published after every commit, the wall clock).
    pub fn chain(&self) -> &Arc<NodeChain> {
        &self.chain
    }

    /// The network.
    pub fn network(&self) -> &NetworkHandle {
        &self.handle
    }

    /// The forward manager.
    pub fn forward(&self) -> &NodeManager {
        &self.forward
    }

    /// The backfill manager, if backfill was needed at start.
    pub fn backfill(&self) -> Option<&NodeManager> {
        self.backfill.as_ref()
    }

    /// Every peer that passed the handshake since start, connected or not (their final
    /// scores stay readable).
    pub fn peer_book(&self) -> &PeerBook {
        &self.peers
    }

    /// The metrics registry (to serve or encode).
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// Both syncs and the anchors.
    pub fn status(&self) -> NodeStatus {
        (self.status_source())()
    }

    /// A function giving [`status`](Self::status), for tasks that outlive a borrow of the
    /// node (the HTTP API, the progress bars).
    pub fn status_source(&self) -> Arc<dyn Fn() -> NodeStatus + Send + Sync> {
        let forward = self.forward.clone();
        let backfill = self.backfill.clone();
        let chain = Arc::clone(&self.chain);
        Arc::new(move || NodeStatus {
            forward: forward.status(),
            backfill: backfill.as_ref().map(SyncManager::status),
            anchors: chain.anchors(),
            wall_slot: chain.wall_slot_now(),
        })
    }

    /// Waits until forward sync is in sync and backfill is done.
    pub async fn wait_until_synced(&self) {
        let mut anchors = self.chain.subscribe();
        while self.forward.status().state != SyncState::Synced {
            let _ = tokio::time::timeout(Duration::from_millis(250), anchors.changed()).await;
        }
        self.wait_for_backfill().await;
    }

    /// Waits until the stored head is at or past `slot` (committed: a crash now keeps it).
    pub async fn wait_for_head(&self, slot: u64) {
        let mut anchors = self.chain.subscribe();
        // An error means the chain is gone, which cannot happen while `self` lives.
        let _ = anchors.wait_for(|a| a.head.slot >= slot).await;
    }

    /// Waits until backfill has committed its last segment (at once if there is none).
    pub async fn wait_for_backfill(&self) {
        let mut anchors = self.chain.subscribe();
        let chain = Arc::clone(&self.chain);
        let _ = anchors.wait_for(|a| chain.is_backfill_done_at(a)).await;
    }

    /// Stops both syncs (in-flight segments are committed or dropped whole), says
    /// Goodbye to every peer and stops the network. The store needs no flush: every
    /// commit was durable when it returned.
    pub async fn shutdown(mut self) {
        for task in self.tasks.drain(..) {
            task.abort();
        }
        if let Some(backfill) = &self.backfill {
            backfill.shutdown().await;
        }
        self.forward.shutdown().await;
        // The last verified segment may still be on its way to the disk; then the commit
        // thread ends and lets go of the store.
        let sink = self.sink.clone();
        if let Ok(Err(error)) = tokio::task::spawn_blocking(move || sink.close()).await {
            tracing::warn!(target: "node", %error, "the last verified segments could not be committed");
        }
        if let Some(net) = self.net.take() {
            net.shutdown().await;
        }
        info!(target: "node", head = self.chain.anchors().head.slot, "node stopped");
    }
}

/// The TCP port of a listen address.
pub(crate) fn tcp_port(addr: &libp2p::Multiaddr) -> Option<u16> {
    addr.iter().find_map(|p| match p {
        libp2p::multiaddr::Protocol::Tcp(port) => Some(port),
        _ => None,
    })
}

/// Opens the store and gives it its trusted anchor if it has none, with those of the
/// anchor's columns that we sample.
fn open_store(
    path: &std::path::Path,
    chain: &consensus::config::ChainConfig,
    start: &StartFrom,
    sampled: ColumnSet,
) -> Result<(Store, Anchors), NodeError> {
    let store = Store::open(path, chain)?;
    let requested = store::BlockId {
        root: start.block().root(),
        slot: start.block().signed().slot(),
    };
    let anchors = match store.anchors()? {
        Some(stored) => {
            if matches!(start, StartFrom::Checkpoint { .. }) && stored.trusted != requested {
                return Err(NodeError::OtherStart {
                    stored: Box::new(stored.trusted),
                    requested: Box::new(requested),
                });
            }
            info!(target: "node", head = stored.head.slot, backfill = stored.backfill.slot, "resuming from the stored anchors");
            stored
        }
        None => {
            let (sidecars, columns) = match start {
                StartFrom::Genesis(_) => (&[][..], Vec::new()),
                StartFrom::Checkpoint {
                    sidecars, columns, ..
                } => {
                    let ours = columns
                        .iter()
                        .filter(|column| sampled.contains(column.sidecar().index));
                    (sidecars.as_slice(), ours.cloned().collect())
                }
            };
            store.init_anchor_with_columns(start.block(), sidecars, &columns)?
        }
    };
    Ok((store, anchors))
}

/// The finalized checkpoint our status reports: genesis is epoch 0 with a zero root (the
/// spec's convention); a checkpoint block is the finalized block of the first epoch that
/// starts at or after it.
/// Blocks need their blob data inside the retention windows of the node's wall clock:
/// the slots the sync managers ask peers for data (the same spec rule, the same clock).
fn data_windows(chain: &ChainConfig, clock: &Arc<dyn WallClock>) -> DataRequirement {
    let (chain, clock) = (chain.clone(), Arc::clone(clock));
    DataRequirement::Window(Arc::new(move || {
        net::clock::slot_at(&chain, clock.unix_time())
    }))
}

fn finalized_of(chain: &consensus::config::ChainConfig, anchors: &Anchors) -> Checkpoint {
    let trusted = anchors.trusted;
    if trusted.slot == 0 {
        return Checkpoint {
            epoch: 0,
            root: Hash256::ZERO,
        };
    }
    let per_epoch = chain.slots_per_epoch().max(1);
    Checkpoint {
        epoch: trusted.slot.div_ceil(per_epoch),
        root: trusted.root,
    }
}

/// Pauses backfill while forward sync is not in sync, and resumes it after.
async fn coordinate(forward: NodeManager, backfill: NodeManager) {
    let mut running = false;
    let mut tick = tokio::time::interval(COORDINATE_INTERVAL);
    while !backfill.is_finished() {
        tick.tick().await;
        let synced = forward.status().state == SyncState::Synced;
        if synced != running {
            if synced {
                info!(target: "node", "forward sync in sync: backfill resumes");
                backfill.resume();
            } else {
                info!(target: "node", "forward sync behind: backfill pauses");
                backfill.pause();
            }
            running = synced;
        }
    }
}
