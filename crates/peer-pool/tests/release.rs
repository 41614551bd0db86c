//! Spec A.3 release and delete, lifetimes, and D.10 (no path keeps a peer forever).

mod common;

use common::{
    Incoming, Outgoing, Peer, Recorder, add, add_connected, counts, expect_consistent, finished,
    pool, settle, spawn_blocked, unlimited,
};
use peer_pool::{AddError, Lifetime, PeerFilter, PoolConfig};
use sync_types::{ScoredPeer, score::PEER_SCORE_BAD_VALUES};

#[test]
fn a_released_peer_is_available_again() {
    let pool = unlimited();
    add(&pool, 1, Outgoing);
    let peer = pool.acquire_no_wait(PeerFilter::ANY).expect("available");
    assert_eq!(pool.len_available(PeerFilter::ANY), 0);
    peer.release();
    assert_eq!(pool.len_available(PeerFilter::OUTGOING), 1);
    assert_eq!(pool.len_acquired(PeerFilter::ANY), 0);
    expect_consistent(&pool);
}

#[test]
fn a_dropped_handle_returns_its_peer() {
    let pool = unlimited();
    add(&pool, 1, Incoming);
    {
        let _peer = pool.acquire_no_wait(PeerFilter::ANY).expect("available");
        assert_eq!(pool.len_acquired(PeerFilter::ANY), 1);
    }
    assert_eq!(pool.len_available(PeerFilter::ANY), 1);
}

#[tokio::test(start_paused = true)]
async fn a_worker_that_fails_or_panics_still_returns_its_peer() {
    // Seed bug D.10: a worker that failed with a non-cancellation error exited without
    // releasing, and the peer stayed acquired forever.
    let pool = unlimited();
    add(&pool, 1, Incoming);
    let p = pool.clone();
    let failing = tokio::spawn(async move {
        let _peer = p.acquire(PeerFilter::ANY).await;
        Err::<(), &str>("request failed")?;
        Ok::<(), &str>(())
    });
    assert!(failing.await.expect("no panic").is_err());
    assert_eq!(pool.len_available(PeerFilter::ANY), 1);

    let p = pool.clone();
    let panicking = tokio::spawn(async move {
        let _peer = p.acquire(PeerFilter::ANY).await;
        panic!("worker bug");
    });
    assert!(panicking.await.expect_err("panicked").is_panic());
    assert_eq!(pool.len_available(PeerFilter::ANY), 1);
    expect_consistent(&pool);
}

#[test]
fn a_peer_that_fails_the_score_check_on_release_is_removed_and_reported() {
    let pool = unlimited();
    let recorder = Recorder::attach(&pool);
    add(&pool, 1, Incoming);
    add(&pool, 2, Outgoing);
    let peer = pool
        .acquire_no_wait(PeerFilter::INCOMING)
        .expect("available");
    peer.update_score(PEER_SCORE_BAD_VALUES);
    assert!(pool.contains(&1), "still in the pool while acquired");
    peer.release();
    assert!(!pool.contains(&1));
    assert_eq!(recorder.deleted(), [1]);
    assert_eq!(recorder.last_counts(), Some(counts(0, 1)));
    assert_eq!(pool.len_acquired(PeerFilter::ANY), 0);
    expect_consistent(&pool);
}

#[test]
fn a_score_that_drops_while_available_does_not_evict_the_peer() {
    // As Nimbus: the score check runs on add and on release, not while the peer waits.
    let pool = unlimited();
    let peer = add(&pool, 1, Incoming);
    peer.update_score(-1000);
    assert!(pool.contains(&1));
    let held = pool
        .acquire_no_wait(PeerFilter::ANY)
        .expect("still handed out");
    held.release();
    assert!(!pool.contains(&1), "removed on release");
}

#[test]
fn deleting_an_available_peer_removes_it_at_once() {
    let pool = unlimited();
    let recorder = Recorder::attach(&pool);
    add(&pool, 1, Incoming);
    assert!(pool.delete_peer(&1, false));
    assert!(!pool.contains(&1));
    assert_eq!(recorder.deleted(), [1]);
    assert!(!pool.delete_peer(&1, false), "unknown key");
    assert!(!pool.delete_peer(&99, true), "unknown key");
}

#[test]
fn a_non_forced_delete_of_an_acquired_peer_removes_it_on_release() {
    let pool = unlimited();
    let recorder = Recorder::attach(&pool);
    add(&pool, 1, Outgoing);
    let peer = pool.acquire_no_wait(PeerFilter::ANY).expect("available");
    assert!(pool.delete_peer(&1, false));
    assert!(pool.contains(&1), "stays until released");
    assert_eq!(pool.len(), 1);
    assert!(recorder.deleted().is_empty());
    assert_eq!(
        pool.add_peer_no_wait(Peer::new(1), Outgoing, Lifetime::forever()),
        Err(AddError::Duplicate)
    );
    peer.release();
    assert!(!pool.contains(&1));
    assert_eq!(recorder.deleted(), [1]);
    assert!(pool.is_empty());
    expect_consistent(&pool);
}

