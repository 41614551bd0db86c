//! Fulu range sync: blocks from the worker's peer, sampled data columns from custody
//! peers, blame on the peer that sent a bad column, waiting (without penalty) while no
//! peer custodies a sampled column.

mod common;

use std::{sync::Arc, time::Duration};

use common::{
    Net, assert_not_penalised, backward_on, config, forward_on, fulu_spec, honest_peers,
    test_chain, until,
};
use sync_manager::{ManagerConfig, SyncState};
use sync_types::{
    ColumnSet, ScoredPeer, Slot, SyncPeer,
    test_utils::{Behaviour, MockPeer, TestChain},
};

/// Fulu at epoch 4: slots 32 and up carry columns, the ones below blob sidecars.
const FULU_EPOCH: u64 = 4;
const FULU_SLOT: u64 = 32;

fn set(indices: &[u64]) -> ColumnSet {
    ColumnSet::from_indices(indices.iter().copied()).expect("below 128")
}

/// The sampled columns of these tests: eight, as a node at the minimum custody samples.
fn sampled() -> ColumnSet {
    set(&[3, 17, 40, 64, 77, 90, 101, 126])
}

fn sampling(config: ManagerConfig) -> ManagerConfig {
    ManagerConfig {
        sampled_columns: sampled(),
        ..config
    }
}

/// Every block of the chain in `lo ..= hi` with blobs was imported with exactly the
/// sampled columns if it is a Fulu block, and with none otherwise.
#[track_caller]
fn assert_every_sampled_column_imported(net: &Net, lo: u64, hi: u64) {
    let imported = net.verifier.inner().imported_columns();
    for block in net.chain.blocks() {
        if !(lo..=hi).contains(&block.slot.0) {
            continue;
        }
        let got = imported.get(&block.slot).copied();
        if block.slot.0 < FULU_SLOT {
            assert_eq!(got, None, "block {} is before Fulu", block.slot);
        } else if block.blobs > 0 {
            assert_eq!(got, Some(sampled()), "block {}", block.slot);
        } else {
            assert_eq!(
                got,
                Some(ColumnSet::EMPTY),
                "block {} has no blobs",
                block.slot
            );
        }
    }
}

