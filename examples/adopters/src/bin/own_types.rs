//! Adopter example 1: a client with its own types runs beacon-sync's range sync over an
//! in-memory network. It implements [`BlockView`] for its block, [`ScoredPeer`] and
//! [`SyncPeer`] for its peers, [`SyncChain`] and [`BlockVerifier`] for its node (parent
//! links, imports into a `Vec`); the minimal spec has no Deneb, so [`NoBlobs`] is the
//! sidecar and column type; [`PeerScore`] keeps each peer's score. Four honest peers and a
//! liar (it forges each answer's last block) serve 2,000 slots, 300 ms per answer on
//! tokio's paused clock, until the wall clock's slot. `cargo run -p adopters --bin
//! own_types` exits 0 when every block was imported once, in order, and only the liar lost.

use std::{process::ExitCode, sync::Arc, sync::Mutex, time::Duration};

use peer_pool::{Lifetime, PeerPool, PeerType, PoolConfig};
use sync_manager::{ManagerConfig, SyncChain, SyncManager, SyncMetrics, SyncState};
use sync_types::{
    BlockData, BlockOutcome, BlockVerifier, BlockView, ChainSpec, ColumnRejection, ColumnSet,
    Epoch, NoBlobs, PeerScore, RequestError, ResponseKind, Root, ScoredPeer, Slot, SyncDirection,
    SyncPeer, SyncRange, VerifierFault, lock::lock,
};
use tokio::time::Instant;

const LAST_SLOT: u64 = 2_000;
const LIAR: u32 = 666;
type Answer<T> = Result<Vec<T>, RequestError>;
type Segment = Vec<BlockData<MyBlock, NoBlobs, NoBlobs>>;
type Outcomes = Result<Vec<BlockOutcome>, VerifierFault>;
type Columns = Vec<Vec<NoBlobs>>;
type Checked = Result<Columns, ColumnRejection>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct MyBlock {
    slot: Slot,
    root: Root,
    parent: Root,
}
impl BlockView for MyBlock {
    fn slot(&self) -> Slot {
        self.slot
    }
    fn root(&self) -> Root {
        self.root
    }
    fn parent_root(&self) -> Root {
        self.parent
    }
    fn blob_commitment_count(&self) -> u64 {
        0
    }
}

/// Genesis, then a block at every slot up to [`LAST_SLOT`] but one in seven.
fn build_chain() -> Vec<MyBlock> {
    let mut chain: Vec<MyBlock> = Vec::new();
    for slot in (0..=LAST_SLOT).filter(|s| s % 7 != 3).map(Slot) {
        let (mut root, parent) = (Root([1; 32]), chain.last().map_or(Root::ZERO, |b| b.root));
        root.0[..8].copy_from_slice(&slot.0.to_le_bytes()); // a real root is a hash
        chain.push(MyBlock { slot, root, parent });
    }
    chain
}

/// Our peer handle, cheap to clone as a connection handle is; clones share the score book.
#[derive(Clone)]
struct MyPeer {
    id: u32,
    chain: Arc<Vec<MyBlock>>,
    book: Arc<PeerScore>,
}

impl ScoredPeer for MyPeer {
    type Key = u32;
    fn key(&self) -> u32 {
        self.id
    }
    fn score(&self) -> i64 {
        self.book.score()
    }
    fn update_score(&self, delta: i64) {
        self.book.update_score(delta);
    }
    fn stats(&self, kind: ResponseKind) -> u64 {
        self.book.stats(kind)
    }
    fn update_stats(&self, kind: ResponseKind, n: u64) {
        self.book.update_stats(kind, n);
    }
}
impl SyncPeer for MyPeer {
    type Block = MyBlock;
    type Sidecar = NoBlobs;
    type Column = NoBlobs;
    fn head_slot(&self) -> Slot {
        Slot(LAST_SLOT)
    }
    fn finalized_epoch(&self) -> Epoch {
        Epoch(0)
    }
    fn status_age(&self) -> Duration {
        Duration::ZERO // in memory: always fresh
    }
    async fn refresh_status(&self) -> Result<(), RequestError> {
        Ok(())
    }
    /// Our blocks of `range`; the liar forges the last one, on a parent nobody has.
    async fn blocks_by_range(&self, range: SyncRange) -> Answer<MyBlock> {
        tokio::time::sleep(Duration::from_millis(300)).await; // the network's latency
        let mut blocks = self.chain.to_vec();
        blocks.retain(|b| range.contains(b.slot));
        if let Some(last) = blocks.last_mut().filter(|_| self.id == LIAR) {
            (last.root, last.parent) = (Root([0xbb; 32]), Root([0xba; 32]));
        }
        Ok(blocks)
    }
    async fn blob_sidecars_by_range(&self, _: SyncRange) -> Answer<NoBlobs> {
        Ok(vec![])
    }
    async fn data_column_sidecars_by_range(&self, _: SyncRange, _: ColumnSet) -> Answer<NoBlobs> {
        Ok(vec![])
    }
}

