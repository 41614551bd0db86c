//! Real blocks and sidecars of every fork decode, re-encode byte for byte and have the
//! roots other implementations computed.

mod support;

use consensus::containers::{BlobSidecar, DataColumnSidecar};
use consensus::merkle::{
    commitment_inclusion_proof, commitments_inclusion_proof, verify_commitment_inclusion,
    verify_commitments_inclusion,
};
use consensus::{Block, Fork, HashTreeRoot, SignedBeaconBlock};
use ssz::{Decode, Encode};
use support::{PYSPEC_FORKS, hex, json, number, pyspec_blocks, read, root, text};
use tree_hash::TreeHash;

#[track_caller]
fn decode_round_trip(bytes: &[u8], fork: Fork) -> Block {
    let block = Block::from_ssz_bytes(bytes, fork).expect("decodes");
    assert_eq!(
        block.signed().as_ssz_bytes(),
        bytes,
        "re-encodes byte for byte"
    );
    assert_eq!(block.signed().ssz_len(), bytes.len());
    assert_eq!(block.signed().fork(), fork);
    block
}

#[test]
fn mainnet_blocks_of_slots_1_to_4_chain_to_the_genesis_block() {
    let expected = json("mainnet_blocks_slot1-4_expected.json");
    let mut parent = root("0x4d611d5b93fdab69013a7f0a2f961caca0c853f87cfe9595fe50038163079360");
    let mut roots = Vec::new();
    for entry in expected["blocks"].as_array().unwrap() {
        let bytes = hex(&text(&entry["signed_beacon_block_ssz_hex"]));
        assert_eq!(bytes.len() as u64, number(&entry["ssz_length"]));
        let block = decode_round_trip(&bytes, Fork::Phase0);
        assert_eq!(block.signed().slot(), number(&entry["slot"]));
        assert_eq!(block.root(), root(&text(&entry["block_root"])));
        assert_eq!(block.body_root(), root(&text(&entry["body_root"])));
        assert_eq!(
            block.signed().parent_root(),
            parent,
            "slot {} links",
            block.signed().slot()
        );
        assert_eq!(
            block.signed().proposer_index(),
            number(&entry["proposer_index"])
        );
        parent = block.root();
        roots.push(block.root());
    }
    assert_eq!(roots.len(), 4);
    let constants = json("chain_constants.json");
    for (slot, got) in (1..=4).zip(&roots) {
        let want = &constants["mainnet"]["block_roots"][slot.to_string()]["value"];
        assert_eq!(
            *got,
            root(&text(want)),
            "chain_constants root of slot {slot}"
        );
    }
}

#[test]
fn lodestar_capella_blocks_have_the_roots_lodestar_served() {
    let table = json("lodestar-dev/blocks.json");
    let entries = table.as_array().unwrap();
    assert_eq!(entries.len(), 4);
    let mut previous = None;
    for entry in entries {
        let slot = number(&entry["slot"]);
        let bytes = read(&format!("lodestar-dev/block_{slot}.ssz"));
        assert_eq!(bytes.len() as u64, number(&entry["ssz_bytes"]));
        let block = decode_round_trip(&bytes, Fork::Capella);
        assert_eq!(block.root(), root(&text(&entry["block_root"])));
        assert_eq!(block.body_root(), root(&text(&entry["body_root"])));
        assert_eq!(
            block.signed().state_root(),
            root(&text(&entry["state_root"]))
        );
        let SignedBeaconBlock::Capella(inner) = block.signed() else {
            unreachable!()
        };
        assert_eq!(
            inner.tree_hash_root(),
            root(&text(&entry["signed_block_root"]))
        );
        if let Some(parent) = previous {
            assert_eq!(block.signed().parent_root(), parent);
        }
        previous = Some(block.root());
    }
}

