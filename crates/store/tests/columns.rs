//! Data columns of the pyspec Fulu chain go in with their blocks, one segment at a time,
//! and come back byte for byte by root and index; large columns are chunked; a segment
//! with a column that is not its block's writes nothing; and a store written before
//! columns were stored opens and reads as holding none.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failure is a test failure"
)]

mod support;

use consensus::{Column, Fork};
use store::{Store, StoreError, StoreReader, StoreStats};
use support::{Chain, fresh_store, head_after, populated, pyspec_dir, synthetic_fulu};
use sync_types::ColumnSet;

/// The bytes of a pyspec Fulu vector file.
#[track_caller]
fn vector(relative: &str) -> Vec<u8> {
    std::fs::read(pyspec_dir("fulu").join(relative)).unwrap()
}

/// Checks that every block of `chain` is stored with exactly its columns, each
/// byte-identical to its vector file, by root, by root and index, and as a set of indices.
#[track_caller]
fn assert_columns_stored(reader: &StoreReader, chain: &Chain) {
    for data in &chain.blocks {
        let (root, slot) = (data.block.root(), data.block.signed().slot());
        let columns = data.columns.as_ref().unwrap();
        assert_eq!(&reader.columns(root).unwrap(), columns, "slot {slot}");
        let indices: ColumnSet = columns.iter().map(|c| c.sidecar().index).collect();
        assert_eq!(reader.column_indices(root).unwrap(), indices, "slot {slot}");
        for column in columns {
            let index = column.sidecar().index;
            let stored = reader.column(root, index).unwrap().unwrap();
            let file = vector(&format!("columns/{slot}_{index}.ssz"));
            assert_eq!(stored.as_ssz_bytes(), file, "slot {slot} column {index}");
            assert_eq!(&stored, column);
        }
        let absent = (0..128).find(|i| !indices.contains(*i));
        if let Some(absent) = absent {
            assert_eq!(reader.column(root, absent).unwrap(), None, "slot {slot}");
        }
    }
}

#[test]
fn fulu_segments_store_every_column_with_its_block_and_read_back_byte_for_byte() {
    let chain = Chain::fulu();
    let (dir, store) = fresh_store(&chain.config);
    store.init_anchor(&chain.genesis, &[]).unwrap();
    for segment in [
        &chain.blocks[..3],
        &chain.blocks[3..10],
        &chain.blocks[10..],
    ] {
        store.commit_segment(segment, head_after(segment)).unwrap();
    }
    assert_eq!(store.head().unwrap().unwrap().slot, 20);
    for data in &chain.blocks {
        let slot = data.block.signed().slot();
        let file = vector(&format!("blocks/{slot}.ssz"));
        assert_eq!(
            store.block_ssz(data.block.root()).unwrap(),
            Some((Fork::Fulu, file))
        );
        assert_eq!(store.sidecars(data.block.root()).unwrap(), vec![]);
    }
    assert_columns_stored(&store, &chain);
    // 10 blocks with blobs: 9 with 6 columns, slot 5 with all 128; every column is
    // under 8,000 bytes (one chunk).
    let columns = 9 * 6 + 128;
    let stats = StoreStats {
        blocks: 17,
        block_chunks: 17,
        canonical_slots: 17,
        blob_sidecars: 0,
        blob_sidecar_chunks: 0,
        data_columns: columns,
        data_column_chunks: columns,
    };
    assert_eq!(store.stats().unwrap(), stats);
    assert_eq!(store.summary().unwrap().stats, stats);

    // A reopened store, and a read-only one, hold the same.
    let path = store.path().to_path_buf();
    drop(store);
    let reader = Store::open_read_only(&path).unwrap();
    assert_eq!(reader.stats().unwrap(), stats);
    assert_columns_stored(&reader, &chain);
    drop(reader);
    let store = Store::open(&path, &chain.config).unwrap();
    assert_columns_stored(&store, &chain);
    drop(dir);
}

