//! Integration tests of the response checks: [`check_response`] on block slots,
//! [`group_sidecars`] on blob sidecars, the log maps [`short_map`] and
//! [`sidecar_short_map`], and the checked [`ValidatedResponse`].
//!
//! `D.n` refers to the seed bugs listed in `shared/spec/nimbus-behaviour.md`: D.3 (crash on
//! an empty sidecar list), D.4 (crash in the sidecar short map), D.5 (per-slot grouping
//! made every range with an empty slot fail) and D.20 (a short map shorter than the range).

mod common;

use common::*;
use sync_types::{ResponseError, Slot, check_response, short_map, sidecar_short_map};

// ----------------------------------------------------------------------------------------
// check_response
// ----------------------------------------------------------------------------------------

#[test]
fn spec_example_blocks_at_11_12_and_14_answer_request_10_6() {
    let r = range(10, 6);
    let blocks = slots(&[11, 12, 14]);
    assert_eq!(check_response(r, &blocks), Ok(()));
    assert_eq!(short_map(r, &blocks), ".xx.x.");
}

#[test]
fn an_empty_block_list_is_a_valid_response() {
    assert_eq!(check_response(range(10, 6), &[]), Ok(()));
    assert_eq!(check_response(range(0, 1), &[]), Ok(()));
    assert_eq!(check_response(range(u64::MAX, 1), &[]), Ok(()));
}

#[test]
fn a_block_in_every_slot_of_the_range_is_accepted() {
    assert_eq!(
        check_response(range(10, 6), &slots(&[10, 11, 12, 13, 14, 15])),
        Ok(())
    );
}

#[test]
fn more_blocks_than_slots_requested_is_too_many_blocks() {
    let r = range(10, 6);
    assert_eq!(
        check_response(r, &slots(&[10, 11, 12, 13, 14, 15, 16])),
        Err(ResponseError::TooManyBlocks {
            range: r,
            got: 7,
            max: 6
        })
    );
}

#[test]
fn the_block_count_is_checked_before_the_slots() {
    // Seven copies of an in-range slot: reported as too many, not as a duplicate.
    let r = range(10, 6);
    assert_eq!(
        check_response(r, &[Slot(12); 7]),
        Err(ResponseError::TooManyBlocks {
            range: r,
            got: 7,
            max: 6
        })
    );
}

#[test]
fn a_duplicate_block_slot_is_blocks_not_increasing() {
    assert_eq!(
        check_response(range(10, 6), &slots(&[11, 12, 12])),
        Err(ResponseError::BlocksNotIncreasing {
            previous: Slot(12),
            slot: Slot(12)
        })
    );
}

#[test]
fn descending_block_slots_are_blocks_not_increasing() {
    assert_eq!(
        check_response(range(10, 6), &slots(&[11, 14, 12])),
        Err(ResponseError::BlocksNotIncreasing {
            previous: Slot(14),
            slot: Slot(12)
        })
    );
    assert_eq!(
        check_response(range(10, 6), &slots(&[15, 10])),
        Err(ResponseError::BlocksNotIncreasing {
            previous: Slot(15),
            slot: Slot(10)
        })
    );
}

#[test]
fn a_block_before_the_range_is_outside_the_range() {
    let r = range(10, 6);
    assert_eq!(
        check_response(r, &slots(&[9])),
        Err(ResponseError::BlockOutsideRange {
            range: r,
            slot: Slot(9)
        })
    );
    // Also going down, but the slot being outside the range is the fault reported.
    assert_eq!(
        check_response(r, &slots(&[11, 9])),
        Err(ResponseError::BlockOutsideRange {
            range: r,
            slot: Slot(9)
        })
    );
}

#[test]
fn a_block_one_slot_past_the_range_is_outside_the_range() {
    let r = range(10, 6);
    assert_eq!(
        check_response(r, &slots(&[15, 16])),
        Err(ResponseError::BlockOutsideRange {
            range: r,
            slot: Slot(16)
        })
    );
}

