//! ssz_snappy codec throughput: encoding and decoding one response chunk of a blob
//! sidecar (131,928 bytes of real, poorly compressible field elements from the pyspec
//! Electra chain) and of an Electra block, with and without the typed decoding on top.
//! Throughput is counted in uncompressed SSZ bytes.
//!
//! Run with `cargo bench -p beacon-sync-net --bench codec -- --warm-up-time 1 --measurement-time 5`.

use std::hint::black_box;

use bytes::BytesMut;
use consensus::Fork;
use consensus::config::ChainConfig;
use consensus::primitives::Hash256;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use net::codec::{Protocol, ResponseChunk, ResponseDecoder, encode_success_chunk};

const PYSPEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/vectors/pyspec/electra"
);

fn read(relative: &str) -> Vec<u8> {
    std::fs::read(format!("{PYSPEC}/{relative}")).expect("pyspec vector present")
}

/// The pyspec Electra chain's config (genesis validators root from its config.json).
fn electra_config() -> ChainConfig {
    let gvr: Hash256 = "0x83431ec7fcf92cfc44947fc0418e831c25e1d0806590231c439830db7ad54fda"
        .parse()
        .expect("valid root");
    ChainConfig::devnet(Fork::Electra, 1_700_000_000, gvr)
}

fn encode(protocol: Protocol, config: &ChainConfig, ssz: &[u8]) -> Vec<u8> {
    let mut wire = Vec::new();
    encode_success_chunk(
        protocol,
        Some(config.fork_digest_at_epoch(0)),
        ssz,
        &mut wire,
    )
    .expect("valid chunk");
    wire
}

/// Decodes the one chunk of `wire` as a fresh stream would: a new decoder, the bytes in a
/// `BytesMut` as a network read would leave them.
fn decode(protocol: Protocol, wire: &[u8]) -> ResponseChunk {
    let mut decoder = ResponseDecoder::new(protocol);
    let mut buf = BytesMut::from(wire);
    decoder
        .decode(&mut buf)
        .expect("valid chunk")
        .expect("complete chunk")
}

fn bench_chunk(c: &mut Criterion, name: &str, protocol: Protocol, ssz: &[u8]) {
    let config = electra_config();
    let wire = encode(protocol, &config, ssz);
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(ssz.len() as u64));
    group.bench_function("encode", |b| {
        b.iter(|| encode(protocol, &config, black_box(ssz)));
    });
    group.bench_function("decode", |b| b.iter(|| decode(protocol, black_box(&wire))));
    group.bench_function("decode_typed", |b| {
        b.iter(|| match decode(protocol, black_box(&wire)) {
            ResponseChunk::Success(chunk) if protocol == Protocol::BlocksByRangeV2 => chunk
                .decode_block(&config)
                .map(|(_, block)| block.root())
                .expect("block"),
            ResponseChunk::Success(chunk) => chunk
                .decode_blob_sidecar(&config)
                .map(|s| s.block_root())
                .expect("sidecar"),
            ResponseChunk::Error(error) => panic!("error chunk {error:?}"),
        });
    });
    group.finish();
}

fn codec(c: &mut Criterion) {
    bench_chunk(
        c,
        "blob_sidecar_chunk",
        Protocol::BlobSidecarsByRange,
        &read("sidecars/11_0.ssz"),
    );
    bench_chunk(
        c,
        "electra_block_chunk",
        Protocol::BlocksByRangeV2,
        &read("blocks/5.ssz"),
    );
}

criterion_group!(benches, codec);
criterion_main!(benches);
