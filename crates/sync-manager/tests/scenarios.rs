//! Whole-sync scenarios on the paused clock: backfill, stalls, lost sync, pause,
//! shutdown and a failing verifier.

mod common;

use std::{collections::HashSet, sync::Arc, time::Duration};

use common::{assert_not_penalised, backward, config, forward, honest_peers, test_chain, until};
use peer_pool::{Lifetime, PeerFilter, PeerType};
use sync_manager::{ManagerConfig, SyncState, WorkerState};
use sync_types::{ScoredPeer, Slot, VerifierFault, test_utils::Behaviour};

const DAY: Duration = Duration::from_secs(24 * 3600);

#[tokio::test(start_paused = true)]
async fn backfill_to_genesis_imports_every_block_downwards_and_ends() {
    let chain = test_chain(10_000, 3);
    let peers = honest_peers(&chain, 8);
    let net = backward(Arc::clone(&chain), 10_000, 0, &peers, config());
    net.join_within(DAY).await;
    let mut want = net.block_slots(0, 9_999);
    want.reverse();
    assert_eq!(net.verifier.inner().imported(), want);
    assert_eq!(net.manager.status().state, SyncState::Synced);
    peers.iter().for_each(|p| assert_not_penalised("honest", p));
}

#[tokio::test(start_paused = true)]
async fn backfill_to_a_chosen_depth_stops_there() {
    let chain = test_chain(10_000, 4);
    let peers = honest_peers(&chain, 8);
    let net = backward(Arc::clone(&chain), 10_000, 6_000, &peers, config());
    net.join_within(DAY).await;
    let imported = net.verifier.inner().imported();
    let mut want = net.block_slots(6_000, 9_999);
    want.reverse();
    assert_eq!(
        imported[..want.len()],
        want[..],
        "every block down to the depth, in order"
    );
    assert!(
        imported.len() <= want.len() + 32,
        "at most one range below the depth"
    );
}

#[tokio::test(start_paused = true)]
async fn losing_every_peer_stalls_and_new_peers_finish_the_sync() {
    let chain = test_chain(3_000, 5);
    let cfg = ManagerConfig {
        stall_timeout: Duration::from_secs(60),
        ..config().with_exit_when_synced()
    };
    let net = forward(Arc::clone(&chain), &[], cfg);
    let first = honest_peers(&chain, 2);
    let mut handles = Vec::new();
    for p in &first {
        let (lifetime, handle) = Lifetime::new();
        net.pool
            .add_peer_no_wait(p.clone(), PeerType::Outgoing, lifetime)
            .expect("added");
        handles.push(handle);
    }
    until(DAY, "syncing", || {
        net.manager.queue().stats().slots_processed >= 500
    })
    .await;
    drop(handles); // every connection ends
    until(Duration::from_secs(600), "stalled", || {
        net.manager.status().state == SyncState::Stalled
    })
    .await;
    assert_eq!(net.pool.len(), 0);
    assert_eq!(net.counter("beacon_sync_range_stalls_total"), 1);
    for p in honest_peers(&chain, 3) {
        net.pool
            .add_peer_no_wait(p, PeerType::Incoming, Lifetime::forever())
            .expect("added");
    }
    until(Duration::from_secs(600), "recovered", || {
        net.manager.status().state == SyncState::Syncing
    })
    .await;
    net.join_within(DAY).await;
    assert_eq!(net.verifier.inner().imported(), net.block_slots(1, 3_000));
}

