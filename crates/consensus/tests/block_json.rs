//! With the `serde` feature, blocks serialize to the beacon-API JSON that other clients
//! serve: checked against real mainnet blocks as Lodestar's fixtures hold them, and, for
//! the later forks, against the spec's field names and JSON conventions.
#![cfg(feature = "serde")]

mod support;

use consensus::{Block, Fork};
use serde_json::Value;
use support::{PYSPEC_FORKS, hex, json, pyspec_blocks, read, text};

#[test]
fn mainnet_phase0_blocks_serialize_to_the_beacon_api_json_of_lodestar() {
    let expected = json("mainnet_blocks_slot1-4_expected.json");
    let lodestar = json("mainnet_blocks_slot1-4.json");
    let entries = expected["blocks"].as_array().expect("blocks");
    let want = lodestar.as_array().expect("a list of signed blocks");
    assert_eq!(entries.len(), 4);
    assert_eq!(want.len(), entries.len());
    for (entry, want) in entries.iter().zip(want) {
        let bytes = hex(&text(&entry["signed_beacon_block_ssz_hex"]));
        let block = Block::from_ssz_bytes(&bytes, Fork::Phase0).expect("decodes");
        let got = serde_json::to_value(block.signed()).expect("serializes");
        assert_eq!(&got, want, "slot {}", text(&entry["slot"]));
    }
}

/// The spec's body fields of each fork, in order.
fn body_fields(fork: Fork) -> Vec<&'static str> {
    let mut fields = vec![
        "randao_reveal",
        "eth1_data",
        "graffiti",
        "proposer_slashings",
        "attester_slashings",
        "attestations",
        "deposits",
        "voluntary_exits",
    ];
    if fork >= Fork::Altair {
        fields.push("sync_aggregate");
    }
    if fork >= Fork::Bellatrix {
        fields.push("execution_payload");
    }
    if fork >= Fork::Capella {
        fields.push("bls_to_execution_changes");
    }
    if fork >= Fork::Deneb {
        fields.push("blob_kzg_commitments");
    }
    if fork >= Fork::Electra {
        fields.push("execution_requests");
    }
    fields
}

#[track_caller]
fn assert_keys(value: &Value, want: &[&str], what: &str) {
    let mut got: Vec<&str> = value
        .as_object()
        .unwrap_or_else(|| panic!("{what} is an object"))
        .keys()
        .map(String::as_str)
        .collect();
    let mut want = want.to_vec();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want, "{what}");
}

#[track_caller]
fn assert_decimal(value: &Value, what: &str) {
    let s = value
        .as_str()
        .unwrap_or_else(|| panic!("{what} is a string"));
    assert!(
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()),
        "{what} = {s:?} is decimal"
    );
}

#[track_caller]
fn assert_hex(value: &Value, bytes: usize, what: &str) {
    let s = value
        .as_str()
        .unwrap_or_else(|| panic!("{what} is a string"));
    assert!(s.starts_with("0x"), "{what} = {s:?} has 0x");
    assert_eq!(s.len(), 2 + 2 * bytes, "{what} = {s:?} length");
    assert!(
        s[2..]
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
        "{what} = {s:?} is lowercase hex"
    );
}

