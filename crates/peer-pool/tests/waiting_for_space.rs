//! Spec A.3 `addPeer`: waiting for space, first come first served across directions,
//! the re-check after the wait, and cancellation, on tokio's paused clock.

mod common;

use common::{
    Incoming, Outgoing, Peer, add, expect_consistent, finished, pool, settle, spawn_blocked,
};
use peer_pool::{AddError, Lifetime, PeerFilter, PeerType, PoolConfig};
use sync_types::ScoredPeer;
use tokio::task::JoinHandle;

/// Spawn `add_peer(Peer::new(key), kind)` and let it block on a full pool.
async fn wait_to_add(
    pool: &common::Pool,
    key: u32,
    kind: PeerType,
) -> JoinHandle<Result<(), AddError>> {
    wait_to_add_peer(pool, Peer::new(key), kind, Lifetime::forever()).await
}

async fn wait_to_add_peer(
    pool: &common::Pool,
    peer: Peer,
    kind: PeerType,
    lifetime: Lifetime,
) -> JoinHandle<Result<(), AddError>> {
    let p = pool.clone();
    spawn_blocked(async move { p.add_peer(peer, kind, lifetime).await }).await
}

#[tokio::test(start_paused = true)]
async fn add_peer_adds_at_once_when_there_is_space() {
    let pool = pool(PoolConfig::default().with_max_peers(1));
    let added = pool
        .add_peer(Peer::new(1), Incoming, Lifetime::forever())
        .await;
    assert_eq!(added, Ok(()));
    assert!(pool.contains(&1));
}

#[tokio::test(start_paused = true)]
async fn add_peer_refuses_at_once_when_the_peer_fails_its_check() {
    let pool = pool(PoolConfig::default().with_max_peers(1));
    add(&pool, 1, Incoming);
    let low = pool
        .add_peer(Peer::scored(2, -1), Incoming, Lifetime::forever())
        .await;
    assert_eq!(low, Err(AddError::LowScore), "before waiting for space");
    let dup = pool
        .add_peer(Peer::new(1), Incoming, Lifetime::forever())
        .await;
    assert_eq!(dup, Err(AddError::Duplicate));
}

#[tokio::test(start_paused = true)]
async fn add_peer_waits_until_space_is_freed() {
    let pool = pool(PoolConfig::default().with_max_peers(1));
    add(&pool, 1, Incoming);
    let waiter = wait_to_add(&pool, 2, Incoming).await;
    assert!(!pool.contains(&2));
    assert!(pool.delete_peer(&1, false));
    assert_eq!(finished(waiter).await, Ok(()));
    assert!(pool.contains(&2));
    expect_consistent(&pool);
}

#[tokio::test(start_paused = true)]
async fn waiting_adders_are_served_first_come_first_served() {
    let pool = pool(PoolConfig::default().with_max_peers(1));
    add(&pool, 1, Incoming);
    let second = wait_to_add(&pool, 2, Incoming).await;
    let third = wait_to_add(&pool, 3, Outgoing).await;
    assert!(pool.delete_peer(&1, false));
    assert_eq!(finished(second).await, Ok(()));
    settle().await;
    assert!(!third.is_finished(), "one slot, one peer");
    assert!(pool.delete_peer(&2, false));
    assert_eq!(finished(third).await, Ok(()));
}

#[tokio::test(start_paused = true)]
async fn space_freed_on_one_side_goes_to_the_first_waiter_of_that_side() {
    let config = PoolConfig::default()
        .with_max_peers(2)
        .with_max_incoming(1)
        .with_max_outgoing(1);
    let pool = pool(config);
    add(&pool, 1, Incoming);
    add(&pool, 2, Outgoing);
    let incoming = wait_to_add(&pool, 3, Incoming).await;
    let outgoing = wait_to_add(&pool, 4, Outgoing).await;
    // Outgoing space opens: the earlier incoming waiter cannot use it, the outgoing one
    // gets it.
    assert!(pool.delete_peer(&2, false));
    assert_eq!(finished(outgoing).await, Ok(()));
    settle().await;
    assert!(!incoming.is_finished());
    assert!(pool.delete_peer(&1, false));
    assert_eq!(finished(incoming).await, Ok(()));
}

#[tokio::test(start_paused = true)]
async fn when_a_direction_may_use_the_whole_pool_space_from_either_side_serves_it() {
    // The wait mask of spec A.3: both directions when the cap is at least max_peers.
    let pool = pool(PoolConfig::default().with_max_peers(2));
    add(&pool, 1, Incoming);
    add(&pool, 2, Incoming);
    let first = wait_to_add(&pool, 3, Outgoing).await;
    let second = wait_to_add(&pool, 4, Incoming).await;
    let third = wait_to_add(&pool, 5, Outgoing).await;
    assert!(pool.delete_peer(&1, false));
    assert_eq!(finished(first).await, Ok(()));
    assert!(pool.delete_peer(&3, false));
    assert_eq!(finished(second).await, Ok(()));
    settle().await;
    assert!(!third.is_finished());
    assert_eq!(pool.counts(), common::counts(2, 0));
}