#[tokio::test(start_paused = true)]
async fn a_wall_clock_jump_after_sync_is_detected_and_synced_again() {
    let chain = test_chain(2_000, 6);
    let peers: Vec<_> = honest_peers(&chain, 4)
        .into_iter()
        .map(|p| p.with_head(Slot(1_000)))
        .collect();
    let net = forward(Arc::clone(&chain), &peers, config());
    net.sim.set_wall(Slot(1_000));
    until(DAY, "synced to 1000", || {
        net.manager.status().state == SyncState::Synced
    })
    .await;
    let processed = net.manager.queue().stats().slots_processed;
    // Time passes: the chain grew to 2000 and the peers have it.
    net.sim.set_wall(Slot(2_000));
    for p in &peers {
        p.set_head(Slot(2_000));
    }
    until(Duration::from_secs(60), "syncing again", || {
        net.manager.status().state == SyncState::Syncing
    })
    .await;
    until(DAY, "synced to 2000", || {
        net.manager.status().state == SyncState::Synced
    })
    .await;
    assert_eq!(net.verifier.inner().imported(), net.block_slots(1, 2_000));
    assert!(
        net.manager.queue().stats().slots_processed > processed,
        "the counter kept counting (D.13)"
    );
    net.manager.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn pause_stops_progress_and_resume_finishes_the_sync() {
    let chain = test_chain(3_000, 8);
    let peers = honest_peers(&chain, 4);
    let net = forward(Arc::clone(&chain), &peers, config().with_exit_when_synced());
    until(DAY, "syncing", || {
        net.manager.queue().stats().slots_processed >= 300
    })
    .await;
    net.manager.pause();
    until(Duration::from_secs(120), "paused", || {
        net.manager
            .status()
            .workers
            .iter()
            .all(|w| matches!(w, WorkerState::Paused | WorkerState::Sleeping))
    })
    .await;
    assert_eq!(net.manager.status().state, SyncState::Paused);
    let at_pause = net.manager.queue().stats().slots_processed;
    tokio::time::advance(Duration::from_secs(600)).await;
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    assert_eq!(
        net.manager.queue().stats().slots_processed,
        at_pause,
        "no progress while paused"
    );
    assert_eq!(
        net.pool.len_acquired(PeerFilter::ANY),
        0,
        "paused workers hold no peer"
    );
    net.manager.resume();
    net.join_within(DAY).await;
    assert_eq!(net.verifier.inner().imported(), net.block_slots(1, 3_000));
}

#[tokio::test(start_paused = true)]
async fn shutdown_in_any_worker_state_leaves_no_task_and_no_acquired_peer() {
    let chain = test_chain(3_000, 9);
    let mut seen = HashSet::new();
    for stop_after_ms in [0u64, 100, 1_000, 4_100, 4_600, 9_000, 20_000, 45_000] {
        let mut peers = honest_peers(&chain, 3);
        peers.push(
            sync_types::test_utils::MockPeer::new(50, Arc::clone(&chain))
                .with_behaviour(Behaviour::Stall),
        );
        let net = forward(Arc::clone(&chain), &peers, config());
        let start = tokio::time::Instant::now();
        while start.elapsed() < Duration::from_millis(stop_after_ms) {
            tokio::time::advance(Duration::from_millis(100)).await;
            for _ in 0..20 {
                tokio::task::yield_now().await;
            }
            seen.extend(net.manager.status().workers);
        }
        net.manager.shutdown().await;
        assert!(net.manager.is_finished());
        assert_eq!(
            net.pool.len_acquired(PeerFilter::ANY),
            0,
            "a peer is still held after {stop_after_ms} ms"
        );
        // Answers already parked stay (accepted data is kept); no handed-out request is
        // left without its ticket having come back.
        let queue = net.manager.queue();
        assert_eq!(
            queue.outstanding() - queue.parked_len(),
            0,
            "a request is still out after {stop_after_ms} ms"
        );
    }
    for state in [
        WorkerState::WaitingPeer,
        WorkerState::Downloading,
        WorkerState::Queueing,
    ] {
        assert!(
            seen.contains(&state),
            "shutdown never met a worker in {state:?}: {seen:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_verifier_failing_on_our_side_costs_no_peer_anything() {
    let chain = test_chain(3_000, 10);
    let peers = honest_peers(&chain, 4);
    let net = forward(Arc::clone(&chain), &peers, config().with_exit_when_synced());
    for fault in [VerifierFault::Storage, VerifierFault::Overloaded]
        .into_iter()
        .cycle()
        .take(30)
    {
        net.verifier.inner().fail_next(fault);
    }
    net.join_within(DAY).await;
    assert_eq!(net.verifier.inner().imported(), net.block_slots(1, 3_000));
    assert_eq!(net.manager.queue().stats().verifier_faults, 30);
    for p in &peers {
        assert_not_penalised("honest", p);
        assert!(p.score() > 300, "peer {} was never rewarded", p.key());
    }
}
