//! KZG verification throughput: blob proofs in batches of 1, 6 and 9 against 6 single checks,
//! and the cell proofs of one data column of a 6-blob block, on the pyspec Deneb blobs.
//!
//! Run with `cargo bench -p consensus --bench kzg -- --warm-up-time 1 --measurement-time 5`.

use std::hint::black_box;

use consensus::kzg::{
    blob_to_commitment, compute_blob_proof, compute_cells_and_proofs, preload_trusted_setup,
    verify_blob_proofs, verify_cell_proofs,
};
use consensus::primitives::{Blob, Cell, KzgCommitment, KzgProof};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const SIDECARS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/vectors/pyspec/deneb/sidecars"
);
/// The first 9 sidecars of the Deneb chain, as `<slot>_<index>`.
const NAMES: [&str; 9] = [
    "1_0", "4_0", "4_1", "5_0", "5_1", "5_2", "9_0", "11_0", "11_1",
];
/// A data column a node would sample (one of the example node's custody columns).
const COLUMN: u64 = 35;

struct Item {
    blob: Blob,
    commitment: KzgCommitment,
    proof: KzgProof,
}

/// Reads the blobs from the sidecar files and computes their commitments and proofs.
fn items() -> Vec<Item> {
    NAMES
        .iter()
        .map(|name| {
            let bytes = std::fs::read(format!("{SIDECARS}/{name}.ssz")).expect("sidecar file");
            let blob = Blob::new(bytes[8..8 + 131_072].to_vec()).expect("blob length");
            let commitment = blob_to_commitment(&blob).expect("canonical blob");
            let proof = compute_blob_proof(&blob, &commitment).expect("canonical blob");
            Item {
                blob,
                commitment,
                proof,
            }
        })
        .collect()
}

fn verify_batch(items: &[Item]) {
    let blobs: Vec<&Blob> = items.iter().map(|i| &i.blob).collect();
    let commitments: Vec<KzgCommitment> = items.iter().map(|i| i.commitment).collect();
    let proofs: Vec<KzgProof> = items.iter().map(|i| i.proof).collect();
    verify_blob_proofs(&blobs, &commitments, &proofs).expect("valid proofs");
}

fn blob_proofs(c: &mut Criterion) {
    preload_trusted_setup();
    let items = items();
    let mut group = c.benchmark_group("kzg_blob_proofs");
    for n in [1, 6, 9] {
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("batch", n), &items[..n], |b, batch| {
            b.iter(|| verify_batch(black_box(batch)));
        });
    }
    group.throughput(Throughput::Elements(6));
    group.bench_with_input(
        BenchmarkId::new("one_by_one", 6),
        &items[..6],
        |b, batch| {
            b.iter(|| {
                for item in black_box(batch) {
                    verify_batch(std::slice::from_ref(item));
                }
            });
        },
    );
    group.finish();
}

fn cell_proofs(c: &mut Criterion) {
    preload_trusted_setup();
    let items = items();
    let column = usize::try_from(COLUMN).expect("small");
    let mut commitments = Vec::new();
    let mut cells: Vec<Cell> = Vec::new();
    let mut proofs = Vec::new();
    for item in &items[..6] {
        let (blob_cells, blob_proofs) = compute_cells_and_proofs(&item.blob).expect("canonical");
        commitments.push(item.commitment);
        cells.push(blob_cells[column]);
        proofs.push(blob_proofs[column]);
    }
    let cell_refs: Vec<&Cell> = cells.iter().collect();
    let indices = vec![COLUMN; cells.len()];
    let mut group = c.benchmark_group("kzg_cell_proofs");
    group.throughput(Throughput::Elements(6));
    group.bench_function("one_column_of_6_cells", |b| {
        b.iter(|| {
            verify_cell_proofs(
                black_box(&commitments),
                &indices,
                black_box(&cell_refs),
                &proofs,
            )
            .expect("valid proofs");
        });
    });
    group.finish();
}

criterion_group!(benches, blob_proofs, cell_proofs);
criterion_main!(benches);
