//! `group_sidecars` and `TestResponse::with_sidecars`: per-block grouping and one
//! rejection per way a peer's sidecars can be wrong.

mod common;

use common::*;
use proptest::{prelude::*, sample::Index};
use sync_types::{
    ChainSpec, Epoch, ResponseError, Root, Slot, SyncRange, check_response, group_sidecars, score,
    short_map, sidecar_short_map,
    test_utils::{TestChain, TestSidecar, test_root},
};

// ----------------------------------------------------------------------------------------
// group_sidecars: accepted responses
// ----------------------------------------------------------------------------------------

#[test]
fn sidecars_are_grouped_per_block_so_a_range_with_empty_slots_groups_fine() {
    // D.5: the seed made one group per slot, so any empty slot failed the whole range.
    let chain = TestChain::build(Slot(31), |s| s.0 % 3 == 1, |s| s.0 % 4);
    let r = range(8, 8);
    let blocks = chain.blocks_in(r);
    assert!(blocks.len() < 8, "the range must have empty slots");
    let groups = expect_grouped(r, &blocks, chain.sidecars_in(r), &deneb_spec());
    assert_eq!(groups.len(), blocks.len());
    for (block, group) in blocks.iter().zip(&groups) {
        assert_eq!(
            group,
            &block.sidecars(),
            "sidecars of the block at {}",
            block.slot
        );
    }
}

#[test]
fn an_empty_sidecar_list_is_valid_when_no_block_commits_to_a_blob() {
    // D.3: the seed crashed on an empty sidecar list.
    let spec = deneb_spec();
    let r = range(10, 6);
    assert_eq!(
        expect_grouped(r, &[], vec![], &spec),
        Vec::<Vec<TestSidecar>>::new()
    );
    let blocks = [block(10, 0), block(12, 0), block(15, 0)];
    assert_eq!(expect_grouped(r, &blocks, vec![], &spec), vec![vec![]; 3]);
}

#[test]
fn an_empty_sidecar_list_for_a_range_before_deneb_is_valid() {
    let spec = ChainSpec::mainnet();
    let before_deneb = range(spec.start_slot(spec.deneb_fork_epoch).as_u64() - 32, 32);
    let blocks = [block(before_deneb.start().as_u64(), 0)];
    assert_eq!(
        expect_grouped(before_deneb, &blocks, vec![], &spec),
        vec![vec![]]
    );
}

#[test]
fn blocks_without_commitments_between_blocks_with_blobs_get_empty_groups() {
    let blocks = [block(10, 2), block(11, 0), block(13, 0), block(14, 1)];
    let groups = expect_grouped(range(10, 6), &blocks, all_sidecars(&blocks), &deneb_spec());
    let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
    assert_eq!(sizes, [2, 0, 0, 1]);
    assert_eq!(groups[3], [sidecar(&blocks[3], 0)]);
}

#[test]
fn the_most_sidecars_a_range_can_hold_is_accepted() {
    let blocks = [block(0, 6), block(1, 6)];
    let groups = expect_grouped(range(0, 2), &blocks, all_sidecars(&blocks), &deneb_spec());
    assert_eq!(groups, [blocks[0].sidecars(), blocks[1].sidecars()]);
}

// ----------------------------------------------------------------------------------------
// group_sidecars: one rejection per variant
// ----------------------------------------------------------------------------------------

#[test]
fn more_sidecars_than_the_range_can_hold_is_too_many_sidecars() {
    let r = range(0, 2);
    let blocks = [block(0, 6), block(1, 6)];
    let mut sidecars = all_sidecars(&blocks);
    sidecars.push(sidecar(&blocks[1], 6));
    assert_eq!(
        expect_rejected(r, &blocks, sidecars, &deneb_spec()),
        ResponseError::TooManySidecars {
            range: r,
            got: 13,
            max: 12
        }
    );
}

