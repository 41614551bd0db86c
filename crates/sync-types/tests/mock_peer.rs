//! The scripted `MockPeer`: every honest and failing behaviour, on tokio's paused clock.

mod mock_common;

use mock_common::*;

use std::{future::Future, pin::pin, task::Poll, time::Duration};

use tokio::time::{Instant, advance, timeout};

use sync_types::{
    Epoch, RequestError, ScoredPeer, Slot, SyncPeer,
    score::{NEW_PEER_SCORE, PEER_SCORE_HIGH_LIMIT, ResponseKind},
    test_utils::{Behaviour, MockPeer, ReceivedRequest, RequestKind},
};

#[test]
fn every_future_is_send() {
    fn assert_send<T: Send>(_: T) {}
    let peer = MockPeer::new(1, chain());
    assert_send(peer.refresh_status());
    assert_send(peer.blocks_by_range(range(0, 8)));
    assert_send(peer.blob_sidecars_by_range(range(0, 8)));
}

#[tokio::test(start_paused = true)]
async fn honest_peer_serves_the_chain_up_to_its_head() {
    let peer = MockPeer::new(1, chain()).with_head(Slot(10));
    assert_eq!(slots(&blocks(&peer, range(6, 8)).await), [6, 7, 9, 10]);
    assert_eq!(
        sidecar_keys(&sidecars(&peer, range(6, 8)).await),
        [(6, 0), (6, 1), (10, 0), (10, 1)]
    );
    assert!(
        blocks(&peer, range(11, 8)).await.is_empty(),
        "a range above the head is empty"
    );
    let got = blocks(&peer, range(0, 64)).await;
    assert!(
        got.windows(2).all(|w| w[1].parent_root == w[0].root),
        "blocks link up"
    );
}

#[tokio::test(start_paused = true)]
async fn partial_peer_keeps_the_first_blocks_and_their_sidecars() {
    let peer = MockPeer::new(1, chain()).with_behaviour(Behaviour::Partial { keep: 2 });
    assert_eq!(slots(&blocks(&peer, range(4, 8)).await), [4, 6]);
    assert_eq!(
        sidecar_keys(&sidecars(&peer, range(4, 8)).await),
        [(4, 0), (4, 1), (6, 0), (6, 1)]
    );
}

#[tokio::test(start_paused = true)]
async fn empty_peer_answers_nothing() {
    let peer = MockPeer::new(1, chain()).with_behaviour(Behaviour::Empty);
    assert!(blocks(&peer, range(0, 32)).await.is_empty());
    assert!(sidecars(&peer, range(0, 32)).await.is_empty());
}

#[tokio::test(start_paused = true)]
async fn lying_peer_answers_another_fork_at_the_same_slots() {
    let honest = MockPeer::new(1, chain());
    let liar = MockPeer::new(2, chain()).with_behaviour(Behaviour::Lie);
    let (truth, lies) = (
        blocks(&honest, range(8, 16)).await,
        blocks(&liar, range(8, 16)).await,
    );
    assert_eq!(slots(&lies), slots(&truth));
    for (t, l) in truth.iter().zip(&lies) {
        assert_ne!(l.root, t.root);
        assert_ne!(l.parent_root, t.parent_root);
        assert_eq!(l.blobs, t.blobs);
    }
    assert!(
        lies.windows(2).all(|w| w[1].parent_root == w[0].root),
        "the fork links up"
    );
    let lie_sidecars = sidecars(&liar, range(8, 16)).await;
    assert!(!lie_sidecars.is_empty());
    assert!(
        lie_sidecars
            .iter()
            .all(|s| lies.iter().any(|b| b.root == s.block_root))
    );
}

#[tokio::test(start_paused = true)]
async fn withholding_peer_sends_blocks_but_no_sidecars() {
    let peer = MockPeer::new(1, chain()).with_behaviour(Behaviour::WithholdSidecars);
    assert_eq!(slots(&blocks(&peer, range(0, 5)).await), [0, 1, 3, 4]);
    assert!(sidecars(&peer, range(0, 5)).await.is_empty());
}