#[test]
fn a_forced_delete_of_an_acquired_peer_removes_it_at_once() {
    let pool = pool(PoolConfig::default().with_max_peers(1));
    let recorder = Recorder::attach(&pool);
    add(&pool, 1, Outgoing);
    let stale = pool.acquire_no_wait(PeerFilter::ANY).expect("available");
    assert!(pool.delete_peer(&1, true));
    assert!(!pool.contains(&1));
    assert_eq!(pool.len_acquired(PeerFilter::ANY), 0);
    assert_eq!(recorder.deleted(), [1]);
    // The key comes back as a new peer; the old handle must not touch it.
    add(&pool, 1, Incoming);
    stale.release();
    assert_eq!(pool.len_available(PeerFilter::INCOMING), 1);
    assert_eq!(recorder.deleted(), [1], "no second delete");
    expect_consistent(&pool);
}

#[test]
fn a_peer_whose_connection_ends_while_available_is_removed() {
    let pool = unlimited();
    let recorder = Recorder::attach(&pool);
    let (_, connection) = add_connected(&pool, 1, Incoming);
    connection.close();
    assert!(!pool.contains(&1));
    assert_eq!(recorder.deleted(), [1]);
    assert_eq!(recorder.last_counts(), Some(counts(0, 0)));
}

#[test]
fn a_peer_whose_connection_ends_while_acquired_is_removed_on_release() {
    let pool = unlimited();
    let recorder = Recorder::attach(&pool);
    let (_, connection) = add_connected(&pool, 1, Outgoing);
    let peer = pool.acquire_no_wait(PeerFilter::ANY).expect("available");
    drop(connection); // dropping the handle ends the lifetime too
    assert!(pool.contains(&1));
    assert!(recorder.deleted().is_empty());
    peer.release();
    assert!(!pool.contains(&1));
    assert_eq!(recorder.deleted(), [1]);
}

#[test]
fn a_lifetime_that_ends_after_its_peer_left_touches_nothing() {
    let pool = unlimited();
    let recorder = Recorder::attach(&pool);
    let (_, old_connection) = add_connected(&pool, 1, Outgoing);
    assert!(pool.delete_peer(&1, false));
    let (_, _new_connection) = add_connected(&pool, 1, Outgoing);
    old_connection.close();
    assert!(pool.contains(&1), "the new peer with the same key stays");
    assert_eq!(recorder.deleted(), [1]);
}

#[test]
fn one_connection_in_two_pools_leaves_both_when_it_ends() {
    let (forward, backfill) = (unlimited(), unlimited());
    let (lifetime, connection) = Lifetime::new();
    forward
        .add_peer_no_wait(Peer::new(1), Incoming, lifetime.clone())
        .expect("admitted");
    backfill
        .add_peer_no_wait(Peer::new(1), Incoming, connection.lifetime())
        .expect("admitted");
    connection.close();
    assert!(lifetime.is_closed());
    assert!(forward.is_empty() && backfill.is_empty());
}

#[test]
fn a_forever_lifetime_never_removes_its_peer() {
    let pool = unlimited();
    add(&pool, 1, Incoming);
    let peer = pool.acquire_no_wait(PeerFilter::ANY).expect("available");
    peer.release();
    assert!(pool.contains(&1));
}

#[test]
fn a_handle_outliving_its_pool_releases_to_nothing() {
    let pool = unlimited();
    add(&pool, 1, Incoming);
    let peer = pool.acquire_no_wait(PeerFilter::ANY).expect("available");
    drop(pool);
    assert_eq!(peer.key(), &1);
    peer.release();
}

#[tokio::test(start_paused = true)]
async fn a_release_wakes_a_waiting_acquirer_but_a_removal_does_not() {
    let pool = unlimited();
    add(&pool, 1, Incoming);
    add(&pool, 2, Incoming);
    let doomed = pool.acquire_no_wait(PeerFilter::ANY).expect("available");
    let kept = pool.acquire_no_wait(PeerFilter::ANY).expect("available");
    let p = pool.clone();
    let waiter = spawn_blocked(async move { *p.acquire(PeerFilter::ANY).await.key() }).await;
    doomed.update_score(-1000);
    doomed.release();
    settle().await;
    assert!(!waiter.is_finished(), "a removed peer is not handed out");
    kept.release();
    assert_eq!(finished(waiter).await, 2);
}
