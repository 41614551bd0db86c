//! Spec A.3 acquire: ranking (D.17), direction filters, waiting, FIFO, `acquire_n` and
//! cancellation, on tokio's paused clock.

mod common;

use std::pin::pin;

use common::{
    Incoming, Outgoing, Peer, add, drain_keys, expect_consistent, finished, nimbus_ranked, settle,
    spawn_blocked, unlimited,
};
use peer_pool::{Lifetime, PeerFilter};
use sync_types::ScoredPeer;

fn add_peer(pool: &common::Pool, peer: &Peer, kind: peer_pool::PeerType) {
    pool.add_peer_no_wait(peer.clone(), kind, Lifetime::forever())
        .expect("admitted");
}

/// The keys of `n` acquires, each peer released before the next.
fn take_turns(pool: &common::Pool, n: usize) -> Vec<u32> {
    (0..n)
        .map(|_| {
            let peer = pool.acquire_no_wait(PeerFilter::ANY).expect("available");
            let key = *peer.key();
            peer.release();
            key
        })
        .collect()
}

#[test]
fn acquire_returns_the_highest_score_first() {
    let pool = nimbus_ranked();
    for (key, score) in [(1, 100), (2, 900), (3, 300), (4, 500)] {
        add_peer(&pool, &Peer::scored(key, score), Incoming);
    }
    assert_eq!(drain_keys(&pool, PeerFilter::ANY), [2, 4, 3, 1]);
}

#[test]
fn equal_scores_rank_by_throughput() {
    let pool = nimbus_ranked();
    add_peer(&pool, &Peer::new(1).with_throughput(10.0), Outgoing);
    add_peer(&pool, &Peer::new(2).with_throughput(1000.0), Outgoing);
    add_peer(&pool, &Peer::new(3).with_throughput(f64::NAN), Outgoing);
    add_peer(&pool, &Peer::new(4).with_throughput(500.0), Incoming);
    assert_eq!(drain_keys(&pool, PeerFilter::ANY), [2, 4, 1, 3]);
}

#[test]
fn a_higher_score_beats_a_higher_throughput() {
    let pool = unlimited();
    add_peer(&pool, &Peer::scored(1, 299).with_throughput(1e9), Outgoing);
    add_peer(&pool, &Peer::new(2), Outgoing);
    assert_eq!(drain_keys(&pool, PeerFilter::ANY), [2, 1]);
}

#[test]
fn on_a_tie_the_outgoing_peer_wins_and_incoming_wins_only_when_strictly_better() {
    let pool = nimbus_ranked();
    add(&pool, 1, Incoming);
    add(&pool, 2, Outgoing);
    let first = pool.acquire_no_wait(PeerFilter::ANY).expect("available");
    assert_eq!(*first.key(), 2, "tie: outgoing");
    drop(first);

    let better = Peer::scored(3, 301);
    add_peer(&pool, &better, Incoming);
    let first = pool.acquire_no_wait(PeerFilter::ANY).expect("available");
    assert_eq!(*first.key(), 3, "strictly better incoming");
}

#[test]
fn by_default_peers_in_good_standing_take_turns_whatever_their_score_or_direction() {
    let pool = unlimited();
    let veteran = Peer::scored(1, 1000).with_throughput(1e9);
    add_peer(&pool, &veteran, Outgoing);
    add_peer(&pool, &Peer::scored(2, 700), Outgoing);
    // A late, incoming peer at the starting score: Nimbus never picked it while the
    // others were free.
    add(&pool, 3, Incoming);
    assert_eq!(take_turns(&pool, 6), [1, 2, 3, 1, 2, 3]);
}

#[test]
fn by_default_a_peer_below_the_starting_score_waits_for_the_others() {
    let pool = unlimited();
    add_peer(&pool, &Peer::scored(1, 200), Outgoing);
    add(&pool, 2, Incoming);
    assert_eq!(drain_keys(&pool, PeerFilter::ANY), [2, 1]);
}

#[test]
fn equal_peers_take_turns_longest_available_first() {
    let pool = unlimited();
    for key in 1..=3 {
        add(&pool, key, Outgoing);
    }
    assert_eq!(take_turns(&pool, 6), [1, 2, 3, 1, 2, 3]);
}

#[test]
fn scores_changed_while_available_count_at_the_next_acquire() {
    let pool = unlimited();
    let slow = add(&pool, 1, Outgoing);
    add(&pool, 2, Outgoing);
    slow.update_score(200);
    assert_eq!(drain_keys(&pool, PeerFilter::ANY), [1, 2]);
}

