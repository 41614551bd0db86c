//! Data column range reads (for `DataColumnSidecarsByRange`) serve the requested columns
//! the store holds, by slot then column index, with their block and fork; they obey the
//! item limit, the byte budget and the per-query cap as blob sidecar reads do, and a
//! server paging by `next_slot` under a byte budget reads the whole range exactly once.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failure is a test failure"
)]

mod support;

use consensus::Fork;
use store::{BlockId, RangePage, Store, StoreConfig, StoredColumn};
use support::laws::{assert_only_the_item_limit_splits_a_block, read_grid};
use support::{Chain, pyspec_dir, synced_store};

/// The pyspec Fulu chain stored from genesis has blocks in slots 0..=20 but 3, 7, 8 and 15.
const FULU_SLOTS: u64 = 21;

fn keys(items: &[StoredColumn]) -> Vec<(u64, u64)> {
    items.iter().map(|c| (c.block.slot, c.index)).collect()
}

/// What a read of `columns` over slots `start..start + count` must serve: the chain's
/// columns among them, by slot then index, as their vector files.
fn expected(chain: &Chain, start: u64, count: u64, columns: &[u64]) -> Vec<StoredColumn> {
    let mut out = Vec::new();
    for data in &chain.blocks {
        let slot = data.block.signed().slot();
        if !(start..start + count).contains(&slot) {
            continue;
        }
        for column in data.columns.as_ref().unwrap() {
            let index = column.sidecar().index;
            if columns.contains(&index) {
                let file = pyspec_dir("fulu").join(format!("columns/{slot}_{index}.ssz"));
                out.push(StoredColumn {
                    block: BlockId {
                        root: data.block.root(),
                        slot,
                    },
                    index,
                    fork: Fork::Fulu,
                    ssz: std::fs::read(file).unwrap(),
                });
            }
        }
    }
    out
}

#[test]
fn a_range_read_serves_the_requested_columns_the_store_holds_by_slot_then_index() {
    let chain = Chain::fulu();
    let (_dir, store) = synced_store(&chain);
    // Out of order, repeated, past NUMBER_OF_COLUMNS, and column 5 (slot 5 only).
    let asked = [94, 0, 35, 5, 200, 35];
    let served = store
        .data_column_sidecars_ssz_by_range(0, FULU_SLOTS, &asked)
        .unwrap();
    assert_eq!(served, expected(&chain, 0, FULU_SLOTS, &[0, 5, 35, 94]));
    assert_eq!(served.len(), 9 * 3 + 4);
    assert_eq!(
        keys(&served[5..10]),
        [(4, 94), (5, 0), (5, 5), (5, 35), (5, 94)]
    );
    let decoded = store
        .data_column_sidecars_by_range(0, FULU_SLOTS, &asked)
        .unwrap();
    let columns: Vec<_> = chain
        .blocks
        .iter()
        .flat_map(|d| d.columns.clone().unwrap())
        .filter(|c| [0, 5, 35, 94].contains(&c.sidecar().index))
        .collect();
    assert_eq!(decoded, columns);

    // A span: slots 4 and 5 (slot 3 is empty).
    let served = store
        .data_column_sidecars_ssz_by_range(3, 3, &[127, 1])
        .unwrap();
    assert_eq!(keys(&served), [(4, 127), (5, 1), (5, 127)]);
    // Nothing asked, or only columns nobody holds: nothing served, the range read whole.
    for asked in [&[][..], &[2, 200][..]] {
        let page = store
            .data_column_sidecars_ssz_by_range_within(6, 15, asked, 100, usize::MAX)
            .unwrap();
        assert_eq!(page, RangePage::default(), "{asked:?}");
    }
}