/// Honest peers with their custody: one supernode, the rest holding a part each so that
/// together they cover the sampled set twice.
fn custody_peers(chain: &Arc<TestChain>) -> Vec<MockPeer> {
    let parts = [
        ColumnSet::ALL,
        set(&[3, 17, 40, 64]),
        set(&[77, 90, 101, 126]),
        set(&[3, 40, 77, 101]),
        set(&[17, 64, 90, 126]),
    ];
    honest_peers(chain, 5)
        .into_iter()
        .zip(parts)
        .map(|(peer, custody)| peer.with_custody(custody))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_sync_across_the_fulu_fork_gets_sidecars_before_it_and_every_sampled_column_after() {
    let chain = test_chain(600, 11);
    let peers = custody_peers(&chain);
    let net = forward_on(
        fulu_spec(FULU_EPOCH),
        Arc::clone(&chain),
        &peers,
        sampling(config().with_exit_when_synced()),
    );
    net.join_within(Duration::from_secs(6 * 3600)).await;

    assert_eq!(net.verifier.inner().imported(), net.block_slots(1, 600));
    assert_every_sampled_column_imported(&net, 1, 600);
    let pre_fulu_blobs: u64 = chain
        .blocks()
        .iter()
        .skip(1)
        .filter(|b| b.slot.0 < FULU_SLOT)
        .map(|b| b.blobs)
        .sum();
    assert_eq!(
        net.counter("beacon_sync_range_sidecars_verified_total"),
        pre_fulu_blobs
    );
    for p in &peers {
        assert_not_penalised("honest", p);
        for (range, columns) in p.column_requests() {
            assert!(
                range.start() >= Slot(FULU_SLOT),
                "no column asked before Fulu"
            );
            assert!(
                columns.is_subset(p.custody().expect("custody")),
                "only custody asked"
            );
        }
        assert!(
            !p.requested_ranges(sync_types::test_utils::RequestKind::Sidecars)
                .iter()
                .any(|r| r.last() >= Slot(FULU_SLOT)),
            "no blob sidecar asked from Fulu on"
        );
    }
    // The load is spread: every partial custody peer was asked for columns.
    for p in &peers[1..] {
        assert!(
            !p.column_requests().is_empty(),
            "peer {} never asked",
            p.key()
        );
    }
    assert_eq!(net.manager.status().columns_without_peer, ColumnSet::EMPTY);
}

#[tokio::test(start_paused = true)]
async fn peers_that_withhold_corrupt_or_forge_columns_leave_and_the_block_peer_is_not_blamed() {
    let chain = test_chain(800, 12);
    let honest = custody_peers(&chain);
    // Each adversary custodies everything (so it is asked often) and serves honest blocks.
    let bad: Vec<(&str, MockPeer)> = [
        ("withholds", Behaviour::WithholdSidecars),
        ("corrupts", Behaviour::CorruptSidecars),
        ("bad-proof", Behaviour::BadColumnProof),
        ("reorders", Behaviour::ReorderSidecars),
    ]
    .into_iter()
    .zip(50u32..)
    .map(|((name, behaviour), key)| {
        let peer = MockPeer::new(key, Arc::clone(&chain))
            .with_behaviour(behaviour)
            .with_custody(ColumnSet::ALL);
        (name, peer)
    })
    .collect();
    // A peer on another branch, blocks and columns alike: when it is the block peer, the
    // honest custody peers' columns name other roots than its blocks (and its own columns
    // match them), which must not cost the honest peers anything.
    let liar = MockPeer::new(60, Arc::clone(&chain))
        .with_behaviour(Behaviour::Lie)
        .with_custody(ColumnSet::ALL);
    let mut peers = honest.clone();
    peers.extend(bad.iter().map(|(_, p)| p.clone()));
    peers.push(liar.clone());
    // Fulu from genesis: no blob sidecar is ever asked, so a penalty can only come from
    // a column answer.
    let net = forward_on(
        fulu_spec(0),
        Arc::clone(&chain),
        &peers,
        sampling(config().with_exit_when_synced()),
    );
    net.join_within(Duration::from_secs(6 * 3600)).await;

    assert_eq!(net.verifier.inner().imported(), net.block_slots(1, 800));
    let imported = net.verifier.inner().imported_columns();
    for block in chain.blocks().iter().skip(1).filter(|b| b.blobs > 0) {
        assert_eq!(
            imported.get(&block.slot),
            Some(&sampled()),
            "block {}",
            block.slot
        );
    }
    for (name, peer) in &bad {
        assert!(!peer.column_requests().is_empty(), "{name} was never asked");
        assert!(peer.score() < 0, "{name} ended at {}", peer.score());
        assert!(
            !net.pool.contains(&peer.key()),
            "{name} is still in the pool"
        );
    }
    assert!(!liar.requests().is_empty(), "the liar was asked for blocks");
    assert!(!liar.column_requests().is_empty(), "and for columns");
    assert!(liar.score() < 0, "the liar ended at {}", liar.score());
    for p in &honest {
        assert_eq!(p.penalties(), 0, "honest peer {} was charged", p.key());
    }
}

#[tokio::test(start_paused = true)]
async fn with_no_custody_peer_for_a_column_the_sync_waits_says_so_and_finishes_when_one_comes() {
    let chain = test_chain(300, 13);
    let a = MockPeer::new(1, Arc::clone(&chain)).with_custody(set(&[3, 17, 40, 64]));
    // Its metadata has not arrived: its custody is unknown.
    let b = MockPeer::new(2, Arc::clone(&chain));
    let peers = [a.clone(), b.clone()];
    let net = forward_on(
        fulu_spec(FULU_EPOCH),
        Arc::clone(&chain),
        &peers,
        sampling(config().with_exit_when_synced()),
    );
    let lacking = set(&[77, 90, 101, 126]);
    until(Duration::from_secs(600), "waiting for custody", || {
        net.manager.status().columns_without_peer == lacking
    })
    .await;
    // An hour later, still waiting at the fork, and nobody charged for it.
    tokio::time::sleep(Duration::from_secs(3600)).await;
    let status = net.manager.status();
    assert_eq!(status.columns_without_peer, lacking);
    assert_ne!(status.state, SyncState::Synced);
    let first_with_columns = chain
        .blocks()
        .iter()
        .find(|b| b.slot >= Slot(FULU_SLOT) && b.blobs > 0)
        .expect("a Fulu block with blobs")
        .slot;
    assert!(
        status.current_slot < first_with_columns,
        "at {}",
        status.current_slot
    );
    assert!(!net.manager.is_finished());

    b.set_custody(Some(ColumnSet::ALL));
    net.join_within(Duration::from_secs(3600)).await;
    assert_eq!(net.verifier.inner().imported(), net.block_slots(1, 300));
    assert_every_sampled_column_imported(&net, 1, 300);
    assert_eq!(net.manager.status().columns_without_peer, ColumnSet::EMPTY);
    assert_eq!(a.penalties(), 0);
    assert_eq!(b.penalties(), 0);
}

#[tokio::test(start_paused = true)]
async fn backfill_fetches_the_sampled_columns_of_every_fulu_block() {
    let chain = test_chain(400, 14);
    let peers = custody_peers(&chain);
    let net = backward_on(
        fulu_spec(FULU_EPOCH),
        Arc::clone(&chain),
        400,
        0,
        &peers,
        sampling(ManagerConfig {
            max_head_age: 0,
            ..ManagerConfig::default()
        }),
    );
    net.join_within(Duration::from_secs(6 * 3600)).await;

    let mut expected = net.block_slots(0, 399);
    expected.reverse();
    assert_eq!(net.verifier.inner().imported(), expected);
    assert_every_sampled_column_imported(&net, 0, 399);
    for p in &peers {
        assert_not_penalised("honest", p);
    }
}

#[tokio::test(start_paused = true)]
async fn a_peer_on_another_branch_cannot_get_honest_custody_peers_charged() {
    // Two peers, each custodying everything: the liar serves another branch's blocks and
    // columns that match them. When it is the block peer, the honest peer's columns name
    // other roots than its blocks while its own columns match: only the blocks' fate tells
    // who was wrong, and it is the liar.
    let chain = test_chain(300, 15);
    let honest = honest_peers(&chain, 1)
        .remove(0)
        .with_custody(ColumnSet::ALL);
    let liar = MockPeer::new(60, Arc::clone(&chain))
        .with_behaviour(Behaviour::Lie)
        .with_custody(ColumnSet::ALL);
    let net = forward_on(
        fulu_spec(0),
        Arc::clone(&chain),
        &[honest.clone(), liar.clone()],
        sampling(config().with_exit_when_synced()),
    );
    net.join_within(Duration::from_secs(6 * 3600)).await;

    assert_eq!(net.verifier.inner().imported(), net.block_slots(1, 300));
    assert!(
        !liar
            .requested_ranges(sync_types::test_utils::RequestKind::Blocks)
            .is_empty(),
        "the liar served blocks"
    );
    assert!(liar.score() < 0, "the liar ended at {}", liar.score());
    assert_eq!(honest.penalties(), 0, "the honest peer was charged");
}

#[tokio::test(start_paused = true)]
async fn a_range_straddling_the_column_window_asks_columns_only_inside_it() {
    // Columns are kept MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS epochs (4 here) back
    // from the wall epoch (25 at slot 200, 8 slots an epoch): from slot 168 on. The
    // partial custody peers pruned everything older (their Status says 168, and they
    // refuse any range that starts below it); the supernode keeps all blocks. Nobody is
    // asked for columns below 168 and no pruned peer is charged; a range from 160
    // straddles the boundary: blocks for all of it, columns only for 168 and up.
    let spec = sync_types::ChainSpec {
        min_epochs_for_data_column_sidecars_requests: 4,
        ..fulu_spec(0)
    };
    let chain = Arc::new(TestChain::build(Slot(200), |_| false, |_| 2));
    let peers: Vec<MockPeer> = custody_peers(&chain)
        .into_iter()
        .enumerate()
        .map(|(i, p)| match i {
            0 => p,
            _ => p.with_pruned_history(Slot(168)),
        })
        .collect();
    let net = forward_on(
        spec,
        Arc::clone(&chain),
        &peers,
        sampling(config().with_exit_when_synced()),
    );
    net.join_within(Duration::from_secs(6 * 3600)).await;
    assert_eq!(net.verifier.inner().imported().len(), 200);
    let imported = net.verifier.inner().imported_columns();
    for block in chain.blocks().iter().skip(1) {
        let got = imported.get(&block.slot).copied();
        if block.slot.0 >= 168 {
            assert_eq!(
                got,
                Some(sampled()),
                "block {} is in the window",
                block.slot
            );
        } else {
            assert!(
                got.is_none_or(ColumnSet::is_empty),
                "block {} is below the window",
                block.slot
            );
        }
    }
    let mut asked = 0;
    for p in &peers {
        assert_not_penalised("honest", p);
        for (range, _) in p.column_requests() {
            assert!(range.start() >= Slot(168), "columns asked for {range:?}");
            asked += 1;
        }
    }
    assert!(asked > 0);
    for p in &peers[1..] {
        for request in p.requests() {
            assert!(
                request.range.start() >= Slot(168),
                "pruned peer {} asked for {:?}",
                p.key(),
                request.range
            );
        }
    }
}