#[test]
fn any_sidecar_for_a_range_before_deneb_is_too_many_sidecars() {
    let spec = ChainSpec::mainnet();
    let r = range(spec.start_slot(spec.deneb_fork_epoch).as_u64() - 32, 32);
    let blocks = [block(r.start().as_u64(), 1)];
    assert_eq!(
        expect_rejected(r, &blocks, all_sidecars(&blocks), &spec),
        ResponseError::TooManySidecars {
            range: r,
            got: 1,
            max: 0
        }
    );
}

#[test]
fn a_sidecar_before_the_range_is_outside_the_range() {
    let r = range(10, 6);
    let blocks = [block(12, 1)];
    assert_eq!(
        expect_rejected(r, &blocks, vec![sidecar(&block(9, 1), 0)], &deneb_spec()),
        ResponseError::SidecarOutsideRange {
            range: r,
            slot: Slot(9)
        }
    );
}

#[test]
fn a_sidecar_one_slot_past_the_range_is_outside_the_range() {
    let r = range(10, 6);
    let blocks = [block(15, 1)];
    let sidecars = vec![sidecar(&blocks[0], 0), sidecar(&block(16, 1), 0)];
    assert_eq!(
        expect_rejected(r, &blocks, sidecars, &deneb_spec()),
        ResponseError::SidecarOutsideRange {
            range: r,
            slot: Slot(16)
        }
    );
}

#[test]
fn sidecars_of_two_blocks_sent_in_descending_slot_order_are_out_of_order() {
    let blocks = [block(11, 1), block(12, 1)];
    let sidecars = vec![sidecar(&blocks[1], 0), sidecar(&blocks[0], 0)];
    let err = expect_rejected(range(10, 6), &blocks, sidecars, &deneb_spec());
    assert_eq!(
        err,
        ResponseError::SidecarsOutOfOrder {
            previous: Slot(12),
            slot: Slot(11)
        }
    );
    assert_eq!(err.penalty(), score::PEER_SCORE_BAD_RESPONSE);
}

#[test]
fn a_sidecar_sent_after_the_next_blocks_sidecars_is_out_of_order() {
    let blocks = [block(11, 2), block(12, 1)];
    let sidecars = vec![
        sidecar(&blocks[0], 0),
        sidecar(&blocks[1], 0),
        sidecar(&blocks[0], 1),
    ];
    assert_eq!(
        expect_rejected(range(10, 6), &blocks, sidecars, &deneb_spec()),
        ResponseError::SidecarsOutOfOrder {
            previous: Slot(12),
            slot: Slot(11)
        }
    );
}

#[test]
fn a_sidecar_for_a_slot_without_a_block_is_rejected() {
    let blocks = [block(11, 1), block(14, 1)];
    let stray = sidecar(&block(12, 1), 0);
    let sidecars = vec![sidecar(&blocks[0], 0), stray, sidecar(&blocks[1], 0)];
    assert_eq!(
        expect_rejected(range(10, 6), &blocks, sidecars, &deneb_spec()),
        ResponseError::SidecarWithoutBlock { slot: Slot(12) }
    );
}

#[test]
fn a_sidecar_after_the_last_block_or_with_no_block_at_all_is_rejected() {
    let spec = deneb_spec();
    let blocks = [block(11, 1)];
    let sidecars = vec![sidecar(&blocks[0], 0), sidecar(&block(15, 1), 0)];
    assert_eq!(
        expect_rejected(range(10, 6), &blocks, sidecars, &spec),
        ResponseError::SidecarWithoutBlock { slot: Slot(15) }
    );
    assert_eq!(
        expect_rejected(range(10, 6), &[], vec![sidecar(&block(12, 1), 0)], &spec),
        ResponseError::SidecarWithoutBlock { slot: Slot(12) }
    );
}

#[test]
fn a_sidecar_for_a_slot_without_a_block_costs_a_bad_response_even_when_a_block_is_left_short() {
    // The block at 11 gets none of its sidecar, and the one sidecar sent is for an empty
    // slot: the peer sent a wrong response, not merely an incomplete one.
    let blocks = [block(11, 1)];
    let err = expect_rejected(
        range(10, 6),
        &blocks,
        vec![sidecar(&block(13, 1), 0)],
        &deneb_spec(),
    );
    assert_eq!(err, ResponseError::SidecarWithoutBlock { slot: Slot(13) });
    assert_eq!(err.penalty(), score::PEER_SCORE_BAD_RESPONSE);
}