#[tokio::test(start_paused = true)]
async fn stalled_request_stays_pending() {
    let peer = MockPeer::new(1, chain()).with_behaviour(Behaviour::Stall);
    let start = Instant::now();
    let hour = Duration::from_secs(3600);
    assert!(
        timeout(hour, peer.blocks_by_range(range(0, 8)))
            .await
            .is_err()
    );
    assert!(
        timeout(hour, peer.blob_sidecars_by_range(range(0, 8)))
            .await
            .is_err()
    );
    assert!(start.elapsed() >= 2 * hour, "waited on the virtual clock");
    assert_eq!(
        peer.requests().len(),
        2,
        "stalled requests are still recorded"
    );
}

#[tokio::test(start_paused = true)]
async fn delayed_request_answers_honestly_after_its_virtual_delay() {
    let delay = Duration::from_millis(1500);
    let peer = MockPeer::new(1, chain()).with_behaviour(Behaviour::Delay(delay));
    let start = Instant::now();
    assert_eq!(slots(&blocks(&peer, range(0, 5)).await), [0, 1, 3, 4]);
    let elapsed = start.elapsed();
    assert!(
        elapsed >= delay && elapsed < delay + Duration::from_millis(2),
        "{elapsed:?}"
    );

    let mut late = pin!(peer.blocks_by_range(range(0, 5)));
    assert!(
        timeout(delay - Duration::from_millis(1), &mut late)
            .await
            .is_err()
    );
    assert_eq!(
        slots(&late.await.expect("answered after the delay")),
        [0, 1, 3, 4]
    );
}

