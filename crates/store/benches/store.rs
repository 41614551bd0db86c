//! Store throughput on realistic data: committing a 64-block segment with 6 blob
//! sidecars per block (one durable transaction, about 51 MB), serving it back by range,
//! and opening a store of 256 such blocks with and without the integrity check.
//!
//! Run with `cargo bench -p beacon-sync-store --bench store -- --warm-up-time 1 --measurement-time 5`.
//! The database lives in a temporary folder (the file system of `$TMPDIR`).

#![allow(
    clippy::unwrap_used,
    reason = "benchmark setup: a failure ends the run"
)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use store::{Store, StoreConfig};
use support::{Chain, fresh_store, head_after, segment_bytes, synthetic_segment};

const BLOCKS: u64 = 64;
const BLOBS: u64 = 6;

fn commit(c: &mut Criterion) {
    let chain = Chain::electra();
    let segment = synthetic_segment(&chain, (chain.genesis.root(), 0), BLOCKS, BLOBS);
    let mut group = c.benchmark_group("store_commit");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(segment_bytes(&segment) as u64));
    group.bench_function("segment_64_blocks_6_blobs", |b| {
        b.iter_batched(
            || {
                let (dir, store) = fresh_store(&chain.config);
                store.init_anchor(&chain.genesis, &[]).unwrap();
                (dir, store)
            },
            |(dir, store)| {
                store
                    .commit_segment(black_box(&segment), head_after(&segment))
                    .unwrap();
                (dir, store)
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

fn serve(c: &mut Criterion) {
    let chain = Chain::electra();
    let segment = synthetic_segment(&chain, (chain.genesis.root(), 0), BLOCKS, BLOBS);
    let (_dir, store) = fresh_store(&chain.config);
    store.init_anchor(&chain.genesis, &[]).unwrap();
    store
        .commit_segment(&segment, head_after(&segment))
        .unwrap();
    let mut group = c.benchmark_group("store_serve");
    group.throughput(Throughput::Bytes(segment_bytes(&segment) as u64));
    group.bench_function("blocks_and_sidecars_ssz_by_range_64", |b| {
        b.iter(|| {
            let blocks = store.blocks_ssz_by_range(1, black_box(BLOCKS)).unwrap();
            let sidecars = store
                .blob_sidecars_ssz_by_range(1, black_box(BLOCKS))
                .unwrap();
            assert_eq!((blocks.len(), sidecars.len()), (64, 384));
        });
    });
    group.finish();
}

fn open(c: &mut Criterion) {
    let chain = Chain::electra();
    let (dir, store) = fresh_store(&chain.config);
    store.init_anchor(&chain.genesis, &[]).unwrap();
    let mut parent = (chain.genesis.root(), 0);
    let mut data = 0;
    for _ in 0..4 {
        let segment = synthetic_segment(&chain, parent, BLOCKS, BLOBS);
        data += segment_bytes(&segment);
        store
            .commit_segment(&segment, head_after(&segment))
            .unwrap();
        let head = store.head().unwrap().unwrap();
        parent = (head.root, head.slot);
    }
    let path = store.path().to_path_buf();
    drop(store);
    let size = std::fs::metadata(&path).unwrap().len();
    eprintln!("store_open: a {size}-byte file holds {data} bytes of SSZ");
    let mut group = c.benchmark_group("store_open");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(size));
    for check in [false, true] {
        let name = if check {
            "256_blocks_checked"
        } else {
            "256_blocks_unchecked"
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                let config = StoreConfig {
                    check_integrity_on_open: check,
                    ..StoreConfig::default()
                };
                Store::open_with(&path, &chain.config, config).unwrap()
            });
        });
    }
    group.finish();
    drop(dir);
}

criterion_group!(benches, commit, serve, open);
criterion_main!(benches);
