//! The queries a running node serves from: blocks by root with their slot, the block at
//! or before a slot, and the summary an `inspect` prints.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failure is a test failure"
)]

mod support;

use consensus::Fork;
use consensus::primitives::Hash256;
use redb::ReadableTable;
use store::schema::BLOCK_CHUNKS;
use store::{BlockId, NetworkIdentity, Store, StoreError, StoreStats};
use support::{Chain, descending, fresh_store, head_after, parent_after, synced_store, synthetic};

#[test]
fn a_block_by_root_carries_the_slot_its_decoded_form_has() {
    for (name, fork) in [("deneb", Fork::Deneb), ("electra", Fork::Electra)] {
        let chain = Chain::load(name, fork);
        let (_dir, store) = synced_store(&chain);
        let roots = std::iter::once(chain.genesis.root())
            .chain(chain.blocks.iter().map(|b| b.block.root()));
        for root in roots {
            let stored = store.block_ssz_by_root(root).unwrap().unwrap();
            let decoded = store.block(root).unwrap().unwrap();
            assert_eq!(
                stored.id,
                BlockId {
                    root,
                    slot: decoded.signed().slot()
                },
                "{name}"
            );
            assert_eq!(
                Some((stored.fork, stored.ssz)),
                store.block_ssz(root).unwrap(),
                "{name}: the same bytes as block_ssz"
            );
        }
        assert_eq!(
            store.block_ssz_by_root(Hash256::repeat_byte(0x5a)).unwrap(),
            None
        );
    }
}

#[test]
fn a_stored_block_not_laid_out_as_a_signed_block_is_a_corrupt_record() {
    let chain = Chain::electra();
    let (dir, store) = synced_store(&chain);
    let root = chain.at(4).block.root();
    drop(store);
    // The test hook: overwrite the message offset through redb itself.
    let path = dir.path().join("chain.redb");
    let db = redb::Database::open(&path).unwrap();
    let txn = db.begin_write().unwrap();
    {
        let mut chunks = txn.open_table(BLOCK_CHUNKS).unwrap();
        let mut first = chunks.get((&root.0, 0)).unwrap().unwrap().value().to_vec();
        first[0] = 99;
        chunks.insert((&root.0, 0), first.as_slice()).unwrap();
    }
    txn.commit().unwrap();
    drop(db);

    let store = Store::open(&path, &chain.config).unwrap();
    let error = store.block_ssz_by_root(root).unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::CorruptRecord {
                table: "blocks",
                ..
            }
        ),
        "{error}"
    );
    assert!(error.is_corruption() && !error.to_string().contains('\n'));
}

#[test]
fn the_block_at_or_before_a_slot_skips_empty_slots_and_stops_at_the_backfill_mark() {
    let chain = Chain::electra();
    let (_dir, store) = synced_store(&chain);
    let stored: Vec<BlockId> = std::iter::once(&chain.genesis)
        .chain(chain.blocks.iter().map(|b| &b.block))
        .map(|b| BlockId {
            root: b.root(),
            slot: b.signed().slot(),
        })
        .collect();
    // Against the definition, for every slot up to past the head (20).
    for slot in 0..=30 {
        let expected = stored.iter().rev().find(|id| id.slot <= slot).copied();
        assert_eq!(
            store.block_at_or_before(slot).unwrap(),
            expected,
            "slot {slot}"
        );
    }
    assert_eq!(store.block_at_or_before(8).unwrap().unwrap().slot, 6);
    assert_eq!(
        store.block_at_or_before(u64::MAX).unwrap().unwrap().slot,
        20
    );

    // From a checkpoint at slot 10, nothing older is stored yet.
    let (_dir, store) = fresh_store(&chain.config);
    let checkpoint = chain.at(10);
    store
        .init_anchor(&checkpoint.block, checkpoint.sidecars.as_ref().unwrap())
        .unwrap();
    assert_eq!(store.block_at_or_before(9).unwrap(), None);
    assert_eq!(store.block_at_or_before(0).unwrap(), None);
    let at_checkpoint = BlockId {
        root: checkpoint.block.root(),
        slot: 10,
    };
    assert_eq!(store.block_at_or_before(10).unwrap(), Some(at_checkpoint));
    assert_eq!(store.block_at_or_before(500).unwrap(), Some(at_checkpoint));
}

#[test]
fn the_block_at_or_before_a_slot_is_found_across_millions_of_empty_slots() {
    // Genesis, then one block 50 million slots later: a look-up per slot would not end
    // within the test's time; one reverse step of the slot index answers at once.
    let chain = Chain::electra();
    let (_dir, store) = fresh_store(&chain.config);
    store.init_anchor(&chain.genesis, &[]).unwrap();
    let far = 50_000_000;
    let block = synthetic(&chain.blocks[0], &[], far, chain.genesis.root(), 0);
    let segment = [block];
    store
        .commit_segment(&segment, head_after(&segment))
        .unwrap();
    let genesis = BlockId {
        root: chain.genesis.root(),
        slot: 0,
    };
    assert_eq!(store.block_at_or_before(far - 1).unwrap(), Some(genesis));
    assert_eq!(
        store.block_at_or_before(far + 7).unwrap(),
        Some(BlockId {
            root: segment[0].block.root(),
            slot: far
        })
    );
}

#[test]
fn the_summary_reports_network_anchors_counts_and_empty_slots_from_one_snapshot() {
    let chain = Chain::electra();
    let (_dir, store) = fresh_store(&chain.config);
    let network = NetworkIdentity {
        name: chain.config.name().to_owned(),
        genesis_validators_root: chain.config.genesis_validators_root(),
        genesis_time: chain.config.genesis_time(),
    };
    let empty = store.summary().unwrap();
    assert_eq!(empty.network.as_ref(), Some(&network));
    assert_eq!((empty.anchors, empty.stats), (None, StoreStats::default()));
    assert_eq!(empty.empty_slots(), 0);
    assert_eq!(store.network().unwrap(), Some(network.clone()));

    // A checkpoint at slot 10, forward to the head (20) and backfilled down to slot 4.
    let checkpoint = chain.at(10);
    store
        .init_anchor(&checkpoint.block, checkpoint.sidecars.as_ref().unwrap())
        .unwrap();
    let above = chain.in_slots(11..21);
    store.commit_segment(&above, head_after(&above)).unwrap();
    let below = descending(&chain.in_slots(4..10));
    store.commit_segment(&below, parent_after(&below)).unwrap();

    let summary = store.summary().unwrap();
    assert_eq!(summary.network, Some(network));
    assert_eq!(summary.anchors, store.anchors().unwrap());
    assert_eq!(summary.stats, store.stats().unwrap());
    let anchors = summary.anchors.unwrap();
    assert_eq!((anchors.backfill.slot, anchors.head.slot), (4, 20));
    // Slots 4..=20 are 17 slots; 7, 8 and 15 are empty.
    assert_eq!(summary.stats.canonical_slots, 14);
    assert_eq!(summary.empty_slots(), 3);
}
