//! The Fulu pyspec chain's data columns through the `BlockVerifier` seam: checked as they
//! arrive (`verify_columns`, one batch for the whole chain), then with their blocks
//! (`verify_segment`); each negative column named by its check, and blamed alone; blobs
//! rebuilt from any half of a block's columns.

mod support;

use consensus::recover::{RecoverError, blob_sidecars_from_columns};
use consensus::verify::blobs::verify_blob_sidecar;
use consensus::verify::columns::find_bad_columns;
use consensus::{Column, Fork};
use support::{PyspecChain, read, text};
use sync_types::{BlockOutcome, BlockVerifier, ColumnRejection, Slot};

fn fulu() -> PyspecChain {
    PyspecChain::load("fulu", Fork::Fulu)
}

fn blocks_and_columns(chain: &PyspecChain) -> (Vec<consensus::Block>, Vec<Vec<Column>>) {
    chain
        .blocks
        .iter()
        .map(|d| {
            (
                d.block.clone(),
                d.columns.clone().expect("Fulu blocks carry columns"),
            )
        })
        .unzip()
}

#[tokio::test]
async fn every_pyspec_column_verifies_in_one_call_and_then_with_its_block() {
    let chain = fulu();
    let (blocks, columns) = blocks_and_columns(&chain);
    assert_eq!(columns.iter().map(Vec::len).sum::<usize>(), 182);
    let verifier = chain.forward_verifier();
    let back = verifier
        .verify_columns(blocks, columns.clone())
        .await
        .expect("every column is valid");
    assert_eq!(back, columns, "the columns come back as given");
    let outcomes = verifier
        .verify_segment(chain.blocks.clone(), false)
        .await
        .expect("no fault");
    assert_eq!(outcomes, vec![BlockOutcome::Ok; chain.blocks.len()]);
}

#[tokio::test]
async fn a_block_with_blobs_given_no_columns_is_missing_its_sidecars() {
    let chain = fulu();
    let at = chain
        .blocks
        .iter()
        .position(|d| !d.block.signed().blob_kzg_commitments().is_empty())
        .expect("a block with blobs");
    let mut segment = chain.blocks[..=at].to_vec();
    segment[at].columns = Some(Vec::new());
    let outcomes = chain
        .forward_verifier()
        .verify_segment(segment, false)
        .await
        .expect("no fault");
    assert_eq!(outcomes.last(), Some(&BlockOutcome::MissingSidecars));
    assert_eq!(outcomes.len(), at + 1);
}

#[tokio::test]
async fn each_negative_column_is_named_by_its_check_and_blamed_alone() {
    let chain = fulu();
    let (blocks, columns) = blocks_and_columns(&chain);
    let verifier = chain.forward_verifier();
    let mut checked = 0;
    for case in chain.expected["negative"].as_array().expect("negatives") {
        if case["type"] != "DataColumnSidecar" {
            continue;
        }
        let base = Column::from_ssz_bytes(&read(&format!("pyspec/fulu/{}", text(&case["base"]))))
            .expect("base column");
        let bad = Column::from_ssz_bytes(&read(&format!("pyspec/fulu/{}", text(&case["file"]))))
            .expect("negative columns still decode");
        let slot = base.sidecar().signed_block_header.message.slot;
        let at = chain.position(slot);
        let mut columns = columns.clone();
        let position = columns[at]
            .iter()
            .position(|c| c == &base)
            .expect("the base column is among the block's");
        columns[at][position] = bad.clone();

        let found = find_bad_columns(&blocks, &columns).expect("no fault");
        assert_eq!(
            found.len(),
            1,
            "{}: only the bad column",
            text(&case["file"])
        );
        let (got_slot, index, error) = &found[0];
        assert_eq!(*got_slot, Slot(slot));
        assert_eq!(*index, bad.sidecar().index);
        assert_eq!(
            error.spec_name(),
            text(&case["expected_failure"]),
            "{}",
            text(&case["file"])
        );
        let rejected = verifier.verify_columns(blocks.clone(), columns).await;
        assert_eq!(
            rejected,
            Err(ColumnRejection::Invalid {
                bad: vec![(Slot(slot), bad.sidecar().index)]
            })
        );
        checked += 1;
    }
    assert_eq!(checked, 7, "every negative column of the Fulu vectors");
}

/// The columns of the pyspec block at slot 5 (all 128 of them are in the vectors).
fn slot_5(chain: &PyspecChain) -> (consensus::Block, Vec<Column>) {
    let data = &chain.blocks[chain.position(5)];
    let columns = data.columns.clone().expect("Fulu");
    assert_eq!(columns.len(), 128);
    (data.block.clone(), columns)
}

fn blob_sha256(chain: &PyspecChain) -> Vec<String> {
    let entry = chain.expected["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .find(|s| s["slot"] == 5)
        .expect("slot 5");
    entry["blob_sha256"]
        .as_array()
        .expect("hashes")
        .iter()
        .map(text)
        .collect()
}

#[test]
fn a_blocks_blobs_are_rebuilt_byte_for_byte_from_any_half_of_its_columns() {
    let chain = fulu();
    let (block, all) = slot_5(&chain);
    let expected = blob_sha256(&chain);
    assert_eq!(expected.len(), 3);
    let proposers = chain.proposers();
    let halves: [(&str, Keep); 4] = [
        ("all 128", |_| true),
        ("the first 64 (the blob itself)", |i| i < 64),
        ("the last 64 (recovery)", |i| i >= 64),
        ("every other one (recovery)", |i| i % 2 == 1),
    ];
    for (what, keep) in halves {
        let columns: Vec<Column> = all
            .iter()
            .filter(|c| keep(c.sidecar().index))
            .cloned()
            .collect();
        let sidecars = blob_sidecars_from_columns(&block, &columns).expect(what);
        assert_eq!(sidecars.len(), 3, "{what}");
        for (sidecar, sha) in sidecars.iter().zip(&expected) {
            let got = hex_string(&ethereum_hashing::hash(&sidecar.blob[..]));
            assert_eq!(&got, sha, "{what}: blob {}", sidecar.index);
            // A whole blob sidecar: its KZG proof, inclusion proof and header signature.
            verify_blob_sidecar(sidecar, &chain.config, &proposers).expect(what);
        }
    }
    let too_few: Vec<Column> = all.iter().take(63).cloned().collect();
    assert_eq!(
        blob_sidecars_from_columns(&block, &too_few),
        Err(RecoverError::TooFewColumns {
            held: 63,
            needed: 64,
            total: 128
        })
    );
    let other = chain.blocks[chain.position(4)].block.clone();
    assert!(matches!(
        blob_sidecars_from_columns(&other, &all),
        Err(RecoverError::ColumnMismatch { .. })
    ));
}

/// Which column indices a case keeps.
type Keep = fn(u64) -> bool;

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
