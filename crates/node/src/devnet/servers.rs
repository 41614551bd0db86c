//! The devnet's serving peers: libp2p nodes on 127.0.0.1 serving the source chain's
//! store, each through a [`DevnetServer`]: the adversaries lie, and custody differs (the
//! adversaries and the first honest peer are supernodes, the other honest peers keep the
//! minimum custody and serve only those columns).

use std::sync::Arc;

use consensus::containers::Checkpoint;
use consensus::custody::{CUSTODY_REQUIREMENT, NUMBER_OF_CUSTODY_GROUPS, custody_columns};
use consensus::primitives::Hash256;
use libp2p::identity::Keypair;
use libp2p::{Multiaddr, PeerId};
use net::{NetConfig, Node, NodeSetup, SystemClock};
use peer_pool::{PeerPool, PoolConfig};
use sync_types::ColumnSet;

use super::adversary::{DevnetServer, Lie};
use super::{DevnetError, SourceChain};
use crate::{NodeChain, StoreSource};

/// One serving peer.
struct ServingPeer {
    /// The running network node.
    node: Node,
    /// Whether it lies.
    adversary: bool,
    /// The custody group count it advertises (and honours).
    custody_groups: u64,
    /// Its identity (for its node record).
    keypair: Keypair,
}

/// The serving peers of a devnet.
pub struct ServingPeers {
    peers: Vec<ServingPeer>,
    discovery: Vec<net::discovery::Discovery>,
}

impl ServingPeers {
    /// Their dial addresses, each ending in `/p2p/<peer id>`.
    pub fn addrs(&self) -> Vec<Multiaddr> {
        self.peers
            .iter()
            .filter_map(|p| p.node.handle().dial_addr())
            .collect()
    }

    /// The network events of the `index`-th serving peer, from now on.
    pub fn events(&self, index: usize) -> Option<tokio::sync::broadcast::Receiver<net::NetEvent>> {
        self.peers.get(index).map(|p| p.node.handle().subscribe())
    }

    /// Whether `peer` is one of the adversaries.
    pub fn is_adversary(&self, peer: &PeerId) -> bool {
        self.peers
            .iter()
            .any(|p| p.adversary && p.node.handle().local_peer_id() == *peer)
    }

    /// The custody group count `peer` advertises, if it is one of ours.
    pub fn custody_groups(&self, peer: &PeerId) -> Option<u64> {
        self.peers
            .iter()
            .find(|p| p.node.handle().local_peer_id() == *peer)
            .map(|p| p.custody_groups)
    }

    /// Starts discv5 for every serving peer on 127.0.0.1 (each record naming its TCP
    /// listener), the first one the others' bootnode, and returns the first one's
    /// record: the bootnode a syncing node finds them all from.
    ///
    /// # Errors
    /// [`DevnetError::Discovery`] when discv5 cannot start.
    pub async fn start_discovery(
        &mut self,
        chain: &consensus::ChainConfig,
    ) -> Result<net::discovery::Enr, DevnetError> {
        let wall = net::clock::slot_at(chain, net::WallClock::unix_time(&SystemClock));
        let mut bootnodes = Vec::new();
        for peer in &self.peers {
            let tcp_port = peer
                .node
                .handle()
                .listen_addrs()
                .iter()
                .find_map(crate::node::tcp_port)
                .unwrap_or(0);
            let config = net::discovery::DiscoveryConfig {
                ip: std::net::Ipv4Addr::LOCALHOST,
                udp_port: free_udp_port()?,
                tcp_port,
                custody_group_count: peer.custody_groups,
                bootnodes: bootnodes.clone(),
            };
            let started = net::discovery::Discovery::start(
                &peer.keypair,
                chain,
                chain.slot_to_epoch(wall),
                &config,
            )
            .await
            .map_err(|e| DevnetError::Discovery(e.to_string()))?;
            if bootnodes.is_empty() {
                bootnodes.push(started.local_enr());
            } else {
                // A first lookup puts it in the bootnode's table, where others find it.
                started.lookup_answered().await;
            }
            self.discovery.push(started);
        }
        bootnodes
            .pop()
            .ok_or(DevnetError::Options("--peers must be at least 1"))
    }

