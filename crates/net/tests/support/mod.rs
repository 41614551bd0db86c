//! Helpers of the network tests: devnet chains, nodes on 127.0.0.1, and waiting for
//! events (with a generous timeout as a guard only: tests await events, never sleep).

#![allow(dead_code, unreachable_pub)]

pub mod raw_peer;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use consensus::Fork;
use consensus::config::ChainConfig;
use consensus::devnet::{Devnet, DevnetParams, seed_from_u64};
use libp2p::identity::Keypair;
use net::{
    ChainSource, ManualClock, MemorySource, NetConfig, NetEvent, NetMetrics, NetPeer, Node,
    NodeSetup,
};
use peer_pool::{PeerPool, PoolConfig, PoolMetrics};
use prometheus_client::encoding::text::encode;
use prometheus_client::registry::Registry;
use tokio::sync::broadcast;

/// How long a test waits for an event before it fails (a guard against hangs only).
pub const GUARD: Duration = Duration::from_secs(20);

/// An Electra devnet of 128 slots with up to 2 blobs per block (built once per test binary).
pub fn electra_devnet() -> &'static Devnet {
    static DEVNET: OnceLock<Devnet> = OnceLock::new();
    DEVNET.get_or_init(|| {
        Devnet::generate(DevnetParams {
            seed: seed_from_u64(7),
            validators: 16,
            genesis_fork: Fork::Electra,
            slots: 128,
            max_blobs: Some(2),
            blob_pool: 2,
            ..DevnetParams::default()
        })
        .expect("devnet builds")
    })
}

/// A clock one slot past the devnet's head.
pub fn clock_after_head(devnet: &Devnet) -> ManualClock {
    ManualClock::at_slot(devnet.config(), devnet.head().signed().slot() + 1)
}

/// A running node and its event receiver.
pub struct TestNode {
    pub node: Node,
    pub events: broadcast::Receiver<NetEvent>,
}

impl TestNode {
    pub fn handle(&self) -> &net::NetworkHandle {
        self.node.handle()
    }

