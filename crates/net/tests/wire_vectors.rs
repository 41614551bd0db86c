//! Every entry of `reqresp_wire_vectors.json` (third-party encodings) and
//! `reqresp_derived_vectors.json` decodes to its SSZ and its expected value.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a panic is the failure report"
)]

mod common;

use common::{decode_response_in_pieces, digest, hex, hex_field, read_json, root, str_field};
use consensus::config::ChainConfig;
use consensus::containers::{
    BeaconBlocksByRangeRequest, BeaconBlocksByRootRequest, BlobSidecarsByRangeRequest,
    BlobSidecarsByRootRequest, DataColumnSidecarsByRangeRequest, MetaDataV2, MetaDataV3, StatusV1,
    StatusV2,
};
use consensus::{Fork, SignedBeaconBlock};
use net::codec::{
    ErrorChunk, Protocol, ResponseChunk, ResultCode, SszBounds, SuccessChunk, decode_payload,
    decode_request, decode_response, decode_ssz, encode_request,
};
use serde_json::Value;
use ssz::Encode;

/// Decodes a response made of exactly one chunk, whole and one byte at a time.
#[track_caller]
fn single_chunk(protocol: Protocol, wire: &[u8]) -> ResponseChunk {
    let chunks = decode_response(protocol, wire).unwrap();
    assert_eq!(chunks.len(), 1, "one chunk");
    assert_eq!(
        decode_response_in_pieces(protocol, wire, &[1]).unwrap(),
        chunks
    );
    chunks.into_iter().next().unwrap()
}

#[track_caller]
fn success(chunk: ResponseChunk) -> SuccessChunk {
    match chunk {
        ResponseChunk::Success(chunk) => chunk,
        ResponseChunk::Error(error) => panic!("expected success, got {error:?}"),
    }
}

#[track_caller]
fn error(chunk: ResponseChunk) -> ErrorChunk {
    match chunk {
        ResponseChunk::Error(chunk) => chunk,
        ResponseChunk::Success(chunk) => panic!("expected an error, got {chunk:?}"),
    }
}

#[track_caller]
fn check_status(ssz: &[u8], expected: &Value) {
    let status: StatusV1 = decode_ssz(ssz).unwrap();
    assert_eq!(
        status.fork_digest,
        digest(str_field(expected, "fork_digest"))
    );
    assert_eq!(
        status.finalized_root,
        root(str_field(expected, "finalized_root"))
    );
    assert_eq!(
        status.finalized_epoch,
        expected["finalized_epoch"].as_u64().unwrap()
    );
    assert_eq!(status.head_root, root(str_field(expected, "head_root")));
    assert_eq!(status.head_slot, expected["head_slot"].as_u64().unwrap());
}

#[track_caller]
fn check_metadata_v2(ssz: &[u8], expected: &Value) {
    let metadata: MetaDataV2 = decode_ssz(ssz).unwrap();
    assert_eq!(
        metadata.seq_number,
        expected["seq_number"].as_u64().unwrap()
    );
    assert_eq!(
        metadata.attnets.as_ssz_bytes(),
        hex_field(expected, "attnets")
    );
    assert_eq!(
        metadata.syncnets.as_ssz_bytes(),
        hex_field(expected, "syncnets")
    );
}

#[track_caller]
fn check_error(chunk: ResponseChunk, expected: &Value) {
    let chunk = error(chunk);
    assert_eq!(
        u64::from(chunk.code.as_u8()),
        expected["result"].as_u64().unwrap()
    );
    assert_eq!(
        chunk.message.to_string(),
        str_field(expected, "error_message_utf8")
    );
}

