//! Interop with a client we did not write: a real Lodestar node (v1.5.1, Capella from
//! genesis, 2-second slots, mplex only) on 127.0.0.1, started with the team's script
//! `../shared/interop/lodestar/lodestar-devnet.sh`.
//!
//! Our node dials it, completes the status handshake, answers its pings and metadata
//! requests, stays connected for more than 60 s without a Goodbye, and fetches blocks 1
//! to 32 by range v2; each decoded block's root equals the root Lodestar's REST API gives
//! for that slot.
//!
//! The first run installs Lodestar from the npm registry into the target directory
//! (about 2 minutes, 235 MB); Node.js and npm come from `scripts/ensure-node.sh`, which
//! installs them or fails with a clear message. This test never skips itself.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use consensus::Fork;
use consensus::config::ChainConfig;
use consensus::containers::{BlobIdentifier, Checkpoint, DataColumnsByRootIdentifier};
use consensus::primitives::Hash256;
use libp2p::identity::Keypair;
use lodestar_harness::{Producer, SECONDS_PER_SLOT, block_root};
use net::{
    BlockBytes, ChainInfo, ChainSource, Muxers, NetConfig, NetEvent, NetMetrics, Node, NodeSetup,
    RpcKind, SidecarBytes, SourceError, SystemClock,
};
use peer_pool::{PeerPool, PoolConfig};
use prometheus_client::registry::Registry;
use support::metric;
use sync_types::{Slot, SyncPeer, SyncRange};
use tokio::sync::broadcast;

/// How long we must stay connected without a Goodbye.
const CONNECTED_FOR: Duration = Duration::from_secs(65);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_lodestar_node_accepts_us_and_serves_blocks_1_to_32() {
    let lodestar = Producer::start(Path::new(env!("CARGO_TARGET_TMPDIR")));
    let get = |path: &str| {
        lodestar
            .get(path)
            .unwrap_or_else(|| panic!("Lodestar answers GET {path}"))
    };
    let genesis = get("/eth/v1/beacon/genesis");
    let genesis_time: u64 = text(&genesis["data"]["genesis_time"])
        .parse()
        .expect("genesis time");
    let gvr = root(&genesis["data"]["genesis_validators_root"]);
    let genesis_root = root(&get("/eth/v1/beacon/headers/0")["data"]["root"]);
    let peer_id = text(&get("/eth/v1/node/identity")["data"]["peer_id"]);
    let chain = ChainConfig::devnet(Fork::Capella, genesis_time, gvr)
        .with_seconds_per_slot(SECONDS_PER_SLOT)
        .expect("2-second slots");

    // A fresh node that has only Lodestar's genesis: Lodestar is who we sync from.
    let mut registry = Registry::default();
    let node = Node::start(NodeSetup {
        keypair: Keypair::generate_secp256k1(),
        config: NetConfig::default().with_muxers(Muxers::MplexOnly),
        chain: chain.clone(),
        source: Arc::new(GenesisOnly { root: genesis_root }),
        clock: Arc::new(SystemClock),
        pool: PeerPool::new(PoolConfig::default()).expect("default pool config"),
        listen: "/ip4/127.0.0.1/tcp/0".parse().expect("multiaddr"),
        metrics: NetMetrics::register(&mut registry),
    })
    .await
    .expect("our node starts");
    let mut events = node.handle().subscribe();
    node.handle()
        .dial(
            lodestar
                .p2p_address()
                .parse()
                .expect("Lodestar's multiaddr"),
        )
        .await
        .expect("dial");

    let connected = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match next(&mut events).await {
                NetEvent::PeerConnected { status, .. } => return status,
                NetEvent::PeerRejected { error, .. } => panic!("we rejected Lodestar: {error}"),
                NetEvent::GoodbyeReceived { reason, .. } => {
                    panic!("Lodestar said goodbye: {reason}")
                }
                _ => {}
            }
        }
    })
    .await
    .expect("the status handshake with Lodestar completes within 30 s");
    assert_eq!(connected.fork_digest, chain.fork_digest_at_epoch(0));

    // Stay connected: Lodestar pings us and asks for our metadata; a peer that does not
    // answer gets Goodbye(250) within about 50 s, a wrong status Goodbye(2) at once.
    let mut answered = Answered::default();
    let quiet = tokio::time::timeout(CONNECTED_FOR, async {
        loop {
            match next(&mut events).await {
                NetEvent::GoodbyeReceived { reason, .. } => {
                    return Err(format!("goodbye {reason}"));
                }
                NetEvent::PeerDisconnected { .. } => return Err("a disconnect".to_owned()),
                NetEvent::RequestAnswered { kind, .. } => answered.count(kind),
                _ => {}
            }
        }
    })
    .await;
    match quiet {
        Err(_elapsed) => {}
        Ok(Err(why)) => panic!("Lodestar let us go before {CONNECTED_FOR:?}: {why}"),
        Ok(Ok(())) => unreachable!("the loop only returns on a goodbye"),
    }
    assert!(
        answered.ping > 0,
        "Lodestar pinged us and we answered ({answered:?})"
    );
    assert!(
        answered.metadata > 0,
        "Lodestar asked our metadata and we answered ({answered:?})"
    );

    lodestar.wait_slot(33);
    let peer_id: libp2p::PeerId = peer_id.parse().expect("peer id");
    let peer = node
        .handle()
        .peer(&peer_id)
        .expect("Lodestar is still in our pool");
    let range = SyncRange::new(Slot(1), 32).expect("a range");
    let blocks = peer
        .blocks_by_range(range)
        .await
        .expect("blocks 1..=32 by range v2");
    assert!(
        !blocks.is_empty(),
        "Lodestar produced blocks in slots 1..=32"
    );
    let mut previous = genesis_root;
    for block in &blocks {
        let slot = block.signed().slot();
        assert!((1..=32).contains(&slot));
        assert_eq!(block.signed().fork(), Fork::Capella);
        let header = get(&format!("/eth/v1/beacon/headers/{slot}"));
        assert_eq!(block.root(), root(&header["data"]["root"]), "slot {slot}");
        assert_eq!(block.signed().parent_root(), previous, "slot {slot} links");
        previous = block.root();
    }
    for slot in 1..=32 {
        let served = blocks.iter().any(|b| b.signed().slot() == slot);
        assert_eq!(
            served,
            block_root(&lodestar.url(), slot).is_some(),
            "slot {slot}: served iff Lodestar has it"
        );
    }
    // The metrics saw the same: our one blocks request, Lodestar's pings, one peer.
    let series = |s: &str| metric(&registry, s);
    assert_eq!(
        series(
            r#"beacon_sync_net_requests_total{direction="outbound",protocol="blocks_by_range",result="success"}"#
        ),
        1.0
    );
    assert!(
        series(
            r#"beacon_sync_net_requests_total{direction="inbound",protocol="ping",result="success"}"#
        ) >= f64::from(answered.ping)
    );
    assert!(
        series(
            r#"beacon_sync_net_response_bytes_total{direction="outbound",protocol="blocks_by_range"}"#
        ) > 0.0
    );
    assert_eq!(
        series(r#"beacon_sync_net_peers{direction="outbound"}"#),
        1.0
    );
    eprintln!(
        "lodestar interop: {} blocks, {} pings and {} metadata requests answered",
        blocks.len(),
        answered.ping,
        answered.metadata
    );
    node.shutdown().await;
}

