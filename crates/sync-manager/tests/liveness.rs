//! Liveness and fair blame (issue 9): one test per failure the sweep found in the seed's
//! rules, each on the paused clock. Every test here failed before the fix.

mod common;

use std::{sync::Arc, time::Duration};

use common::{backward, config, forward, pool_with, spec, until};
use peer_pool::{Lifetime, PeerType};
use prometheus_client::registry::Registry;
use sync_manager::{ManagerConfig, SyncManager, SyncMetrics, sim::SimChain};
use sync_types::{
    ChainSpec, ScoredPeer, Slot, SyncDirection,
    test_utils::{Behaviour, MockPeer, TestChain},
};

const HOUR: Duration = Duration::from_secs(3600);

/// A chain of `last` slots where only every `every`-th slot has a block (and the last).
fn sparse_chain(last: u64, every: u64) -> Arc<TestChain> {
    Arc::new(TestChain::build(
        Slot(last),
        |s| s.0 != last && s.0 % every != 0,
        |_| 0,
    ))
}

/// `n` honest peers answering after `latency` (keys from 1).
fn peers(chain: &Arc<TestChain>, n: u32, latency: Duration) -> Vec<MockPeer> {
    (1..=n)
        .map(|k| MockPeer::new(k, Arc::clone(chain)).with_behaviour(Behaviour::Delay(latency)))
        .collect()
}

fn stalls(net: &common::Net) -> u64 {
    net.counter("beacon_sync_range_stalls_total")
}

#[tokio::test(start_paused = true)]
async fn a_range_barred_for_the_best_peer_goes_to_the_other_peers() {
    // The last ranges are empty and need a second peer's confirmation. The seed answered
    // the best peer, barred from them, `Exhausted`: its worker waited, every worker took
    // that same best peer in turn, and the other peer was never asked. The sync hung
    // until the watchdog, and after the watchdog's reset again.
    let chain = Arc::new(TestChain::build(
        Slot(256),
        |s| (100..256).contains(&s.0),
        |_| 0,
    ));
    let all = peers(&chain, 3, Duration::from_millis(300));
    all[0].update_score(500); // the best-ranked peer
    let net = forward(Arc::clone(&chain), &all, config().with_exit_when_synced());
    net.join_within(Duration::from_secs(600)).await;
    assert_eq!(stalls(&net), 0, "no watchdog stall");
    assert_eq!(net.verifier.inner().imported(), net.block_slots(1, 256));
    for p in &all {
        assert_eq!(p.penalties(), 0, "honest peer {}", p.key());
    }
}

