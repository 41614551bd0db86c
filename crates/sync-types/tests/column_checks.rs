//! `group_columns` and `ValidatedResponse::with_columns_in`: one column peer's answer
//! checked against another peer's blocks; the mock peer's column behaviours and the test
//! verifier's column check.

mod common;

use std::sync::Arc;

use common::*;
use sync_types::{
    BlockVerifier, ColumnRejection, ColumnSet, ResponseError, Slot, SyncPeer, group_columns, score,
    test_utils::{Behaviour, ChainVerifier, MockPeer, TestBlock, TestChain, TestColumn},
};

fn set(indices: &[u64]) -> ColumnSet {
    ColumnSet::from_indices(indices.iter().copied()).expect("indices below 128")
}

/// Blocks at 10 (2 blobs), 11 (none), 13 (3 blobs); 12 is empty.
fn blocks() -> Vec<TestBlock> {
    vec![block(10, 2), block(11, 0), block(13, 3)]
}

fn honest(blocks: &[TestBlock], columns: ColumnSet) -> Vec<TestColumn> {
    blocks.iter().flat_map(|b| b.columns(columns)).collect()
}

#[test]
fn an_honest_answer_groups_the_requested_columns_per_block() {
    let sampled = set(&[3, 64, 127]);
    let groups =
        group_columns(range(10, 4), &blocks(), honest(&blocks(), sampled), sampled).expect("ok");
    let indices: Vec<Vec<u64>> = groups
        .iter()
        .map(|g| g.iter().map(|c| c.index).collect())
        .collect();
    assert_eq!(indices, vec![vec![3, 64, 127], vec![], vec![3, 64, 127]]);
}

#[test]
fn an_empty_answer_is_valid_only_when_no_block_has_blobs() {
    let bare = vec![block(10, 0), block(12, 0)];
    assert!(group_columns(range(10, 4), &bare, Vec::<TestColumn>::new(), set(&[1])).is_ok());
    let err = group_columns(
        range(10, 4),
        &blocks(),
        Vec::<TestColumn>::new(),
        set(&[1, 2]),
    )
    .expect_err("withheld");
    assert_eq!(
        err,
        ResponseError::ColumnsMissing {
            slot: Slot(10),
            missing: set(&[1, 2])
        }
    );
    assert_eq!(err.penalty(), score::PEER_SCORE_MISSING_COLUMNS);
}

#[test]
fn a_partly_withheld_block_names_the_missing_columns() {
    let sampled = set(&[1, 2, 3]);
    let mut columns = honest(&blocks(), sampled);
    columns.retain(|c| !(c.slot == Slot(13) && c.index == 2));
    let err = group_columns(range(10, 4), &blocks(), columns, sampled).expect_err("short");
    assert_eq!(
        err,
        ResponseError::ColumnsMissing {
            slot: Slot(13),
            missing: set(&[2])
        }
    );
    assert!(err.to_string().contains("{2}"), "{err}");
}

#[test]
fn order_range_and_request_violations_are_proven_faults() {
    let sampled = set(&[1, 2]);
    let r = range(10, 4);
    let mut reversed = honest(&blocks(), sampled);
    reversed.swap(0, 1);
    let mut duplicated = honest(&blocks(), sampled);
    duplicated.insert(1, duplicated[0]);
    let mut outside = honest(&blocks(), sampled);
    outside.push(block(14, 1).columns(set(&[1]))[0]);
    let unrequested = honest(&blocks(), set(&[1, 5]));
    let cases = [
        (reversed, "ColumnsOutOfOrder"),
        (duplicated, "ColumnsOutOfOrder"),
        (outside, "ColumnOutsideRange"),
        (unrequested, "ColumnNotRequested"),
    ];
    for (columns, name) in cases {
        let err = group_columns(r, &blocks(), columns, sampled).expect_err(name);
        assert!(format!("{err:?}").starts_with(name), "{name}: {err:?}");
        assert_eq!(err.penalty(), score::PEER_SCORE_BAD_RESPONSE, "{name}");
    }
}

#[test]
fn a_column_naming_another_block_or_the_wrong_cell_count_is_refused() {
    let sampled = set(&[7]);
    let mut other_root = honest(&blocks(), sampled);
    other_root[0].block_root.0[5] ^= 1;
    let err = group_columns(range(10, 4), &blocks(), other_root, sampled).expect_err("root");
    assert!(matches!(
        err,
        ResponseError::ColumnBlockRootMismatch {
            slot: Slot(10),
            index: 7,
            ..
        }
    ));
    assert_eq!(err.penalty(), score::PEER_SCORE_MISSING_COLUMNS);

    let mut cells = honest(&blocks(), sampled);
    cells[1].cells = 2; // the block at 13 has 3 blobs
    let err = group_columns(range(10, 4), &blocks(), cells, sampled).expect_err("cells");
    assert_eq!(
        err,
        ResponseError::ColumnCellCountMismatch {
            slot: Slot(13),
            index: 7,
            got: 2,
            expected: 3
        }
    );

    // A column for the block without blobs.
    let mut for_bare = honest(&blocks(), sampled);
    let mut extra = block(11, 1).columns(sampled)[0];
    extra.block_root = block(11, 0).root;
    for_bare.insert(1, extra);
    let err = group_columns(range(10, 4), &blocks(), for_bare, sampled).expect_err("bare");
    assert!(matches!(
        err,
        ResponseError::ColumnCellCountMismatch {
            slot: Slot(11),
            expected: 0,
            ..
        }
    ));
}