#[test]
fn direction_filters_only_hand_out_peers_of_that_direction() {
    let pool = unlimited();
    add_peer(&pool, &Peer::scored(1, 900), Incoming);
    add(&pool, 2, Outgoing);
    add(&pool, 3, Incoming);
    assert_eq!(drain_keys(&pool, PeerFilter::OUTGOING), [2]);
    assert_eq!(drain_keys(&pool, PeerFilter::INCOMING), [1, 3]);
}

#[test]
fn acquire_no_wait_gives_none_when_nothing_is_available() {
    let pool = unlimited();
    assert!(pool.acquire_no_wait(PeerFilter::ANY).is_none());
    add(&pool, 1, Incoming);
    let held = pool.acquire_no_wait(PeerFilter::ANY).expect("available");
    assert!(pool.acquire_no_wait(PeerFilter::ANY).is_none());
    assert!(pool.acquire_no_wait(PeerFilter::OUTGOING).is_none());
    assert_eq!(pool.len_acquired(PeerFilter::INCOMING), 1);
    assert_eq!(pool.len_available(PeerFilter::ANY), 0);
    expect_consistent(&pool);
    drop(held);
}

#[test]
fn acquire_n_no_wait_takes_all_or_nothing() {
    let pool = nimbus_ranked();
    add(&pool, 1, Incoming);
    add(&pool, 2, Outgoing);
    assert!(pool.acquire_n_no_wait(3, PeerFilter::ANY).is_none());
    assert_eq!(pool.len_acquired(PeerFilter::ANY), 0, "nothing taken");
    let both = pool.acquire_n_no_wait(2, PeerFilter::ANY).expect("two");
    assert_eq!(both.iter().map(|p| *p.key()).collect::<Vec<_>>(), [2, 1]);
    assert_eq!(
        pool.acquire_n_no_wait(0, PeerFilter::ANY).map(|v| v.len()),
        Some(0)
    );
}

#[tokio::test(start_paused = true)]
async fn acquire_waits_until_a_peer_is_released() {
    let pool = unlimited();
    add(&pool, 1, Incoming);
    let held = pool.acquire(PeerFilter::ANY).await;
    let p = pool.clone();
    let waiter = spawn_blocked(async move { *p.acquire(PeerFilter::ANY).await.key() }).await;
    held.release();
    assert_eq!(finished(waiter).await, 1);
}

#[tokio::test(start_paused = true)]
async fn acquire_waits_until_a_peer_is_added() {
    let pool = unlimited();
    let p = pool.clone();
    let waiter = spawn_blocked(async move { *p.acquire(PeerFilter::ANY).await.key() }).await;
    add(&pool, 7, Outgoing);
    assert_eq!(finished(waiter).await, 7);
}

#[tokio::test(start_paused = true)]
async fn a_filtered_acquire_keeps_waiting_while_only_the_other_direction_arrives() {
    let pool = unlimited();
    let p = pool.clone();
    let waiter = spawn_blocked(async move { *p.acquire(PeerFilter::INCOMING).await.key() }).await;
    add(&pool, 1, Outgoing);
    settle().await;
    assert!(!waiter.is_finished());
    assert_eq!(
        pool.len_available(PeerFilter::OUTGOING),
        1,
        "left for others"
    );
    add(&pool, 2, Incoming);
    assert_eq!(finished(waiter).await, 2);
}

