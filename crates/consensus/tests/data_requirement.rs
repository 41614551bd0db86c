//! A block with blob commitments that comes without its data fails, unless the verifier
//! was told that its data need not come (outside the retention windows, or never).

mod support;

use std::sync::Arc;

use consensus::ChainVerifier;
use consensus::verify::{BlockAndSidecars, DataRequirement, VerifyError};
use support::PyspecChain;
use sync_types::{BlockData, BlockOutcome};

/// The chain's blocks up to and including the first with blob commitments, that one
/// without its data; and its position.
fn first_blob_block_stripped(chain: &PyspecChain) -> (Vec<BlockAndSidecars>, usize) {
    let at = chain
        .blocks
        .iter()
        .position(|b| !b.block.signed().blob_kzg_commitments().is_empty())
        .expect("a block with blobs");
    let mut segment = chain.blocks[..=at].to_vec();
    segment[at] = BlockData::block_only(segment[at].block.clone());
    (segment, at)
}

fn verdict(verifier: &ChainVerifier, segment: &[BlockAndSidecars]) -> Option<VerifyError> {
    let report = verifier.verify_blocking(segment).expect("no fault of ours");
    if report.failure.is_none() {
        assert_eq!(report.outcomes, vec![BlockOutcome::Ok; segment.len()]);
    }
    report.failure.map(|(_, error)| error)
}

fn wall_at(slot: u64) -> DataRequirement {
    DataRequirement::Window(Arc::new(move || slot))
}

#[test]
fn by_default_a_block_without_its_blob_sidecars_or_columns_is_an_error() {
    for (name, fork, needed) in [
        ("deneb", consensus::Fork::Deneb, "blob sidecars"),
        ("fulu", consensus::Fork::Fulu, "data columns"),
    ] {
        let chain = PyspecChain::load(name, fork);
        let (segment, at) = first_blob_block_stripped(&chain);
        let slot = segment[at].block.signed().slot();
        let commitments = segment[at].block.signed().blob_kzg_commitments().len();
        let error = verdict(&chain.forward_verifier(), &segment);
        assert_eq!(
            error,
            Some(VerifyError::MissingData {
                slot,
                commitments,
                needed
            }),
            "{name}"
        );
        let report = chain
            .forward_verifier()
            .verify_blocking(&segment)
            .expect("ours");
        assert_eq!(report.outcomes[at], BlockOutcome::MissingSidecars, "{name}");
        assert_eq!(report.outcomes.len(), at + 1, "the blocks before it pass");
    }
}

#[test]
fn inside_the_windows_data_is_needed_and_beyond_them_it_is_not() {
    let chain = PyspecChain::load("electra", consensus::Fork::Electra);
    let (segment, at) = first_blob_block_stripped(&chain);
    let slot = segment[at].block.signed().slot();
    // The wall clock near the chain: the block is inside the blob window.
    let near = chain
        .forward_verifier()
        .with_data_requirement(wall_at(slot + 64));
    assert!(matches!(
        verdict(&near, &segment),
        Some(VerifyError::MissingData { .. })
    ));
    // 4,096 epochs and one later the block has left the window: peers may have pruned it.
    let epochs = chain.config.min_epochs_for_blob_sidecars_requests() + 1;
    let later = slot + epochs * chain.config.slots_per_epoch();
    let far = chain
        .forward_verifier()
        .with_data_requirement(wall_at(later));
    assert_eq!(verdict(&far, &segment), None);
    let never = chain
        .forward_verifier()
        .with_data_requirement(DataRequirement::Never);
    assert_eq!(verdict(&never, &segment), None);
}

#[test]
fn data_that_does_come_is_checked_whatever_the_requirement() {
    let chain = PyspecChain::load("deneb", consensus::Fork::Deneb);
    let (mut segment, at) = first_blob_block_stripped(&chain);
    segment[at] = chain.blocks[at].clone();
    let sidecars = segment[at].sidecars.as_mut().expect("sidecars");
    sidecars.pop();
    let never = chain
        .forward_verifier()
        .with_data_requirement(DataRequirement::Never);
    assert!(matches!(
        verdict(&never, &segment),
        Some(VerifyError::SidecarCount { .. })
    ));
}
