//! SSZ decoding plus `hash_tree_root` of real blocks and sidecars.
//!
//! `cargo bench -p beacon-sync-consensus --bench ssz`

use std::hint::black_box;

use consensus::{Block, Fork, Sidecar, SignedBeaconBlock};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn vector(path: &str) -> Vec<u8> {
    let full = format!(
        "{}/../../../shared/vectors/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// A Deneb block of the reference chain with `blobs` commitments (the commitments are
/// copies, which does not change the cost of decoding and hashing).
fn deneb_block_with(blobs: usize) -> Vec<u8> {
    let bytes = vector("pyspec/deneb/blocks/5.ssz");
    let SignedBeaconBlock::Deneb(mut block) =
        SignedBeaconBlock::from_ssz_bytes(&bytes, Fork::Deneb).expect("a deneb block")
    else {
        unreachable!("decoded as deneb")
    };
    let commitments = &mut block.message.body.blob_kzg_commitments;
    let first = commitments.first().copied().unwrap_or_default();
    *commitments = vec![first; blobs]
        .try_into()
        .expect("within the list bound");
    SignedBeaconBlock::Deneb(block).as_ssz_bytes()
}

fn bench_blocks(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode_and_root");
    for blobs in [0, 6] {
        let bytes = deneb_block_with(blobs);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(
            format!("deneb_block_{blobs}_blobs_{}_bytes", bytes.len()),
            |b| {
                b.iter(|| Block::from_ssz_bytes(black_box(&bytes), Fork::Deneb).expect("decodes"));
            },
        );
    }
    let sidecar = vector("pyspec/deneb/sidecars/5_0.ssz");
    group.throughput(Throughput::Bytes(sidecar.len() as u64));
    group.bench_function("blob_sidecar", |b| {
        b.iter(|| Sidecar::from_ssz_bytes(black_box(&sidecar)).expect("decodes"));
    });
    group.finish();
}

criterion_group!(benches, bench_blocks);
criterion_main!(benches);
