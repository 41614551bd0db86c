//! The verifier accepts the reference chains in both directions and rejects each kind of
//! bad data with its own error, naming the block.

mod support;

use consensus::containers::{BlobSidecar, DataColumnSidecar};
use consensus::verify::blobs::{
    check_data_column, verify_blob_sidecar, verify_column_cells, verify_data_column,
};
use consensus::verify::{Anchor, BlockAndSidecars, VerifyError};
use consensus::{Block, Fork, Sidecar, SignedBeaconBlock};
use ssz::Decode;
use support::{PyspecChain, pyspec_chains, read, text};
use sync_types::{BlockData, BlockOutcome, BlockVerifier};

fn all_ok(n: usize) -> Vec<BlockOutcome> {
    vec![BlockOutcome::Ok; n]
}

#[test]
fn every_reference_chain_verifies_forward_from_its_genesis_block() {
    for chain in pyspec_chains() {
        let verifier = chain.forward_verifier();
        let report = verifier
            .verify_blocking(&chain.blocks)
            .expect("no fault of ours");
        assert_eq!(report.failure, None, "{}", chain.name);
        assert_eq!(report.outcomes, all_ok(16), "{}", chain.name);
        let head = &chain.blocks[15].block;
        assert_eq!(
            verifier.anchor(),
            Anchor::Head {
                root: head.root(),
                slot: 20
            }
        );
        // The same blocks again are duplicates, and move nothing.
        let again = verifier.verify_blocking(&chain.blocks[10..]).unwrap();
        assert_eq!(
            again.outcomes,
            vec![BlockOutcome::Duplicate; 6],
            "{}",
            chain.name
        );
    }
}

#[test]
fn every_reference_chain_verifies_backward_from_its_head() {
    for chain in pyspec_chains() {
        let verifier = chain.backward_verifier();
        let mut descending = chain.blocks.clone();
        descending.reverse();
        // Two segments, to cross a segment boundary.
        let first = verifier.verify_blocking(&descending[..7]).unwrap();
        assert_eq!(first.outcomes, all_ok(7), "{}", chain.name);
        let second = verifier.verify_blocking(&descending[7..]).unwrap();
        assert_eq!(second.outcomes, all_ok(9), "{}", chain.name);
        assert_eq!(
            verifier.anchor(),
            Anchor::Parent {
                root: chain.genesis.root(),
                child_slot: 1
            },
            "backfill ends at the genesis block"
        );
    }
}

#[tokio::test]
async fn the_verifier_works_through_the_sync_seam() {
    let chain = PyspecChain::load("electra", Fork::Electra);
    let verifier = chain.forward_verifier();
    let outcomes = verifier
        .verify_segment(chain.blocks[..8].to_vec(), false)
        .await
        .unwrap();
    assert_eq!(outcomes, all_ok(8));
    let outcomes = verifier
        .verify_segment(chain.blocks[9..].to_vec(), true)
        .await
        .unwrap();
    assert_eq!(
        outcomes,
        vec![BlockOutcome::MissingParent],
        "a hole stops the segment"
    );
    assert_eq!(
        verifier.last_failure(),
        Some(VerifyError::NotLinked { slot: 13 })
    );
}

#[track_caller]
fn expect_failure(chain: &PyspecChain, segment: &[BlockAndSidecars], at: usize) -> VerifyError {
    let report = chain
        .forward_verifier()
        .verify_blocking(segment)
        .expect("no fault of ours");
    let (position, error) = report.failure.clone().expect("a failure");
    assert_eq!(position, at, "{}: failing position ({error})", chain.name);
    assert_eq!(report.outcomes.len(), at + 1);
    assert!(report.outcomes[..at].iter().all(|o| *o == BlockOutcome::Ok));
    assert_eq!(report.outcomes[at], error.outcome());
    error
}