#[derive(Debug, Default)]
struct Answered {
    ping: u32,
    metadata: u32,
}

impl Answered {
    fn count(&mut self, kind: RpcKind) {
        match kind {
            RpcKind::Ping => self.ping += 1,
            RpcKind::MetaData => self.metadata += 1,
            _ => {}
        }
    }
}

async fn next(events: &mut broadcast::Receiver<NetEvent>) -> NetEvent {
    loop {
        match events.recv().await {
            Ok(event) => return event,
            Err(broadcast::error::RecvError::Lagged(_)) => {}
            Err(broadcast::error::RecvError::Closed) => panic!("our node stopped"),
        }
    }
}

/// Our side: a node that has only the genesis block (status head = genesis, finalized =
/// epoch 0 with the zero root) and serves nothing.
struct GenesisOnly {
    root: Hash256,
}

impl ChainSource for GenesisOnly {
    fn chain_info(&self) -> ChainInfo {
        ChainInfo {
            finalized: Checkpoint {
                epoch: 0,
                root: Hash256::ZERO,
            },
            head_root: self.root,
            head_slot: 0,
            earliest_available_slot: 0,
        }
    }

    fn block_root_at_slot(&self, _slot: u64) -> Option<Hash256> {
        Some(self.root)
    }

    fn blocks_by_range(&self, _: u64, _: u64, _: usize) -> Result<Vec<BlockBytes>, SourceError> {
        Ok(Vec::new())
    }

    fn blocks_by_root(&self, _: &[Hash256], _: usize) -> Result<Vec<BlockBytes>, SourceError> {
        Ok(Vec::new())
    }

    fn blob_sidecars_by_range(
        &self,
        _: u64,
        _: u64,
        _: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError> {
        Ok(Vec::new())
    }

    fn blob_sidecars_by_root(
        &self,
        _: &[BlobIdentifier],
        _: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError> {
        Ok(Vec::new())
    }

    fn data_column_sidecars_by_range(
        &self,
        _: u64,
        _: u64,
        _: &[u64],
        _: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError> {
        Ok(Vec::new())
    }

    fn data_column_sidecars_by_root(
        &self,
        _: &[DataColumnsByRootIdentifier],
        _: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError> {
        Ok(Vec::new())
    }
}

fn text(value: &serde_json::Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

fn root(value: &serde_json::Value) -> Hash256 {
    text(value).parse().expect("a 32-byte root in hex")
}
