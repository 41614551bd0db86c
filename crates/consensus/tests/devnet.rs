//! The devnet builder makes chains the verifier accepts in both directions, for every
//! supported fork; the output is a pure function of the parameters; on the pyspec genesis
//! with the pyspec blob rule it reproduces the vectors' genesis block, commitments, proofs
//! and columns; and no single flipped byte of a block or sidecar goes unnoticed.

mod support;

use std::sync::OnceLock;

use consensus::bls::verify_single;
use consensus::config::{ChainConfig, compute_signing_root};
use consensus::containers::{DataColumnSidecar, NUMBER_OF_COLUMNS};
use consensus::devnet::{
    BlobSource, Devnet, DevnetBuilder, DevnetError, DevnetParams, SlotPlan, seed_from_u64,
};
use consensus::kzg::versioned_hash;
use consensus::merkle::verify_commitment_inclusion;
use consensus::state::{BeaconState, ValidatorRegistry, anchor_block_root};
use consensus::verify::blobs::{check_data_column, verify_column_cells};
use consensus::verify::{Anchor, BlockAndSidecars};
use consensus::{Block, ChainVerifier, Fork, Sidecar, SignedBeaconBlock};
use proptest::prelude::*;
use ssz::{Decode, Encode};
use support::{
    PyspecChain, assert_all_ok, gunzip, hex, json, number, pyspec_blocks, read, root, text,
};
use sync_types::BlockOutcome;
use tree_hash::TreeHash;

/// Slots per verified segment.
const SEGMENT_SLOTS: u64 = 32;

/// A 256-slot devnet of `fork` with some skips and up to 3 blobs per block.
fn small_params(fork: Fork) -> DevnetParams {
    DevnetParams {
        seed: seed_from_u64(7),
        genesis_fork: fork,
        slots: 256,
        skip_per_mille: 150,
        max_blobs: Some(3),
        blob_pool: 4,
        ..DevnetParams::default()
    }
}

fn verifier(devnet: &Devnet, anchor: Anchor) -> ChainVerifier {
    ChainVerifier::new(devnet.config().clone(), devnet.proposers(), anchor, ())
}

/// Forward from the genesis block, one 32-slot segment at a time.
fn verify_forward(devnet: &Devnet) {
    let verifier = verifier(devnet, devnet.genesis_anchor());
    let head = devnet.head().signed().slot();
    let mut verified = 0;
    for start in (1..=head).step_by(32) {
        let segment = devnet.segment(start..start + SEGMENT_SLOTS);
        assert_all_ok(
            &verifier,
            &segment,
            &format!("{} forward from {start}", devnet.fork()),
        );
        verified += segment.len();
    }
    assert_eq!(verified, devnet.blocks().len());
    assert_eq!(
        verifier.anchor(),
        Anchor::Head {
            root: devnet.head().root(),
            slot: head
        }
    );
}

/// Backward from the head, one 32-slot segment at a time, newest block first.
fn verify_backward(devnet: &Devnet) {
    let verifier = verifier(devnet, devnet.head_anchor());
    let mut end = devnet.head().signed().slot() + 1;
    while end > 1 {
        let start = end.saturating_sub(SEGMENT_SLOTS).max(1);
        let mut segment = devnet.segment(start..end);
        segment.reverse();
        assert_all_ok(
            &verifier,
            &segment,
            &format!("{} backward below {end}", devnet.fork()),
        );
        end = start;
    }
    let first = devnet.blocks()[0].signed().slot();
    let genesis = devnet.genesis_block().root();
    assert_eq!(
        verifier.anchor(),
        Anchor::Parent {
            root: genesis,
            child_slot: first
        }
    );
}