#[test]
fn each_negative_reference_file_fails_with_the_named_check() {
    let mut checked = 0;
    for chain in pyspec_chains() {
        for case in chain.expected["negative"].as_array().unwrap() {
            let file = text(&case["file"]);
            let want = text(&case["expected_failure"]);
            let bytes = read(&format!("pyspec/{}/{file}", chain.name));
            let got = match text(&case["type"]).as_str() {
                "SignedBeaconBlock" => negative_block(&chain, &bytes),
                "BlobSidecar" => negative_sidecar(&chain, &bytes),
                "DataColumnSidecar" => negative_column(&chain, &bytes),
                other => panic!("unknown negative type {other}"),
            };
            assert_eq!(got.spec_name(), want, "{} {file}: {got}", chain.name);
            checked += 1;
        }
    }
    assert_eq!(checked, 9 + 9 + 10, "all negative files");
}

/// The block replaces its base in the chain; the segment fails at that position.
fn negative_block(chain: &PyspecChain, bytes: &[u8]) -> VerifyError {
    let block = Block::from_ssz_bytes(bytes, chain.fork).expect("negative blocks still decode");
    let at = chain.position(block.signed().slot());
    let mut segment = chain.blocks.clone();
    segment[at].block = block;
    expect_failure(chain, &segment, at)
}

/// Checked alone (as gossip would) and within its block's segment; both agree.
fn negative_sidecar(chain: &PyspecChain, bytes: &[u8]) -> VerifyError {
    let sidecar = BlobSidecar::from_ssz_bytes(bytes).expect("negative sidecars still decode");
    let alone = verify_blob_sidecar(&sidecar, &chain.config, &chain.proposers())
        .expect_err("the negative sidecar fails alone");
    let slot = sidecar.signed_block_header.message.slot;
    let at = chain.position(slot);
    let mut segment = chain.blocks.clone();
    let sidecars = segment[at].sidecars.as_mut().expect("sidecars");
    sidecars[0] = Sidecar::new(sidecar);
    let in_segment = expect_failure(chain, &segment, at);
    assert_eq!(
        alone.spec_name(),
        in_segment.spec_name(),
        "alone: {alone}; in segment: {in_segment}"
    );
    in_segment
}

fn negative_column(chain: &PyspecChain, bytes: &[u8]) -> VerifyError {
    let column = DataColumnSidecar::from_ssz_bytes(bytes).expect("negative columns still decode");
    verify_data_column(&column, &chain.config, &chain.proposers())
        .expect_err("the negative column fails")
}

#[test]
fn every_good_sidecar_and_column_passes_alone_and_against_its_block() {
    for chain in pyspec_chains() {
        let proposers = chain.proposers();
        for data in &chain.blocks {
            for sidecar in data.sidecars.iter().flatten() {
                verify_blob_sidecar(sidecar.sidecar(), &chain.config, &proposers).unwrap();
            }
        }
        if chain.fork != Fork::Fulu {
            continue;
        }
        let mut columns_checked = 0;
        for entry in support::pyspec_blocks(&chain.expected) {
            let slot = support::number(&entry["slot"]);
            let block = &chain.blocks[chain.position(slot)].block;
            let columns: Vec<DataColumnSidecar> = entry["columns"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| {
                    let bytes = read(&format!("pyspec/fulu/{}", text(&c["file"])));
                    DataColumnSidecar::from_ssz_bytes(&bytes).unwrap()
                })
                .collect();
            for column in &columns {
                check_data_column(block, column).unwrap();
                verify_data_column(column, &chain.config, &proposers).unwrap();
            }
            let refs: Vec<&DataColumnSidecar> = columns.iter().collect();
            if !refs.is_empty() {
                verify_column_cells(&refs, slot).unwrap();
            }
            columns_checked += columns.len();
        }
        assert_eq!(columns_checked, 182);
    }
}

fn electra() -> PyspecChain {
    PyspecChain::load("electra", Fork::Electra)
}

