//! Spec A.3 listings, `clear` and callbacks, with D.18 fixed: listings walk the registry
//! by rank and never show removed peers; `clear` detaches lifetimes.

mod common;

use std::sync::{Arc, Mutex};

use common::{
    Incoming, Outgoing, Peer, Recorder, add, add_connected, counts, expect_consistent, finished,
    keys, pool, spawn_blocked, unlimited,
};
use peer_pool::{AddError, Lifetime, PeerFilter, PoolConfig};
use sync_types::ScoredPeer;

fn add_scored(pool: &common::Pool, key: u32, score: i64, kind: peer_pool::PeerType) {
    pool.add_peer_no_wait(Peer::scored(key, score), kind, Lifetime::forever())
        .expect("admitted");
}

#[test]
fn listings_are_by_rank_and_never_show_deleted_peers() {
    let pool = common::pool(PoolConfig::default().with_nimbus_ranking());
    for (key, score, kind) in [
        (1, 100, Incoming),
        (2, 800, Outgoing),
        (3, 400, Incoming),
        (4, 600, Outgoing),
        (5, 300, Incoming),
    ] {
        add_scored(&pool, key, score, kind);
    }
    assert!(pool.delete_peer(&4, false));
    assert!(pool.delete_peer(&1, false));
    assert_eq!(keys(&pool.peers(PeerFilter::ANY)), [2, 3, 5]);
    assert_eq!(keys(&pool.peers(PeerFilter::INCOMING)), [3, 5]);
    assert_eq!(keys(&pool.peers(PeerFilter::OUTGOING)), [2]);
    add_scored(&pool, 6, 500, Incoming);
    assert_eq!(keys(&pool.peers(PeerFilter::ANY)), [2, 6, 3, 5]);
}

#[test]
fn available_and_acquired_listings_split_the_pool() {
    let pool = unlimited();
    add_scored(&pool, 1, 100, Incoming);
    add_scored(&pool, 2, 900, Outgoing);
    add_scored(&pool, 3, 500, Incoming);
    let best = pool.acquire_no_wait(PeerFilter::ANY).expect("available");
    let next = pool.acquire_no_wait(PeerFilter::ANY).expect("available");
    assert_eq!(keys(&pool.acquired_peers(PeerFilter::ANY)), [2, 3]);
    assert_eq!(keys(&pool.available_peers(PeerFilter::ANY)), [1]);
    assert_eq!(keys(&pool.acquired_peers(PeerFilter::INCOMING)), [3]);
    assert_eq!(keys(&pool.peers(PeerFilter::ANY)), [2, 3, 1]);
    expect_consistent(&pool);
    drop((best, next));
}

#[test]
fn get_and_contains_see_every_registered_peer() {
    let pool = unlimited();
    let peer = add(&pool, 1, Incoming);
    let _held = pool.acquire_no_wait(PeerFilter::ANY).expect("available");
    assert!(pool.contains(&1));
    let got = pool.get(&1).expect("registered");
    got.update_score(5);
    assert_eq!(peer.score(), 305, "the same peer handle");
    assert!(pool.get(&2).is_none());
    assert!(!pool.contains(&2));
}

#[test]
fn clear_forgets_every_peer_without_delete_callbacks() {
    let pool = unlimited();
    let recorder = Recorder::attach(&pool);
    add(&pool, 1, Incoming);
    add(&pool, 2, Outgoing);
    let held = pool.acquire_no_wait(PeerFilter::ANY).expect("available");
    pool.clear();
    assert!(pool.is_empty());
    assert_eq!(pool.len_acquired(PeerFilter::ANY), 0);
    assert!(recorder.deleted().is_empty(), "clear is not a deletion");
    assert_eq!(
        recorder.last_counts(),
        Some(counts(0, 0)),
        "the metric is right"
    );
    held.release(); // releases to nothing
    assert!(pool.is_empty());
    expect_consistent(&pool);
}

#[test]
fn clear_detaches_lifetimes_so_no_stale_callback_fires() {
    // Seed bug D.18: `clear` left the lifetime callbacks attached.
    let pool = unlimited();
    let recorder = Recorder::attach(&pool);
    let (_, old_connection) = add_connected(&pool, 1, Incoming);
    pool.clear();
    let (_, _new_connection) = add_connected(&pool, 1, Incoming);
    old_connection.close();
    assert!(
        pool.contains(&1),
        "the old connection cannot remove the new peer"
    );
    assert!(recorder.deleted().is_empty());
}