#[test]
fn backfill_accepts_the_unsigned_genesis_block_by_its_root() {
    // Every real genesis block is unsigned. A backward verifier that reaches it used to
    // check its zero signature, charge the honest peer and never finish backfill.
    let devnet = DevnetBuilder::new(small_params(Fork::Electra))
        .build()
        .expect("devnet");
    let verifier = verifier(&devnet, devnet.head_anchor());
    let mut segment = devnet.segment(0..devnet.head().signed().slot() + 1);
    segment.reverse();
    segment.push(BlockAndSidecars::block_only(devnet.genesis_block().clone()));
    assert_all_ok(&verifier, &segment, "backfill down to genesis");
    // Its root is what vouches for it: a block at slot 0 with another root does not link.
    let verifier = self::verifier(&devnet, devnet.head_anchor());
    let mut other = devnet.genesis_block().signed().clone();
    if let SignedBeaconBlock::Electra(b) = &mut other {
        b.message.proposer_index = 1;
    }
    let last = segment.len() - 1;
    segment[last].block = Block::new(other);
    let report = verifier
        .verify_blocking(&segment)
        .expect("no fault of ours");
    assert_eq!(report.outcomes.last(), Some(&BlockOutcome::MissingParent));
}

/// The columns of every block with blobs check against their block, and each block's
/// cells verify: all 128 columns in the first epoch, then the pyspec vectors' six plus two
/// that move with the block (so every column index is covered), to keep the test quick.
fn verify_columns(devnet: &Devnet) {
    devnet.precompute_cells().expect("cells");
    let mut checked = 0;
    for (index, block) in devnet.blocks().iter().enumerate() {
        let slot = block.signed().slot();
        let wanted: Vec<u64> = if slot < 32 {
            (0..NUMBER_OF_COLUMNS).collect()
        } else {
            let moving = index as u64 % NUMBER_OF_COLUMNS;
            vec![
                0,
                35,
                60,
                65,
                94,
                127,
                moving,
                (moving + 64) % NUMBER_OF_COLUMNS,
            ]
        };
        let columns = devnet.data_columns_at(index, &wanted).expect("columns");
        if devnet.blob_count(index) == 0 {
            assert!(columns.is_empty());
            continue;
        }
        assert_eq!(columns.iter().map(|c| c.index).collect::<Vec<_>>(), wanted);
        for column in &columns {
            assert_eq!(column.column.len(), devnet.blob_count(index));
            check_data_column(block, column).expect("column matches its block");
        }
        let refs: Vec<&DataColumnSidecar> = columns.iter().collect();
        verify_column_cells(&refs, slot).expect("cells verify");
        checked += columns.len();
    }
    assert!(checked > 2 * 128, "columns were checked");
}

#[test]
fn a_devnet_of_every_supported_fork_verifies_forward_and_backward() {
    for fork in [Fork::Deneb, Fork::Electra, Fork::Fulu] {
        let devnet = Devnet::generate(small_params(fork)).expect("a devnet");
        assert_eq!(devnet.fork(), fork);
        let blocks = devnet.blocks();
        assert!(
            blocks.len() > 180 && blocks.len() < 256,
            "{fork}: some slots are skipped"
        );
        assert!(
            blocks
                .windows(2)
                .all(|w| w[0].signed().slot() < w[1].signed().slot())
        );
        assert!(
            devnet.total_blobs() > blocks.len(),
            "{fork}: blocks carry blobs"
        );
        for (index, block) in blocks.iter().enumerate() {
            let commitments = block.signed().blob_kzg_commitments().len();
            assert!(commitments <= 3);
            assert_eq!(devnet.blob_count(index), commitments);
            let sidecars = devnet.sidecars_for(index);
            if fork == Fork::Fulu {
                assert_eq!(sidecars, None, "Fulu serves columns, not blob sidecars");
            } else {
                assert_eq!(sidecars.map(|s| s.len()), Some(commitments));
            }
        }
        verify_forward(&devnet);
        verify_backward(&devnet);
        if fork == Fork::Fulu {
            verify_columns(&devnet);
        }
    }
}