#[test]
fn a_sidecar_naming_another_block_root_is_a_root_mismatch() {
    let blocks = [block(12, 2)];
    let other_fork = test_root(Slot(12), 1);
    let forged = TestSidecar {
        slot: Slot(12),
        index: 1,
        block_root: other_fork,
    };
    let sidecars = vec![sidecar(&blocks[0], 0), forged];
    assert_eq!(
        expect_rejected(range(10, 6), &blocks, sidecars, &deneb_spec()),
        ResponseError::SidecarBlockRootMismatch {
            slot: Slot(12),
            index: 1,
            got: other_fork,
            expected: blocks[0].root,
        }
    );
}

#[test]
fn a_sidecar_index_at_the_forks_blob_limit_is_too_high() {
    // Slot 15 is in epoch 1 (Deneb, 6 blobs); slot 16 in epoch 2 (Electra, 9 blobs).
    let spec = deneb_spec();
    let r = range(8, 16);
    let deneb_block = block(15, 6);
    assert_eq!(
        expect_rejected(r, &[deneb_block], vec![sidecar(&deneb_block, 6)], &spec),
        ResponseError::SidecarIndexTooHigh {
            slot: Slot(15),
            index: 6,
            max: 6
        }
    );
    let electra_block = block(16, 9);
    assert_eq!(
        expect_rejected(r, &[electra_block], vec![sidecar(&electra_block, 9)], &spec),
        ResponseError::SidecarIndexTooHigh {
            slot: Slot(16),
            index: 9,
            max: 9
        }
    );
    assert_eq!(
        expect_rejected(
            r,
            &[electra_block],
            vec![sidecar(&electra_block, u64::MAX)],
            &spec
        ),
        ResponseError::SidecarIndexTooHigh {
            slot: Slot(16),
            index: u64::MAX,
            max: 9
        }
    );
}

#[test]
fn the_index_limit_is_the_one_of_the_sidecars_own_slot() {
    // Index 6 is under Electra's limit at slot 16, so it fails only for being out of
    // sequence; at slot 15 it is already at Deneb's limit.
    let spec = deneb_spec();
    let r = range(8, 16);
    let electra_block = block(16, 9);
    assert_eq!(
        expect_rejected(r, &[electra_block], vec![sidecar(&electra_block, 6)], &spec),
        ResponseError::SidecarIndexOutOfSequence {
            slot: Slot(16),
            expected: 0,
            got: 6
        }
    );
    let all = electra_block.sidecars();
    assert_eq!(
        expect_grouped(r, &[electra_block], all.clone(), &spec),
        [all]
    );
}

#[test]
fn the_index_limit_follows_the_mainnet_bpo_forks() {
    let spec = ChainSpec::mainnet();
    let bpo2_start = spec.start_slot(Epoch(419_072)).as_u64();
    let r = range(bpo2_start - 4, 8);
    let before = block(bpo2_start - 1, 15);
    assert_eq!(
        expect_rejected(r, &[before], vec![sidecar(&before, 15)], &spec),
        ResponseError::SidecarIndexTooHigh {
            slot: Slot(bpo2_start - 1),
            index: 15,
            max: 15
        }
    );
    let after = block(bpo2_start, 21);
    let groups = expect_grouped(r, &[before, after], all_sidecars(&[before, after]), &spec);
    assert_eq!(groups.iter().map(Vec::len).collect::<Vec<_>>(), [15, 21]);
    assert_eq!(
        expect_rejected(r, &[after], vec![sidecar(&after, 21)], &spec),
        ResponseError::SidecarIndexTooHigh {
            slot: Slot(bpo2_start),
            index: 21,
            max: 21
        }
    );
}