#[tokio::test(start_paused = true)]
async fn space_promised_to_a_waiter_is_not_taken_by_a_later_caller() {
    let pool = pool(PoolConfig::default().with_max_peers(1));
    add(&pool, 1, Incoming);
    let waiter = wait_to_add(&pool, 2, Incoming).await;
    assert!(pool.delete_peer(&1, false));
    // The waiter has not run yet; the space is reserved for it.
    assert_eq!(pool.len_space(PeerFilter::ANY), 0);
    assert_eq!(
        pool.add_peer_no_wait(Peer::new(3), Outgoing, Lifetime::forever()),
        Err(AddError::NoSpace)
    );
    assert_eq!(finished(waiter).await, Ok(()));
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_adder_never_adds_its_peer_and_passes_its_space_on() {
    let pool = pool(PoolConfig::default().with_max_peers(1));
    add(&pool, 1, Incoming);
    let cancelled = wait_to_add(&pool, 2, Incoming).await;
    let next = wait_to_add(&pool, 3, Incoming).await;
    assert!(pool.delete_peer(&1, false));
    // Space was reserved for the first waiter; it is cancelled before it takes it.
    cancelled.abort();
    assert!(cancelled.await.expect_err("aborted").is_cancelled());
    assert_eq!(finished(next).await, Ok(()));
    assert!(!pool.contains(&2));
    assert!(pool.contains(&3));
    expect_consistent(&pool);
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_adder_that_was_still_waiting_leaves_no_trace() {
    let pool = pool(PoolConfig::default().with_max_peers(1));
    add(&pool, 1, Incoming);
    let (lifetime, connection) = Lifetime::new();
    let cancelled = wait_to_add_peer(&pool, Peer::new(2), Outgoing, lifetime).await;
    cancelled.abort();
    assert!(cancelled.await.expect_err("aborted").is_cancelled());
    connection.close(); // its lifetime watcher is gone: nothing happens
    assert!(pool.delete_peer(&1, false));
    assert_eq!(pool.len_space(PeerFilter::ANY), 1, "no reservation left");
}

#[tokio::test(start_paused = true)]
async fn a_waiting_peer_is_checked_again_when_space_comes() {
    let pool = pool(PoolConfig::default().with_max_incoming(1));
    add(&pool, 1, Incoming);
    let duplicate = wait_to_add(&pool, 2, Incoming).await;
    let falling = Peer::new(3);
    let low = wait_to_add_peer(&pool, falling.clone(), Incoming, Lifetime::forever()).await;
    let good = wait_to_add(&pool, 4, Incoming).await;
    // While they wait, peer 2 connects the other way round and its score falls for 3.
    add(&pool, 2, Outgoing);
    falling.update_score(-400);
    // One incoming slot opens: each waiter in turn is checked again; the slot goes to
    // the first that passes.
    assert!(pool.delete_peer(&1, false));
    assert_eq!(finished(duplicate).await, Err(AddError::Duplicate));
    assert_eq!(finished(low).await, Err(AddError::LowScore));
    assert_eq!(finished(good).await, Ok(()));
    assert_eq!(pool.peers(PeerFilter::INCOMING).len(), 1);
    assert!(pool.contains(&4));
    expect_consistent(&pool);
}

#[tokio::test(start_paused = true)]
async fn a_waiting_peer_whose_connection_ends_is_refused_as_dead_at_once() {
    let pool = pool(PoolConfig::default().with_max_peers(1));
    add(&pool, 1, Incoming);
    let (lifetime, connection) = Lifetime::new();
    let waiter = wait_to_add_peer(&pool, Peer::new(2), Incoming, lifetime).await;
    connection.close();
    assert_eq!(finished(waiter).await, Err(AddError::Dead));
    assert_eq!(pool.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_peer_added_after_waiting_is_still_removed_when_its_connection_ends() {
    let pool = pool(PoolConfig::default().with_max_peers(1));
    add(&pool, 1, Incoming);
    let (lifetime, connection) = Lifetime::new();
    let waiter = wait_to_add_peer(&pool, Peer::new(2), Incoming, lifetime).await;
    assert!(pool.delete_peer(&1, false));
    assert_eq!(finished(waiter).await, Ok(()));
    connection.close();
    assert!(pool.is_empty());
}

#[tokio::test(start_paused = true)]
async fn an_added_peer_goes_straight_to_a_waiting_acquirer() {
    let pool = pool(PoolConfig::default().with_max_peers(1));
    add(&pool, 1, Incoming);
    let held = pool.acquire_no_wait(PeerFilter::ANY).expect("available");
    let p = pool.clone();
    let acquirer = spawn_blocked(async move { *p.acquire(PeerFilter::ANY).await.key() }).await;
    let adder = wait_to_add(&pool, 2, Outgoing).await;
    assert!(pool.delete_peer(&1, true));
    assert_eq!(finished(adder).await, Ok(()));
    assert_eq!(finished(acquirer).await, 2);
    drop(held);
}
