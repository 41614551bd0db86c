//! The store's metrics, registered into a prometheus registry, count what commits wrote
//! and follow the anchors.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failure is a test failure"
)]

mod support;

use consensus::verify::BlockAndSidecars;
use prometheus_client::encoding::text::encode;
use prometheus_client::registry::Registry;
use store::StoreMetrics;
use support::{Chain, descending, fresh_store, head_after, parent_after, segment_bytes};

#[track_caller]
fn encoded(registry: &Registry) -> String {
    let mut text = String::new();
    encode(&mut text, registry).unwrap();
    text
}

/// The value of the sample `name` (with its labels) in `text`.
#[track_caller]
fn sample(text: &str, name: &str) -> f64 {
    let line = text
        .lines()
        .find(|line| line.split_once(' ').is_some_and(|(n, _)| n == name))
        .unwrap_or_else(|| panic!("no sample {name} in:\n{text}"));
    line.rsplit_once(' ').unwrap().1.parse().unwrap()
}

#[test]
fn commits_count_blocks_sidecars_bytes_and_latency_and_set_the_anchor_gauges() {
    let chain = Chain::electra();
    let (_dir, store) = fresh_store(&chain.config);
    let mut registry = Registry::default();
    let store = store.with_metrics(StoreMetrics::register(&mut registry));
    let text = encoded(&registry);
    assert_eq!(
        sample(&text, "beacon_sync_store_committed_blocks_total"),
        0.0
    );
    assert!(!text.contains("anchor_slot{"), "no anchors yet:\n{text}");

    // A checkpoint at slot 10 (with its sidecars), forward to 20, back to 4.
    let checkpoint = chain.at(10).clone();
    let above = chain.in_slots(11..21);
    let below = descending(&chain.in_slots(4..10));
    store
        .init_anchor(&checkpoint.block, checkpoint.sidecars.as_ref().unwrap())
        .unwrap();
    store.commit_segment(&above, head_after(&above)).unwrap();
    store.commit_segment(&below, parent_after(&below)).unwrap();
    // Writing nothing records nothing.
    store
        .init_anchor(&checkpoint.block, checkpoint.sidecars.as_ref().unwrap())
        .unwrap();
    let anchors = store.anchors().unwrap().unwrap();
    store.commit_segment(&[], anchors.forward()).unwrap();

    let all: Vec<BlockAndSidecars> = [vec![checkpoint], above, below].concat();
    let sidecars: usize = all.iter().map(|b| b.sidecars.as_ref().unwrap().len()).sum();
    let text = encoded(&registry);
    let count = |n: usize| n as f64;
    assert_eq!(sample(&text, "beacon_sync_store_commit_seconds_count"), 3.0);
    assert!(sample(&text, "beacon_sync_store_commit_seconds_sum") > 0.0);
    assert_eq!(
        sample(&text, "beacon_sync_store_committed_blocks_total"),
        count(all.len())
    );
    assert_eq!(
        sample(&text, "beacon_sync_store_committed_sidecars_total"),
        count(sidecars)
    );
    assert_eq!(
        sample(&text, "beacon_sync_store_committed_columns_total"),
        0.0
    );
    assert_eq!(
        sample(&text, "beacon_sync_store_written_bytes_total"),
        count(segment_bytes(&all))
    );
    for (anchor, slot) in [
        ("head", 20.0),
        ("backfill", 4.0),
        ("earliest_available", 4.0),
        ("trusted", 10.0),
    ] {
        let name = format!("beacon_sync_store_anchor_slot{{anchor=\"{anchor}\"}}");
        assert_eq!(sample(&text, &name), slot, "{anchor}");
    }
    assert!(
        text.contains("# TYPE beacon_sync_store_commit_seconds histogram"),
        "{text}"
    );
    assert!(
        text.contains("# UNIT beacon_sync_store_commit_seconds seconds"),
        "{text}"
    );

    // A restarted node's metrics show the stored anchors before its first commit.
    let path = store.path().to_path_buf();
    drop(store);
    let mut registry = Registry::default();
    let reopened = store::Store::open(&path, &chain.config)
        .unwrap()
        .with_metrics(StoreMetrics::register(&mut registry));
    let text = encoded(&registry);
    assert_eq!(
        sample(&text, "beacon_sync_store_anchor_slot{anchor=\"head\"}"),
        20.0
    );
    assert_eq!(
        sample(&text, "beacon_sync_store_committed_blocks_total"),
        0.0
    );
    drop(reopened);
}

#[test]
fn unregistered_metrics_are_harmless() {
    let chain = Chain::electra();
    let (_dir, store) = fresh_store(&chain.config);
    let store = store.with_metrics(StoreMetrics::default());
    store.init_anchor(&chain.genesis, &[]).unwrap();
    let segment = &chain.blocks[..3];
    store.commit_segment(segment, head_after(segment)).unwrap();
    assert_eq!(store.head().unwrap().unwrap().slot, 4);
}

#[test]
fn fulu_commits_count_their_columns_and_column_bytes() {
    let chain = Chain::fulu();
    let (_dir, store) = fresh_store(&chain.config);
    let mut registry = Registry::default();
    let store = store.with_metrics(StoreMetrics::register(&mut registry));
    store.init_anchor(&chain.genesis, &[]).unwrap();
    store
        .commit_segment(&chain.blocks, head_after(&chain.blocks))
        .unwrap();
    let text = encoded(&registry);
    assert_eq!(
        sample(&text, "beacon_sync_store_committed_columns_total"),
        f64::from(9 * 6 + 128)
    );
    assert_eq!(
        sample(&text, "beacon_sync_store_committed_sidecars_total"),
        0.0
    );
    let genesis = chain.genesis.signed().ssz_len();
    assert_eq!(
        sample(&text, "beacon_sync_store_written_bytes_total"),
        (genesis + segment_bytes(&chain.blocks)) as f64
    );
}