#[test]
fn pyspec_blocks_of_deneb_to_fulu_serialize_with_the_spec_field_names() {
    for (name, fork) in PYSPEC_FORKS {
        let expected = json(&format!("pyspec/{name}/expected.json"));
        for entry in pyspec_blocks(&expected) {
            let bytes = read(&format!("pyspec/{name}/{}", text(&entry["file"])));
            let block = Block::from_ssz_bytes(&bytes, fork).expect("decodes");
            let signed = block.signed();
            let json = serde_json::to_value(signed).expect("serializes");
            let what = format!("{name} slot {}", signed.slot());
            assert_keys(&json, &["message", "signature"], &what);
            assert_hex(&json["signature"], 96, &what);
            let message = &json["message"];
            assert_keys(
                message,
                &[
                    "slot",
                    "proposer_index",
                    "parent_root",
                    "state_root",
                    "body",
                ],
                &what,
            );
            assert_eq!(message["slot"], signed.slot().to_string(), "{what}");
            assert_decimal(&message["proposer_index"], &what);
            let body = &message["body"];
            assert_keys(body, &body_fields(fork), &what);
            let commitments: Vec<Value> = signed
                .blob_kzg_commitments()
                .iter()
                .map(|c| Value::String(alloy_primitives::hex::encode_prefixed(c)))
                .collect();
            assert_eq!(body["blob_kzg_commitments"], Value::Array(commitments));
            let payload = &body["execution_payload"];
            for field in [
                "block_number",
                "gas_limit",
                "gas_used",
                "timestamp",
                "base_fee_per_gas",
                "blob_gas_used",
                "excess_blob_gas",
            ] {
                assert_decimal(&payload[field], &format!("{what} {field}"));
            }
            assert_hex(&payload["fee_recipient"], 20, &what);
            assert_hex(&payload["logs_bloom"], 256, &what);
            assert!(payload["extra_data"].as_str().unwrap().starts_with("0x"));
            for tx in payload["transactions"].as_array().expect("a list") {
                assert!(tx.as_str().expect("hex").starts_with("0x"), "{what}");
            }
            let aggregate = &body["sync_aggregate"];
            assert_hex(&aggregate["sync_committee_bits"], 64, &what);
            if fork >= Fork::Electra {
                assert_keys(
                    &body["execution_requests"],
                    &["deposits", "withdrawals", "consolidations"],
                    &what,
                );
                for attestation in body["attestations"].as_array().expect("a list") {
                    assert_hex(&attestation["committee_bits"], 8, &what);
                    assert_decimal(&attestation["data"]["slot"], &what);
                }
            }
        }
    }
}

/// Reads `value` as a block of `fork`, as a node reads `/eth/v2/beacon/blocks/{id}`.
fn from_json(fork: Fork, value: &Value) -> consensus::SignedBeaconBlock {
    consensus::SignedBeaconBlock::deserialize_fork(fork, value).expect("a block of the fork")
}

#[test]
fn mainnet_phase0_blocks_are_read_back_from_lodestars_json_to_the_same_bytes() {
    let expected = json("mainnet_blocks_slot1-4_expected.json");
    let lodestar = json("mainnet_blocks_slot1-4.json");
    let entries = expected["blocks"].as_array().expect("blocks");
    for (entry, value) in entries.iter().zip(lodestar.as_array().expect("a list")) {
        let block = from_json(Fork::Phase0, value);
        let bytes = hex(&text(&entry["signed_beacon_block_ssz_hex"]));
        assert!(
            block.as_ssz_bytes() == bytes,
            "slot {}",
            text(&entry["slot"])
        );
    }
}

#[test]
fn lodestars_capella_rest_blocks_read_back_to_the_blocks_it_served_over_p2p() {
    for slot in 191..=194 {
        let answer = json(&format!("lodestar-dev/block_{slot}.json"));
        assert_eq!(text(&answer["version"]), "capella");
        let block = from_json(Fork::Capella, &answer["data"]);
        let ssz = read(&format!("lodestar-dev/block_{slot}.ssz"));
        assert!(block.as_ssz_bytes() == ssz, "slot {slot}");
    }
}

#[test]
fn blocks_of_deneb_to_fulu_read_back_from_their_json() {
    for chain in support::pyspec_chains() {
        for item in &chain.blocks {
            let bytes = item.block.signed().as_ssz_bytes();
            let value = serde_json::to_value(item.block.signed()).expect("serializes");
            let name = chain.name;
            assert!(
                from_json(chain.fork, &value).as_ssz_bytes() == bytes,
                "{name}"
            );
        }
    }
}

#[test]
fn json_of_another_fork_or_with_a_bad_field_is_an_error() {
    let answer = json("lodestar-dev/block_191.json");
    // Read as Deneb, a Capella block lacks the blob commitments.
    let as_deneb = consensus::SignedBeaconBlock::deserialize_fork(Fork::Deneb, &answer["data"]);
    assert!(as_deneb.is_err());
    let mut bad = answer["data"].clone();
    bad["message"]["slot"] = Value::from("not a number");
    assert!(consensus::SignedBeaconBlock::deserialize_fork(Fork::Capella, &bad).is_err());
}