#[test]
fn columns_larger_than_a_chunk_are_chunked_and_come_back_whole() {
    let chain = Chain::fulu();
    let (_dir, store) = fresh_store(&chain.config);
    store.init_anchor(&chain.genesis, &[]).unwrap();
    let donor = &chain.at(5).columns.as_ref().unwrap()[0];
    let template = &chain.at(1).block;
    // 21 blobs: 45,380 bytes (6 chunks); 72 blobs: 154,724 bytes (20 chunks); 3 blobs:
    // 6,788 bytes (1 chunk).
    let mut parent = chain.genesis.root();
    let mut segment = Vec::new();
    for (slot, blobs) in [(1, 21), (2, 72), (3, 3)] {
        let data = synthetic_fulu(template, donor, slot, parent, (blobs, &[3, 64, 127]));
        parent = data.block.root();
        segment.push(data);
    }
    store
        .commit_segment(&segment, head_after(&segment))
        .unwrap();
    let mut chunks = 0;
    for data in &segment {
        let columns = data.columns.as_ref().unwrap();
        assert_eq!(&store.columns(data.block.root()).unwrap(), columns);
        for column in columns {
            let len = column.as_ssz_bytes().len();
            assert_eq!(len, 356 + 2144 * column.sidecar().column.len());
            chunks += len.div_ceil(store::schema::CHUNK_BYTES) as u64;
        }
    }
    assert_eq!(chunks, 3 * (6 + 20 + 1));
    let stats = store.stats().unwrap();
    assert_eq!((stats.data_columns, stats.data_column_chunks), (9, chunks));
    let served = store
        .data_column_sidecars_ssz_by_range(1, 3, &[64])
        .unwrap();
    let expected: Vec<Vec<u8>> = segment
        .iter()
        .map(|d| d.columns.as_ref().unwrap()[1].as_ssz_bytes())
        .collect();
    let got: Vec<Vec<u8>> = served.into_iter().map(|c| c.ssz).collect();
    assert_eq!(got, expected);
}

#[test]
fn a_segment_with_a_column_that_is_not_its_blocks_writes_nothing() {
    let chain = Chain::fulu();
    let (_dir, store) = fresh_store(&chain.config);
    store.init_anchor(&chain.genesis, &[]).unwrap();
    let before = (store.anchors().unwrap(), store.stats().unwrap());
    let unchanged = |what: &str| {
        assert_eq!(
            (store.anchors().unwrap(), store.stats().unwrap()),
            before,
            "{what}"
        );
    };
    // Slots 1, 2 and 4; slot 4 is the third block.
    let segment = &chain.blocks[..3];
    let refused = |blocks: &[consensus::verify::BlockAndSidecars]| {
        store
            .commit_segment(blocks, head_after(blocks))
            .unwrap_err()
    };

    let mut foreign = segment.to_vec();
    foreign[0].columns = chain.at(4).columns.clone();
    let error = refused(&foreign);
    assert!(
        matches!(error, StoreError::ColumnMismatch { index: 0, .. }),
        "{error}"
    );
    unchanged("a column of another block");

    let mut reversed = segment.to_vec();
    reversed[2].columns.as_mut().unwrap().reverse();
    let error = refused(&reversed);
    assert!(
        matches!(
            error,
            StoreError::ColumnOrder {
                index: 94,
                previous: 127,
                ..
            }
        ),
        "{error}"
    );
    unchanged("columns out of order");

    let mut doubled = segment.to_vec();
    let columns = doubled[2].columns.as_mut().unwrap();
    columns[1] = columns[0].clone();
    let error = refused(&doubled);
    assert!(
        matches!(
            error,
            StoreError::ColumnOrder {
                index: 0,
                previous: 0,
                ..
            }
        ),
        "{error}"
    );
    unchanged("a repeated column");

    // The pyspec negative vector: slot 4's column 0 with index 128.
    let out_of_range =
        Column::from_ssz_bytes(&vector("negative/column_index_out_of_range.ssz")).unwrap();
    let mut beyond = segment.to_vec();
    beyond[2].columns.as_mut().unwrap().push(out_of_range);
    let error = refused(&beyond);
    assert!(
        matches!(error, StoreError::ColumnIndex { index: 128, .. }),
        "{error}"
    );
    unchanged("a column index past NUMBER_OF_COLUMNS");

    store.commit_segment(segment, head_after(segment)).unwrap();
    assert_eq!(store.stats().unwrap().data_columns, 12);
}

/// Deletes the column tables of the closed database at `path` through redb itself,
/// leaving the layout a version 2 store had before columns were stored.
fn drop_column_tables(path: &std::path::Path) {
    use redb::{ReadableDatabase, TableHandle};
    let db = redb::Database::open(path).unwrap();
    let txn = db.begin_write().unwrap();
    assert!(txn.delete_table(store::schema::DATA_COLUMNS).unwrap());
    assert!(txn.delete_table(store::schema::DATA_COLUMN_CHUNKS).unwrap());
    txn.commit().unwrap();
    let tables: Vec<String> = db
        .begin_read()
        .unwrap()
        .list_tables()
        .unwrap()
        .map(|table| table.name().to_owned())
        .collect();
    assert!(
        !tables.iter().any(|name| name.starts_with("data_column")),
        "{tables:?}"
    );
}

