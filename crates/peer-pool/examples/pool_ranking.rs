//! A tour of the pool: admission limits, ranked acquire, penalties and removal.
//!
//! `cargo run -p beacon-sync-peer-pool --example pool_ranking`

use peer_pool::{AddError, Lifetime, PeerFilter, PeerPool, PeerType, PoolConfig};
use sync_types::{ScoredPeer, test_utils::TestPeer};

fn main() {
    let config = PoolConfig::default()
        .with_max_peers(4)
        .with_max_incoming(2)
        .with_max_outgoing(2);
    let pool = match PeerPool::<TestPeer>::new(config) {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    pool.on_delete(|p| println!("  removed peer {} (score {})", p.key(), p.score()));
    let kinds = [
        PeerType::Outgoing,
        PeerType::Outgoing,
        PeerType::Incoming,
        PeerType::Incoming,
        PeerType::Incoming,
    ];
    for (key, kind) in (1..).zip(kinds) {
        let outcome = pool.add_peer_no_wait(TestPeer::new(key), kind, Lifetime::forever());
        println!(
            "add peer {key} ({kind:?}): {}",
            outcome.map_or_else(|e: AddError| e.to_string(), |()| "added".into())
        );
    }
    // Peer 3 did well, peer 2 sent a bad response.
    if let Some(p) = pool.get(&3) {
        p.update_score(200);
    }
    if let Some(p) = pool.get(&2) {
        p.update_score(-1000);
    }
    println!(
        "ranked: {:?}",
        pool.peers(PeerFilter::ANY)
            .iter()
            .map(|p| (p.key(), p.score()))
            .collect::<Vec<_>>()
    );
    let best = pool.acquire_no_wait(PeerFilter::ANY);
    println!(
        "acquired the best: {:?}",
        best.as_ref().map(peer_pool::PooledPeer::key)
    );
    drop(best); // handed back
    // A peer below zero leaves the pool when it is handed back.
    if let Some(p) = pool.get(&2) {
        println!(
            "acquiring peer 2 (score {}) and handing it back:",
            p.score()
        );
    }
    let all = pool
        .acquire_n_no_wait(pool.len(), PeerFilter::ANY)
        .unwrap_or_default();
    drop(all);
    println!("peers left: {} ({:?})", pool.len(), pool.counts());
}