#[test]
fn clearing_an_empty_pool_reports_nothing() {
    let pool = unlimited();
    let recorder = Recorder::attach(&pool);
    pool.clear();
    assert!(recorder.counts().is_empty());
}

#[tokio::test(start_paused = true)]
async fn clear_gives_the_freed_space_to_waiting_adders() {
    let pool = pool(PoolConfig::default().with_max_peers(1));
    add(&pool, 1, Incoming);
    let p = pool.clone();
    let waiter = spawn_blocked(async move {
        p.add_peer(Peer::new(2), Outgoing, Lifetime::forever())
            .await
    })
    .await;
    pool.clear();
    assert_eq!(finished(waiter).await, Ok(()));
    assert_eq!(keys(&pool.peers(PeerFilter::ANY)), [2]);
}

#[test]
fn on_count_change_receives_the_new_counts_on_every_join_and_leave() {
    let pool = unlimited();
    let recorder = Recorder::attach(&pool);
    add(&pool, 1, Incoming);
    add(&pool, 2, Outgoing);
    add(&pool, 3, Outgoing);
    let held = pool.acquire_no_wait(PeerFilter::ANY).expect("available");
    held.release(); // acquire and release change no count
    pool.delete_peer(&2, false);
    let _ = pool.add_peer_no_wait(Peer::new(1), Incoming, Lifetime::forever()); // refused
    assert_eq!(
        recorder.counts(),
        [counts(1, 0), counts(1, 1), counts(1, 2), counts(1, 1)]
    );
}

#[test]
fn a_new_callback_replaces_the_old_one() {
    let pool = unlimited();
    let first = Recorder::attach(&pool);
    let second = Recorder::attach(&pool);
    add(&pool, 1, Incoming);
    pool.delete_peer(&1, false);
    assert!(first.deleted().is_empty());
    assert_eq!(second.deleted(), [1]);
}

#[test]
fn callbacks_may_call_back_into_the_pool() {
    // The node's `onDeletePeer` disconnects the peer; that may close other lifetimes
    // and read the pool. Callbacks run outside the pool's lock, so this cannot deadlock.
    let pool = unlimited();
    let (_, other_connection) = add_connected(&pool, 2, Outgoing);
    add(&pool, 1, Incoming);
    let other = Arc::new(Mutex::new(Some(other_connection)));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (p, s) = (pool.clone(), Arc::clone(&seen));
    pool.on_delete(move |peer| {
        s.lock()
            .unwrap()
            .push((peer.key(), p.len(), p.contains(&peer.key())));
        if let Some(connection) = other.lock().expect("not poisoned").take() {
            connection.close();
        }
        let _ = p.add_peer_no_wait(Peer::new(9), Incoming, Lifetime::forever());
    });
    assert!(pool.delete_peer(&1, false));
    // Deleting 1 closed 2's connection from inside the callback; 2's deletion was
    // delivered after 1's, in order.
    let seen = seen.lock().expect("not poisoned").clone();
    assert_eq!(seen, [(1, 1, false), (2, 1, false)]);
    assert_eq!(keys(&pool.peers(PeerFilter::ANY)), [9]);
    expect_consistent(&pool);
}

#[test]
fn a_duplicate_is_refused_while_a_peer_waits_for_removal_on_release() {
    let pool = unlimited();
    add(&pool, 1, Incoming);
    let held = pool.acquire_no_wait(PeerFilter::ANY).expect("available");
    pool.delete_peer(&1, false);
    assert_eq!(keys(&pool.acquired_peers(PeerFilter::ANY)), [1]);
    assert_eq!(
        pool.add_peer_no_wait(Peer::new(1), Incoming, Lifetime::forever()),
        Err(AddError::Duplicate)
    );
    held.release();
    assert!(pool.peers(PeerFilter::ANY).is_empty());
}

#[test]
fn the_pool_prints_its_counts() {
    let pool = unlimited();
    add(&pool, 1, Incoming);
    let text = format!("{pool:?}");
    assert!(text.contains("incoming: 1"), "{text}");
    let held = pool.acquire_no_wait(PeerFilter::ANY).expect("available");
    assert!(format!("{held:?}").contains("key: 1"));
}
