//! KZG verification throughput: blob proofs in batches of 1, 6 and 9 against 6 single checks,
//! the cell proofs of one data column of a 6-blob block, and a range sync segment's cells
//! (32 blocks of 6 blobs, 8 sampled columns: 1,536 cells) three ways: our verifier's one
//! call split over the cores, c-kzg's single call on one thread, and one call per column
//! of each block. On the pyspec Deneb blobs.
//!
//! Run with `cargo bench -p beacon-sync-consensus --bench kzg -- --warm-up-time 1 --measurement-time 5`.

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

/// Blocks of a segment, and sampled columns, for [`segment_cells`].
const SEGMENT_BLOCKS: usize = 32;
const SAMPLED: [u64; 8] = [2, 19, 40, 63, 64, 87, 101, 126];

fn segment_cells(c: &mut Criterion) {
    preload_trusted_setup();
    let items = items();
    let extended: Vec<_> = items[..6]
        .iter()
        .map(|item| compute_cells_and_proofs(&item.blob).expect("canonical"))
        .collect();
    // Block by block, column by column, a cell per blob: as verify_columns gathers them.
    let (mut commitments, mut indices, mut cells, mut proofs) =
        (Vec::new(), Vec::new(), Vec::<Cell>::new(), Vec::new());
    for _ in 0..SEGMENT_BLOCKS {
        for column in SAMPLED {
            let at = usize::try_from(column).expect("small");
            for (item, (blob_cells, blob_proofs)) in items[..6].iter().zip(&extended) {
                commitments.push(item.commitment);
                indices.push(column);
                cells.push(blob_cells[at]);
                proofs.push(blob_proofs[at]);
            }
        }
    }
    let cell_refs: Vec<&Cell> = cells.iter().collect();
    let n = cells.len();
    let mut group = c.benchmark_group("kzg_segment_cells");
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function(BenchmarkId::new("ours_one_call_per_core", n), |b| {
        b.iter(|| {
            verify_cell_proofs(black_box(&commitments), &indices, &cell_refs, &proofs)
                .expect("valid proofs");
        });
    });
    let ckzg = c_kzg::ethereum_kzg_settings(0);
    let ckzg_cells: Vec<c_kzg::Cell> = cells.iter().map(|cell| c_kzg::Cell::new(cell.0)).collect();
    let bytes48 = |b: &consensus::primitives::FixedBytes<48>| c_kzg::Bytes48::new(b.0);
    let ckzg_commitments: Vec<c_kzg::Bytes48> = commitments.iter().map(bytes48).collect();
    let ckzg_proofs: Vec<c_kzg::Bytes48> = proofs.iter().map(bytes48).collect();
    group.bench_function(BenchmarkId::new("ckzg_single_call", n), |b| {
        b.iter(|| {
            let ok = ckzg
                .verify_cell_kzg_proof_batch(
                    black_box(&ckzg_commitments),
                    &indices,
                    &ckzg_cells,
                    &ckzg_proofs,
                )
                .expect("no library error");
            assert!(ok);
        });
    });
    group.bench_function(BenchmarkId::new("one_call_per_column_of_a_block", n), |b| {
        b.iter(|| {
            for start in (0..n).step_by(6) {
                let part = start..start + 6;
                verify_cell_proofs(
                    black_box(&commitments[part.clone()]),
                    &indices[part.clone()],
                    &cell_refs[part.clone()],
                    &proofs[part],
                )
                .expect("valid proofs");
            }
        });
    });
    group.finish();
}

criterion_group!(benches, blob_proofs, cell_proofs, segment_cells);
criterion_main!(benches);
