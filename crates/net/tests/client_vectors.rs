//! Real encodings from clients and chains: the Lodestar dev-chain captures (Capella),
//! the raw-snappy and blob sidecar vectors, the multi-frame blob sidecar chunk, and the
//! pyspec Deneb/Electra/Fulu chains re-encoded through our codec.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a panic is the failure report"
)]

mod common;

use common::{
    decode_response_in_pieces, digest, frame_headers, hex, hex_field, read_bytes, read_json, root,
    str_field, u64_field,
};
use consensus::Fork;
use consensus::config::ChainConfig;
use consensus::containers::{BLOB_SIDECAR_SIZE, BeaconBlocksByRangeRequest, StatusV1};
use net::codec::{
    CodecError, Protocol, ResponseChunk, SuccessChunk, decode_blob_sidecar, decode_request,
    decode_response, decode_ssz, encode_success_chunk,
};
use tree_hash::TreeHash;

/// The Lodestar dev chain's config: Capella from genesis (values from its README).
fn lodestar_dev_config() -> ChainConfig {
    ChainConfig::devnet(
        Fork::Capella,
        1_795_494_492,
        root("0x270d43e74ce340de4bca2b1936beca0f4f5408d9e78aec4850920baf659d5b69"),
    )
}

#[track_caller]
fn successes(chunks: Vec<ResponseChunk>) -> Vec<SuccessChunk> {
    chunks
        .into_iter()
        .map(|chunk| match chunk {
            ResponseChunk::Success(chunk) => chunk,
            ResponseChunk::Error(error) => panic!("unexpected error chunk {error:?}"),
        })
        .collect()
}

#[test]
fn lodestar_status_exchange_decodes() {
    let response_ssz = read_bytes("lodestar-dev/status_response.ssz");
    let response = successes(
        decode_response(
            Protocol::StatusV1,
            &read_bytes("lodestar-dev/status_response.wire"),
        )
        .unwrap(),
    );
    assert_eq!(response.len(), 1);
    assert_eq!(response[0].ssz, response_ssz);
    let theirs: StatusV1 = response[0].decode_ssz().unwrap();
    assert_eq!(theirs.fork_digest, digest("0x88b30898"));
    assert_eq!(
        theirs.fork_digest,
        lodestar_dev_config().fork_digest_at_epoch(0)
    );
    assert_eq!((theirs.finalized_epoch, theirs.head_slot), (4, 198));
    assert_eq!(theirs.finalized_root.as_slice()[..4], hex("073e3031"));
    assert_eq!(theirs.head_root.as_slice()[..4], hex("bb23551d"));

    let request = decode_request(
        Protocol::StatusV1,
        &read_bytes("lodestar-dev/status_request.wire"),
    )
    .unwrap();
    let ours: StatusV1 = decode_ssz(&request).unwrap();
    assert_eq!(ours.fork_digest, digest("0x88b30898"));
    assert_eq!(
        (ours.finalized_epoch, ours.finalized_root),
        (4, theirs.finalized_root)
    );
    assert_eq!(
        (ours.head_slot, ours.head_root),
        (0, root(&"00".repeat(32)))
    );
}

#[test]
fn lodestar_blocks_by_range_exchange_decodes_to_the_chain() {
    let request = decode_request(
        Protocol::BlocksByRangeV2,
        &read_bytes("lodestar-dev/by_range_request.wire"),
    )
    .unwrap();
    assert_eq!(request, read_bytes("lodestar-dev/by_range_request.ssz"));
    let request: BeaconBlocksByRangeRequest = decode_ssz(&request).unwrap();
    assert_eq!(
        request,
        BeaconBlocksByRangeRequest {
            start_slot: 191,
            count: 4,
            step: 1
        }
    );

    let wire = read_bytes("lodestar-dev/by_range_response.wire");
    let chunks = decode_response(Protocol::BlocksByRangeV2, &wire).unwrap();
    // Byte by byte and in odd pieces, the incremental decoder finds the same chunks.
    assert_eq!(
        decode_response_in_pieces(Protocol::BlocksByRangeV2, &wire, &[1]).unwrap(),
        chunks
    );
    assert_eq!(
        decode_response_in_pieces(Protocol::BlocksByRangeV2, &wire, &[3, 1000, 7, 4096]).unwrap(),
        chunks
    );

    let expected = read_json("lodestar-dev/blocks.json");
    let expected = expected.as_array().unwrap();
    let chunks = successes(chunks);
    assert_eq!(chunks.len(), 4);
    assert_eq!(expected.len(), 4);
    let config = lodestar_dev_config();
    let mut parent = None;
    for (chunk, want) in chunks.iter().zip(expected) {
        let slot = u64_field(want, "slot");
        assert_eq!(
            chunk.context,
            Some(digest(str_field(want, "context_bytes")))
        );
        assert_eq!(
            chunk.ssz,
            read_bytes(&format!("lodestar-dev/block_{slot}.ssz"))
        );
        let (fork, block) = chunk.decode_block(&config).unwrap();
        assert_eq!(fork, Fork::Capella);
        assert_eq!(block.signed().slot(), slot);
        assert_eq!(block.root(), root(str_field(want, "block_root")));
        assert_eq!(block.body_root(), root(str_field(want, "body_root")));
        assert_eq!(
            block.signed().parent_root(),
            root(str_field(want, "parent_root"))
        );
        if let Some(parent) = parent {
            assert_eq!(block.signed().parent_root(), parent);
        }
        parent = Some(block.root());
    }
}