#[test]
fn one_bad_signature_in_a_batch_names_its_block() {
    let chain = electra();
    let mut segment = chain.blocks.clone();
    let at = 9;
    let mut signed = segment[at].block.signed().clone();
    signed.signature_mut().0[10] ^= 0x01;
    segment[at].block = Block::new(signed);
    let slot = segment[at].block.signed().slot();
    assert_eq!(
        expect_failure(&chain, &segment, at),
        VerifyError::InvalidProposerSignature { slot }
    );
}

#[test]
fn a_wrong_parent_root_breaks_the_chain_there() {
    let chain = electra();
    let mut segment = chain.blocks.clone();
    let removed = segment.remove(5);
    let slot = segment[5].block.signed().slot();
    assert!(removed.block.signed().slot() < slot);
    assert_eq!(
        expect_failure(&chain, &segment, 5),
        VerifyError::NotLinked { slot }
    );
}

/// The first block at `slot` with at least one sidecar, and the mutated segment.
fn with_sidecar(
    chain: &PyspecChain,
    mutate: impl FnOnce(&mut BlobSidecar),
) -> (Vec<BlockAndSidecars>, usize, u64) {
    let mut segment = chain.blocks.clone();
    let at = segment
        .iter()
        .position(|b| b.sidecars.as_ref().is_some_and(|s| s.len() >= 2))
        .expect("a block with two sidecars");
    let sidecars = segment[at].sidecars.as_mut().expect("sidecars");
    let mut sidecar = sidecars[1].sidecar().clone();
    mutate(&mut sidecar);
    sidecars[1] = Sidecar::new(sidecar);
    let slot = segment[at].block.signed().slot();
    (segment, at, slot)
}

#[test]
fn a_sidecar_with_another_commitment_is_a_commitment_mismatch() {
    let chain = electra();
    let (segment, at, slot) = with_sidecar(&chain, |s| s.kzg_commitment.0[0] ^= 0x01);
    assert_eq!(
        expect_failure(&chain, &segment, at),
        VerifyError::CommitmentMismatch { slot, index: 1 }
    );
}

#[test]
fn a_sidecar_with_a_bad_inclusion_proof_or_kzg_proof_is_named() {
    let chain = electra();
    let (segment, at, slot) =
        with_sidecar(&chain, |s| s.kzg_commitment_inclusion_proof[3].0[0] ^= 0x80);
    assert_eq!(
        expect_failure(&chain, &segment, at),
        VerifyError::InclusionProofInvalid { slot, index: 1 }
    );
    let (segment, at, slot) = with_sidecar(&chain, |s| s.blob[1000] ^= 0x01);
    assert_eq!(
        expect_failure(&chain, &segment, at),
        VerifyError::KzgProofInvalid { slot, index: 1 }
    );
}

#[test]
fn a_missing_sidecar_is_counted() {
    let chain = electra();
    let mut segment = chain.blocks.clone();
    let at = segment
        .iter()
        .position(|b| b.sidecars.as_ref().is_some_and(|s| !s.is_empty()))
        .unwrap();
    let removed = segment[at].sidecars.as_mut().unwrap().pop().unwrap();
    let slot = segment[at].block.signed().slot();
    let got = segment[at].sidecars.as_ref().unwrap().len();
    let error = expect_failure(&chain, &segment, at);
    assert_eq!(
        error,
        VerifyError::SidecarCount {
            slot,
            got,
            expected: got + 1
        }
    );
    assert_eq!(error.penalty(), sync_types::score::PEER_SCORE_PROVEN_FAULT);
    drop(removed);
}

