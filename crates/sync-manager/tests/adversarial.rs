//! Forward sync through a network of honest and adversarial peers.

mod common;

use std::{sync::Arc, time::Duration};

use common::{assert_not_penalised, config, forward, honest_peers, test_chain};
use sync_types::{
    ScoredPeer,
    test_utils::{MockPeer, adversaries},
};

/// Kinds that are limited, not lying: a rate limit and pruned history are not faults.
const NOT_FAULTS: [&str; 2] = ["rate-limits", "pruned"];

/// Kinds that fail requests without lying: each failure costs -100 (Nimbus's "no
/// values"), so they leave after a few; how many they get depends on how often they
/// are asked.
const FAILING: [&str; 3] = ["disconnects", "timeouts", "stalls"];

#[tokio::test(start_paused = true)]
async fn forward_sync_through_every_adversary_imports_each_block_once_in_order() {
    let chain = test_chain(10_000, 7);
    let honest = honest_peers(&chain, 8);
    let bad = adversaries(Arc::clone(&chain), 100);
    let mut peers: Vec<MockPeer> = honest.clone();
    peers.extend(bad.iter().map(|(_, p)| p.clone()));
    let net = forward(Arc::clone(&chain), &peers, config().with_exit_when_synced());
    net.join_within(Duration::from_secs(24 * 3600)).await;

    assert_eq!(
        net.verifier.inner().imported(),
        net.block_slots(1, 10_000),
        "each block once, in order"
    );
    for (name, peer) in &bad {
        if NOT_FAULTS.contains(name) {
            // Their replies cost nothing; only Nimbus's stale-status rule (-50 when a
            // refreshed head has not moved, and this chain does not grow) may apply.
            assert!(peer.score() >= 0, "{name} ended at {}", peer.score());
            assert!(net.pool.contains(&peer.key()), "{name} was removed");
            continue;
        }
        if FAILING.contains(name) {
            let failures = i64::try_from(peer.requests().len()).expect("small");
            assert!(failures > 0, "{name} was never asked");
            assert_eq!(peer.penalties(), 100 * failures, "{name}: -100 per failure");
            continue;
        }
        assert!(peer.score() < 0, "{name} ended at {}", peer.score());
        assert!(
            !net.pool.contains(&peer.key()),
            "{name} is still in the pool"
        );
    }
    for p in &honest {
        assert_not_penalised("honest", p);
    }
    // Every accepted response's sidecars: the blocks above genesis (the first range
    // starts just above the head, so genesis is not downloaded again).
    let blobs: u64 = chain.blocks().iter().skip(1).map(|b| b.blobs).sum();
    assert_eq!(
        net.counter("beacon_sync_range_sidecars_verified_total"),
        blobs
    );
    let blocks = chain.blocks().len() as u64 - 1;
    assert_eq!(
        net.counter("beacon_sync_range_blocks_verified_total"),
        blocks
    );
}
