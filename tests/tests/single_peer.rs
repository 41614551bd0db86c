//! One serving peer only, which answers one range with an error and calls another range
//! empty: the sync still completes from it, without a watchdog stall. The empty range is
//! not trusted from one peer; with nobody to confirm it, it goes back to the same peer
//! after the barred wait, whose blocks then prove its "empty" false: that costs it a
//! proven fault, once the blocks are in.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use consensus::containers::Checkpoint;
use consensus::containers::{BlobIdentifier, DataColumnsByRootIdentifier};
use consensus::primitives::Hash256;
use e2e::{GUARD, assert_same_chain, small_chain, source};
use libp2p::identity::Keypair;
use net::{
    BlockBytes, ChainInfo, ChainSource, NetConfig, NetMetrics, Node, NodeSetup, SidecarBytes,
    SourceError, SystemClock,
};
use node::{BeaconNode, NodeChain, NodeSettings, StartFrom, StoreSource};

/// Fails the first request for the range at 64 and calls the range at 160 empty once
/// (no blocks and, consistently, no sidecars). The server reads a range in batches, so
/// "once" is per batch start and per kind.
struct Flaky {
    inner: StoreSource,
    failed: AtomicBool,
    emptied: Mutex<HashSet<(&'static str, u64)>>,
}

impl Flaky {
    fn empty_once(&self, kind: &'static str, start: u64) -> bool {
        (160..192).contains(&start)
            && self
                .emptied
                .lock()
                .expect("unpoisoned")
                .insert((kind, start))
    }
}

impl ChainSource for Flaky {
    fn chain_info(&self) -> ChainInfo {
        self.inner.chain_info()
    }
    fn block_root_at_slot(&self, slot: u64) -> Option<Hash256> {
        self.inner.block_root_at_slot(slot)
    }
    fn blocks_by_range(
        &self,
        start: u64,
        count: u64,
        limit: usize,
    ) -> Result<Vec<BlockBytes>, SourceError> {
        if (64..96).contains(&start) && !self.failed.swap(true, Ordering::SeqCst) {
            return Err(SourceError {
                source: "a disk error on the serving side".into(),
            });
        }
        if self.empty_once("blocks", start) {
            return Ok(Vec::new());
        }
        self.inner.blocks_by_range(start, count, limit)
    }
    fn blocks_by_root(
        &self,
        roots: &[Hash256],
        limit: usize,
    ) -> Result<Vec<BlockBytes>, SourceError> {
        self.inner.blocks_by_root(roots, limit)
    }
    fn blob_sidecars_by_range(
        &self,
        start: u64,
        count: u64,
        limit: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError> {
        self.inner.blob_sidecars_by_range(start, count, limit)
    }
    fn blob_sidecars_by_root(
        &self,
        ids: &[BlobIdentifier],
        limit: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError> {
        self.inner.blob_sidecars_by_root(ids, limit)
    }
    fn data_column_sidecars_by_range(
        &self,
        start: u64,
        count: u64,
        columns: &[u64],
        limit: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError> {
        self.inner
            .data_column_sidecars_by_range(start, count, columns, limit)
    }
    fn data_column_sidecars_by_root(
        &self,
        ids: &[DataColumnsByRootIdentifier],
        limit: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError> {
        self.inner.data_column_sidecars_by_root(ids, limit)
    }
}

fn stalls(node: &BeaconNode) -> u64 {
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, node.registry()).expect("encodes");
    text.lines()
        .filter(|l| l.contains("stalls") && l.contains("forward") && !l.starts_with('#'))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lone_peer_with_one_error_and_one_empty_answer_still_serves_the_whole_sync() {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = source(&small_chain(dir.path()));
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
    let flaky = Flaky {
        inner: StoreSource::new(Arc::clone(&source.store), chain),
        failed: AtomicBool::new(false),
        emptied: Mutex::new(HashSet::new()),
    };
    let server = Node::start(NodeSetup {
        keypair: Keypair::generate_secp256k1(),
        config: NetConfig::default(),
        chain: source.config.clone(),
        source: Arc::new(flaky),
        clock: Arc::new(SystemClock),
        pool: peer_pool::PeerPool::new(peer_pool::PoolConfig::default()).expect("pool"),
        listen: "/ip4/127.0.0.1/tcp/0".parse().expect("multiaddr"),
        metrics: NetMetrics::default(),
    })
    .await
    .expect("server starts");
    let addr = server.handle().dial_addr().expect("listening");

    let mut settings = NodeSettings::new(
        dir.path().join("node"),
        source.config.clone(),
        source.proposers.clone(),
        StartFrom::Genesis(Box::new(source.genesis.clone())),
    );
    settings.peers = vec![addr];
    let node = BeaconNode::start(settings).await.expect("node starts");
    tokio::time::timeout(GUARD, node.wait_for_head(source.anchors.head.slot))
        .await
        .expect("the lone peer serves the whole chain");
    assert_same_chain(node.store(), &source.store, 0);
    assert_eq!(stalls(&node), 0, "no watchdog stall");
    let book = node.peer_book().snapshot();
    let record = book.values().next().expect("the peer was met");
    assert!(
        record.score() < 0,
        "its own blocks proved its empty answer false"
    );
    node.shutdown().await;
    server.shutdown().await;
}