#[test]
fn the_genesis_state_is_real_and_names_the_genesis_block() {
    let devnet = Devnet::generate(DevnetParams {
        slots: 8,
        ..DevnetParams::default()
    })
    .unwrap();
    let bytes = devnet.genesis_state_ssz();
    let state = BeaconState::from_ssz_bytes(bytes, Fork::Electra).expect("an Electra state");
    assert_eq!(state.as_ssz_bytes(), bytes);
    // 64 interop validators: the registry of the pyspec vectors.
    let pyspec = json("pyspec/electra/config.json");
    let gvr = root(&text(&pyspec["genesis_validators_root"]));
    assert_eq!(state.genesis_validators_root(), gvr);
    assert_eq!(state.validators_tree_hash_root(), gvr);
    assert_eq!(
        devnet.config(),
        &ChainConfig::devnet(Fork::Electra, 1_700_000_000, gvr)
    );
    let fork = state.state_fork();
    assert_eq!(
        (fork.previous_version.0, fork.current_version.0),
        ([4, 0, 0, 0], [5, 0, 0, 0])
    );
    assert_eq!(fork.epoch, 0);
    // A node reads the registry straight from the bytes.
    let registry = ValidatorRegistry::from_state_bytes(bytes).unwrap();
    let keys: Vec<_> = devnet
        .public_keys()
        .iter()
        .map(consensus::bls::PublicKey::to_bytes)
        .collect();
    assert_eq!(registry.pubkeys, keys);
    assert_eq!(registry.genesis_validators_root, gvr);
    // The genesis block: unsigned, empty, on the state.
    let genesis = devnet.genesis_block();
    assert_eq!(genesis.signed().signature().0, [0; 96]);
    assert_eq!(genesis.signed().state_root(), state.tree_hash_root());
    assert_eq!(genesis.signed().slot(), 0);
    assert!(genesis.signed().blob_kzg_commitments().is_empty());
    assert_eq!(
        anchor_block_root(bytes, Fork::Electra).unwrap(),
        genesis.root()
    );
    assert_eq!(devnet.blocks()[0].signed().parent_root(), genesis.root());
}

#[test]
fn bodies_hold_a_real_randao_reveal_an_empty_sync_aggregate_and_a_chained_payload() {
    let devnet = Devnet::generate(DevnetParams {
        slots: 64,
        ..DevnetParams::default()
    })
    .unwrap();
    let BeaconState::Electra(state) =
        BeaconState::from_ssz_bytes(devnet.genesis_state_ssz(), Fork::Electra).unwrap()
    else {
        panic!("an Electra state")
    };
    let config = devnet.config();
    let mut parent_hash = state.latest_execution_payload_header.block_hash;
    assert!(
        !parent_hash.is_zero(),
        "the genesis payload header has a block hash"
    );
    let mut block_number = state.latest_execution_payload_header.block_number;
    let mut infinity = [0_u8; 96];
    infinity[0] = 0xc0;
    for block in devnet.blocks() {
        let SignedBeaconBlock::Electra(signed) = block.signed() else {
            panic!("Electra")
        };
        let (slot, body) = (signed.message.slot, &signed.message.body);
        let epoch = config.slot_to_epoch(slot);
        let domain = config.compute_domain([2, 0, 0, 0], config.fork_version_at_epoch(epoch));
        let signing_root = compute_signing_root(epoch.tree_hash_root(), domain);
        let proposer = devnet
            .keys()
            .public_key(signed.message.proposer_index)
            .unwrap();
        assert!(
            verify_single(proposer, signing_root, &body.randao_reveal),
            "slot {slot}"
        );
        assert!(body.sync_aggregate.sync_committee_bits.is_zero());
        assert_eq!(body.sync_aggregate.sync_committee_signature.0, infinity);
        assert_eq!(body.eth1_data, state.eth1_data);
        assert!(
            body.graffiti
                .starts_with(format!("beacon-sync devnet {slot}").as_bytes())
        );
        assert!(body.execution_requests.deposits.is_empty());
        assert!(body.attestations.is_empty() && body.deposits.is_empty());
        let payload = &body.execution_payload;
        assert_eq!(payload.parent_hash, parent_hash, "slot {slot}");
        assert_eq!(payload.block_number, block_number + 1, "slot {slot}");
        assert_eq!(payload.timestamp, 1_700_000_000 + 12 * slot);
        let blobs = body.blob_kzg_commitments.len() as u64;
        assert_eq!(payload.blob_gas_used, blobs * 131_072);
        // A blob transaction lists the commitments' versioned hashes.
        let hashes: Vec<u8> = body
            .blob_kzg_commitments
            .iter()
            .flat_map(|c| versioned_hash(c).0)
            .collect();
        match payload.transactions.first() {
            Some(tx) => assert_eq!(&tx[..], [&[0x03][..], &hashes].concat().as_slice()),
            None => assert_eq!(blobs, 0),
        }
        parent_hash = payload.block_hash;
        block_number = payload.block_number;
    }
}

