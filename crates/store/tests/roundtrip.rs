//! Blocks and sidecars of the pyspec reference chains go in forward and backward, come
//! back byte for byte, by root, by slot and by range, and survive a reopen.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failure is a test failure"
)]

mod support;

use consensus::Fork;
use consensus::verify::Anchor;
use store::{BackfillMark, BlockId, Store, StoreConfig, StoreError, StoreStats};
use support::{Chain, descending, fresh_store, head_after, parent_after, pyspec_dir};

/// Checks that every block of `chain` in `slots` is stored, byte-identical to its vector
/// file, indexed at its slot, with all its sidecars.
#[track_caller]
fn assert_stored(store: &Store, chain: &Chain, name: &str, slots: impl IntoIterator<Item = u64>) {
    for slot in slots {
        let data = chain.at(slot);
        let root = data.block.root();
        let file = std::fs::read(pyspec_dir(name).join(format!("blocks/{slot}.ssz"))).unwrap();
        assert_eq!(
            store.block_ssz(root).unwrap(),
            Some((chain.fork, file)),
            "{name} slot {slot}"
        );
        assert_eq!(store.block(root).unwrap().as_ref(), Some(&data.block));
        assert_eq!(store.block_root_at(slot).unwrap(), Some(root));
        let sidecars = data.sidecars.clone().unwrap();
        assert_eq!(
            store.sidecars(root).unwrap(),
            sidecars,
            "{name} slot {slot} sidecars"
        );
        for sidecar in &sidecars {
            let index = sidecar.sidecar().index;
            assert_eq!(store.sidecar(root, index).unwrap().as_ref(), Some(sidecar));
        }
        assert_eq!(store.sidecar(root, sidecars.len() as u64).unwrap(), None);
    }
}

#[test]
fn forward_sync_stores_every_block_and_sidecar_of_both_forks() {
    for (name, fork) in [("deneb", Fork::Deneb), ("electra", Fork::Electra)] {
        let chain = Chain::load(name, fork);
        let (_dir, store) = fresh_store(&chain.config);
        assert_eq!(store.anchors().unwrap(), None);
        store.init_anchor(&chain.genesis, &[]).unwrap();
        for segment in [
            &chain.blocks[..5],
            &chain.blocks[5..11],
            &chain.blocks[11..],
        ] {
            store.commit_segment(segment, head_after(segment)).unwrap();
        }
        let anchors = store.anchors().unwrap().unwrap();
        let head = BlockId {
            root: chain.head().block.root(),
            slot: 20,
        };
        assert_eq!(anchors.head, head);
        assert_eq!(store.head().unwrap(), Some(head));
        assert_eq!(
            anchors.trusted,
            BlockId {
                root: chain.genesis.root(),
                slot: 0
            }
        );
        assert!(anchors.is_backfill_complete());
        assert_eq!(anchors.earliest_available_slot, 0);
        // Every block is under 8,000 bytes (one chunk); a 131,928-byte sidecar is 17.
        let stats = StoreStats {
            blocks: 17,
            block_chunks: 17,
            canonical_slots: 17,
            blob_sidecars: 18,
            blob_sidecar_chunks: 18 * 17,
            data_columns: 0,
            data_column_chunks: 0,
        };
        assert_eq!(store.stats().unwrap(), stats);
        assert_stored(
            &store,
            &chain,
            name,
            chain.blocks.iter().map(|b| b.block.signed().slot()),
        );
        for empty in [3, 7, 8, 15, 21] {
            assert_eq!(
                store.block_root_at(empty).unwrap(),
                None,
                "slot {empty} is empty"
            );
        }
    }
}

