//! Range reads stop at an item limit and a byte budget, return at least the first item,
//! and say where they stopped; the plain range reads are the same reads without limits.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failure is a test failure"
)]

mod support;

use consensus::verify::BlockAndSidecars;
use store::{RangePage, Store, StoreConfig, StoredBlock, StoredSidecar};

use support::laws::{assert_only_the_item_limit_splits_a_block, read_grid};
use support::{Chain, fresh_store, head_after, synced_store, synthetic_segment};

/// The pyspec Electra chain stored from genesis has blocks in slots 0..=20 but 3, 7, 8
/// and 15, and 18 sidecars.
const ELECTRA_SLOTS: u64 = 21;

fn block_slots(page: &RangePage<StoredBlock>) -> Vec<u64> {
    page.items.iter().map(|b| b.id.slot).collect()
}

fn sidecar_keys(page: &RangePage<StoredSidecar>) -> Vec<(u64, u64)> {
    page.items.iter().map(|s| (s.block.slot, s.index)).collect()
}

#[test]
fn block_range_reads_obey_every_combination_of_item_limit_and_byte_budget() {
    let chain = Chain::electra();
    let (_dir, store) = synced_store(&chain);
    let sizes: Vec<usize> = store
        .blocks_ssz_by_range(0, ELECTRA_SLOTS)
        .unwrap()
        .iter()
        .map(|b| b.ssz.len())
        .collect();
    let budgets = [
        0,
        1,
        sizes[0],
        sizes[0] + sizes[1] - 1,
        sizes[0] + sizes[1],
        5 * sizes[0],
        usize::MAX,
    ];
    read_grid(
        &[(0, ELECTRA_SLOTS), (3, 5), (7, 2), (9, 12), (18, 100)],
        (&[0, 1, 2, 3, 7, usize::MAX], &budgets),
        |start, count, max_items, max_bytes| {
            store
                .blocks_ssz_by_range_within(start, count, max_items, max_bytes)
                .unwrap()
        },
        |b| b.id.slot,
        |b| b.ssz.len(),
    );
    let plain = store.blocks_ssz_by_range(0, ELECTRA_SLOTS).unwrap();
    assert_eq!(plain.len(), 17, "the plain read is the unlimited one");
}

#[test]
fn a_block_range_read_returns_the_first_block_over_budget_and_stops_before_the_next() {
    let chain = Chain::electra();
    let (_dir, store) = synced_store(&chain);
    let all = store.blocks_ssz_by_range(0, ELECTRA_SLOTS).unwrap();
    let (first, second) = (all[0].ssz.len(), all[1].ssz.len());

    let page = store
        .blocks_ssz_by_range_within(0, ELECTRA_SLOTS, 100, 1)
        .unwrap();
    assert_eq!((block_slots(&page), page.next_slot), (vec![0], Some(1)));
    let page = store
        .blocks_ssz_by_range_within(0, ELECTRA_SLOTS, 100, first + second)
        .unwrap();
    assert_eq!((block_slots(&page), page.next_slot), (vec![0, 1], Some(2)));
    let page = store
        .blocks_ssz_by_range_within(0, ELECTRA_SLOTS, 100, first + second - 1)
        .unwrap();
    assert_eq!(block_slots(&page), [0]);
    // Empty slots 7 and 8: the read resumes at the next stored block, slot 9.
    let page = store
        .blocks_ssz_by_range_within(5, 10, 2, usize::MAX)
        .unwrap();
    assert_eq!((block_slots(&page), page.next_slot), (vec![5, 6], Some(9)));
    let page = store
        .blocks_ssz_by_range_within(0, ELECTRA_SLOTS, 0, usize::MAX)
        .unwrap();
    assert_eq!((block_slots(&page), page.next_slot), (vec![], Some(0)));
    let page = store
        .blocks_ssz_by_range_within(0, ELECTRA_SLOTS, 100, usize::MAX)
        .unwrap();
    assert!(page.is_complete());
    assert_eq!(page.items, all);
}

#[test]
fn the_slot_cap_of_a_query_is_where_the_next_read_resumes() {
    let chain = Chain::electra();
    let (dir, store) = synced_store(&chain);
    drop(store);
    let config = StoreConfig {
        max_slots_per_query: 4,
        max_blob_sidecars_per_query: 4,
        ..StoreConfig::default()
    };
    let store = Store::open_with(dir.path().join("chain.redb"), &chain.config, config).unwrap();
    let page = store
        .blocks_ssz_by_range_within(0, 100, 100, usize::MAX)
        .unwrap();
    assert_eq!(
        (block_slots(&page), page.next_slot),
        (vec![0, 1, 2], Some(4))
    );
    let page = store
        .blocks_ssz_by_range_within(0, 4, 100, usize::MAX)
        .unwrap();
    assert_eq!(page.next_slot, None, "the requested range fits the cap");
    // Sidecars: slots 1 (1 sidecar) and 4 (2); slot 5's 3 would pass 4.
    let page = store
        .blob_sidecars_ssz_by_range_within(1, 20, 100, usize::MAX)
        .unwrap();
    assert_eq!(
        (sidecar_keys(&page), page.next_slot),
        (vec![(1, 0), (4, 0), (4, 1)], Some(5))
    );
    let page = store
        .blob_sidecars_ssz_by_range_within(12, 4, 100, usize::MAX)
        .unwrap();
    assert_eq!(page.next_slot, None);
    let page = store
        .blob_sidecars_ssz_by_range_within(12, 5, 100, usize::MAX)
        .unwrap();
    assert_eq!(page.next_slot, Some(16), "the slot span was cut");
}

