//! BLS verification throughput: one signature at a time versus random-scalar batches of
//! 1, 8, 64 and 256 signatures on one thread and on all cores, plus interop key generation.
//!
//! `Throughput::Elements` makes criterion print signatures (or keys) per second.
//! Run: `cargo bench -p beacon-sync-consensus --bench bls -- --warm-up-time 1 --measurement-time 5`.

use std::hint::black_box;
use std::num::NonZeroUsize;

use consensus::bls::{PublicKey, SignatureSet, verify_signature_sets_with_threads, verify_single};
use consensus::keys::{InteropKeys, interop_public_key};
use consensus::primitives::{Hash256, SignatureBytes};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const BATCH_SIZES: [usize; 4] = [1, 8, 64, 256];
const KEYS_TO_GENERATE: u64 = 1024;

/// Distinct validators signing distinct roots, as in a range of blocks.
struct Signed {
    pubkey: PublicKey,
    signing_root: Hash256,
    signature: SignatureBytes,
}

fn signed_roots(count: u64) -> Vec<Signed> {
    let keys = InteropKeys::generate(count);
    (0..count)
        .map(|index| {
            let signing_root = Hash256::left_padding_from(&index.to_be_bytes());
            Signed {
                pubkey: *keys.public_key(index).expect("generated"),
                signing_root,
                signature: keys.sign(index, signing_root).expect("generated"),
            }
        })
        .collect()
}

fn bench_verification(c: &mut Criterion) {
    let largest = BATCH_SIZES.iter().copied().max().unwrap_or(1);
    let signed = signed_roots(u64::try_from(largest).expect("small"));
    let sets: Vec<SignatureSet<'_>> = signed
        .iter()
        .map(|s| SignatureSet {
            pubkey: &s.pubkey,
            signing_root: s.signing_root,
            signature: &s.signature,
        })
        .collect();
    let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);

    let mut single = c.benchmark_group("bls_verify_single");
    single.throughput(Throughput::Elements(1));
    single.bench_function("one_signature", |b| {
        let first = &signed[0];
        b.iter(|| {
            verify_single(
                &first.pubkey,
                black_box(first.signing_root),
                &first.signature,
            )
        });
    });
    single.finish();

    for (label, threads) in [("1_thread", 1), ("all_threads", cores)] {
        let mut group = c.benchmark_group(format!("bls_verify_batch_{label}"));
        for size in BATCH_SIZES {
            group.throughput(Throughput::Elements(u64::try_from(size).expect("small")));
            group.bench_with_input(
                BenchmarkId::from_parameter(size),
                &sets[..size],
                |b, batch| {
                    b.iter(|| verify_signature_sets_with_threads(black_box(batch), threads));
                },
            );
        }
        group.finish();
    }
}

fn bench_key_generation(c: &mut Criterion) {
    let mut group = c.benchmark_group("interop_keys");
    group.sample_size(10);
    group.throughput(Throughput::Elements(KEYS_TO_GENERATE));
    group.bench_function("generate_1024_all_cores", |b| {
        b.iter(|| InteropKeys::generate(black_box(KEYS_TO_GENERATE)));
    });
    group.bench_function("generate_1024_sequential", |b| {
        b.iter(|| {
            (0..black_box(KEYS_TO_GENERATE))
                .map(interop_public_key)
                .count()
        });
    });
    group.finish();
}

criterion_group!(benches, bench_verification, bench_key_generation);
criterion_main!(benches);
