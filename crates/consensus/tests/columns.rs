//! The Fulu pyspec chain's data columns through the `BlockVerifier` seam: checked as they
//! arrive (`verify_columns`, one batch for the whole chain), then with their blocks
//! (`verify_segment`); each negative column named by its check, and blamed alone.

mod support;

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