#[test]
fn a_store_written_before_columns_were_stored_reads_as_holding_none_and_takes_new_ones() {
    let chain = Chain::fulu();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.redb");
    populated(&path, &chain, 6);
    let blocks_before = Store::open_read_only(&path)
        .unwrap()
        .blocks_ssz_by_range(0, 100)
        .unwrap();
    drop_column_tables(&path);
    let old = std::fs::read(&path).unwrap();
    let slot_5 = chain.at(5).block.root();

    // Read-only: blocks as they were, no columns, and the file untouched.
    let reader = Store::open_read_only(&path).unwrap();
    assert_eq!(reader.blocks_ssz_by_range(0, 100).unwrap(), blocks_before);
    assert_eq!(reader.columns(slot_5).unwrap(), vec![]);
    assert_eq!(reader.column(slot_5, 0).unwrap(), None);
    assert_eq!(reader.column_indices(slot_5).unwrap(), ColumnSet::EMPTY);
    let all: Vec<u64> = (0..128).collect();
    let page = reader
        .data_column_sidecars_ssz_by_range_within(0, 100, &all, 100, usize::MAX)
        .unwrap();
    assert!(page.items.is_empty() && page.is_complete());
    let stats = reader.stats().unwrap();
    assert_eq!(
        (stats.blocks, stats.data_columns, stats.data_column_chunks),
        (7, 0, 0)
    );
    drop(reader);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        old,
        "a reader changes nothing"
    );

    // Read-write: the same, and the next segment's columns are stored.
    let store = Store::open(&path, &chain.config).unwrap();
    assert_eq!(store.columns(slot_5).unwrap(), vec![]);
    assert_eq!(store.stats().unwrap().data_columns, 0);
    let rest = &chain.blocks[6..];
    store.commit_segment(rest, head_after(rest)).unwrap();
    for data in rest {
        let root = data.block.root();
        assert_eq!(
            &store.columns(root).unwrap(),
            data.columns.as_ref().unwrap()
        );
    }
    assert_eq!(
        store.columns(slot_5).unwrap(),
        vec![],
        "older blocks stay without"
    );
    assert_eq!(store.stats().unwrap().data_columns, 6 * 6);
    let served = store
        .data_column_sidecars_ssz_by_range(0, 100, &[35])
        .unwrap();
    let slots: Vec<u64> = served.iter().map(|c| c.block.slot).collect();
    assert_eq!(slots, [11, 12, 14, 16, 18, 20]);
    drop(dir);
}

#[test]
fn a_fulu_checkpoint_anchor_is_stored_with_its_columns_and_serves_them() {
    let chain = Chain::fulu();
    let with_columns = chain
        .blocks
        .iter()
        .find(|data| data.columns.as_ref().is_some_and(|c| !c.is_empty()))
        .unwrap();
    let (block, columns) = (&with_columns.block, with_columns.columns.as_ref().unwrap());
    let root = block.root();

    // A column of another block is refused and nothing is written.
    let other = chain
        .blocks
        .iter()
        .filter(|data| data.block.root() != root)
        .find_map(|data| data.columns.as_ref().and_then(|c| c.first().cloned()))
        .unwrap();
    let (_dir, store) = fresh_store(&chain.config);
    let error = store
        .init_anchor_with_columns(block, &[], std::slice::from_ref(&other))
        .unwrap_err();
    assert!(
        matches!(error, StoreError::ColumnMismatch { .. }),
        "{error}"
    );
    assert_eq!(store.anchors().unwrap(), None);

    let anchors = store.init_anchor_with_columns(block, &[], columns).unwrap();
    assert_eq!(anchors.head.root, root);
    let reader: &StoreReader = &store;
    assert_eq!(&reader.columns(root).unwrap(), columns);
    let indices: ColumnSet = columns.iter().map(|c| c.sidecar().index).collect();
    assert_eq!(reader.column_indices(root).unwrap(), indices);
    assert_eq!(store.stats().unwrap().data_columns, columns.len() as u64);
    // Again with the same block: nothing changes.
    assert_eq!(store.init_anchor(block, &[]).unwrap(), anchors);
    assert_eq!(reader.columns(root).unwrap().len(), columns.len());

    // A checkpoint start without its columns gets them later, by root.
    let (_dir, later) = fresh_store(&chain.config);
    assert!(matches!(
        later.add_anchor_data(&[], columns).unwrap_err(),
        StoreError::NoAnchor
    ));
    let anchors = later.init_anchor(block, &[]).unwrap();
    assert!(later.column_indices(root).unwrap().is_empty());
    let error = later
        .add_anchor_data(&[], std::slice::from_ref(&other))
        .unwrap_err();
    assert!(
        matches!(error, StoreError::ColumnMismatch { .. }),
        "{error}"
    );
    let (first, rest) = columns.split_at(columns.len() / 2);
    later.add_anchor_data(&[], first).unwrap();
    later.add_anchor_data(&[], columns).unwrap();
    assert_eq!(&later.columns(root).unwrap(), columns);
    assert!(!rest.is_empty());
    assert_eq!(later.anchors().unwrap(), Some(anchors), "the anchors stay");
    assert_eq!(later.stats().unwrap().blocks, 1);
}