/// Every byte a devnet gives out: genesis, blocks, sidecars and (Fulu) some columns.
fn all_bytes(devnet: &Devnet) -> Vec<Vec<u8>> {
    let mut out = vec![
        devnet.genesis_state_ssz().to_vec(),
        devnet.genesis_block().signed().as_ssz_bytes(),
    ];
    for (index, block) in devnet.blocks().iter().enumerate() {
        out.push(block.signed().as_ssz_bytes());
        out.extend(
            devnet
                .sidecars_for(index)
                .into_iter()
                .flatten()
                .map(|s| s.as_ssz_bytes()),
        );
        if devnet.fork().has_data_columns() && devnet.blob_count(index) > 0 {
            let columns = devnet.data_columns_at(index, &[0, 127]).expect("columns");
            out.extend(columns.iter().map(Encode::as_ssz_bytes));
        }
    }
    out
}

#[test]
fn the_same_parameters_give_the_same_bytes_and_another_seed_another_chain() {
    for fork in [Fork::Electra, Fork::Fulu] {
        let params = DevnetParams {
            genesis_fork: fork,
            slots: 40,
            max_blobs: Some(2),
            blob_pool: 2,
            ..DevnetParams::default()
        };
        let first = Devnet::generate(params.clone()).unwrap();
        let second = Devnet::generate(params.clone()).unwrap();
        assert_eq!(all_bytes(&first), all_bytes(&second), "{fork}");
        let other = Devnet::generate(DevnetParams {
            seed: seed_from_u64(1),
            ..params
        })
        .unwrap();
        assert_ne!(other.head().root(), first.head().root(), "{fork}");
        let roots = |d: &Devnet| d.blocks().iter().map(Block::root).collect::<Vec<_>>();
        assert!(
            roots(&other).iter().all(|r| !roots(&first).contains(r)),
            "{fork}"
        );
    }
}

/// The pyspec chain's layout: its empty slots and blob counts.
fn pyspec_plan(chain: &PyspecChain) -> Vec<SlotPlan> {
    chain.expected["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .map(|slot| {
            if slot["empty"].as_bool().unwrap_or(false) {
                SlotPlan::Empty
            } else {
                SlotPlan::Block {
                    blobs: number(&slot["num_commitments"]),
                }
            }
        })
        .collect()
}