#[test]
fn pyspec_blocks_decode_and_chain_from_their_genesis_block() {
    for (name, fork) in PYSPEC_FORKS {
        let expected = json(&format!("pyspec/{name}/expected.json"));
        let genesis = decode_round_trip(&read(&format!("pyspec/{name}/genesis_block.ssz")), fork);
        assert_eq!(
            genesis.root(),
            root(&text(&expected["genesis_block_root"])),
            "{name}"
        );
        let mut parent = genesis.root();
        let blocks = pyspec_blocks(&expected);
        assert_eq!(blocks.len(), 16, "{name}");
        for entry in blocks {
            let bytes = read(&format!("pyspec/{name}/{}", text(&entry["file"])));
            let block = decode_round_trip(&bytes, fork);
            let slot = number(&entry["slot"]);
            assert_eq!(block.signed().slot(), slot);
            assert_eq!(
                block.root(),
                root(&text(&entry["block_root"])),
                "{name} slot {slot}"
            );
            assert_eq!(block.body_root(), root(&text(&entry["body_root"])));
            assert_eq!(
                block.signed().state_root(),
                root(&text(&entry["state_root"]))
            );
            assert_eq!(
                block.signed().parent_root(),
                parent,
                "{name} slot {slot} links"
            );
            let commitments: Vec<String> = entry["kzg_commitments"]
                .as_array()
                .unwrap()
                .iter()
                .map(text)
                .collect();
            let got: Vec<String> = block
                .signed()
                .blob_kzg_commitments()
                .iter()
                .map(ToString::to_string)
                .collect();
            assert_eq!(got, commitments, "{name} slot {slot} commitments");
            parent = block.root();
        }
        assert_eq!(
            parent,
            root(&text(&expected["head"]["block_root"])),
            "{name} head"
        );
    }
}