/// Checks the Lodestar block fixture: every root and signature byte is 0xda, slot,
/// proposer and deposit count 9 (the Altair one has slot 90009), empty operations.
#[track_caller]
fn check_lodestar_block(block: &SignedBeaconBlock, slot: u64) {
    let dada = root("0xdadadadadadadadadadadadadadadadadadadadadadadadadadadadadadadada");
    assert_eq!(block.slot(), slot);
    assert_eq!(block.proposer_index(), 9);
    assert_eq!(block.parent_root(), dada);
    assert_eq!(block.state_root(), dada);
    assert!(block.signature().iter().all(|b| *b == 0xda));
    match block {
        SignedBeaconBlock::Phase0(b) => {
            assert_eq!(b.message.body.eth1_data.deposit_count, 9);
            assert_eq!(b.message.body.graffiti, dada);
            assert!(b.message.body.randao_reveal.iter().all(|x| *x == 0xda));
            assert!(b.message.body.attestations.is_empty() && b.message.body.deposits.is_empty());
        }
        SignedBeaconBlock::Altair(b) => {
            assert_eq!(b.message.body.eth1_data.block_hash, dada);
            let sync = &b.message.body.sync_aggregate;
            assert_eq!(sync.sync_committee_bits.num_set_bits(), 0);
            assert!(sync.sync_committee_signature.iter().all(|x| *x == 0));
            assert!(b.message.body.attestations.is_empty() && b.message.body.deposits.is_empty());
        }
        other => panic!("unexpected fork {:?}", other.fork()),
    }
}