#[test]
fn range_queries_are_ascending_skip_empty_slots_and_are_capped() {
    let chain = Chain::electra();
    let (_dir, store) = fresh_store(&chain.config);
    store.init_anchor(&chain.genesis, &[]).unwrap();
    store
        .commit_segment(&chain.blocks, head_after(&chain.blocks))
        .unwrap();
    let slots = |blocks: Vec<consensus::Block>| -> Vec<u64> {
        blocks.iter().map(|b| b.signed().slot()).collect()
    };
    assert_eq!(slots(store.blocks_by_range(3, 5).unwrap()), [4, 5, 6]);
    assert_eq!(
        slots(store.blocks_by_range(7, 2).unwrap()),
        Vec::<u64>::new()
    );
    assert_eq!(store.blocks_by_range(0, 100).unwrap().len(), 17);
    assert_eq!(store.blocks_by_range(5, 0).unwrap(), vec![]);
    assert_eq!(
        store.blocks_by_range(u64::MAX - 1, u64::MAX).unwrap(),
        vec![]
    );
    let raw = store.blocks_ssz_by_range(18, 3).unwrap();
    let ids: Vec<_> = raw.iter().map(|b| (b.id.slot, b.id.root, b.fork)).collect();
    let expected: Vec<_> = [18, 19, 20]
        .iter()
        .map(|s| (*s, chain.at(*s).block.root(), Fork::Electra))
        .collect();
    assert_eq!(ids, expected);
    assert_eq!(raw[0].ssz, chain.at(18).block.signed().as_ssz_bytes());

    let sidecars = store.blob_sidecars_by_range(1, 6).unwrap();
    let keys: Vec<_> = sidecars
        .iter()
        .map(|s| {
            (
                s.sidecar().signed_block_header.message.slot,
                s.sidecar().index,
            )
        })
        .collect();
    assert_eq!(keys, [(1, 0), (4, 0), (4, 1), (5, 0), (5, 1), (5, 2)]);
    assert_eq!(store.blob_sidecars_by_range(0, 21).unwrap().len(), 18);
    let raw = store.blob_sidecars_ssz_by_range(16, 1).unwrap();
    assert_eq!(raw.len(), 3);
    assert_eq!(
        raw[2].ssz,
        chain.at(16).sidecars.as_ref().unwrap()[2].as_ssz_bytes()
    );
    assert_eq!(
        raw[2].block,
        BlockId {
            root: chain.at(16).block.root(),
            slot: 16
        }
    );
    drop(store);

    // Smaller limits: the slot span is cut, and sidecars end at a whole block.
    let dir = _dir;
    let config = StoreConfig {
        max_slots_per_query: 4,
        max_blob_sidecars_per_query: 4,
        ..StoreConfig::default()
    };
    let store = Store::open_with(dir.path().join("chain.redb"), &chain.config, config).unwrap();
    assert_eq!(slots(store.blocks_by_range(0, 100).unwrap()), [0, 1, 2]);
    let sidecars = store.blob_sidecars_by_range(1, 20).unwrap();
    assert_eq!(
        sidecars.len(),
        3,
        "slot 1 (1) and slot 4 (2); slot 5's 3 would pass 4"
    );
    let sidecars = store.blob_sidecars_by_range(12, 4).unwrap();
    assert_eq!(sidecars.len(), 3, "slots 12 (1) and 14 (2)");
    let config = StoreConfig {
        max_blob_sidecars_per_query: 1,
        ..StoreConfig::default()
    };
    drop(store);
    let store = Store::open_with(dir.path().join("chain.redb"), &chain.config, config).unwrap();
    assert_eq!(
        store.blob_sidecars_by_range(5, 1).unwrap().len(),
        3,
        "a first block is never split"
    );
}

#[test]
fn backfill_below_a_checkpoint_runs_alongside_forward_sync_down_to_genesis() {
    let chain = Chain::electra();
    let (_dir, store) = fresh_store(&chain.config);
    let checkpoint = chain.at(10);
    let anchors = store
        .init_anchor(&checkpoint.block, checkpoint.sidecars.as_ref().unwrap())
        .unwrap();
    let trusted = BlockId {
        root: checkpoint.block.root(),
        slot: 10,
    };
    assert_eq!((anchors.trusted, anchors.head), (trusted, trusted));
    assert_eq!(
        anchors.backfill,
        BackfillMark {
            slot: 10,
            parent_root: checkpoint.block.signed().parent_root()
        }
    );
    assert_eq!(anchors.earliest_available_slot, 10);

    let position = chain
        .blocks
        .iter()
        .position(|b| b.block.signed().slot() == 10)
        .unwrap();
    let below = descending(&chain.blocks[..position]); // slots 9 down to 1
    let above = &chain.blocks[position + 1..]; // slots 11 up to 20
    let first = &below[..3];
    let anchors = store.commit_segment(first, parent_after(first)).unwrap();
    assert_eq!(anchors.backfill.slot, 5);
    assert_eq!(anchors.earliest_available_slot, 5);
    assert_eq!(
        store.blocks_by_range(0, 11).unwrap().len(),
        4,
        "slots 5, 6, 9, 10"
    );
    store.commit_segment(above, head_after(above)).unwrap();
    let rest = &below[3..];
    store.commit_segment(rest, parent_after(rest)).unwrap();
    let genesis = [sync_types::BlockData {
        block: chain.genesis.clone(),
        sidecars: None,
        columns: None,
    }];
    let anchors = store
        .commit_segment(&genesis, parent_after(&genesis))
        .unwrap();
    assert!(anchors.is_backfill_complete());
    assert_eq!(
        anchors.backfill,
        BackfillMark {
            slot: 0,
            parent_root: Default::default()
        }
    );
    assert_eq!(
        (
            anchors.trusted,
            anchors.head.slot,
            anchors.earliest_available_slot
        ),
        (trusted, 20, 0)
    );
    assert_stored(
        &store,
        &chain,
        "electra",
        chain.blocks.iter().map(|b| b.block.signed().slot()),
    );
    assert_eq!(store.stats().unwrap().blocks, 17);
    // Nothing older than genesis can be stored.
    let error = store.commit_segment(
        &genesis,
        Anchor::Parent {
            root: Default::default(),
            child_slot: 0,
        },
    );
    assert!(
        matches!(error, Err(StoreError::NotLinked { slot: 0, .. })),
        "{error:?}"
    );
}