/// Genesis and 8 synthetic blocks (slots 1..=8) of `blobs[i]` sidecars each.
fn with_blobs(chain: &Chain, blobs: &[u64]) -> (tempfile::TempDir, Store, Vec<BlockAndSidecars>) {
    let (dir, store) = fresh_store(&chain.config);
    store.init_anchor(&chain.genesis, &[]).unwrap();
    let mut parent = (chain.genesis.root(), 0);
    let mut blocks = Vec::new();
    for count in blobs {
        let block = synthetic_segment(chain, parent, 1, *count).remove(0);
        parent = (block.block.root(), block.block.signed().slot());
        blocks.push(block);
    }
    store.commit_segment(&blocks, head_after(&blocks)).unwrap();
    (dir, store, blocks)
}

#[test]
fn sidecar_range_reads_end_at_whole_blocks_under_every_budget() {
    let chain = Chain::electra();
    let (_dir, store, _) = with_blobs(&chain, &[2, 0, 3, 1, 0, 4, 2, 1]);
    let size = store.blob_sidecars_ssz_by_range(1, 1).unwrap()[0].ssz.len();
    let pages = read_grid(
        &[(0, 9), (1, 1), (2, 4), (4, 5)],
        (
            &[0, 1, 2, 3, 4, 6, usize::MAX],
            &[0, size, 2 * size, 3 * size - 1, 5 * size, usize::MAX],
        ),
        |start, count, max_items, max_bytes| {
            store
                .blob_sidecars_ssz_by_range_within(start, count, max_items, max_bytes)
                .unwrap()
        },
        |s| s.block.slot,
        |s| s.ssz.len(),
    );
    assert_only_the_item_limit_splits_a_block(&pages, |s| s.block.slot);
    assert_eq!(store.blob_sidecars_ssz_by_range(0, 9).unwrap().len(), 13);
}

#[test]
fn a_sidecar_range_read_keeps_the_first_block_whole_unless_the_item_limit_cuts_it() {
    let chain = Chain::electra();
    let (_dir, store, blocks) = with_blobs(&chain, &[2, 0, 3, 1, 0, 4, 2, 1]);
    let size = store.blob_sidecars_ssz_by_range(1, 1).unwrap()[0].ssz.len();

    // A budget of one sidecar still returns slot 1's two, and stops before slot 3.
    let page = store
        .blob_sidecars_ssz_by_range_within(1, 8, 100, size)
        .unwrap();
    assert_eq!(
        (sidecar_keys(&page), page.next_slot),
        (vec![(1, 0), (1, 1)], Some(3))
    );
    // Five sidecars' worth: slots 1 and 3 (2 + 3), not slot 4.
    let page = store
        .blob_sidecars_ssz_by_range_within(1, 8, 100, 5 * size)
        .unwrap();
    assert_eq!(page.items.len(), 5);
    assert_eq!(page.next_slot, Some(4));
    // The item limit is hard: 4 items stop before slot 3's three (2 + 3 > 4)...
    let page = store
        .blob_sidecars_ssz_by_range_within(1, 8, 4, usize::MAX)
        .unwrap();
    assert_eq!((page.items.len(), page.next_slot), (2, Some(3)));
    // ...and cut the first block when it alone holds more.
    let page = store
        .blob_sidecars_ssz_by_range_within(6, 3, 3, usize::MAX)
        .unwrap();
    assert_eq!(
        (sidecar_keys(&page), page.next_slot),
        (vec![(6, 0), (6, 1), (6, 2)], Some(6))
    );
    // The bytes are the stored sidecars'.
    let page = store
        .blob_sidecars_ssz_by_range_within(8, 1, 10, 0)
        .unwrap();
    let expected: Vec<Vec<u8>> = blocks[7]
        .sidecars
        .as_ref()
        .unwrap()
        .iter()
        .map(consensus::Sidecar::as_ssz_bytes)
        .collect();
    let got: Vec<Vec<u8>> = page.items.into_iter().map(|s| s.ssz).collect();
    assert_eq!(got, expected);
    assert!(page.next_slot.is_none());
}