#[tokio::test(start_paused = true)]
async fn late_incoming_peers_get_work() {
    let chain = Arc::new(TestChain::full(Slot(4_000)));
    let first = peers(&chain, 2, Duration::from_millis(100));
    // As many workers as first peers: each worker finds a first peer free whenever it
    // looks, and the seed's ranking put them (outgoing, with earned score) first.
    let cfg = ManagerConfig {
        workers: 2,
        ..config().with_exit_when_synced()
    };
    let net = forward(Arc::clone(&chain), &first, cfg);
    until(HOUR, "syncing", || {
        net.manager.queue().stats().slots_processed >= 300
    })
    .await;
    let late: Vec<MockPeer> = (10..13)
        .map(|k| {
            MockPeer::new(k, Arc::clone(&chain))
                .with_behaviour(Behaviour::Delay(Duration::from_millis(100)))
        })
        .collect();
    for p in &late {
        net.pool
            .add_peer_no_wait(p.clone(), PeerType::Incoming, Lifetime::forever())
            .expect("added");
    }
    net.join_within(HOUR).await;
    for p in &late {
        assert!(
            !p.requests().is_empty(),
            "late incoming peer {} was never asked for anything",
            p.key()
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_result_is_verified_as_soon_as_it_arrives_whatever_its_worker_does_next() {
    // One worker, an instant peer and a slow one. The seed's worker kept its answered
    // result in a future it polled only while waiting: while it downloaded the next
    // range from the slow peer, the first result was not even parked, and everything
    // behind it waited too.
    let chain = Arc::new(TestChain::full(Slot(400)));
    let fast = MockPeer::new(1, Arc::clone(&chain));
    let slow = MockPeer::new(2, Arc::clone(&chain))
        .with_behaviour(Behaviour::Delay(Duration::from_secs(20)));
    let cfg = ManagerConfig {
        workers: 1,
        ..config().with_exit_when_synced()
    };
    let net = forward(Arc::clone(&chain), &[fast.clone(), slow.clone()], cfg);
    until(HOUR, "the slow peer asked", || !slow.requests().is_empty()).await;
    let first_fast = fast.requests()[0].range;
    let slow_range = slow.requests()[0].range;
    assert!(
        first_fast.start() < slow_range.start(),
        "the fast peer went first"
    );
    // The slow download is still running (20 s): the fast peer's result is verified.
    assert!(
        net.manager.queue().stats().results_processed >= 1,
        "{:?}",
        net.manager.queue().stats()
    );
    net.join_within(HOUR).await;
    assert_eq!(net.verifier.inner().imported(), net.block_slots(1, 400));
}

#[tokio::test(start_paused = true)]
async fn one_peer_skips_an_empty_range_without_the_watchdog() {
    // Slots 33..=96 are empty; the only peer says so twice, and nobody else could.
    let chain = Arc::new(TestChain::build(
        Slot(200),
        |s| (33..=96).contains(&s.0),
        |_| 0,
    ));
    let only = peers(&chain, 1, Duration::from_millis(200));
    let net = forward(Arc::clone(&chain), &only, config().with_exit_when_synced());
    net.join_within(Duration::from_secs(600)).await;
    assert_eq!(stalls(&net), 0, "no watchdog stall");
    assert_eq!(net.verifier.inner().imported(), net.block_slots(1, 200));
    let status = net.manager.status();
    // The queue starts just above the head (slot 1), so 33..=64 and 65..=96 are two
    // whole empty ranges.
    assert!(
        status.queue.empty_skipped_unconfirmed == 2,
        "the status says why the ranges were skipped: {:?}",
        status.queue
    );
    assert_eq!(only[0].penalties(), 0);
}

#[tokio::test(start_paused = true)]
async fn backfill_never_asks_a_pruned_peer_below_its_earliest_slot() {
    let chain = Arc::new(TestChain::full(Slot(1_000)));
    let mut all = peers(&chain, 2, Duration::from_millis(200));
    let pruned = MockPeer::new(9, Arc::clone(&chain)).with_pruned_history(Slot(600));
    all.push(pruned.clone());
    let net = backward(Arc::clone(&chain), 1_000, 0, &all, config());
    net.join_within(HOUR).await;
    let mut want = net.block_slots(0, 999);
    want.reverse();
    assert_eq!(net.verifier.inner().imported(), want);
    assert!(!pruned.requests().is_empty(), "it served what it has");
    for r in pruned.requests() {
        assert!(r.range.start() >= Slot(600), "asked for {:?}", r.range);
    }
    assert_eq!(pruned.penalties(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_peer_that_withholds_blocks_ends_below_zero_on_a_sparse_chain() {
    // Truthful empty answers used to earn +100 each through the gap list while a proven
    // withholding cost -100, so on a sparse chain the liar stayed in the pool.
    let chain = sparse_chain(4_000, 24);
    let mut all = peers(&chain, 3, Duration::from_millis(500));
    let liar = MockPeer::new(9, Arc::clone(&chain)).with_behaviour(Behaviour::Empty);
    all.push(liar.clone());
    let mut cfg = config().with_exit_when_synced();
    cfg.queue = cfg.queue.with_chunk_size(8);
    let net = forward(Arc::clone(&chain), &all, cfg);
    net.join_within(HOUR).await;
    assert_eq!(net.verifier.inner().imported(), net.block_slots(1, 4_000));
    assert!(liar.score() < 0, "liar ended at {}", liar.score());
    for p in &all[..3] {
        assert_eq!(p.penalties(), 0, "honest peer {}", p.key());
    }
}

#[tokio::test(start_paused = true)]
async fn backfill_charges_a_peer_on_another_fork_in_full() {
    let chain = Arc::new(TestChain::full(Slot(2_000)));
    let mut all = peers(&chain, 2, Duration::from_millis(500));
    let liar = MockPeer::new(9, Arc::clone(&chain)).with_behaviour(Behaviour::Lie);
    all.push(liar.clone());
    let net = backward(Arc::clone(&chain), 2_000, 0, &all, config());
    net.join_within(HOUR).await;
    assert!(liar.score() < 0, "liar ended at {}", liar.score());
    for p in &all[..2] {
        assert_eq!(p.penalties(), 0, "honest peer {}", p.key());
    }
}

#[tokio::test(start_paused = true)]
async fn a_blob_window_straddling_range_asks_only_for_the_newer_sidecars() {
    // Blob window of 4 epochs (32 slots at 8 per epoch) from the wall epoch 25: slots
    // from 168 on need sidecars. A range of 32 from 160 straddles the boundary.
    let spec = ChainSpec {
        min_epochs_for_blob_sidecars_requests: 4,
        ..spec()
    };
    let chain = Arc::new(TestChain::build(Slot(200), |_| false, |_| 2));
    let peer = MockPeer::new(1, Arc::clone(&chain));
    let pool = pool_with(std::slice::from_ref(&peer));
    let sim = SimChain::forward(Slot(0), Slot(200));
    let verifier = common::forward_verifier(&chain, &sim);
    let manager = SyncManager::start(
        SyncDirection::Forward,
        ManagerConfig {
            max_head_age: 0,
            ..ManagerConfig::default()
        }
        .with_exit_when_synced(),
        spec,
        sim,
        pool,
        verifier.clone(),
        SyncMetrics::register(&mut Registry::default(), SyncDirection::Forward),
    );
    tokio::time::timeout(HOUR, manager.join())
        .await
        .expect("synced");
    let sidecar_ranges: Vec<_> = peer
        .requests()
        .into_iter()
        .filter(|r| r.kind == sync_types::test_utils::RequestKind::Sidecars)
        .map(|r| r.range)
        .collect();
    assert!(!sidecar_ranges.is_empty());
    for r in &sidecar_ranges {
        assert!(r.start() >= Slot(168), "sidecars asked for {r:?}");
    }
    assert_eq!(peer.penalties(), 0);
    assert_eq!(verifier.inner().imported().len(), 200);
}

#[tokio::test(start_paused = true)]
async fn a_forward_queue_run_past_every_slot_on_a_lone_liars_word_starts_again_from_the_head() {
    // Only a peer that calls every range empty is there at first: alone, its word skips
    // the ranges (nobody else can confirm them) and the queue runs to its end with our
    // head still at genesis. When an honest peer arrives, the sync starts again from the
    // head instead of sitting at 100 %.
    let chain = Arc::new(TestChain::full(Slot(200)));
    let liar = MockPeer::new(9, Arc::clone(&chain)).with_behaviour(Behaviour::Empty);
    let net = forward(
        Arc::clone(&chain),
        std::slice::from_ref(&liar),
        config().with_exit_when_synced(),
    );
    until(HOUR, "the queue at its end", || {
        net.manager.queue().is_empty()
    })
    .await;
    assert!(net.verifier.inner().imported().is_empty());
    let honest = MockPeer::new(1, Arc::clone(&chain));
    net.pool
        .add_peer_no_wait(honest.clone(), PeerType::Incoming, Lifetime::forever())
        .expect("added");
    net.join_within(HOUR).await;
    assert_eq!(net.verifier.inner().imported(), net.block_slots(1, 200));
    assert_eq!(honest.penalties(), 0);
}
