//! Spec D items that live in the manager, each with a test that fails on the seed's
//! behaviour. D.6 (no request leaks) and D.26 (shutdown never asserts) are covered in
//! `scenarios.rs::shutdown_in_any_worker_state_leaves_no_task_and_no_acquired_peer`,
//! D.13 in `a_wall_clock_jump_after_sync_is_detected_and_synced_again`, D.12 by the
//! cooling of throttled peers (the adversarial scenario would stall without it).

mod common;

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use common::{config, forward, honest_peers, pool_with, test_chain};
use prometheus_client::registry::Registry;
use sync_manager::{
    SyncManager, SyncMetrics,
    sim::{SimChain, SimVerifier},
};
use sync_types::{
    BlockData, BlockOutcome, BlockVerifier, ColumnRejection, Epoch, ScoredPeer, Slot,
    SyncDirection, VerifierFault,
    test_utils::{Behaviour, ChainVerifier, MockPeer, TestBlock, TestColumn, TestSidecar},
};

const DAY: Duration = Duration::from_secs(24 * 3600);

#[tokio::test(start_paused = true)]
async fn d02_maybe_finalized_is_judged_on_the_last_slot_of_the_range() {
    // Finalized epoch 4 starts at slot 32 (8 slots per epoch). The queue starts just
    // above the head (genesis); with 31-slot ranges the first is 1..31, entirely
    // finalized. The seed compared slot + count (32) and said it was not.
    let chain = test_chain(63, 1);
    let peers: Vec<MockPeer> = honest_peers(&chain, 1)
        .into_iter()
        .map(|p| p.with_finalized_epoch(Epoch(4)))
        .collect();
    let mut cfg = config().with_exit_when_synced();
    cfg.queue.chunk_size = 31;
    let net = forward(Arc::clone(&chain), &peers, cfg);
    net.join_within(DAY).await;
    assert_eq!(
        net.verifier.inner().maybe_finalized_calls(),
        1,
        "only 1..31 is below slot 32"
    );
}

#[tokio::test(start_paused = true)]
async fn d01_a_peer_whose_finality_claim_does_not_verify_pays_for_the_lie() {
    let chain = test_chain(400, 2);
    let mut peers = honest_peers(&chain, 2);
    let liar = MockPeer::new(9, Arc::clone(&chain))
        .with_behaviour(Behaviour::Lie)
        .with_finalized_epoch(Epoch(40));
    peers.push(liar.clone());
    let net = forward(Arc::clone(&chain), &peers, config().with_exit_when_synced());
    net.join_within(DAY).await;
    let text = net.metrics_text();
    assert!(
        text.contains(
            r#"beacon_sync_range_score_changes_total{direction="forward",reason="finality_lie"}"#
        ),
        "{text}"
    );
    assert!(liar.score() < 0);
    assert_eq!(net.verifier.inner().imported(), net.block_slots(1, 400));
}

/// A verifier that panics on its first call, then behaves.
#[derive(Clone)]
struct PanicsOnce {
    inner: SimVerifier,
    panicked: Arc<AtomicBool>,
}

impl BlockVerifier for PanicsOnce {
    type Block = TestBlock;
    type Sidecar = TestSidecar;
    type Column = TestColumn;

    async fn verify_columns(
        &self,
        blocks: Vec<TestBlock>,
        columns: Vec<Vec<TestColumn>>,
    ) -> Result<Vec<Vec<TestColumn>>, ColumnRejection> {
        self.inner.verify_columns(blocks, columns).await
    }

    async fn verify_segment(
        &self,
        segment: Vec<BlockData<TestBlock, TestSidecar, TestColumn>>,
        maybe_finalized: bool,
    ) -> Result<Vec<BlockOutcome>, VerifierFault> {
        assert!(
            self.panicked.swap(true, Ordering::SeqCst),
            "verifier bug (deliberate, once)"
        );
        self.inner.verify_segment(segment, maybe_finalized).await
    }
}

#[tokio::test(start_paused = true)]
async fn d09_d10_a_worker_that_dies_is_replaced_and_its_peer_and_range_come_back() {
    let chain = test_chain(300, 3);
    let peers = honest_peers(&chain, 2);
    let sim = SimChain::forward(Slot(0), Slot(300));
    let inner = SimVerifier::new(
        ChainVerifier::forward(&chain.blocks()[0]),
        Arc::clone(&sim),
        SyncDirection::Forward,
    );
    let verifier = PanicsOnce {
        inner: inner.clone(),
        panicked: Arc::new(AtomicBool::new(false)),
    };
    let pool = pool_with(&peers);
    let manager = SyncManager::start(
        SyncDirection::Forward,
        config().with_exit_when_synced(),
        common::spec(),
        sim,
        pool.clone(),
        verifier.clone(),
        SyncMetrics::register(&mut Registry::default(), SyncDirection::Forward),
    );
    tokio::time::timeout(DAY, manager.join())
        .await
        .expect("sync completes");
    assert!(verifier.panicked.load(Ordering::SeqCst));
    let want: Vec<Slot> = chain
        .blocks()
        .iter()
        .map(|b| b.slot)
        .filter(|s| s.0 >= 1)
        .collect();
    assert_eq!(inner.inner().imported(), want);
    assert_eq!(
        pool.len(),
        2,
        "the dead worker's peer came back to the pool"
    );
}