#[tokio::test(start_paused = true)]
async fn failing_peers_answer_their_error_at_once() {
    let start = Instant::now();
    let peer = MockPeer::new(1, chain()).with_behaviour(Behaviour::Timeout);
    assert!(matches!(
        peer.blocks_by_range(range(0, 8)).await,
        Err(RequestError::Timeout)
    ));
    peer.set_behaviour(Behaviour::Disconnect);
    assert!(matches!(
        peer.blob_sidecars_by_range(range(0, 8)).await,
        Err(RequestError::Disconnected)
    ));
    peer.set_behaviour(Behaviour::RateLimit);
    assert!(matches!(
        peer.blocks_by_range(range(0, 8)).await,
        Err(RequestError::RateLimited { retry_after: Some(d) })
            if d == MockPeer::RATE_LIMIT_RETRY_AFTER
    ));
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn behaviour_changes_at_runtime_for_all_clones() {
    let peer = MockPeer::new(1, chain());
    let clone = peer.clone();
    assert_eq!(peer.behaviour(), Behaviour::Honest);
    clone.set_behaviour(Behaviour::Empty);
    assert!(blocks(&peer, range(0, 8)).await.is_empty());
    clone.set_behaviour(Behaviour::Honest);
    assert_eq!(blocks(&peer, range(0, 8)).await.len(), 6);
}

#[tokio::test(start_paused = true)]
async fn script_is_consumed_one_entry_per_request_then_falls_back() {
    let peer = MockPeer::new(1, chain()).with_behaviour(Behaviour::Partial { keep: 1 });
    let scripted = range(0, 8);
    peer.script(scripted, [Behaviour::Timeout, Behaviour::WithholdSidecars]);

    assert!(matches!(
        peer.blocks_by_range(scripted).await,
        Err(RequestError::Timeout)
    ));
    assert_eq!(
        slots(&blocks(&peer, range(0, 4)).await),
        [0],
        "other ranges: default"
    );
    assert_eq!(slots(&blocks(&peer, scripted).await), [0, 1, 3, 4, 6, 7]);
    assert_eq!(
        slots(&blocks(&peer, scripted).await),
        [0],
        "script used up: default"
    );

    // Sidecars requests have their own copy of the script.
    assert!(matches!(
        peer.blob_sidecars_by_range(scripted).await,
        Err(RequestError::Timeout)
    ));
    assert!(sidecars(&peer, scripted).await.is_empty());
    assert_eq!(sidecars(&peer, scripted).await.len(), 2);

    peer.script_kind(scripted, RequestKind::Sidecars, [Behaviour::Disconnect]);
    assert_eq!(
        blocks(&peer, scripted).await.len(),
        1,
        "blocks are not scripted"
    );
    assert!(matches!(
        peer.blob_sidecars_by_range(scripted).await,
        Err(RequestError::Disconnected)
    ));
}

#[tokio::test(start_paused = true)]
async fn requests_are_recorded_in_order_when_first_polled() {
    let peer = MockPeer::new(1, chain());
    drop(peer.blocks_by_range(range(40, 8)));
    let _ = peer.blocks_by_range(range(0, 8)).await;
    let _ = peer.blob_sidecars_by_range(range(0, 8)).await;
    let _ = peer.blocks_by_range(range(8, 8)).await;
    assert_eq!(
        peer.requests(),
        [
            ReceivedRequest {
                kind: RequestKind::Blocks,
                range: range(0, 8)
            },
            ReceivedRequest {
                kind: RequestKind::Sidecars,
                range: range(0, 8)
            },
            ReceivedRequest {
                kind: RequestKind::Blocks,
                range: range(8, 8)
            },
        ]
    );
    assert_eq!(
        peer.requested_ranges(RequestKind::Blocks),
        [range(0, 8), range(8, 8)]
    );
    assert_eq!(peer.requested_ranges(RequestKind::Sidecars), [range(0, 8)]);
}

#[tokio::test(start_paused = true)]
async fn status_ages_on_the_virtual_clock_and_refresh_reports_the_new_head() {
    let peer = MockPeer::new(1, chain())
        .with_head(Slot(20))
        .with_finalized_epoch(Epoch(1))
        .with_earliest_available_slot(Some(Slot(4)));
    assert_eq!(peer.status_age(), Duration::ZERO);
    advance(Duration::from_secs(30)).await;
    assert_eq!(peer.status_age(), Duration::from_secs(30));

    peer.set_head(Slot(40));
    peer.set_finalized_epoch(Epoch(3));
    peer.set_earliest_available_slot(None);
    assert_eq!(
        peer.head_slot(),
        Slot(20),
        "reported only at the next status"
    );
    assert_eq!(
        blocks(&peer, range(36, 8)).await.last().map(|b| b.slot),
        Some(Slot(40))
    );

    peer.refresh_status().await.expect("status refreshed");
    assert_eq!(peer.status_age(), Duration::ZERO);
    assert_eq!(peer.head_slot(), Slot(40));
    assert_eq!(peer.finalized_epoch(), Epoch(3));
    assert_eq!(peer.earliest_available_slot(), None);
}

#[tokio::test(start_paused = true)]
async fn failing_status_refresh_times_out_and_keeps_the_old_status() {
    let peer = MockPeer::new(1, chain()).with_head(Slot(20));
    advance(Duration::from_secs(12)).await;
    peer.set_head(Slot(30));
    peer.fail_status_refresh(true);
    assert!(matches!(
        peer.refresh_status().await,
        Err(RequestError::Timeout)
    ));
    assert_eq!(peer.head_slot(), Slot(20));
    assert_eq!(peer.status_age(), Duration::from_secs(12));
    peer.fail_status_refresh(false);
    peer.refresh_status().await.expect("status refreshed");
    assert_eq!(peer.head_slot(), Slot(30));
}

#[test]
fn score_is_clamped_and_stats_and_throughput_are_kept() {
    let peer = MockPeer::new(7, chain()).with_throughput(2048.0);
    assert_eq!((peer.key(), peer.score()), (7, NEW_PEER_SCORE));
    peer.clone().update_score(5_000);
    assert_eq!(peer.score(), PEER_SCORE_HIGH_LIMIT);
    peer.update_score(-1_100);
    assert_eq!(peer.score_change(), -400);
    peer.update_stats(ResponseKind::Good, 2);
    peer.update_stats(ResponseKind::Empty, 1);
    assert_eq!(
        (
            peer.stats(ResponseKind::Good),
            peer.stats(ResponseKind::Empty)
        ),
        (2, 1)
    );
    assert!((peer.throughput() - 2048.0).abs() < f64::EPSILON);
    peer.set_throughput(10.0);
    assert!((peer.throughput() - 10.0).abs() < f64::EPSILON);
}

#[test]
fn stalled_request_is_recorded_once_and_never_ready() {
    let peer = MockPeer::new(1, chain()).with_behaviour(Behaviour::Stall);
    let mut fut = pin!(peer.blocks_by_range(range(0, 8)));
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    assert!(matches!(fut.as_mut().poll(&mut cx), Poll::Pending));
    assert!(matches!(fut.as_mut().poll(&mut cx), Poll::Pending));
    assert_eq!(peer.requests().len(), 1, "recorded once, on the first poll");
}
