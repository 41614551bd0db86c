//! The store as the verifier's import sink: a block is stored only once verified, a
//! failing segment stores the blocks before the failure and nothing from it on, and a
//! failing store is the verifier's fault of ours, not the peer's.

mod support;

use consensus::keys::InteropKeys;
use consensus::verify::{Anchor, Proposers};
use consensus::{Block, ChainVerifier};
use store::{BlockId, Store};
use support::{Chain, descending, fresh_store, pyspec_dir};
use sync_types::{BlockOutcome, VerifierFault};

/// The pyspec chains are signed with the first 64 interop keys.
fn proposers() -> Proposers {
    Proposers::from_keys(InteropKeys::generate(64).public_keys())
}

fn verifier(chain: &Chain, anchor: Anchor, store: &Store) -> ChainVerifier<Store> {
    ChainVerifier::new(chain.config.clone(), proposers(), anchor, store.clone())
}

#[test]
fn blocks_are_stored_once_verified_and_a_bad_block_stops_the_commit_before_it() {
    let chain = Chain::electra();
    let (_dir, store) = fresh_store(&chain.config);
    let anchors = store.init_anchor(&chain.genesis, &[]).unwrap();
    let verifier = verifier(&chain, anchors.forward(), &store);

    let report = verifier.verify_blocking(&chain.blocks[..1]).unwrap();
    assert_eq!(report.outcomes, vec![BlockOutcome::Ok]);
    let head = &chain.blocks[0].block;
    assert_eq!(
        store.head().unwrap(),
        Some(BlockId {
            root: head.root(),
            slot: 1
        })
    );
    assert_eq!(store.stats().unwrap().blocks, 2);
    assert_eq!(store.stats().unwrap().blob_sidecars, 1);

    // Slot 4's block with a flipped signature byte, in the middle of the next segment
    // (slots 2, 4, 5, ...).
    let negative = pyspec_dir("electra").join("negative/block_flipped_signature_byte.ssz");
    let bad = Block::from_ssz_bytes(&std::fs::read(negative).unwrap(), chain.fork).unwrap();
    assert_eq!(bad.signed().slot(), 4);
    let at = 2;
    let mut segment = chain.blocks[1..].to_vec();
    segment[at - 1].block = bad.clone();
    let report = verifier.verify_blocking(&segment).unwrap();
    assert_eq!(
        report.failure.as_ref().map(|(position, _)| *position),
        Some(at - 1)
    );
    let slot_2 = &chain.blocks[1].block;
    assert_eq!(
        store.head().unwrap(),
        Some(BlockId {
            root: slot_2.root(),
            slot: 2
        }),
        "the block before the bad one is committed"
    );
    assert_eq!(
        store.block(bad.root()).unwrap(),
        None,
        "the bad block is not stored"
    );
    for later in &chain.blocks[at..] {
        let slot = later.block.signed().slot();
        assert_eq!(
            store.block_root_at(slot).unwrap(),
            None,
            "slot {slot} after the failure"
        );
        assert_eq!(store.sidecars(later.block.root()).unwrap(), vec![]);
    }
    assert_eq!(store.stats().unwrap().blocks, 3);
    assert_eq!(store.stats().unwrap().blob_sidecars, 1);
    assert_eq!(
        verifier.anchor(),
        store.anchors().unwrap().unwrap().forward()
    );

    // The good blocks from the failure on complete the chain.
    let report = verifier.verify_blocking(&chain.blocks[at..]).unwrap();
    assert_eq!(
        report.outcomes,
        vec![BlockOutcome::Ok; chain.blocks.len() - at]
    );
    assert_eq!(store.stats().unwrap().blocks, 17);
    assert_eq!(store.stats().unwrap().blob_sidecars, 18);
}

#[test]
fn backfill_through_the_verifier_stores_down_to_genesis() {
    let chain = Chain::electra();
    let (_dir, store) = fresh_store(&chain.config);
    let head = chain.head();
    let anchors = store
        .init_anchor(&head.block, head.sidecars.as_ref().unwrap())
        .unwrap();
    let verifier = verifier(&chain, anchors.backward(), &store);
    let below = descending(&chain.blocks[..15]);
    for segment in [&below[..7], &below[7..]] {
        let report = verifier.verify_blocking(segment).unwrap();
        assert_eq!(report.outcomes, vec![BlockOutcome::Ok; segment.len()]);
    }
    let anchors = store.anchors().unwrap().unwrap();
    assert_eq!(anchors.backward(), verifier.anchor());
    assert_eq!(
        anchors.backward(),
        Anchor::Parent {
            root: chain.genesis.root(),
            child_slot: 1
        }
    );
    assert_eq!(anchors.earliest_available_slot, 1);
    assert_eq!(store.blocks_by_range(0, 32).unwrap().len(), 16);
}

#[test]
fn a_store_that_refuses_a_segment_is_a_storage_fault_and_nothing_moves() {
    let chain = Chain::electra();
    let (_dir, store) = fresh_store(&chain.config);
    let anchors = store.init_anchor(&chain.genesis, &[]).unwrap();
    let first = verifier(&chain, anchors.forward(), &store);
    first.verify_blocking(&chain.blocks[..4]).unwrap();
    // A second verifier still anchored at genesis: its blocks verify, but they no longer
    // extend the stored chain, so the store refuses them.
    let stale = verifier(&chain, anchors.forward(), &store);
    let fault = stale.verify_blocking(&chain.blocks[..2]).unwrap_err();
    assert_eq!(fault, VerifierFault::Storage);
    assert_eq!(
        stale.anchor(),
        anchors.forward(),
        "the stale verifier did not move"
    );
    assert_eq!(store.stats().unwrap().blocks, 5);
}

#[test]
fn verified_fulu_blocks_are_stored_with_their_columns_and_a_bad_column_stops_the_commit() {
    let chain = Chain::fulu();
    let (_dir, store) = fresh_store(&chain.config);
    let anchors = store.init_anchor(&chain.genesis, &[]).unwrap();
    let verifier = verifier(&chain, anchors.forward(), &store);

    // Slots 1..=12; slot 9 (the sixth block) carries slot 4's columns.
    let mut segment = chain.blocks[..9].to_vec();
    segment[5].columns = chain.at(4).columns.clone();
    let report = verifier.verify_blocking(&segment).unwrap();
    assert_eq!(
        report.failure.as_ref().map(|(position, _)| *position),
        Some(5)
    );
    assert_eq!(store.head().unwrap().map(|h| h.slot), Some(6));
    for data in &chain.blocks[..5] {
        let root = data.block.root();
        assert_eq!(
            &store.columns(root).unwrap(),
            data.columns.as_ref().unwrap()
        );
    }
    assert_eq!(store.columns(chain.at(9).block.root()).unwrap(), vec![]);
    assert_eq!(store.stats().unwrap().data_columns, 6 + 6 + 128);

    let report = verifier.verify_blocking(&chain.blocks[5..]).unwrap();
    assert_eq!(report.outcomes, vec![BlockOutcome::Ok; 11]);
    for data in &chain.blocks {
        let root = data.block.root();
        assert_eq!(
            &store.columns(root).unwrap(),
            data.columns.as_ref().unwrap()
        );
    }
    assert_eq!(store.stats().unwrap().data_columns, 9 * 6 + 128);
}