/// A devnet on the pyspec chain's genesis state, with its blob rule and layout.
fn on_pyspec_genesis(chain: &PyspecChain) -> Devnet {
    let config = json(&format!("pyspec/{}/config.json", chain.name));
    let seed = text(&config["generator"]["seed"]).into_bytes();
    let params = DevnetParams {
        blob_source: BlobSource::PyspecRule { seed },
        slot_plan: Some(pyspec_plan(chain)),
        ..DevnetParams::default()
    };
    let state = gunzip(&format!("pyspec/{}/genesis_state.ssz.gz", chain.name));
    let devnet = DevnetBuilder::from_genesis_state(&state, chain.fork, params)
        .expect("the pyspec genesis state")
        .build()
        .expect("a devnet");
    assert_eq!(devnet.genesis_state_ssz(), state.as_slice());
    assert_eq!(devnet.config(), &chain.config);
    let genesis = read(&format!("pyspec/{}/genesis_block.ssz", chain.name));
    assert_eq!(
        devnet.genesis_block().signed().as_ssz_bytes(),
        genesis,
        "{}",
        chain.name
    );
    assert_eq!(devnet.genesis_block().root(), chain.genesis.root());
    let expected_root = root(&text(&chain.expected["genesis_block_root"]));
    assert_eq!(
        devnet.genesis_block().root(),
        expected_root,
        "{}",
        chain.name
    );
    let slots: Vec<u64> = devnet.blocks().iter().map(|b| b.signed().slot()).collect();
    let pyspec_slots: Vec<u64> = chain
        .blocks
        .iter()
        .map(|b| b.block.signed().slot())
        .collect();
    assert_eq!(slots, pyspec_slots);
    // The verifier, with the registry read from the state as a node would, accepts it.
    let anchor = devnet.genesis_anchor();
    let verifier = ChainVerifier::new(chain.config.clone(), chain.proposers(), anchor, ());
    assert_all_ok(&verifier, &devnet.segment(0..u64::MAX), chain.name);
    devnet
}

#[test]
fn on_the_pyspec_genesis_blob_sidecars_carry_the_pyspec_commitments_and_proofs() {
    for (name, fork) in [("deneb", Fork::Deneb), ("electra", Fork::Electra)] {
        let chain = PyspecChain::load(name, fork);
        let devnet = on_pyspec_genesis(&chain);
        let mut compared = 0;
        for entry in pyspec_blocks(&chain.expected) {
            let slot = number(&entry["slot"]);
            let index = devnet
                .index_of_slot(slot)
                .expect("a block at every pyspec slot");
            let block = &devnet.blocks()[index];
            let sidecars = devnet.sidecars_for(index).expect("blob sidecars");
            let expected = entry["sidecars"].as_array().cloned().unwrap_or_default();
            assert_eq!(sidecars.len(), expected.len(), "{name} slot {slot}");
            for (sidecar, want) in sidecars.iter().map(Sidecar::sidecar).zip(&expected) {
                assert_eq!(sidecar.index, number(&want["index"]));
                assert_eq!(
                    sidecar.kzg_commitment.as_slice(),
                    hex(&text(&want["kzg_commitment"]))
                );
                assert_eq!(sidecar.kzg_proof.as_slice(), hex(&text(&want["kzg_proof"])));
                let blob_sha = ethereum_hashing::hash_fixed(&sidecar.blob);
                assert_eq!(blob_sha.as_slice(), hex(&text(&want["blob_sha256"])));
                assert!(verify_commitment_inclusion(
                    &sidecar.kzg_commitment,
                    sidecar.index,
                    &sidecar.kzg_commitment_inclusion_proof,
                    block.body_root(),
                ));
                compared += 1;
            }
        }
        assert_eq!(compared, 18, "{name}: every pyspec sidecar was compared");
    }
}

#[test]
fn on_the_pyspec_fulu_genesis_columns_carry_the_pyspec_cells_and_proofs() {
    let chain = PyspecChain::load("fulu", Fork::Fulu);
    let devnet = on_pyspec_genesis(&chain);
    // Slot 5 has 3 blobs and all 128 columns in the vectors.
    let index = devnet.index_of_slot(5).unwrap();
    let ours = devnet.data_columns(index).unwrap();
    assert_eq!(ours.len(), 128);
    for column in &ours {
        let bytes = read(&format!("pyspec/fulu/columns/5_{}.ssz", column.index));
        let theirs = DataColumnSidecar::from_ssz_bytes(&bytes).unwrap();
        assert_eq!(column.column, theirs.column, "column {}", column.index);
        assert_eq!(
            column.kzg_proofs, theirs.kzg_proofs,
            "column {}",
            column.index
        );
        assert_eq!(
            column.kzg_commitments, theirs.kzg_commitments,
            "column {}",
            column.index
        );
        check_data_column(&devnet.blocks()[index], column).unwrap();
    }
}

