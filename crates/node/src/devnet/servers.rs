//! The devnet's serving peers: libp2p nodes on 127.0.0.1 serving the source chain's
//! store, some of them through an [`Adversary`].

use std::sync::Arc;

use consensus::containers::Checkpoint;
use consensus::primitives::Hash256;
use libp2p::identity::Keypair;
use libp2p::{Multiaddr, PeerId};
use net::{ChainSource, NetConfig, Node, NodeSetup, SystemClock};
use peer_pool::{PeerPool, PoolConfig};

use super::adversary::{Adversary, Lie};
use super::{DevnetError, SourceChain};
use crate::{NodeChain, StoreSource};

/// One serving peer.
struct ServingPeer {
    /// The running network node.
    node: Node,
    /// Whether it lies.
    adversary: bool,
}

/// The serving peers of a devnet.
pub struct ServingPeers {
    peers: Vec<ServingPeer>,
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
/// `lie`), each on its own port of 127.0.0.1, all sharing the one store.
///
/// # Errors
/// [`DevnetError::Net`] when a node cannot listen.
pub async fn serve_source(
    source: &SourceChain,
    count: usize,
    adversaries: usize,
    lie: Lie,
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
        let serves: Arc<dyn ChainSource> = if adversary {
            Arc::new(Adversary::new(honest.clone(), lie))
        } else {
            Arc::new(honest.clone())
        };
        // They serve one store that holds every column of every Fulu block: supernodes.
        let mut config = NetConfig::default();
        config.metadata.custody_group_count = Some(consensus::custody::NUMBER_OF_CUSTODY_GROUPS);
        let node = Node::start(NodeSetup {
            keypair: Keypair::generate_secp256k1(),
            config,
            chain: source.config.clone(),
            source: serves,
            clock: Arc::new(SystemClock),
            pool: PeerPool::new(PoolConfig::default())
                .expect("invariant: the default pool config is valid"),
            listen: "/ip4/127.0.0.1/tcp/0"
                .parse()
                .expect("invariant: a valid multiaddr"),
            metrics: net::NetMetrics::default(),
        })
        .await?;
        peers.push(ServingPeer { node, adversary });
    }
    Ok(ServingPeers { peers })
}