/// Our node: its chain from genesis in import order, shared by clones. Genesis is final.
#[derive(Clone)]
struct MyNode(Arc<Mutex<Vec<MyBlock>>>);
impl SyncChain for MyNode {
    fn head_slot(&self) -> Slot {
        lock(&self.0).last().map_or(Slot(0), |b| b.slot)
    }
    fn wall_slot(&self) -> Slot {
        Slot(LAST_SLOT)
    }
    fn finalized_slot(&self) -> Slot {
        Slot(0)
    }
}
/// Our import pipeline: a block imports when its parent is known.
impl BlockVerifier for MyNode {
    type Block = MyBlock;
    type Sidecar = NoBlobs;
    type Column = NoBlobs;
    async fn verify_segment(&self, segment: Segment, _maybe_finalized: bool) -> Outcomes {
        let ours = &mut *lock(&self.0);
        let mut outcomes = Vec::new();
        for BlockData { block, .. } in segment {
            let known = |root: Root| ours.iter().rev().any(|b| b.root == root);
            if known(block.root) {
                outcomes.push(BlockOutcome::Duplicate);
            } else if !known(block.parent) {
                outcomes.push(BlockOutcome::MissingParent); // the rest of the segment waits
                break;
            } else {
                ours.push(block);
                outcomes.push(BlockOutcome::Ok);
            }
        }
        Ok(outcomes)
    }
    async fn verify_columns(&self, _: Vec<MyBlock>, columns: Columns) -> Checked {
        Ok(columns) // never called: there are no blobs
    }
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() -> ExitCode {
    let chain = Arc::new(build_chain());
    let pool = PeerPool::new(PoolConfig::default()).expect("the default config is valid");
    let peers = [1, 2, 3, 4, LIAR].map(|id| {
        let (chain, book) = (Arc::clone(&chain), Arc::default());
        MyPeer { id, chain, book }
    });
    for peer in &peers {
        let added = pool.add_peer_no_wait(peer.clone(), PeerType::Outgoing, Lifetime::forever());
        added.expect("the pool has room for five peers");
    }
    let node = MyNode(Arc::new(Mutex::new(vec![chain[0]]))); // we start at genesis
    let config = ManagerConfig::default()
        .with_max_head_age(0)
        .with_exit_when_synced();
    let (spec, metrics, started) = (ChainSpec::minimal(), SyncMetrics::default(), Instant::now());
    let (forward, ours, verifier) = (SyncDirection::Forward, Arc::new(node.clone()), node.clone());
    let manager = SyncManager::start(forward, config, spec, ours, pool.clone(), verifier, metrics);
    let joined = tokio::time::timeout(Duration::from_secs(3600), manager.join()).await;
    let (state, ours) = (manager.status().state, lock(&node.0).clone());
    let (slot, secs) = (node.head_slot().0, started.elapsed().as_secs());
    let (got, want) = (ours.len() - 1, chain.len() - 1);
    println!("{state} at slot {slot} after {secs} s (virtual): imported {got} of {want} blocks");
    let mut ok = joined.is_ok() && state == SyncState::Synced && ours[..] == chain[..];
    for peer in &peers {
        let (id, in_pool, score) = (peer.id, pool.contains(&peer.id), peer.score());
        let penalties = -peer.book.penalties();
        let role = if id == LIAR { "liar" } else { "honest" };
        let place = if in_pool { "in the pool" } else { "removed" };
        println!("{role} peer {id}: score {score}, penalties {penalties}, {place}");
        ok &= (id == LIAR && (score < 0 || !in_pool)) || (id != LIAR && penalties == 0 && in_pool);
    }
    if !ok {
        eprintln!("own_types: the sync did not end as it should (the summary above says how)");
    }
    ExitCode::from(u8::from(!ok))
}