#[test]
fn out_of_range_parameters_are_typed_errors() {
    let build = |params: DevnetParams| Devnet::generate(params).map(|_| ()).unwrap_err();
    let base = DevnetParams {
        slots: 4,
        ..DevnetParams::default()
    };
    assert_eq!(
        build(DevnetParams {
            genesis_fork: Fork::Capella,
            ..base.clone()
        }),
        DevnetError::UnsupportedFork {
            fork: Fork::Capella
        }
    );
    assert!(matches!(
        build(DevnetParams {
            validators: 0,
            ..base.clone()
        }),
        DevnetError::ValidatorCount { validators: 0, .. }
    ));
    assert_eq!(
        build(DevnetParams {
            genesis_fork: Fork::Deneb,
            max_blobs: Some(7),
            ..base.clone()
        }),
        DevnetError::TooManyBlobs {
            max_blobs: 7,
            fork: Fork::Deneb,
            fork_max: 6
        }
    );
    assert_eq!(
        build(DevnetParams {
            skip_per_mille: 1001,
            ..base.clone()
        }),
        DevnetError::SkipShare {
            skip_per_mille: 1001
        }
    );
    assert!(matches!(
        build(DevnetParams {
            blob_pool: 0,
            ..base.clone()
        }),
        DevnetError::BlobPoolSize { blob_pool: 0, .. }
    ));
    let plan = vec![SlotPlan::Empty, SlotPlan::Block { blobs: 10 }];
    assert_eq!(
        build(DevnetParams {
            slot_plan: Some(plan),
            ..base.clone()
        }),
        DevnetError::PlanTooManyBlobs {
            slot: 2,
            blobs: 10,
            max: 9
        }
    );
    let devnet = Devnet::generate(base).unwrap();
    assert_eq!(
        devnet.data_columns(0),
        Err(DevnetError::NoDataColumns {
            fork: Fork::Electra
        })
    );
}

#[test]
fn a_state_that_is_not_an_interop_genesis_of_the_fork_is_refused() {
    let state = gunzip("pyspec/electra/genesis_state.ssz.gz");
    let params = DevnetParams::default;
    let refused =
        |bytes: &[u8], fork| DevnetBuilder::from_genesis_state(bytes, fork, params()).unwrap_err();
    assert!(matches!(
        refused(&state, Fork::Fulu),
        DevnetError::GenesisState { .. }
    ));
    assert_eq!(
        refused(&state, Fork::Capella),
        DevnetError::UnsupportedFork {
            fork: Fork::Capella
        }
    );
    // `fork.current_version` sits at bytes 52..56.
    let mut other_version = state.clone();
    other_version[52] ^= 0x01;
    assert!(matches!(
        refused(&other_version, Fork::Electra),
        DevnetError::GenesisForkVersion {
            fork: Fork::Electra,
            ..
        }
    ));
    let BeaconState::Electra(mut inner) =
        BeaconState::from_ssz_bytes(&state, Fork::Electra).unwrap()
    else {
        panic!("an Electra state")
    };
    inner.validators[3].pubkey = inner.validators[4].pubkey;
    assert_eq!(
        refused(&inner.as_ssz_bytes(), Fork::Electra),
        DevnetError::NotInteropKey { index: 3 }
    );
    inner.validators[3].pubkey = inner.validators[2].pubkey;
    inner.slot = 1;
    assert_eq!(
        refused(&inner.as_ssz_bytes(), Fork::Electra),
        DevnetError::NotGenesis { slot: 1 }
    );
}

