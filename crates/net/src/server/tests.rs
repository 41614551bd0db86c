use consensus::Fork;
use consensus::containers::{BeaconBlocksByRangeRequest, BlobSidecarsByRangeRequest, Checkpoint};

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
    // Epoch 9 is before the window, epoch 10 is its first epoch, whatever our head says.
    expect_reject(
        plan(&blobs(9 * 32, 4), &chain, &info(0), wall_epoch),
        ResultCode::ResourceUnavailable,
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
fn batches_cover_the_range_exactly() {
    let pieces: Vec<_> = batches(5, 40, 16).collect();
    assert_eq!(pieces, [(5, 16), (21, 16), (37, 8)]);
    assert_eq!(
        batches(u64::MAX - 1, 10, 4).collect::<Vec<_>>(),
        [(u64::MAX - 1, 1)]
    );
    assert_eq!(batches(0, 0, 4).count(), 0);
}
