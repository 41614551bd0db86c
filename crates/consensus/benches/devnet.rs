//! Devnet generation and the verification throughput of the generated chain.
//!
//! - `devnet_generate/default_4096_slots`: [`Devnet::generate`] with the default parameters
//!   (Electra, 64 validators, 4096 slots, 10 % empty, up to 9 blobs from a pool of 8). The
//!   KZG trusted setup is loaded before measuring.
//! - `devnet_verify/first_512_slots`: a [`ChainVerifier`] from genesis over the default
//!   devnet's first 512 slots, in 64-slot segments (proposer signatures batched per segment,
//!   blob KZG proofs batched per segment). Throughput is in blocks; the blob count is
//!   printed, so blobs/s = blocks/s × blobs / blocks.
//!
//! Run with `cargo bench -p beacon-sync-consensus --bench devnet -- --warm-up-time 1`.

use std::hint::black_box;
use std::time::Duration;

use consensus::ChainVerifier;
use consensus::devnet::{Devnet, DevnetParams};
use consensus::kzg::preload_trusted_setup;
use consensus::verify::BlockAndSidecars;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sync_types::BlockOutcome;

/// Slots per verified segment.
const SEGMENT_SLOTS: u64 = 64;
/// Slots verified per iteration.
const VERIFIED_SLOTS: u64 = 512;

fn generate(c: &mut Criterion) {
    preload_trusted_setup();
    let mut group = c.benchmark_group("devnet_generate");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(40));
    group.bench_function("default_4096_slots", |b| {
        b.iter(|| Devnet::generate(black_box(DevnetParams::default())).expect("a devnet"));
    });
    group.finish();
}

fn verify(c: &mut Criterion) {
    preload_trusted_setup();
    let devnet = Devnet::generate(DevnetParams::default()).expect("a devnet");
    let segments: Vec<Vec<BlockAndSidecars>> = (0..VERIFIED_SLOTS / SEGMENT_SLOTS)
        .map(|i| devnet.segment(1 + i * SEGMENT_SLOTS..1 + (i + 1) * SEGMENT_SLOTS))
        .collect();
    let blocks: usize = segments.iter().map(Vec::len).sum();
    let blobs: usize = segments
        .iter()
        .flatten()
        .map(|d| d.sidecars.iter().flatten().count())
        .sum();
    eprintln!("devnet_verify: {blocks} blocks and {blobs} blobs per iteration");

    let mut group = c.benchmark_group("devnet_verify");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(blocks as u64));
    group.bench_function("first_512_slots", |b| {
        b.iter(|| {
            let verifier = ChainVerifier::new(
                devnet.config().clone(),
                devnet.proposers(),
                devnet.genesis_anchor(),
                (),
            );
            for segment in &segments {
                let report = verifier.verify_blocking(segment).expect("no fault");
                assert!(report.outcomes.iter().all(|o| *o == BlockOutcome::Ok));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, generate, verify);
criterion_main!(benches);
