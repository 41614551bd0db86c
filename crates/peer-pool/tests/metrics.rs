//! The pool's Prometheus metrics, read back through the text encoding the binary serves.

use peer_pool::{Lifetime, PeerFilter, PeerPool, PeerType, PoolConfig, PoolMetrics};
use prometheus_client::{encoding::text::encode, registry::Registry};
use sync_types::{ScoredPeer, test_utils::TestPeer};

fn pool_with_metrics() -> (PeerPool<TestPeer>, Registry) {
    let mut registry = Registry::default();
    let pool = PeerPool::new(PoolConfig::default())
        .expect("default config is valid")
        .with_metrics(PoolMetrics::register(&mut registry));
    (pool, registry)
}

/// The value of the sample `name{labels}` in the encoded registry.
#[track_caller]
fn sample(registry: &Registry, series: &str) -> i64 {
    let mut text = String::new();
    encode(&mut text, registry).expect("the registry encodes");
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no sample {series} in:\n{text}"))
}

#[track_caller]
fn expect_peers(registry: &Registry, inbound: i64, outbound: i64, acquired: i64) {
    assert_eq!(
        (
            sample(registry, r#"beacon_sync_pool_peers{direction="inbound"}"#),
            sample(registry, r#"beacon_sync_pool_peers{direction="outbound"}"#),
            sample(registry, "beacon_sync_pool_acquired_peers"),
        ),
        (inbound, outbound, acquired),
        "(inbound, outbound, acquired)"
    );
}

#[track_caller]
fn removed(registry: &Registry, reason: &str) -> i64 {
    sample(
        registry,
        &format!(r#"beacon_sync_pool_removed_peers_total{{reason="{reason}"}}"#),
    )
}

#[test]
fn gauges_follow_peers_joining_being_acquired_and_released() {
    let (pool, registry) = pool_with_metrics();
    expect_peers(&registry, 0, 0, 0);

    for (key, kind) in [
        (1, PeerType::Outgoing),
        (2, PeerType::Incoming),
        (3, PeerType::Incoming),
    ] {
        pool.add_peer_no_wait(TestPeer::new(key), kind, Lifetime::forever())
            .expect("admitted");
    }
    expect_peers(&registry, 2, 1, 0);

    let first = pool.acquire_no_wait(PeerFilter::ANY).expect("a peer");
    let second = pool.acquire_no_wait(PeerFilter::ANY).expect("a peer");
    expect_peers(&registry, 2, 1, 2);

    first.release();
    expect_peers(&registry, 2, 1, 1);
    drop(second); // dropping a handle releases too
    expect_peers(&registry, 2, 1, 0);
}

#[test]
fn removals_are_counted_by_reason() {
    let (pool, registry) = pool_with_metrics();
    let (lifetime, connection) = Lifetime::new();
    pool.add_peer_no_wait(TestPeer::new(1), PeerType::Outgoing, lifetime)
        .expect("admitted");
    for key in 2..=4 {
        pool.add_peer_no_wait(TestPeer::new(key), PeerType::Incoming, Lifetime::forever())
            .expect("admitted");
    }

    drop(connection);
    assert_eq!(removed(&registry, "disconnected"), 1);
    expect_peers(&registry, 3, 0, 0);

    assert!(pool.delete_peer(&2, false));
    assert_eq!(removed(&registry, "deleted"), 1);

    let peer = pool.acquire_no_wait(PeerFilter::ANY).expect("a peer");
    peer.update_score(-1_000);
    peer.release();
    assert_eq!(removed(&registry, "low_score"), 1);
    expect_peers(&registry, 1, 0, 0);

    pool.clear();
    assert_eq!(removed(&registry, "cleared"), 1);
    expect_peers(&registry, 0, 0, 0);
}

#[test]
fn a_peer_deleted_while_acquired_counts_once_when_released() {
    let (pool, registry) = pool_with_metrics();
    let (lifetime, connection) = Lifetime::new();
    pool.add_peer_no_wait(TestPeer::new(1), PeerType::Outgoing, lifetime)
        .expect("admitted");
    let peer = pool.acquire_no_wait(PeerFilter::ANY).expect("a peer");

    assert!(pool.delete_peer(&1, false));
    drop(connection); // the connection ends too while the worker holds the peer
    expect_peers(&registry, 0, 1, 1);

    peer.release();
    assert_eq!(removed(&registry, "deleted"), 1, "the first reason stands");
    expect_peers(&registry, 0, 0, 0);
    let mut text = String::new();
    encode(&mut text, &registry).expect("encodes");
    assert!(!text.contains(r#"reason="disconnected""#), "{text}");
}

#[test]
fn metrics_attached_late_start_from_the_current_counts() {
    let pool: PeerPool<TestPeer> = PeerPool::new(PoolConfig::default()).expect("valid");
    pool.add_peer_no_wait(TestPeer::new(1), PeerType::Incoming, Lifetime::forever())
        .expect("admitted");
    let held = pool.acquire_no_wait(PeerFilter::ANY).expect("a peer");

    let mut registry = Registry::default();
    let pool = pool.with_metrics(PoolMetrics::register(&mut registry));
    expect_peers(&registry, 1, 0, 1);
    drop(held);
    pool.add_peer_no_wait(TestPeer::new(2), PeerType::Outgoing, Lifetime::forever())
        .expect("admitted");
    expect_peers(&registry, 1, 1, 0);
}