#[test]
fn a_range_starting_at_genesis_accepts_slot_0_and_rejects_the_slot_after_it() {
    let r = range(0, 4);
    assert_eq!(check_response(r, &slots(&[0, 1, 3])), Ok(()));
    assert_eq!(
        check_response(r, &slots(&[0, 4])),
        Err(ResponseError::BlockOutsideRange {
            range: r,
            slot: Slot(4)
        })
    );
    assert_eq!(short_map(r, &slots(&[0, 3])), "x..x");
}

#[test]
fn a_range_ending_at_u64_max_accepts_the_last_slot_and_never_wraps() {
    let r = range(u64::MAX - 5, 6);
    assert_eq!(r.last(), Slot::MAX);
    assert_eq!(
        check_response(r, &slots(&[u64::MAX - 5, u64::MAX - 1, u64::MAX])),
        Ok(())
    );
    // Slot 0 is where `start + count` would wrap to: it is not in the range.
    assert_eq!(
        check_response(r, &slots(&[0])),
        Err(ResponseError::BlockOutsideRange {
            range: r,
            slot: Slot(0)
        })
    );
    assert_eq!(
        check_response(r, &slots(&[u64::MAX, u64::MAX])),
        Err(ResponseError::BlocksNotIncreasing {
            previous: Slot::MAX,
            slot: Slot::MAX
        })
    );
    assert_eq!(short_map(r, &[Slot::MAX]), ".....x");
}

#[test]
fn a_request_clipped_at_u64_max_allows_only_the_slots_it_covers() {
    let r = range(u64::MAX - 1, 32);
    assert_eq!(r.count(), 2);
    assert_eq!(
        check_response(r, &slots(&[u64::MAX - 2, u64::MAX - 1, u64::MAX])),
        Err(ResponseError::TooManyBlocks {
            range: r,
            got: 3,
            max: 2
        })
    );
    assert_eq!(check_response(r, &slots(&[u64::MAX - 1, u64::MAX])), Ok(()));
}

// ----------------------------------------------------------------------------------------
// short_map and sidecar_short_map
// ----------------------------------------------------------------------------------------

#[test]
fn short_map_of_an_empty_response_is_all_dots() {
    assert_eq!(short_map(range(10, 6), &[]), "......");
    assert_eq!(short_map(range(u64::MAX, 1), &[]), ".");
}

#[test]
fn short_map_has_one_char_per_slot_for_unsorted_duplicate_and_out_of_range_input() {
    let r = range(10, 6);
    // D.20: the seed emitted no character for slots below the cursor, so this came out short.
    assert_eq!(short_map(r, &slots(&[9, 11, 12, 14])), ".xx.x.");
    assert_eq!(short_map(r, &slots(&[14, 11, 12, 12, 3, 99, 14])), ".xx.x.");
    assert_eq!(short_map(r, &slots(&[0, 1, 2, 16, 17, u64::MAX])), "......");
    assert_eq!(short_map(r, &slots(&[15, 14, 13, 12, 11, 10])), "xxxxxx");
}

#[test]
fn sidecar_short_map_counts_the_sidecars_of_each_slot() {
    let r = range(10, 6);
    assert_eq!(sidecar_short_map(r, &slots(&[11, 11, 11, 14])), ".3..1.");
    assert_eq!(sidecar_short_map(r, &[Slot(10); 9]), "9.....");
}

#[test]
fn sidecar_short_map_shows_a_plus_for_more_than_nine_sidecars() {
    let r = range(10, 6);
    assert_eq!(sidecar_short_map(r, &[Slot(15); 10]), ".....+");
    assert_eq!(sidecar_short_map(r, &[Slot(15); 21]), ".....+");
}

#[test]
fn sidecar_short_map_never_panics_on_empty_short_or_unsorted_input() {
    // D.4: the seed crashed on these.
    let r = range(10, 6);
    assert_eq!(sidecar_short_map(r, &[]), "......");
    assert_eq!(sidecar_short_map(r, &[Slot(12)]), "..1...");
    assert_eq!(sidecar_short_map(r, &slots(&[14, 11, 14, 3, 99])), ".1..2.");
    assert_eq!(sidecar_short_map(range(0, 1), &[]), ".");
    assert_eq!(
        sidecar_short_map(range(u64::MAX - 2, 3), &[Slot::MAX, Slot::MAX]),
        "..2"
    );
}