    /// Whether `peer` is one of ours.
    pub fn contains(&self, peer: &PeerId) -> bool {
        self.peers
            .iter()
            .any(|p| p.node.handle().local_peer_id() == *peer)
    }

    /// Says goodbye to every client and stops.
    pub async fn shutdown(self) {
        for peer in self.peers {
            peer.node.shutdown().await;
        }
    }
}

/// Starts `count` peers serving `source` (the first `adversaries` of them lying with
/// `lie`), each on its own port of 127.0.0.1, all sharing the one store. The adversaries
/// and the first honest peer are supernodes; the other honest peers keep the minimum
/// custody ([`CUSTODY_REQUIREMENT`] groups) and serve only those columns.
///
/// # Errors
/// [`DevnetError::Net`] when a node cannot listen.
pub async fn serve_source(
    source: &SourceChain,
    count: usize,
    adversaries: usize,
    lie: Lie,
) -> Result<ServingPeers, DevnetError> {
    serve(source, count, adversaries, lie, 1).await
}

/// Starts `count` honest supernodes serving `source` (the bench's peers: they measure the
/// sync, not the spread of custody).
///
/// # Errors
/// [`DevnetError::Net`] when a node cannot listen.
pub async fn serve_supernodes(
    source: &SourceChain,
    count: usize,
) -> Result<ServingPeers, DevnetError> {
    serve(source, count, 0, Lie::Blobs, count).await
}

/// Starts `count` peers: the first `adversaries` lying supernodes, then `supernodes`
/// honest supernodes, then honest peers at the minimum custody.
async fn serve(
    source: &SourceChain,
    count: usize,
    adversaries: usize,
    lie: Lie,
    supernodes: usize,
) -> Result<ServingPeers, DevnetError> {
    let chain = Arc::new(NodeChain::new(
        source.config.clone(),
        Arc::new(SystemClock),
        source.anchors,
        Checkpoint {
            epoch: 0,
            root: Hash256::ZERO,
        },
        0,
    ));
    let honest = StoreSource::new(Arc::clone(&source.store), chain);
    let mut peers = Vec::with_capacity(count);
    for index in 0..count {
        let adversary = index < adversaries;
        let keypair = Keypair::generate_secp256k1();
        let (serves, custody_groups) = if adversary {
            let lying = DevnetServer::lying(honest.clone(), lie);
            (lying, NUMBER_OF_CUSTODY_GROUPS)
        } else if index < adversaries + supernodes {
            (
                DevnetServer::honest(honest.clone()),
                NUMBER_OF_CUSTODY_GROUPS,
            )
        } else {
            let custody = custody_set(&keypair, CUSTODY_REQUIREMENT);
            let minimal = DevnetServer::honest(honest.clone()).with_custody(custody);
            (minimal, CUSTODY_REQUIREMENT)
        };
        let mut config = NetConfig::default();
        config.metadata.custody_group_count = Some(custody_groups);
        let node = Node::start(NodeSetup {
            keypair: keypair.clone(),
            config,
            chain: source.config.clone(),
            source: Arc::new(serves),
            clock: Arc::new(SystemClock),
            pool: PeerPool::new(PoolConfig::default())
                .expect("invariant: the default pool config is valid"),
            listen: "/ip4/127.0.0.1/tcp/0"
                .parse()
                .expect("invariant: a valid multiaddr"),
            metrics: net::NetMetrics::default(),
        })
        .await?;
        peers.push(ServingPeer {
            node,
            adversary,
            custody_groups,
            keypair,
        });
    }
    Ok(ServingPeers {
        peers,
        discovery: Vec::new(),
    })
}

/// A UDP port free on 127.0.0.1 now.
pub(super) fn free_udp_port() -> Result<u16, DevnetError> {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").and_then(|s| s.local_addr());
    socket
        .map(|addr| addr.port())
        .map_err(|source| DevnetError::Io {
            path: "udp://127.0.0.1:0".into(),
            source,
        })
}

/// The columns a peer with `keypair` custodies at `groups` custody groups.
fn custody_set(keypair: &Keypair, groups: u64) -> ColumnSet {
    let node_id = net::node_id(&keypair.public()).expect("invariant: a secp256k1 key");
    custody_columns(node_id, groups)
        .expect("invariant: at most NUMBER_OF_CUSTODY_GROUPS groups")
        .into_iter()
        .collect()
}
