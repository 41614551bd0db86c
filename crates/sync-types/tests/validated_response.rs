//! `ValidatedResponse`: the checked response the queue accepts, and its end-gap helpers.

mod common;

use common::*;
use sync_types::{
    BlockData, ResponseError, Slot, check_response,
    test_utils::{TestBlock, TestChain, TestSidecar},
};

// ----------------------------------------------------------------------------------------
// ValidatedResponse
// ----------------------------------------------------------------------------------------

#[test]
fn blocks_only_keeps_the_blocks_in_order_without_sidecars() {
    let r = range(10, 6);
    let blocks = vec![block(11, 0), block(12, 3), block(14, 0)];
    let response = TestResponse::blocks_only(r, blocks.clone()).expect("valid");
    assert_eq!(response.range(), r);
    assert!(!response.is_empty());
    assert_eq!(response.slots(), slots(&[11, 12, 14]));
    let expected: Vec<TestData> = blocks.into_iter().map(BlockData::block_only).collect();
    assert_eq!(response.blocks(), expected.as_slice());
    assert_eq!(response.into_blocks(), expected);
}

#[test]
fn blocks_only_rejects_what_check_response_rejects() {
    let r = range(10, 6);
    for bad in [
        &[11, 12, 12][..],
        &[12, 11],
        &[9],
        &[16],
        &[10, 11, 12, 13, 14, 15, 15],
    ] {
        let blocks: Vec<TestBlock> = bad.iter().map(|&s| block(s, 0)).collect();
        let err =
            TestResponse::blocks_only(r, blocks).expect_err("a bad block list must be rejected");
        assert_eq!(
            Err(err),
            check_response(r, &slots(bad)),
            "blocks at {bad:?}"
        );
    }
}

#[test]
fn with_sidecars_pairs_each_block_with_exactly_its_sidecars() {
    let chain = TestChain::build(Slot(40), |s| s.0 % 5 == 0, |s| s.0 % 3);
    let r = range(16, 16);
    let blocks = chain.blocks_in(r);
    let response =
        TestResponse::with_sidecars(r, blocks.clone(), chain.sidecars_in(r), &deneb_spec())
            .expect("an honest response is valid");
    assert_eq!(
        response.slots(),
        blocks.iter().map(|b| b.slot).collect::<Vec<_>>()
    );
    for (data, block) in response.blocks().iter().zip(&blocks) {
        assert_eq!(&data.block, block);
        assert_eq!(data.sidecars.as_deref(), Some(block.sidecars().as_slice()));
    }
}

#[test]
fn with_sidecars_in_checks_sidecars_only_inside_their_range() {
    let chain = TestChain::build(Slot(40), |s| s.0 % 5 == 0, |_| 2);
    let r = range(16, 16);
    let inner = range(24, 8);
    let blocks = chain.blocks_in(r);
    let response = TestResponse::with_sidecars_in(
        r,
        blocks.clone(),
        inner,
        chain.sidecars_in(inner),
        &deneb_spec(),
    )
    .expect("the newer part's sidecars are all there");
    for (data, block) in response.blocks().iter().zip(&blocks) {
        if inner.contains(block.slot) {
            assert_eq!(data.sidecars.as_deref(), Some(block.sidecars().as_slice()));
        } else {
            assert_eq!(
                data.sidecars, None,
                "slot {} is outside the window",
                block.slot
            );
        }
    }
    // A block inside the sidecar range still needs every sidecar...
    let short: Vec<TestSidecar> = chain.sidecars_in(inner).into_iter().skip(1).collect();
    assert!(matches!(
        TestResponse::with_sidecars_in(r, blocks.clone(), inner, short, &deneb_spec()),
        Err(ResponseError::SidecarIndexOutOfSequence { .. }
            | ResponseError::SidecarCountMismatch { .. })
    ));
    // ...and a sidecar outside it is out of range.
    assert!(matches!(
        TestResponse::with_sidecars_in(r, blocks, inner, chain.sidecars_in(r), &deneb_spec()),
        Err(ResponseError::SidecarOutsideRange { .. })
    ));
}

#[test]
fn with_sidecars_in_over_the_whole_range_is_with_sidecars() {
    let chain = TestChain::build(Slot(40), |s| s.0 % 3 == 0, |s| s.0 % 4);
    let r = range(8, 24);
    let whole =
        TestResponse::with_sidecars(r, chain.blocks_in(r), chain.sidecars_in(r), &deneb_spec())
            .expect("valid");
    let inside = TestResponse::with_sidecars_in(
        r,
        chain.blocks_in(r),
        r,
        chain.sidecars_in(r),
        &deneb_spec(),
    )
    .expect("valid");
    assert_eq!(whole.blocks(), inside.blocks());
}

#[test]
fn with_sidecars_checks_the_blocks_before_the_sidecars() {
    let r = range(10, 6);
    let blocks = vec![block(12, 1), block(12, 1)];
    let sidecars = vec![sidecar(&blocks[0], 0)];
    assert_eq!(
        TestResponse::with_sidecars(r, blocks, sidecars, &deneb_spec()).map(|_| ()),
        Err(ResponseError::BlocksNotIncreasing {
            previous: Slot(12),
            slot: Slot(12)
        })
    );
}

#[test]
fn with_sidecars_rejects_bad_sidecars_as_group_sidecars_does() {
    let r = range(10, 6);
    let b = block(12, 2);
    assert_eq!(
        TestResponse::with_sidecars(r, vec![b], vec![sidecar(&b, 0)], &deneb_spec()).map(|_| ()),
        Err(ResponseError::SidecarCountMismatch {
            slot: Slot(12),
            expected: 2,
            got: 1
        })
    );
}

#[test]
fn an_empty_response_has_an_end_gap_and_ends_at_the_range_start() {
    let r = range(10, 6);
    let blocks_only = TestResponse::blocks_only(r, vec![]).expect("valid");
    let with_sidecars =
        TestResponse::with_sidecars(r, vec![], vec![], &deneb_spec()).expect("valid");
    for response in [blocks_only, with_sidecars] {
        assert!(response.is_empty());
        assert!(response.has_end_gap());
        assert_eq!(response.last_non_empty_slot(), Slot(10));
        assert!(response.slots().is_empty());
    }
}

#[test]
fn a_response_with_a_block_at_the_last_slot_has_no_end_gap() {
    let r = range(10, 6);
    let response = TestResponse::blocks_only(r, vec![block(11, 0), block(15, 0)]).expect("valid");
    assert!(!response.has_end_gap());
    assert_eq!(response.last_non_empty_slot(), Slot(15));
}

#[test]
fn a_response_that_stops_before_the_last_slot_has_an_end_gap() {
    let r = range(10, 6);
    let response = TestResponse::blocks_only(r, vec![block(10, 0), block(14, 0)]).expect("valid");
    assert!(response.has_end_gap());
    assert_eq!(response.last_non_empty_slot(), Slot(14));
}

#[test]
fn a_single_slot_response_at_u64_max_has_no_end_gap() {
    let r = range(u64::MAX, 1);
    let response = TestResponse::blocks_only(r, vec![block(u64::MAX, 0)]).expect("valid");
    assert!(!response.has_end_gap());
    assert_eq!(response.last_non_empty_slot(), Slot::MAX);
}