#[test]
fn column_range_reads_obey_every_combination_of_item_limit_and_byte_budget() {
    let chain = Chain::fulu();
    let (_dir, store) = synced_store(&chain);
    // Columns of 1, 2 and 3 blobs: 2,500, 4,644 and 6,788 bytes.
    let size = 2500;
    let all: Vec<u64> = (0..128).collect();
    for asked in [&[0, 35, 127][..], &all[..]] {
        let pages = read_grid(
            &[(0, FULU_SLOTS), (1, 1), (2, 4), (5, 1), (9, 12)],
            (
                &[0, 1, 2, 3, 4, 6, 100, usize::MAX],
                &[0, size, 2 * size, 7 * size - 1, 40 * size, usize::MAX],
            ),
            |start, count, max_items, max_bytes| {
                store
                    .data_column_sidecars_ssz_by_range_within(
                        start, count, asked, max_items, max_bytes,
                    )
                    .unwrap()
            },
            |c| c.block.slot,
            |c| c.ssz.len(),
        );
        assert_only_the_item_limit_splits_a_block(&pages, |c| c.block.slot);
    }
    // The item limit is hard, even inside the first block: slot 5 holds 128 columns.
    let page = store
        .data_column_sidecars_ssz_by_range_within(5, 1, &all, 100, usize::MAX)
        .unwrap();
    assert_eq!((page.items.len(), page.next_slot), (100, Some(5)));
    // A budget below one column still returns the first block's, whole.
    let page = store
        .data_column_sidecars_ssz_by_range_within(4, 10, &all, 1000, 1)
        .unwrap();
    assert_eq!((page.items.len(), page.next_slot), (6, Some(5)));
}

#[test]
fn a_server_paging_by_next_slot_under_a_byte_budget_reads_the_range_exactly_once() {
    let chain = Chain::fulu();
    let (_dir, store) = synced_store(&chain);
    let asked = [0, 1, 35, 127];
    let whole = store
        .data_column_sidecars_ssz_by_range(0, FULU_SLOTS, &asked)
        .unwrap();
    for budget in [1, 10_000, 20_000, 30_000] {
        let (mut start, mut read, mut pages) = (0, Vec::new(), 0);
        loop {
            let page = store
                .data_column_sidecars_ssz_by_range_within(
                    start,
                    FULU_SLOTS - start,
                    &asked,
                    usize::MAX,
                    budget,
                )
                .unwrap();
            pages += 1;
            assert!(
                !page.items.is_empty(),
                "budget {budget}: every page moves on"
            );
            read.extend(page.items);
            match page.next_slot {
                Some(next) => start = next,
                None => break,
            }
        }
        assert_eq!(read, whole, "budget {budget}");
        assert!(pages > 1, "budget {budget}: {pages} pages");
    }
}

#[test]
fn the_column_cap_of_a_query_ends_at_a_whole_block_and_never_splits_the_first() {
    let chain = Chain::fulu();
    let (dir, store) = synced_store(&chain);
    drop(store);
    let config = StoreConfig {
        max_slots_per_query: 8,
        max_data_column_sidecars_per_query: 8,
        ..StoreConfig::default()
    };
    let store = Store::open_with(dir.path().join("chain.redb"), &chain.config, config).unwrap();
    let six = [0, 35, 60, 65, 94, 127];
    // Slot 1's six columns; slot 4's six more would pass 8.
    let page = store
        .data_column_sidecars_ssz_by_range_within(0, 21, &six, 100, usize::MAX)
        .unwrap();
    assert_eq!((page.items.len(), page.next_slot), (6, Some(4)));
    // Slot 5's 128 columns alone pass the cap, and come whole.
    let all: Vec<u64> = (0..128).collect();
    let page = store
        .data_column_sidecars_ssz_by_range_within(5, 10, &all, usize::MAX, usize::MAX)
        .unwrap();
    assert_eq!((page.items.len(), page.next_slot), (128, Some(9)));
    // The slot span is cut at 8 slots: 12..20, resuming at 20.
    let page = store
        .data_column_sidecars_ssz_by_range_within(12, 9, &[0], 100, usize::MAX)
        .unwrap();
    assert_eq!(keys(&page.items), [(12, 0), (14, 0), (16, 0), (18, 0)]);
    assert_eq!(page.next_slot, Some(20));
}
