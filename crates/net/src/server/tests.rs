use consensus::Fork;
use consensus::containers::{BeaconBlocksByRangeRequest, BlobSidecarsByRangeRequest, Checkpoint};

use super::produce::batches;
use super::*;

fn chain() -> ChainConfig {
    ChainConfig::devnet(Fork::Electra, 0, Hash256::ZERO)
}

fn info(earliest: u64) -> ChainInfo {
    ChainInfo {
        finalized: Checkpoint {
            epoch: 0,
            root: Hash256::ZERO,
        },
        head_root: Hash256::repeat_byte(1),
        head_slot: 100,
        earliest_available_slot: earliest,
    }
}

fn blocks(start_slot: u64, count: u64, step: u64) -> RpcRequest {
    RpcRequest::BlocksByRange(BeaconBlocksByRangeRequest {
        start_slot,
        count,
        step,
    })
}

fn blobs(start_slot: u64, count: u64) -> RpcRequest {
    RpcRequest::BlobsByRange(BlobSidecarsByRangeRequest { start_slot, count })
}

#[track_caller]
fn expect_reject(plan: Option<ServePlan>, expected: ResultCode) {
    match plan {
        Some(ServePlan::Reject { code, .. }) => assert_eq!(code, expected),
        other => panic!("expected a {expected} rejection, got {other:?}"),
    }
}

#[test]
fn bad_block_requests_are_invalid() {
    let chain = chain();
    expect_reject(
        plan(&blocks(10, 0, 1), &chain, &info(0), 3),
        ResultCode::InvalidRequest,
    );
    expect_reject(
        plan(&blocks(10, 5, 0), &chain, &info(0), 3),
        ResultCode::InvalidRequest,
    );
    expect_reject(
        plan(&blocks(10, 5, 2), &chain, &info(0), 3),
        ResultCode::InvalidRequest,
    );
    expect_reject(
        plan(&RpcRequest::BlocksByRoot(vec![]), &chain, &info(0), 3),
        ResultCode::InvalidRequest,
    );
    expect_reject(
        plan(&RpcRequest::BlobsByRoot(vec![]), &chain, &info(0), 3),
        ResultCode::InvalidRequest,
    );
    expect_reject(
        plan(&blobs(10, 0), &chain, &info(0), 3),
        ResultCode::InvalidRequest,
    );
}

#[test]
fn ranges_before_what_we_have_are_unavailable_and_counts_are_capped() {
    let chain = chain();
    expect_reject(
        plan(&blocks(10, 5, 1), &chain, &info(11), 3),
        ResultCode::ResourceUnavailable,
    );
    assert_eq!(
        plan(&blocks(11, 5000, 1), &chain, &info(11), 3),
        Some(ServePlan::BlocksByRange {
            start_slot: 11,
            count: 128
        })
    );
    // Ranges starting at the head slot are served (D.22).
    assert_eq!(
        plan(&blocks(100, 1, 1), &chain, &info(0), 3),
        Some(ServePlan::BlocksByRange {
            start_slot: 100,
            count: 1
        })
    );
}

#[test]
fn the_blob_window_counts_back_from_the_wall_epoch() {
    let chain = chain();
    let window = chain.min_epochs_for_blob_sidecars_requests();
    let wall_epoch = window + 10;
    // Epoch 9 is before the window, epoch 10 is its first epoch, whatever our head says:
    // a request wholly before it gets no chunk (the spec asks nothing of us there).
    assert_eq!(
        plan(&blobs(9 * 32, 4), &chain, &info(0), wall_epoch),
        Some(ServePlan::Empty)
    );
    assert_eq!(
        plan(&blobs(10 * 32, 500), &chain, &info(0), wall_epoch),
        Some(ServePlan::BlobsByRange {
            start_slot: 320,
            count: 128,
            max: 128 * 9
        })
    );
}

#[test]
fn a_blob_request_straddling_the_retention_boundary_gets_the_part_inside() {
    let chain = chain();
    let wall_epoch = chain.min_epochs_for_blob_sidecars_requests() + 10;
    // Slots 310 ..= 329: epoch 9 lies outside the window, 320 ..= 329 inside.
    assert_eq!(
        plan(&blobs(310, 20), &chain, &info(0), wall_epoch),
        Some(ServePlan::BlobsByRange {
            start_slot: 320,
            count: 10,
            max: 10 * 9
        })
    );
}

/// An Electra devnet whose Deneb fork is at epoch 10 (Capella before it).
fn chain_with_deneb_at_epoch_10() -> ChainConfig {
    ChainConfig::devnet(Fork::Capella, 0, Hash256::ZERO)
        .with_fork_epoch(Fork::Deneb, Some(10))
        .and_then(|c| c.with_fork_epoch(Fork::Electra, Some(10)))
        .expect("a valid fork schedule")
}

#[test]
fn blobs_are_never_served_from_before_the_deneb_fork() {
    let chain = chain_with_deneb_at_epoch_10();
    // The wall clock is early: `wall - MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS` saturates
    // to 0, so the Deneb fork is the window's start.
    let wall_epoch = 20;
    let deneb_slot = 10 * 32;
    // Straddling the fork: answered from the fork on, never refused.
    assert_eq!(
        plan(&blobs(deneb_slot - 40, 64), &chain, &info(0), wall_epoch),
        Some(ServePlan::BlobsByRange {
            start_slot: deneb_slot,
            count: 24,
            max: 24 * 9
        })
    );
    // Wholly before the fork: no chunk.
    assert_eq!(
        plan(&blobs(0, 64), &chain, &info(0), wall_epoch),
        Some(ServePlan::Empty)
    );
    // Our earliest available slot inside the window still bounds what we can serve.
    expect_reject(
        plan(
            &blobs(deneb_slot - 40, 64),
            &chain,
            &info(deneb_slot + 1),
            wall_epoch,
        ),
        ResultCode::ResourceUnavailable,
    );
}

#[test]
fn blob_requests_past_the_wall_clock_epoch_are_clipped_to_it() {
    let chain = chain();
    // Wall epoch 3 ends at slot 127.
    assert_eq!(
        plan(&blobs(120, 64), &chain, &info(0), 3),
        Some(ServePlan::BlobsByRange {
            start_slot: 120,
            count: 8,
            max: 8 * 9
        })
    );
    assert_eq!(
        plan(&blobs(128, 8), &chain, &info(0), 3),
        Some(ServePlan::Empty)
    );
}

#[test]
fn batches_cover_the_range_exactly() {
    let pieces: Vec<_> = batches(5, 40, 16).collect();
    assert_eq!(pieces, [(5, 16), (21, 16), (37, 8)]);
    assert_eq!(
        batches(u64::MAX - 1, 10, 4).collect::<Vec<_>>(),
        [(u64::MAX - 1, 1)]
    );
    assert_eq!(batches(0, 0, 4).count(), 0);
}