    /// Waits for the first event that `pick` accepts.
    pub async fn expect<T>(
        &mut self,
        what: &str,
        mut pick: impl FnMut(&NetEvent) -> Option<T>,
    ) -> T {
        let wait = async {
            loop {
                match self.events.recv().await {
                    Ok(event) => {
                        if let Some(found) = pick(&event) {
                            return found;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => {
                        panic!("events closed waiting for {what}")
                    }
                }
            }
        };
        tokio::time::timeout(GUARD, wait)
            .await
            .unwrap_or_else(|_| panic!("no {what} within {GUARD:?}"))
    }

    /// Waits until `peer` passed the handshake here; returns its handle.
    pub async fn expect_connected(&mut self, peer: libp2p::PeerId) -> NetPeer {
        self.expect("PeerConnected", |e| {
            matches!(e, NetEvent::PeerConnected { peer: p, .. } if *p == peer).then_some(())
        })
        .await;
        self.handle()
            .peer(&peer)
            .expect("a connected peer is in the pool")
    }
}

/// Starts a node on 127.0.0.1 (OS-chosen port) serving `source`.
pub async fn start_node(
    chain: &ChainConfig,
    source: Arc<dyn ChainSource>,
    clock: ManualClock,
    config: NetConfig,
) -> TestNode {
    start_node_with_key(chain, source, clock, config, Keypair::generate_secp256k1()).await
}

/// As [`start_node`], with a given identity.
pub async fn start_node_with_key(
    chain: &ChainConfig,
    source: Arc<dyn ChainSource>,
    clock: ManualClock,
    config: NetConfig,
    keypair: Keypair,
) -> TestNode {
    let pool = PeerPool::new(PoolConfig::default()).expect("default pool config is valid");
    let metrics = NetMetrics::default();
    start(
        chain, source, clock, config, keypair, pool, metrics, LOCALHOST,
    )
    .await
}

const LOCALHOST: &str = "127.0.0.1";

/// As [`start_node`], reporting the node's and its pool's metrics to `registry`.
pub async fn start_metered_node(
    chain: &ChainConfig,
    source: Arc<dyn ChainSource>,
    clock: ManualClock,
    config: NetConfig,
    registry: &mut Registry,
) -> TestNode {
    let pool = PeerPool::new(PoolConfig::default())
        .expect("default pool config is valid")
        .with_metrics(PoolMetrics::register(registry));
    let metrics = NetMetrics::register(registry);
    let keypair = Keypair::generate_secp256k1();
    start(
        chain, source, clock, config, keypair, pool, metrics, LOCALHOST,
    )
    .await
}

#[allow(clippy::too_many_arguments)] // test support: every way a test node differs
async fn start(
    chain: &ChainConfig,
    source: Arc<dyn ChainSource>,
    clock: ManualClock,
    config: NetConfig,
    keypair: Keypair,
    pool: PeerPool<NetPeer>,
    metrics: NetMetrics,
    ip: &str,
) -> TestNode {
    let node = Node::start(NodeSetup {
        keypair,
        config,
        chain: chain.clone(),
        source,
        clock: Arc::new(clock),
        pool,
        listen: format!("/ip4/{ip}/tcp/0").parse().expect("multiaddr"),
        metrics,
    })
    .await
    .expect("node starts");
    let events = node.handle().subscribe();
    TestNode { node, events }
}

/// `registry` in the Prometheus text format the binary serves.
pub fn encoded(registry: &Registry) -> String {
    let mut text = String::new();
    encode(&mut text, registry).expect("the registry encodes");
    text
}

/// The value of one series (its name and labels as encoded, e.g.
/// `beacon_sync_net_peers{direction="inbound"}`) in `registry`.
#[track_caller]
pub fn metric(registry: &Registry, series: &str) -> f64 {
    let text = encoded(registry);
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no series {series} in:\n{text}"))
}

/// A node serving the whole devnet, its clock one slot past the head.
pub async fn devnet_server(devnet: &Devnet, config: NetConfig) -> TestNode {
    let source = Arc::new(MemorySource::from_devnet(devnet));
    start_node(devnet.config(), source, clock_after_head(devnet), config).await
}

/// As [`devnet_client`], with a pool of `pool_config`.
pub async fn devnet_client_with_pool(devnet: &Devnet, pool_config: PoolConfig) -> TestNode {
    let source = Arc::new(MemorySource::new(devnet.genesis_block()));
    let pool = PeerPool::new(pool_config).expect("a valid pool config");
    let (clock, key) = (clock_after_head(devnet), Keypair::generate_secp256k1());
    let (config, metrics) = (NetConfig::default(), NetMetrics::default());
    start(
        devnet.config(),
        source,
        clock,
        config,
        key,
        pool,
        metrics,
        LOCALHOST,
    )
    .await
}

/// A node holding only the devnet's genesis (a syncing client).
pub async fn devnet_client(devnet: &Devnet, config: NetConfig) -> TestNode {
    let source = Arc::new(MemorySource::new(devnet.genesis_block()));
    start_node(devnet.config(), source, clock_after_head(devnet), config).await
}

/// As [`devnet_client`], listening on and dialing from the loopback address `ip`.
pub async fn devnet_client_on(devnet: &Devnet, config: NetConfig, ip: &str) -> TestNode {
    let config = NetConfig {
        dial_from: Some(ip.parse().expect("an IP address")),
        ..config
    };
    let source = Arc::new(MemorySource::new(devnet.genesis_block()));
    let pool = PeerPool::new(PoolConfig::default()).expect("default pool config is valid");
    let (clock, keypair) = (clock_after_head(devnet), Keypair::generate_secp256k1());
    let metrics = NetMetrics::default();
    start(
        devnet.config(),
        source,
        clock,
        config,
        keypair,
        pool,
        metrics,
        ip,
    )
    .await
}

/// `client` dials `server`; returns each side's handle of the other once both accepted.
pub async fn connect(client: &mut TestNode, server: &mut TestNode) -> (NetPeer, NetPeer) {
    let addr = server.handle().dial_addr().expect("listening");
    client.handle().dial(addr).await.expect("dial starts");
    let server_id = server.handle().local_peer_id();
    let client_id = client.handle().local_peer_id();
    let at_client = client.expect_connected(server_id).await;
    let at_server = server.expect_connected(client_id).await;
    (at_client, at_server)
}