#[test]
fn lodestar_blocks_need_the_digest_of_their_chain() {
    let chunks = successes(
        decode_response(
            Protocol::BlocksByRangeV2,
            &read_bytes("lodestar-dev/by_range_response.wire"),
        )
        .unwrap(),
    );
    // Mainnet has never used 0x88b30898.
    assert_eq!(
        chunks[0].decode_block(&ChainConfig::mainnet()).unwrap_err(),
        CodecError::UnknownContext {
            digest: digest("0x88b30898")
        }
    );
    // Same chain, the Bellatrix digest (also scheduled at epoch 0, but not in force).
    let config = lodestar_dev_config();
    let bellatrix = digest("0xca31276b");
    assert_eq!(config.fork_for_digest(bellatrix), Some(Fork::Bellatrix));
    let relabelled = SuccessChunk {
        context: Some(bellatrix),
        ssz: chunks[0].ssz.clone(),
    };
    assert_eq!(
        relabelled.decode_block(&config).unwrap_err(),
        CodecError::WrongContext {
            got: bellatrix,
            expected: digest("0x88b30898"),
            slot: 191
        }
    );
    let unlabelled = SuccessChunk {
        context: None,
        ssz: chunks[0].ssz.clone(),
    };
    assert_eq!(
        unlabelled.decode_block(&config).unwrap_err(),
        CodecError::MissingContext
    );
}

#[test]
fn raw_snappy_block_vector_decompresses() {
    let file = read_json("snappy_and_sidecar_vectors.json");
    let vector = &file["raw_snappy_block"][0];
    let compressed = hex_field(vector, "compressed_hex");
    let plain = snap::raw::Decoder::new()
        .decompress_vec(&compressed)
        .unwrap();
    assert_eq!(plain, hex_field(vector, "uncompressed_hex"));
    assert_eq!(plain.len(), 274);
}

/// The random blob sidecar from its raw-snappy file.
fn random_sidecar_ssz() -> Vec<u8> {
    let compressed = read_bytes("blob_sidecar_random.ssz_snappy");
    snap::raw::Decoder::new()
        .decompress_vec(&compressed)
        .unwrap()
}

#[test]
fn random_blob_sidecar_has_its_published_roots() {
    let ssz = random_sidecar_ssz();
    assert_eq!(ssz.len(), BLOB_SIDECAR_SIZE);
    let file = read_json("snappy_and_sidecar_vectors.json");
    let want = &file["blob_sidecar_random"]["expected_derived"];
    let sidecar = consensus::Sidecar::from_ssz_bytes(&ssz).unwrap();
    let inner = sidecar.sidecar();
    assert_eq!(
        inner.tree_hash_root(),
        root(str_field(want, "hash_tree_root"))
    );
    assert_eq!(
        sidecar.block_root(),
        root(str_field(
            want,
            "signed_block_header.message root (= claimed block root)"
        ))
    );
    assert_eq!(
        inner.signed_block_header.tree_hash_root(),
        root(str_field(want, "signed_block_header root"))
    );
    assert_eq!(inner.index, u64_field(want, "index"));
    assert_eq!(
        inner.signed_block_header.message.slot,
        u64_field(want, "header.slot")
    );
    assert_eq!(
        inner.signed_block_header.message.proposer_index,
        u64_field(want, "header.proposer_index")
    );
    assert_eq!(
        inner.signed_block_header.message.body_root,
        root(str_field(want, "header.body_root"))
    );
    assert_eq!(
        inner.kzg_commitment.as_slice(),
        hex_field(want, "kzg_commitment")
    );
}

#[test]
fn multiframe_blob_sidecar_chunk_reassembles() {
    let wire = read_bytes("blob_sidecar_multiframe_chunk.bin");
    // result 00, context 6a95a1a9, varint d88608 = 131928, then the frames.
    assert_eq!(wire[..8], hex("006a95a1a9d88608"));
    assert_eq!(
        frame_headers(&wire[8..]),
        [(0xff, 6), (0x01, 65_540), (0x01, 65_540), (0x01, 860)]
    );
    let chunks = decode_response(Protocol::BlobSidecarsByRange, &wire).unwrap();
    assert_eq!(
        decode_response_in_pieces(Protocol::BlobSidecarsByRange, &wire, &[1000, 1, 65_535])
            .unwrap(),
        chunks
    );
    let chunks = successes(chunks);
    assert_eq!(chunks.len(), 1);
    assert_eq!(chunks[0].context, Some(digest("0x6a95a1a9")));
    assert_eq!(chunks[0].ssz, random_sidecar_ssz());

    // The digest is mainnet's Deneb one, but the random header's slot is far in the
    // future, where another digest is in force.
    let mainnet = ChainConfig::mainnet();
    assert_eq!(
        mainnet.fork_for_digest(digest("0x6a95a1a9")),
        Some(Fork::Deneb)
    );
    let error = chunks[0].decode_blob_sidecar(&mainnet).unwrap_err();
    assert!(
        matches!(error, CodecError::WrongContext { got, slot: 9_923_784_852_359_923_153, .. } if got == digest("0x6a95a1a9")),
        "{error}"
    );
}