#[test]
fn a_block_with_more_commitments_than_allowed_is_invalid() {
    let chain = electra();
    let mut segment = chain.blocks.clone();
    let at = 2;
    let SignedBeaconBlock::Electra(mut inner) = segment[at].block.signed().clone() else {
        panic!("an electra block")
    };
    let commitments = &mut inner.message.body.blob_kzg_commitments;
    while commitments.len() < 10 {
        commitments.push(Default::default()).unwrap();
    }
    segment[at] = BlockData {
        block: Block::new(SignedBeaconBlock::Electra(inner)),
        sidecars: None,
        columns: None,
    };
    let slot = segment[at].block.signed().slot();
    assert_eq!(
        expect_failure(&chain, &segment, at),
        VerifyError::TooManyBlobs {
            slot,
            got: 10,
            max: 9
        }
    );
}

#[test]
fn a_block_of_the_wrong_fork_is_invalid() {
    let electra = electra();
    let deneb = PyspecChain::load("deneb", Fork::Deneb);
    let mut segment = electra.blocks.clone();
    segment[0] = deneb.blocks[0].clone();
    assert_eq!(
        expect_failure(&electra, &segment, 0),
        VerifyError::WrongFork {
            slot: 1,
            got: Fork::Deneb,
            expected: Fork::Electra
        }
    );
}

#[test]
fn each_failure_maps_to_a_penalty_and_an_outcome() {
    let slot = 1;
    let signature = VerifyError::InvalidProposerSignature { slot };
    assert_eq!(signature.outcome(), BlockOutcome::Invalid);
    assert_eq!(
        signature.penalty(),
        sync_types::score::PEER_SCORE_BAD_VALUES
    );
    let kzg = VerifyError::KzgProofInvalid { slot, index: 0 };
    assert_eq!(kzg.outcome(), BlockOutcome::MissingSidecars);
    assert_eq!(kzg.penalty(), sync_types::score::PEER_SCORE_BAD_VALUES);
    assert_eq!(
        VerifyError::NotLinked { slot }.outcome(),
        BlockOutcome::MissingParent
    );
    assert_eq!(VerifyError::NotLinked { slot }.penalty(), 0);
}

#[test]
fn mainnet_blocks_1_to_4_verify_against_the_real_genesis_registry() {
    use consensus::config::ChainConfig;
    use consensus::state::{ValidatorRegistry, anchor_block_root};
    let state = support::unzip_genesis("genesis/mainnet_genesis.ssz.zip");
    let registry = ValidatorRegistry::from_state_bytes(&state).unwrap();
    let genesis = anchor_block_root(&state, Fork::Phase0).unwrap();
    let expected = support::json("mainnet_blocks_slot1-4_expected.json");
    let segment: Vec<BlockAndSidecars> = expected["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            let bytes = support::hex(&text(&entry["signed_beacon_block_ssz_hex"]));
            BlockData {
                block: Block::from_ssz_bytes(&bytes, Fork::Phase0).unwrap(),
                sidecars: None,
                columns: None,
            }
        })
        .collect();
    let proposers = consensus::verify::Proposers::from_compressed(registry.pubkeys);
    let verifier = consensus::ChainVerifier::new(
        ChainConfig::mainnet(),
        proposers,
        Anchor::Head {
            root: genesis,
            slot: 0,
        },
        (),
    );
    let report = verifier.verify_blocking(&segment).unwrap();
    assert_eq!(report.outcomes, all_ok(4));

    // The same blocks with one signature bit flipped: that block is named.
    let mut bad = segment.clone();
    let mut signed = bad[2].block.signed().clone();
    signed.signature_mut().0[40] ^= 0x04;
    bad[2].block = Block::new(signed);
    let fresh = consensus::ChainVerifier::new(
        ChainConfig::mainnet(),
        consensus::verify::Proposers::from_compressed(
            ValidatorRegistry::from_state_bytes(&state).unwrap().pubkeys,
        ),
        Anchor::Head {
            root: genesis,
            slot: 0,
        },
        (),
    );
    let report = fresh.verify_blocking(&bad).unwrap();
    assert_eq!(
        report.failure,
        Some((2, VerifyError::InvalidProposerSignature { slot: 3 }))
    );
}