#[test]
fn a_reopened_store_keeps_everything_and_resumes_from_its_anchors() {
    let chain = Chain::electra();
    let (dir, store) = fresh_store(&chain.config);
    let path = store.path().to_path_buf();
    store.init_anchor(&chain.genesis, &[]).unwrap();
    store
        .commit_segment(&chain.blocks[..9], head_after(&chain.blocks[..9]))
        .unwrap();
    let before = (store.anchors().unwrap(), store.stats().unwrap());
    drop(store);

    let store = Store::open(&path, &chain.config).unwrap();
    assert_eq!((store.anchors().unwrap(), store.stats().unwrap()), before);
    assert_stored(
        &store,
        &chain,
        "electra",
        chain.blocks[..9].iter().map(|b| b.block.signed().slot()),
    );
    // Forward sync resumes from the stored head; init_anchor is idempotent.
    let anchors = store.init_anchor(&chain.genesis, &[]).unwrap();
    assert_eq!(Some(anchors), before.0);
    let rest = &chain.blocks[9..];
    assert_eq!(
        anchors.forward(),
        Anchor::Head {
            root: chain.blocks[8].block.root(),
            slot: 12
        }
    );
    store.commit_segment(rest, head_after(rest)).unwrap();
    drop(store);
    let store = Store::open(&path, &chain.config).unwrap();
    assert_eq!(store.stats().unwrap().blocks, 17);
    assert_eq!(store.head().unwrap().map(|h| h.slot), Some(20));
    drop(dir);
}

#[test]
fn a_segment_that_does_not_extend_the_stored_chain_writes_nothing() {
    let chain = Chain::electra();
    let (_dir, store) = fresh_store(&chain.config);
    let first = &chain.blocks[..4];
    let error = store.commit_segment(first, head_after(first)).unwrap_err();
    assert!(matches!(error, StoreError::NoAnchor), "{error}");
    store.init_anchor(&chain.genesis, &[]).unwrap();
    let before = (store.anchors().unwrap(), store.stats().unwrap());
    let unchanged = |what: &str| {
        assert_eq!(
            (store.anchors().unwrap(), store.stats().unwrap()),
            before,
            "{what}"
        );
    };

    // A hole: slot 2 is missing.
    let holed = [chain.blocks[0].clone(), chain.blocks[2].clone()];
    let error = store
        .commit_segment(&holed, head_after(&holed))
        .unwrap_err();
    assert!(
        matches!(error, StoreError::NotLinked { slot: 4, .. }),
        "{error}"
    );
    unchanged("a hole");
    // The anchor reported is not where the blocks end.
    let error = store
        .commit_segment(first, head_after(&first[..3]))
        .unwrap_err();
    assert!(
        matches!(error, StoreError::AnchorMismatch { .. }),
        "{error}"
    );
    unchanged("a wrong anchor");
    // Forward blocks sent as backfill.
    let error = store
        .commit_segment(first, parent_after(first))
        .unwrap_err();
    assert!(
        matches!(error, StoreError::NotLinked { slot: 1, .. }),
        "{error}"
    );
    unchanged("the wrong direction");
    // A sidecar of another block.
    let mut mixed = chain.blocks[..4].to_vec();
    mixed[0].sidecars = chain.at(4).sidecars.clone();
    let error = store
        .commit_segment(&mixed, head_after(&mixed))
        .unwrap_err();
    assert!(
        matches!(error, StoreError::SidecarMismatch { index: 0, .. }),
        "{error}"
    );
    unchanged("a foreign sidecar");
    // The same sidecar twice.
    let mut doubled = chain.blocks[..4].to_vec();
    let sidecars = doubled[2].sidecars.as_mut().unwrap();
    sidecars[1] = sidecars[0].clone();
    let error = store
        .commit_segment(&doubled, head_after(&doubled))
        .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::SidecarOrder {
                index: 0,
                previous: 0,
                ..
            }
        ),
        "{error}"
    );
    unchanged("a repeated sidecar");
    // A block of another fork than the chain's at that slot.
    let deneb = Chain::load("deneb", Fork::Deneb);
    let error = store
        .commit_segment(&deneb.blocks[..1], head_after(&deneb.blocks[..1]))
        .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::WrongFork {
                slot: 1,
                got: Fork::Deneb,
                expected: Fork::Electra
            }
        ),
        "{error}"
    );
    unchanged("a wrong fork");
    // Another trusted anchor.
    let error = store.init_anchor(&chain.at(10).block, &[]).unwrap_err();
    assert!(
        matches!(error, StoreError::AnchorAlreadySet { .. }),
        "{error}"
    );
    unchanged("another anchor");
    // The same segment twice: the second time it no longer links.
    store.commit_segment(first, head_after(first)).unwrap();
    let error = store.commit_segment(first, head_after(first)).unwrap_err();
    assert!(
        matches!(error, StoreError::NotLinked { slot: 1, .. }),
        "{error}"
    );
    assert_eq!(store.stats().unwrap().blocks, 5);
}