#[test]
fn a_gap_in_a_blocks_sidecar_indices_is_out_of_sequence() {
    let b = block(12, 3);
    assert_eq!(
        expect_rejected(
            range(10, 6),
            &[b],
            vec![sidecar(&b, 0), sidecar(&b, 2)],
            &deneb_spec()
        ),
        ResponseError::SidecarIndexOutOfSequence {
            slot: Slot(12),
            expected: 1,
            got: 2
        }
    );
    assert_eq!(
        expect_rejected(
            range(10, 6),
            &[b],
            vec![sidecar(&b, 1), sidecar(&b, 2)],
            &deneb_spec()
        ),
        ResponseError::SidecarIndexOutOfSequence {
            slot: Slot(12),
            expected: 0,
            got: 1
        }
    );
}

#[test]
fn a_duplicate_sidecar_index_is_out_of_sequence() {
    let b = block(12, 3);
    let sidecars = vec![sidecar(&b, 0), sidecar(&b, 0), sidecar(&b, 1)];
    assert_eq!(
        expect_rejected(range(10, 6), &[b], sidecars, &deneb_spec()),
        ResponseError::SidecarIndexOutOfSequence {
            slot: Slot(12),
            expected: 1,
            got: 0
        }
    );
}

#[test]
fn reordered_sidecar_indices_are_out_of_sequence() {
    let b = block(12, 2);
    assert_eq!(
        expect_rejected(
            range(10, 6),
            &[b],
            vec![sidecar(&b, 1), sidecar(&b, 0)],
            &deneb_spec()
        ),
        ResponseError::SidecarIndexOutOfSequence {
            slot: Slot(12),
            expected: 0,
            got: 1
        }
    );
}

#[test]
fn too_few_sidecars_for_a_block_is_a_count_mismatch_that_costs_no_values() {
    let b = block(12, 3);
    let err = expect_rejected(
        range(10, 6),
        &[b],
        vec![sidecar(&b, 0), sidecar(&b, 1)],
        &deneb_spec(),
    );
    assert_eq!(
        err,
        ResponseError::SidecarCountMismatch {
            slot: Slot(12),
            expected: 3,
            got: 2
        }
    );
    assert_eq!(err.penalty(), score::PEER_SCORE_PROVEN_FAULT);
    assert!(
        err.penalty() < -score::PEER_SCORE_HIGH_LIMIT,
        "one strike from any score"
    );
}

#[test]
fn a_block_whose_sidecars_are_all_missing_is_a_count_mismatch() {
    let spec = deneb_spec();
    // Missing in the middle of the response: detected when the next block's sidecars come.
    let blocks = [block(11, 2), block(12, 1)];
    assert_eq!(
        expect_rejected(range(10, 6), &blocks, vec![sidecar(&blocks[1], 0)], &spec),
        ResponseError::SidecarCountMismatch {
            slot: Slot(11),
            expected: 2,
            got: 0
        }
    );
    // No sidecar at all, although a block commits to some: the other side of D.3.
    assert_eq!(
        expect_rejected(range(10, 6), &[block(10, 0), block(15, 4)], vec![], &spec),
        ResponseError::SidecarCountMismatch {
            slot: Slot(15),
            expected: 4,
            got: 0
        }
    );
}

#[test]
fn too_many_sidecars_for_a_block_is_a_count_mismatch_that_costs_a_bad_response() {
    let b = block(12, 2);
    let sidecars = vec![sidecar(&b, 0), sidecar(&b, 1), sidecar(&b, 2)];
    let err = expect_rejected(range(10, 6), &[b], sidecars, &deneb_spec());
    assert_eq!(
        err,
        ResponseError::SidecarCountMismatch {
            slot: Slot(12),
            expected: 2,
            got: 3
        }
    );
    assert_eq!(err.penalty(), score::PEER_SCORE_BAD_RESPONSE);
    let at_top = score::apply_score(score::PEER_SCORE_HIGH_LIMIT, err.penalty());
    assert!(
        at_top < score::PEER_SCORE_LOW_LIMIT,
        "one strike from the top score"
    );
}