#[tokio::test(start_paused = true)]
async fn waiting_acquirers_are_served_first_come_first_served() {
    let pool = unlimited();
    let mut waiters = Vec::new();
    for _ in 0..3 {
        let p = pool.clone();
        waiters.push(spawn_blocked(async move { *p.acquire(PeerFilter::ANY).await.key() }).await);
    }
    // Peers 10, 11, 12 arrive one by one; each goes to the oldest waiter.
    for key in 10..13 {
        add(&pool, key, Incoming);
    }
    let mut got = Vec::new();
    for w in waiters {
        got.push(finished(w).await);
    }
    assert_eq!(got, [10, 11, 12]);
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_acquire_passes_the_peer_it_was_handed_to_the_next_waiter() {
    let pool = unlimited();
    let mut first = Box::pin(pool.acquire(PeerFilter::ANY));
    assert!(
        futures_poll(first.as_mut()).is_none(),
        "nothing to acquire yet"
    );
    let p = pool.clone();
    let second = spawn_blocked(async move { *p.acquire(PeerFilter::ANY).await.key() }).await;
    // The peer is handed to the first waiter, which is cancelled before it looks.
    add(&pool, 1, Incoming);
    assert_eq!(pool.len_acquired(PeerFilter::ANY), 1);
    drop(first);
    assert_eq!(finished(second).await, 1, "no wakeup is swallowed");
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_acquire_without_a_peer_leaves_nothing_behind() {
    let pool = unlimited();
    {
        let mut waiting = pin!(pool.acquire(PeerFilter::OUTGOING));
        assert!(futures_poll(waiting.as_mut()).is_none());
    }
    add(&pool, 1, Outgoing);
    assert_eq!(pool.len_available(PeerFilter::ANY), 1);
    expect_consistent(&pool);
}

#[tokio::test(start_paused = true)]
async fn acquire_n_collects_peers_best_first_waiting_as_needed() {
    let pool = unlimited();
    add_peer(&pool, &Peer::scored(1, 100), Incoming);
    add_peer(&pool, &Peer::scored(2, 500), Incoming);
    let p = pool.clone();
    let collector = spawn_blocked(async move {
        let peers = p.acquire_n(3, PeerFilter::ANY).await;
        peers.iter().map(|p| *p.key()).collect::<Vec<_>>()
    })
    .await;
    assert_eq!(pool.len_acquired(PeerFilter::ANY), 2);
    add(&pool, 3, Outgoing);
    assert_eq!(finished(collector).await, [2, 1, 3]);
    assert_eq!(
        pool.len_acquired(PeerFilter::ANY),
        0,
        "the handles were dropped"
    );
}

#[tokio::test(start_paused = true)]
async fn acquire_n_of_zero_is_empty_at_once() {
    let pool = unlimited();
    assert!(pool.acquire_n(0, PeerFilter::ANY).await.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_acquire_n_returns_the_peers_it_collected() {
    let pool = unlimited();
    add(&pool, 1, Incoming);
    add(&pool, 2, Outgoing);
    let p = pool.clone();
    let collector = spawn_blocked(async move { p.acquire_n(5, PeerFilter::ANY).await.len() }).await;
    assert_eq!(pool.len_acquired(PeerFilter::ANY), 2);
    collector.abort();
    assert!(collector.await.expect_err("aborted").is_cancelled());
    assert_eq!(pool.len_available(PeerFilter::ANY), 2);
    assert_eq!(pool.len_acquired(PeerFilter::ANY), 0);
    expect_consistent(&pool);
}

#[test]
fn the_pool_and_its_handles_can_cross_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<common::Pool>();
    assert_send_sync::<peer_pool::PooledPeer<Peer>>();
    assert_send_sync::<Lifetime>();
    assert_send_sync::<peer_pool::LifetimeHandle>();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_workers_share_few_peers_without_losing_any() {
    let pool = unlimited();
    for key in 0..3 {
        add(&pool, key, if key % 2 == 0 { Incoming } else { Outgoing });
    }
    let mut workers = Vec::new();
    for _ in 0..16 {
        let p = pool.clone();
        workers.push(tokio::spawn(async move {
            for _ in 0..200 {
                let peer = p.acquire(PeerFilter::ANY).await;
                tokio::task::yield_now().await;
                drop(peer);
            }
        }));
    }
    for w in workers {
        w.await.expect("no panic");
    }
    assert_eq!(pool.len_available(PeerFilter::ANY), 3);
    expect_consistent(&pool);
}

/// Poll a future once; `Some` if it completed.
fn futures_poll<F: std::future::Future>(fut: std::pin::Pin<&mut F>) -> Option<F::Output> {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match fut.poll(&mut cx) {
        std::task::Poll::Ready(v) => Some(v),
        std::task::Poll::Pending => None,
    }
}

#[tokio::test(start_paused = true)]
async fn a_peer_deleted_before_its_waiter_picks_it_up_never_reaches_the_waiter() {
    let pool = unlimited();
    let mut waiting = Box::pin(pool.acquire(PeerFilter::ANY));
    assert!(futures_poll(waiting.as_mut()).is_none());
    let (_, connection) = common::add_connected(&pool, 1, Incoming);
    assert_eq!(
        pool.len_acquired(PeerFilter::ANY),
        1,
        "handed to the waiter"
    );
    connection.close(); // a non-forced delete: the waiter has not seen the peer yet
    assert!(!pool.contains(&1), "removed at once, not on release");
    assert!(futures_poll(waiting.as_mut()).is_none(), "still waiting");
    add(&pool, 2, Outgoing);
    let got = futures_poll(waiting.as_mut()).expect("handed peer 2");
    assert_eq!(got.key(), &2);
    expect_consistent(&pool);
}