#[test]
fn segments_and_slot_lookups_cover_exactly_the_slots_asked_for() {
    let devnet = Devnet::generate(DevnetParams {
        slots: 64,
        ..DevnetParams::default()
    })
    .unwrap();
    let slots = |segment: &[BlockAndSidecars]| {
        segment
            .iter()
            .map(|d| d.block.signed().slot())
            .collect::<Vec<_>>()
    };
    let expected: Vec<u64> = devnet
        .blocks()
        .iter()
        .map(|b| b.signed().slot())
        .filter(|s| (10..20).contains(s))
        .collect();
    assert_eq!(slots(&devnet.segment(10..20)), expected);
    let (high, low) = (20, 10);
    assert!(
        devnet.segment(high..low).is_empty(),
        "a reversed range holds nothing"
    );
    assert!(devnet.segment(65..100).is_empty());
    for slot in 0..70 {
        let found = devnet
            .index_of_slot(slot)
            .map(|i| devnet.blocks()[i].signed().slot());
        assert!(found.is_none_or(|s| s == slot));
        assert_eq!(
            found.is_some(),
            devnet.blocks().iter().any(|b| b.signed().slot() == slot)
        );
    }
    assert_eq!(devnet.sidecars_for(devnet.blocks().len()), None);
}

/// A small Electra devnet with blobs, and its bytes, built once for the property test.
struct Fixture {
    devnet: Devnet,
    segment: Vec<BlockAndSidecars>,
    /// Each item: the block position in the segment, the sidecar index (`None` for the
    /// block itself), and its SSZ bytes.
    items: Vec<(usize, Option<usize>, Vec<u8>)>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let params = DevnetParams {
            seed: seed_from_u64(3),
            slots: 16,
            max_blobs: Some(2),
            blob_pool: 2,
            ..DevnetParams::default()
        };
        let devnet = Devnet::generate(params).expect("a devnet");
        let segment = devnet.segment(0..u64::MAX);
        let mut items = Vec::new();
        for (position, data) in segment.iter().enumerate() {
            items.push((position, None, data.block.signed().as_ssz_bytes()));
            for (index, sidecar) in data.sidecars.iter().flatten().enumerate() {
                items.push((position, Some(index), sidecar.as_ssz_bytes()));
            }
        }
        assert!(
            items.iter().any(|(_, sidecar, _)| sidecar.is_some()),
            "the fixture has blobs"
        );
        Fixture {
            devnet,
            segment,
            items,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn any_flipped_byte_of_a_block_or_sidecar_is_detected(
        item in any::<prop::sample::Index>(),
        offset in any::<prop::sample::Index>(),
        mask in 1_u8..=255,
    ) {
        let fixture = fixture();
        let (position, sidecar, bytes) = &fixture.items[item.index(fixture.items.len())];
        let mut bytes = bytes.clone();
        let at = offset.index(bytes.len());
        bytes[at] ^= mask;
        let mut segment = fixture.segment.clone();
        match sidecar {
            None => match Block::from_ssz_bytes(&bytes, Fork::Electra) {
                Err(_) => return Ok(()),
                Ok(block) => segment[*position].block = block,
            },
            Some(index) => match Sidecar::from_ssz_bytes(&bytes) {
                Err(_) => return Ok(()),
                Ok(sidecar) => {
                    segment[*position].sidecars.as_mut().unwrap()[*index] = sidecar;
                }
            },
        }
        let devnet = &fixture.devnet;
        let report = verifier(devnet, devnet.genesis_anchor()).verify_blocking(&segment).unwrap();
        prop_assert!(
            report.failure.is_some(),
            "byte {at} of block {position} sidecar {sidecar:?} flipped with {mask:#04x}: undetected"
        );
        prop_assert_ne!(report.outcomes, vec![BlockOutcome::Ok; segment.len()]);
    }
}

#[test]
fn the_unflipped_fixture_verifies() {
    let fixture = fixture();
    let verifier = verifier(&fixture.devnet, fixture.devnet.genesis_anchor());
    assert_all_ok(&verifier, &fixture.segment, "fixture");
}