#[test]
fn a_sidecar_for_a_block_without_commitments_is_a_count_mismatch() {
    let b = block(12, 0);
    assert_eq!(
        expect_rejected(range(10, 6), &[b], vec![sidecar(&b, 0)], &deneb_spec()),
        ResponseError::SidecarCountMismatch {
            slot: Slot(12),
            expected: 0,
            got: 1
        }
    );
}

#[test]
fn only_missing_sidecars_cost_no_values_every_other_fault_costs_a_bad_response() {
    let r = range(10, 6);
    let root = test_root(Slot(12), 0);
    let bad_responses = [
        ResponseError::TooManyBlocks {
            range: r,
            got: 7,
            max: 6,
        },
        ResponseError::BlockOutsideRange {
            range: r,
            slot: Slot(9),
        },
        ResponseError::BlocksNotIncreasing {
            previous: Slot(12),
            slot: Slot(12),
        },
        ResponseError::TooManySidecars {
            range: r,
            got: 37,
            max: 36,
        },
        ResponseError::SidecarOutsideRange {
            range: r,
            slot: Slot(16),
        },
        ResponseError::SidecarsOutOfOrder {
            previous: Slot(12),
            slot: Slot(11),
        },
        ResponseError::SidecarWithoutBlock { slot: Slot(13) },
        ResponseError::SidecarBlockRootMismatch {
            slot: Slot(12),
            index: 0,
            got: Root::ZERO,
            expected: root,
        },
        ResponseError::SidecarIndexTooHigh {
            slot: Slot(12),
            index: 6,
            max: 6,
        },
        ResponseError::SidecarIndexOutOfSequence {
            slot: Slot(12),
            expected: 1,
            got: 2,
        },
        ResponseError::SidecarCountMismatch {
            slot: Slot(12),
            expected: 2,
            got: 3,
        },
    ];
    for err in &bad_responses {
        assert_eq!(err.penalty(), score::PEER_SCORE_BAD_RESPONSE, "{err}");
    }
    let missing = ResponseError::SidecarCountMismatch {
        slot: Slot(12),
        expected: 3,
        got: 0,
    };
    assert_eq!(missing.penalty(), score::PEER_SCORE_PROVEN_FAULT);
}

// ----------------------------------------------------------------------------------------
// Properties
// ----------------------------------------------------------------------------------------