#[test]
fn pyspec_blob_sidecars_match_their_blocks_and_prove_their_commitments() {
    let mut checked = 0;
    for (name, fork) in &PYSPEC_FORKS[..2] {
        let expected = json(&format!("pyspec/{name}/expected.json"));
        for entry in pyspec_blocks(&expected) {
            let block = Block::from_ssz_bytes(
                &read(&format!("pyspec/{name}/{}", text(&entry["file"]))),
                *fork,
            )
            .unwrap();
            for sidecar_entry in entry["sidecars"].as_array().into_iter().flatten() {
                let bytes = read(&format!("pyspec/{name}/{}", text(&sidecar_entry["file"])));
                let sidecar = BlobSidecar::from_ssz_bytes(&bytes).expect("sidecar decodes");
                assert_eq!(sidecar.as_ssz_bytes(), bytes);
                // The carried sidecar's field-by-field encoding gives the spec's bytes.
                let carried = consensus::Sidecar::from_ssz_bytes(&bytes).unwrap();
                assert!(carried.as_ssz_bytes() == bytes, "{}", sidecar_entry["file"]);
                assert_eq!(
                    sidecar.tree_hash_root(),
                    root(&text(&sidecar_entry["hash_tree_root"]))
                );
                // The same roots through the API an adopter without `tree_hash` uses.
                assert_eq!(carried.root(), sidecar.tree_hash_root());
                assert_eq!(HashTreeRoot::root(&sidecar), carried.root());
                assert_eq!(sidecar.signed_block_header.message.root(), block.root());
                assert_eq!(sidecar.index, number(&sidecar_entry["index"]));
                assert_eq!(sidecar.signed_block_header, block.signed_header());
                let index = usize::try_from(sidecar.index).unwrap();
                assert_eq!(
                    sidecar.kzg_commitment,
                    block.signed().blob_kzg_commitments()[index]
                );
                assert!(verify_commitment_inclusion(
                    &sidecar.kzg_commitment,
                    sidecar.index,
                    &sidecar.kzg_commitment_inclusion_proof,
                    block.body_root(),
                ));
                let built = commitment_inclusion_proof(block.signed(), index).unwrap();
                assert_eq!(
                    built.as_slice(),
                    &sidecar.kzg_commitment_inclusion_proof[..]
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 36, "18 sidecars in each of deneb and electra");
}

#[test]
fn pyspec_data_columns_match_their_blocks_and_prove_the_commitment_list() {
    let expected = json("pyspec/fulu/expected.json");
    let mut checked = 0;
    for entry in pyspec_blocks(&expected) {
        let block = Block::from_ssz_bytes(
            &read(&format!("pyspec/fulu/{}", text(&entry["file"]))),
            Fork::Fulu,
        )
        .unwrap();
        let list_root = block_commitments_root(&block);
        for column_entry in entry["columns"].as_array().into_iter().flatten() {
            let bytes = read(&format!("pyspec/fulu/{}", text(&column_entry["file"])));
            let column = DataColumnSidecar::from_ssz_bytes(&bytes).expect("column decodes");
            assert_eq!(column.as_ssz_bytes(), bytes);
            assert_eq!(
                column.tree_hash_root(),
                root(&text(&column_entry["hash_tree_root"]))
            );
            let carried = consensus::Column::from_ssz_bytes(&bytes).expect("column decodes");
            assert_eq!(carried.root(), column.tree_hash_root());
            assert_eq!(carried.block_root(), block.root());
            assert_eq!(column.index, number(&column_entry["index"]));
            assert_eq!(column.signed_block_header, block.signed_header());
            assert_eq!(
                &column.kzg_commitments[..],
                block.signed().blob_kzg_commitments()
            );
            assert_eq!(column.kzg_commitments.tree_hash_root(), list_root);
            assert!(verify_commitments_inclusion(
                list_root,
                &column.kzg_commitments_inclusion_proof,
                block.body_root(),
            ));
            let built = commitments_inclusion_proof(block.signed()).unwrap();
            assert_eq!(
                built.as_slice(),
                &column.kzg_commitments_inclusion_proof[..]
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 182, "the README counts 182 Fulu columns");
}

fn block_commitments_root(block: &Block) -> consensus::primitives::Hash256 {
    let SignedBeaconBlock::Fulu(inner) = block.signed() else {
        panic!("a Fulu block")
    };
    inner.message.body.blob_kzg_commitments.tree_hash_root()
}

#[test]
fn the_blocks_inside_the_wire_vectors_decode() {
    let derived = json("reqresp_derived_vectors.json");
    let chunk = derived["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "bbr_v2_chunk_mainnet_slot1")
        .expect("the blocks-by-range chunk vector");
    let block = decode_round_trip(&hex(&text(&chunk["ssz_hex"])), Fork::Phase0);
    assert_eq!(
        block.root(),
        root("0xbacd20f09da907734434f052bd4c9503aa16bab1960e89ea20610d08d064481c")
    );

    let wire = json("reqresp_wire_vectors.json");
    let mut blocks = 0;
    for vector in wire["vectors"].as_array().unwrap() {
        let id = text(&vector["id"]);
        let fork = if id.contains("phase0_block") {
            Fork::Phase0
        } else if id.contains("altair_block") {
            Fork::Altair
        } else {
            continue;
        };
        let ssz = hex(&text(&vector["decoded"]["ssz_hex"]));
        decode_round_trip(&ssz, fork);
        blocks += 1;
    }
    assert_eq!(blocks, 2, "the Lodestar phase0 and altair block fixtures");
}

#[test]
fn a_block_decoded_with_the_wrong_fork_or_truncated_is_an_error() {
    let electra = read("pyspec/electra/blocks/4.ssz");
    for fork in [
        Fork::Phase0,
        Fork::Altair,
        Fork::Bellatrix,
        Fork::Capella,
        Fork::Deneb,
    ] {
        let error = SignedBeaconBlock::from_ssz_bytes(&electra, fork).unwrap_err();
        assert_eq!(error.fork, fork);
        assert!(
            error
                .to_string()
                .starts_with(&format!("invalid {fork} block")),
            "{error}"
        );
    }
    for cut in [0, 1, 4, 99, 100, 101, electra.len() / 2, electra.len() - 1] {
        assert!(SignedBeaconBlock::from_ssz_bytes(&electra[..cut], Fork::Electra).is_err());
    }
}