/// A pyspec chain folder's config as a `ChainConfig`, and its expected values.
fn pyspec_chain(fork: Fork) -> (ChainConfig, serde_json::Value) {
    let config = read_json(&format!("pyspec/{}/config.json", fork.name()));
    let chain = ChainConfig::devnet(
        fork,
        u64_field(&config, "genesis_time"),
        root(str_field(&config, "genesis_validators_root")),
    );
    assert_eq!(
        chain.fork_digest_at_epoch(0),
        digest(str_field(&config, "fork_digest"))
    );
    (
        chain,
        read_json(&format!("pyspec/{}/expected.json", fork.name())),
    )
}

/// Encodes `ssz` as a success chunk with the chain's digest and decodes it back.
fn through_the_codec(protocol: Protocol, config: &ChainConfig, ssz: &[u8]) -> SuccessChunk {
    let mut wire = Vec::new();
    encode_success_chunk(
        protocol,
        Some(config.fork_digest_at_epoch(0)),
        ssz,
        &mut wire,
    )
    .unwrap();
    let mut chunks = successes(decode_response(protocol, &wire).unwrap());
    assert_eq!(chunks.len(), 1);
    chunks.remove(0)
}

#[test]
fn pyspec_blocks_and_sidecars_survive_the_codec_with_their_roots() {
    let mut blocks = 0;
    let mut sidecars = 0;
    let mut columns = 0;
    for fork in [Fork::Deneb, Fork::Electra, Fork::Fulu] {
        let (config, expected) = pyspec_chain(fork);
        for slot in expected["slots"].as_array().unwrap() {
            if slot["empty"].as_bool().unwrap() {
                continue;
            }
            let ssz = read_bytes(&format!(
                "pyspec/{}/{}",
                fork.name(),
                str_field(slot, "file")
            ));
            let chunk = through_the_codec(Protocol::BlocksByRangeV2, &config, &ssz);
            let (decoded_fork, block) = chunk.decode_block(&config).unwrap();
            assert_eq!(decoded_fork, fork);
            assert_eq!(block.root(), root(str_field(slot, "block_root")));
            blocks += 1;
            for sidecar in slot["sidecars"].as_array().into_iter().flatten() {
                let path = format!("pyspec/{}/{}", fork.name(), str_field(sidecar, "file"));
                let chunk =
                    through_the_codec(Protocol::BlobSidecarsByRange, &config, &read_bytes(&path));
                let decoded =
                    decode_blob_sidecar(&config, chunk.context.unwrap(), &chunk.ssz).unwrap();
                assert_eq!(
                    decoded.sidecar().tree_hash_root(),
                    root(str_field(sidecar, "hash_tree_root"))
                );
                assert_eq!(decoded.block_root(), block.root());
                sidecars += 1;
            }
            for column in slot["columns"].as_array().into_iter().flatten() {
                let path = format!("pyspec/{}/{}", fork.name(), str_field(column, "file"));
                let chunk = through_the_codec(
                    Protocol::DataColumnSidecarsByRange,
                    &config,
                    &read_bytes(&path),
                );
                let decoded = chunk.decode_data_column_sidecar(&config).unwrap();
                assert_eq!(
                    decoded.tree_hash_root(),
                    root(str_field(column, "hash_tree_root"))
                );
                assert_eq!(decoded.index, u64_field(column, "index"));
                columns += 1;
            }
        }
    }
    assert_eq!((blocks, sidecars, columns), (48, 36, 182));
}

#[test]
fn sidecars_of_the_wrong_kind_for_their_fork_are_rejected() {
    // A Fulu chain serves columns, not blob sidecars: relabel an Electra sidecar's bytes
    // with the Fulu chain's digest.
    let (fulu, _) = pyspec_chain(Fork::Fulu);
    let electra_sidecar = read_bytes("pyspec/electra/sidecars/11_0.ssz");
    let error =
        decode_blob_sidecar(&fulu, fulu.fork_digest_at_epoch(0), &electra_sidecar).unwrap_err();
    assert_eq!(
        error,
        CodecError::SidecarForkMismatch {
            what: "blob sidecar",
            fork: Fork::Fulu,
            slot: 11
        }
    );
}