/// A pseudo-random chain of up to 256 slots with up to 6 blobs per block (within Deneb's
/// limit), and a range of up to 64 slots that starts on it (and may run past its end).
fn chain_and_range() -> impl Strategy<Value = (TestChain, SyncRange)> {
    (
        0u64..256,
        any::<u64>(),
        0u64..=90,
        0u64..=6,
        any::<Index>(),
        1u64..=64,
    )
        .prop_map(|(last, seed, skip_percent, max_blobs, start, count)| {
            let chain = TestChain::pseudo_random(Slot(last), seed, skip_percent, max_blobs);
            let start = start.index(usize::try_from(last + 1).expect("small")) as u64;
            (chain, range(start, count))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn check_response_accepts_exactly_strictly_increasing_in_range_lists_that_fit(
        start in 0u64..40,
        count in 1u64..20,
        raw in prop::collection::vec(0u64..64, 0..12),
    ) {
        let r = range(start, count);
        let list = slots(&raw);
        let fits = list.len() as u64 <= count;
        let increasing = list.windows(2).all(|w| w[0] < w[1]);
        let inside = list.iter().all(|s| r.contains(*s));
        prop_assert_eq!(check_response(r, &list).is_ok(), fits && increasing && inside);
    }

    #[test]
    fn short_maps_have_one_char_per_slot_whatever_the_input(
        start in prop_oneof![0u64..100, (u64::MAX - 100)..=u64::MAX],
        count in 1u64..100,
        offsets in prop::collection::vec(0u64..120, 0..40),
    ) {
        let r = range(start, count);
        // Slots around the range, unsorted, with duplicates, some outside it.
        let list: Vec<Slot> =
            offsets.iter().map(|o| r.start().saturating_sub(10).saturating_add(*o)).collect();
        let map = short_map(r, &list);
        let sidecar_map = sidecar_short_map(r, &list);
        prop_assert_eq!(map.chars().count() as u64, r.count());
        prop_assert_eq!(sidecar_map.chars().count() as u64, r.count());
        for ((k, block_char), sidecar_char) in map.chars().enumerate().zip(sidecar_map.chars()) {
            let slot = r.start().saturating_add(k as u64);
            let n = list.iter().filter(|s| **s == slot).count();
            prop_assert_eq!(block_char, if n == 0 { '.' } else { 'x' });
            let expected = match n {
                0 => '.',
                1..=9 => char::from_digit(u32::try_from(n).expect("at most 9"), 10).expect("a digit"),
                _ => '+',
            };
            prop_assert_eq!(sidecar_char, expected);
        }
    }

    #[test]
    fn honest_responses_always_validate_and_each_group_is_its_blocks_sidecars(
        (chain, r) in chain_and_range(),
    ) {
        let spec = deneb_spec();
        let blocks = chain.blocks_in(r);
        let block_slots: Vec<Slot> = blocks.iter().map(|b| b.slot).collect();
        prop_assert_eq!(check_response(r, &block_slots), Ok(()));
        let groups = group_sidecars(r, &blocks, chain.sidecars_in(r), &spec);
        prop_assert!(groups.is_ok(), "{:?}", groups);
        let groups = groups.expect("checked above");
        prop_assert_eq!(groups.len(), blocks.len());
        for (block, group) in blocks.iter().zip(&groups) {
            prop_assert_eq!(group, &block.sidecars());
        }
        let response = TestResponse::with_sidecars(
            r, blocks.clone(), chain.sidecars_in(r), &spec,
        );
        prop_assert!(response.is_ok());
        let response = response.expect("checked above");
        prop_assert_eq!(response.slots(), block_slots.clone());
        prop_assert_eq!(response.has_end_gap(), block_slots.last() != Some(&r.last()));
        prop_assert_eq!(
            response.last_non_empty_slot(),
            block_slots.last().copied().unwrap_or(r.start())
        );
        prop_assert!(TestResponse::blocks_only(r, blocks).is_ok());
    }

    #[test]
    fn removing_any_one_sidecar_of_an_honest_response_is_rejected(
        (chain, r) in chain_and_range(),
        which in any::<Index>(),
    ) {
        let mut sidecars = chain.sidecars_in(r);
        prop_assume!(!sidecars.is_empty());
        let removed = sidecars.remove(which.index(sidecars.len()));
        let result = group_sidecars(r, &chain.blocks_in(r), sidecars, &deneb_spec());
        prop_assert!(result.is_err(), "accepted without {:?}", removed);
    }

    #[test]
    fn duplicating_any_one_sidecar_of_an_honest_response_is_rejected(
        (chain, r) in chain_and_range(),
        which in any::<Index>(),
        at in any::<Index>(),
    ) {
        let mut sidecars = chain.sidecars_in(r);
        prop_assume!(!sidecars.is_empty());
        let copy = sidecars[which.index(sidecars.len())];
        sidecars.insert(at.index(sidecars.len() + 1), copy);
        let result = group_sidecars(r, &chain.blocks_in(r), sidecars, &deneb_spec());
        prop_assert!(result.is_err(), "accepted a second {:?}", copy);
    }

    #[test]
    fn swapping_any_two_sidecars_of_an_honest_response_is_rejected(
        (chain, r) in chain_and_range(),
        first in any::<Index>(),
        second in any::<Index>(),
    ) {
        let mut sidecars = chain.sidecars_in(r);
        prop_assume!(sidecars.len() >= 2);
        let i = first.index(sidecars.len());
        // Any other position: every sidecar of an honest response is distinct.
        let j = (i + 1 + second.index(sidecars.len() - 1)) % sidecars.len();
        sidecars.swap(i, j);
        let result = group_sidecars(r, &chain.blocks_in(r), sidecars, &deneb_spec());
        prop_assert!(result.is_err(), "accepted with positions {} and {} swapped", i, j);
    }
}