#[test]
fn a_column_for_a_slot_without_a_block_is_left_out_uncharged() {
    // Either peer may be wrong there: the column is dropped, the block's linkage decides.
    let sampled = set(&[4]);
    let mut columns = honest(&blocks(), sampled);
    columns.insert(1, block(12, 1).columns(sampled)[0]);
    let groups = group_columns(range(10, 4), &blocks(), columns, sampled).expect("ok");
    assert_eq!(groups.iter().map(Vec::len).sum::<usize>(), 2);
}

#[test]
fn more_columns_than_the_range_can_hold_are_refused_before_any_grouping() {
    let sampled = set(&[0]);
    let flood: Vec<TestColumn> = (0..5).map(|_| block(10, 1).columns(sampled)[0]).collect();
    let err = group_columns(range(10, 4), &[block(10, 1)], flood, sampled).expect_err("flood");
    assert!(matches!(
        err,
        ResponseError::TooManyColumns { got: 5, max: 4, .. }
    ));
}

#[test]
fn a_validated_response_carries_columns_only_inside_the_column_range() {
    let all = vec![block(6, 1), block(10, 2), block(11, 0), block(13, 3)];
    let sampled = set(&[9, 90]);
    let inside = &all[1..];
    let response = TestResponse::with_columns_in(
        range(6, 8),
        all.clone(),
        range(8, 100),
        sampled,
        honest(inside, sampled),
    )
    .expect("valid");
    let columns: Vec<Option<usize>> = response
        .blocks()
        .iter()
        .map(|d| d.columns.as_ref().map(Vec::len))
        .collect();
    assert_eq!(columns, vec![None, Some(2), Some(0), Some(2)]);
    assert!(response.blocks().iter().all(|d| d.sidecars.is_none()));

    let err = TestResponse::with_columns_in(
        range(6, 8),
        all.clone(),
        range(8, 100),
        sampled,
        honest(&inside[..1], sampled),
    )
    .expect_err("the block at 13 lacks its columns");
    assert!(matches!(
        err,
        ResponseError::ColumnsMissing { slot: Slot(13), .. }
    ));
}

fn chain() -> Arc<TestChain> {
    Arc::new(TestChain::build(Slot(31), |s| s.0 % 4 == 3, |s| s.0 % 3))
}

#[tokio::test(start_paused = true)]
async fn the_mock_peer_serves_the_columns_asked_for_as_its_behaviour_says() {
    let chain = chain();
    let sampled = set(&[0, 64]);
    let peer = MockPeer::new(1, Arc::clone(&chain)).with_custody(ColumnSet::ALL);
    assert_eq!(peer.custody(), Some(ColumnSet::ALL));
    assert_eq!(MockPeer::new(2, Arc::clone(&chain)).custody(), None);
    let r = range(0, 16);
    let blocks = chain.blocks_in(r);
    let got = peer
        .data_column_sidecars_by_range(r, sampled)
        .await
        .expect("ok");
    let groups = group_columns(r, &blocks, got, sampled).expect("honest columns group");
    assert_eq!(peer.column_requests(), vec![(r, sampled)]);

    let verifier = ChainVerifier::forward(&chain.blocks()[0]);
    let verified = verifier
        .verify_columns(blocks.clone(), groups)
        .await
        .expect("valid proofs");
    assert_eq!(
        verifier.columns_verified(),
        verified.iter().map(Vec::len).sum::<usize>()
    );

    peer.script(r, [Behaviour::BadColumnProof, Behaviour::WithholdSidecars]);
    let bad = peer
        .data_column_sidecars_by_range(r, sampled)
        .await
        .expect("answered");
    let first = (bad[0].slot, bad[0].index);
    let groups = group_columns(r, &blocks, bad, sampled).expect("structure is fine");
    let rejected = verifier.verify_columns(blocks.clone(), groups).await;
    assert_eq!(rejected, Err(ColumnRejection::Invalid { bad: vec![first] }));
    let withheld = peer
        .data_column_sidecars_by_range(r, sampled)
        .await
        .expect("answered");
    assert!(withheld.is_empty());
    assert!(matches!(
        group_columns(r, &blocks, withheld, sampled),
        Err(ResponseError::ColumnsMissing { .. })
    ));
}