#[test]
fn every_third_party_wire_vector_decodes_to_its_expected_value() {
    let file = read_json("reqresp_wire_vectors.json");
    let vectors = file["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 20);
    for vector in vectors {
        let id = str_field(vector, "id");
        let wire = hex_field(vector, "wire_hex");
        let ssz = hex_field(&vector["decoded"], "ssz_hex");
        let expected = &vector["expected_value"];
        let protocol = Protocol::from_protocol_id(str_field(vector, "protocol"));
        match id {
            "teku_status_request" | "lodestar_status_request" => {
                let protocol = protocol.unwrap();
                assert_eq!(protocol, Protocol::StatusV1);
                assert_eq!(decode_request(protocol, &wire).unwrap(), ssz, "{id}");
                check_status(&ssz, expected);
            }
            "teku_status_response" | "lighthouse_status_response_commented" => {
                let chunk = success(single_chunk(protocol.unwrap(), &wire));
                assert_eq!((chunk.context, &chunk.ssz), (None, &ssz), "{id}");
                check_status(&ssz, expected);
            }
            "teku_error_invalid_request"
            | "lodestar_server_error_chunk"
            | "lambda_ping_error_response" => {
                // An error chunk means the same on every protocol: no context bytes.
                for protocol in [
                    Protocol::Ping,
                    Protocol::StatusV1,
                    Protocol::BlocksByRangeV2,
                ] {
                    let chunk = single_chunk(protocol, &wire);
                    assert_eq!(error(chunk.clone()).message.as_bytes(), ssz, "{id}");
                    check_error(chunk, expected);
                }
            }
            "lambda_ping_response_0"
            | "lambda_ping_response_1"
            | "lambda_ping_response_5"
            | "lambda_ping_response_67" => {
                let chunk = success(single_chunk(protocol.unwrap(), &wire));
                assert_eq!(chunk.ssz, ssz, "{id}");
                let seq: u64 = chunk.decode_ssz().unwrap();
                assert_eq!(seq, expected["seq_number"].as_u64().unwrap(), "{id}");
            }
            "lambda_metadata_v2_response_0"
            | "lambda_metadata_v2_response_1"
            | "lambda_metadata_v2_response_2" => {
                let chunk = success(single_chunk(protocol.unwrap(), &wire));
                assert_eq!(chunk.ssz, ssz, "{id}");
                check_metadata_v2(&chunk.ssz, expected);
            }
            "lodestar_ping_request" | "lantern_goodbye_request" => {
                let payload = decode_request(protocol.unwrap(), &wire).unwrap();
                assert_eq!(payload, ssz, "{id}");
                let value: u64 = decode_ssz(&payload).unwrap();
                let field = if id == "lodestar_ping_request" {
                    "seq_number"
                } else {
                    "reason"
                };
                assert_eq!(value, expected[field].as_u64().unwrap(), "{id}");
            }
            "lodestar_metadata_v1" => {
                // metadata/1 is deprecated (not a `Protocol`): decode the bare payload
                // with MetaData v1's size, seq_number u64 then attnets Bitvector[64].
                assert_eq!(protocol, None);
                let payload = decode_payload(SszBounds::exact(16), &wire).unwrap();
                assert_eq!(payload, ssz);
                let seq: u64 = decode_ssz(&payload[..8]).unwrap();
                assert_eq!(seq, expected["seq_number"].as_u64().unwrap());
                assert_eq!(payload[8..], hex_field(expected, "attnets"));
            }
            "lodestar_metadata_v2" => {
                let protocol = protocol.unwrap();
                let payload = decode_payload(protocol.response_bounds(), &wire).unwrap();
                assert_eq!(payload, ssz);
                check_metadata_v2(&payload, expected);
                // The same payload after a success byte is a whole response.
                let chunk = success(single_chunk(protocol, &[&[0u8][..], &wire].concat()));
                assert_eq!(chunk.ssz, ssz);
            }
            "lodestar_phase0_block" | "lodestar_altair_block_mainnet_preset" => {
                let protocol = protocol.unwrap();
                let payload = decode_payload(protocol.response_bounds(), &wire).unwrap();
                assert_eq!(payload, ssz, "{id}");
                // As a v2 response chunk, labelled with the digest of a chain where the
                // block's slot is in its fork.
                let (fork, slot) = if id == "lodestar_phase0_block" {
                    (Fork::Phase0, 9)
                } else {
                    (Fork::Altair, 90_009)
                };
                let config = ChainConfig::devnet(fork, 0, root(&"11".repeat(32)));
                let context = config.fork_digest_at_epoch(config.slot_to_epoch(slot));
                let chunk_wire = [&[0u8][..], context.as_slice(), &wire].concat();
                let chunk = success(single_chunk(protocol, &chunk_wire));
                assert_eq!(chunk.context, Some(context));
                let (decoded_fork, block) = chunk.decode_block(&config).unwrap();
                assert_eq!(decoded_fork, fork);
                check_lodestar_block(block.signed(), slot);
                assert_eq!(block.signed().as_ssz_bytes(), ssz);
            }
            other => panic!("vector {other} has no expectation in this test"),
        }
    }
}

#[test]
fn our_encoding_of_teku_status_is_compressed_and_decodes_back() {
    // Teku asserts its encoder emits the recorded bytes; snap's compressor picks other
    // (equally valid) copies, so compare what the bytes mean, not the bytes.
    let file = read_json("reqresp_wire_vectors.json");
    let vector = &file["vectors"][0];
    assert_eq!(str_field(vector, "id"), "teku_status_request");
    let ssz = hex_field(&vector["decoded"], "ssz_hex");
    let mut ours = Vec::new();
    encode_request(Protocol::StatusV1, &ssz, &mut ours).unwrap();
    assert_eq!(decode_request(Protocol::StatusV1, &ours).unwrap(), ssz);
    // Prefix 0x54, the stream identifier, then one compressed frame (type 0x00).
    assert_eq!(ours[..11], hex("54ff060000734e61507059"));
    assert_eq!(common::frame_headers(&ours[1..]).len(), 2);
    assert_eq!(ours[11], 0x00);
    assert!(ours.len() < 1 + 10 + 4 + 4 + ssz.len());
}

#[test]
fn every_derived_vector_decodes_to_its_expected_value() {
    let file = read_json("reqresp_derived_vectors.json");
    let vectors = file["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 12);
    for vector in vectors {
        let id = str_field(vector, "id");
        let wire = hex_field(vector, "wire_hex");
        let ssz = hex_field(vector, "ssz_hex");
        let protocol = Protocol::from_protocol_id(str_field(vector, "protocol"));
        let request = || {
            let protocol = protocol.unwrap();
            let payload = decode_request(protocol, &wire).unwrap();
            assert_eq!(payload, ssz, "{id}");
            // Our encoder's bytes may differ (it compresses); they decode the same.
            let mut ours = Vec::new();
            encode_request(protocol, &payload, &mut ours).unwrap();
            assert_eq!(decode_request(protocol, &ours).unwrap(), ssz, "{id}");
            payload
        };
        match id {
            "bbr_v2_chunk_mainnet_slot1" => {
                let chunk = success(single_chunk(protocol.unwrap(), &wire));
                assert_eq!(chunk.ssz, ssz);
                assert_eq!(chunk.context, Some(digest("0xb5303f2a")));
                let (fork, block) = chunk.decode_block(&ChainConfig::mainnet()).unwrap();
                assert_eq!(fork, Fork::Phase0);
                assert_eq!(block.signed().slot(), 1);
                assert_eq!(
                    block.root(),
                    root("0xbacd20f09da907734434f052bd4c9503aa16bab1960e89ea20610d08d064481c")
                );
            }
            "bbr_v2_request" => {
                let decoded: BeaconBlocksByRangeRequest = decode_ssz(&request()).unwrap();
                assert_eq!(
                    decoded,
                    BeaconBlocksByRangeRequest {
                        start_slot: 1,
                        count: 64,
                        step: 1
                    }
                );
            }
            "bbroot_v2_request" => {
                let decoded: BeaconBlocksByRootRequest = decode_ssz(&request()).unwrap();
                assert_eq!(decoded.len(), 2);
                assert_eq!(
                    decoded[0],
                    root("0xbacd20f09da907734434f052bd4c9503aa16bab1960e89ea20610d08d064481c")
                );
                assert_eq!(decoded[1].as_slice()[..4], hex("2757f6fd"));
            }
            "status_v1_mainnet_genesis" => {
                let status: StatusV1 = decode_ssz(&request()).unwrap();
                assert_eq!(status.fork_digest, digest("0xb5303f2a"));
                assert_eq!(status.finalized_root, root(&"00".repeat(32)));
                assert_eq!((status.finalized_epoch, status.head_slot), (0, 0));
                assert_eq!(
                    status.head_root,
                    root("0x4d611d5b93fdab69013a7f0a2f961caca0c853f87cfe9595fe50038163079360")
                );
            }
            "status_v2_example" => {
                let status: StatusV2 = decode_ssz(&request()).unwrap();
                assert_eq!(status.fork_digest, digest("0x8c9f62fe"));
                assert_eq!(
                    status.finalized_root.as_slice(),
                    (0u8..32).collect::<Vec<_>>()
                );
                assert_eq!(status.head_root.as_slice(), (32u8..64).collect::<Vec<_>>());
                assert_eq!(status.finalized_epoch, 419_000);
                assert_eq!(status.head_slot, 13_500_000);
                assert_eq!(status.earliest_available_slot, 13_164_544);
            }
            "metadata_v3_example" => {
                let chunk = success(single_chunk(protocol.unwrap(), &wire));
                assert_eq!(chunk.ssz, ssz);
                let metadata: MetaDataV3 = chunk.decode_ssz().unwrap();
                assert_eq!(metadata.seq_number, 7);
                assert_eq!(metadata.attnets.num_set_bits(), 64);
                assert_eq!(metadata.syncnets.num_set_bits(), 4);
                assert_eq!(metadata.custody_group_count, 4);
            }
            "blob_sidecars_by_range_request" => {
                let decoded: BlobSidecarsByRangeRequest = decode_ssz(&request()).unwrap();
                assert_eq!(
                    decoded,
                    BlobSidecarsByRangeRequest {
                        start_slot: 8_626_176,
                        count: 32
                    }
                );
            }
            "blob_sidecars_by_root_request" => {
                let decoded: BlobSidecarsByRootRequest = decode_ssz(&request()).unwrap();
                let slot1 =
                    root("0xbacd20f09da907734434f052bd4c9503aa16bab1960e89ea20610d08d064481c");
                let ids: Vec<_> = decoded.iter().map(|id| (id.block_root, id.index)).collect();
                assert_eq!(ids, [(slot1, 0), (slot1, 1)]);
            }
            "data_column_sidecars_by_range_request" => {
                let decoded: DataColumnSidecarsByRangeRequest = decode_ssz(&request()).unwrap();
                assert_eq!((decoded.start_slot, decoded.count), (13_164_544, 16));
                assert_eq!(decoded.columns.to_vec(), [0, 1, 2, 3]);
            }
            "ping_request_0" | "goodbye_request_1" => {
                let value: u64 = decode_ssz(&request()).unwrap();
                assert_eq!(value, if id == "ping_request_0" { 0 } else { 1 });
            }
            "error_chunk_resource_unavailable" => {
                let chunk = error(single_chunk(Protocol::BlobSidecarsByRange, &wire));
                assert_eq!(chunk.code, ResultCode::ResourceUnavailable);
                assert_eq!(chunk.message.to_string(), "Rate limited");
                assert_eq!(chunk.message.as_bytes(), ssz);
            }
            other => panic!("vector {other} has no expectation in this test"),
        }
    }
}
