//! The scripted `MockPeer`: every behaviour, on tokio's paused clock.

use std::{future::Future, pin::pin, sync::Arc, task::Poll, time::Duration};

use tokio::time::{Instant, advance, timeout};

use sync_types::{
    BlockOutcome, BlockVerifier, ChainSpec, Epoch, RequestError, ResponseError, ScoredPeer, Slot,
    SyncPeer, SyncRange, ValidatedResponse, check_response, group_sidecars,
    score::{NEW_PEER_SCORE, PEER_SCORE_HIGH_LIMIT, ResponseKind},
    test_utils::{
        Behaviour, ChainVerifier, MockPeer, ReceivedRequest, RequestKind, TestBlock, TestChain,
        TestSidecar, adversaries, invalid_root, is_invalid_root, test_root,
    },
};

/// Slots 0..=63, every third slot skipped, blocks at even slots with two blobs.
fn chain() -> Arc<TestChain> {
    Arc::new(TestChain::build(
        Slot(63),
        |s| s.0 % 3 == 2,
        |s| if s.0 % 2 == 0 { 2 } else { 0 },
    ))
}

#[track_caller]
fn range(start: u64, count: u64) -> SyncRange {
    SyncRange::new(Slot(start), count).expect("non-empty range")
}

fn slots(blocks: &[TestBlock]) -> Vec<u64> {
    blocks.iter().map(|b| b.slot.0).collect()
}

fn sidecar_keys(sidecars: &[TestSidecar]) -> Vec<(u64, u64)> {
    sidecars.iter().map(|s| (s.slot.0, s.index)).collect()
}

async fn blocks(peer: &MockPeer, r: SyncRange) -> Vec<TestBlock> {
    peer.blocks_by_range(r).await.expect("blocks answered")
}

async fn sidecars(peer: &MockPeer, r: SyncRange) -> Vec<TestSidecar> {
    peer.blob_sidecars_by_range(r)
        .await
        .expect("sidecars answered")
}

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

// ----------------------------------------------------------------------------------------
// Adversarial peers: each answer is rejected by the check that matches it.
// ----------------------------------------------------------------------------------------

/// The minimal preset with Deneb (and Electra's 9 blobs) from genesis.
fn blob_spec() -> ChainSpec {
    ChainSpec::minimal().with_deneb_at(Epoch(0), Epoch(0))
}

/// What [`check_response`] says of `blocks` for `r`.
fn check_blocks(r: SyncRange, blocks: &[TestBlock]) -> Result<(), ResponseError> {
    let slots: Vec<Slot> = blocks.iter().map(|b| b.slot).collect();
    check_response(r, &slots)
}

#[track_caller]
fn expect_blocks_rejected(r: SyncRange, blocks: &[TestBlock]) -> ResponseError {
    check_blocks(r, blocks).expect_err("the blocks are rejected")
}

/// What [`group_sidecars`] says of `sidecars` against the honest blocks of `r`.
#[track_caller]
fn expect_sidecars_rejected(r: SyncRange, sidecars: Vec<TestSidecar>) -> ResponseError {
    let honest = chain().blocks_in(r);
    group_sidecars(r, &honest, sidecars, &blob_spec()).expect_err("the sidecars are rejected")
}

#[tokio::test(start_paused = true)]
async fn out_of_range_peer_adds_the_chain_block_after_the_range() {
    let peer = MockPeer::new(1, chain()).with_behaviour(Behaviour::OutOfRange);
    let r = range(3, 7); // slots 3..=9; slot 10 holds a block with two blobs
    let got = blocks(&peer, r).await;
    assert_eq!(slots(&got), [3, 4, 6, 7, 9, 10]);
    assert_eq!(got.last(), chain().block_at(Slot(10)), "a real block");
    assert_eq!(
        expect_blocks_rejected(r, &got),
        ResponseError::BlockOutsideRange {
            range: r,
            slot: Slot(10)
        }
    );
    assert_eq!(
        expect_sidecars_rejected(r, sidecars(&peer, r).await),
        ResponseError::SidecarOutsideRange {
            range: r,
            slot: Slot(10)
        }
    );
}

#[tokio::test(start_paused = true)]
async fn out_of_range_peer_makes_up_a_block_where_the_chain_has_none() {
    let peer = MockPeer::new(1, chain()).with_behaviour(Behaviour::OutOfRange);
    for (r, outside) in [(range(5, 3), 8), (range(60, 4), 64)] {
        let got = blocks(&peer, r).await;
        let extra = got.last().expect("the extra block");
        assert_eq!(extra.slot, Slot(outside));
        assert!(
            chain().block_at(extra.slot).is_none(),
            "slot {outside} is empty"
        );
        assert_eq!(
            expect_blocks_rejected(r, &got),
            ResponseError::BlockOutsideRange {
                range: r,
                slot: Slot(outside)
            }
        );
    }
}

#[tokio::test(start_paused = true)]
async fn out_of_range_peer_is_not_merely_too_long_when_the_range_is_full() {
    let peer = MockPeer::new(1, chain()).with_behaviour(Behaviour::OutOfRange);
    let r = range(0, 2); // blocks at 0 and 1 fill it
    let got = blocks(&peer, r).await;
    assert_eq!(slots(&got), [0, 2]);
    assert!(matches!(
        expect_blocks_rejected(r, &got),
        ResponseError::BlockOutsideRange { slot: Slot(2), .. }
    ));
}

#[tokio::test(start_paused = true)]
async fn unordered_peer_swaps_its_first_two_blocks() {
    let peer = MockPeer::new(1, chain()).with_behaviour(Behaviour::Unordered);
    let r = range(3, 5);
    let got = blocks(&peer, r).await;
    assert_eq!(slots(&got), [4, 3, 6, 7]);
    assert_eq!(
        expect_blocks_rejected(r, &got),
        ResponseError::BlocksNotIncreasing {
            previous: Slot(4),
            slot: Slot(3)
        }
    );

    let single = range(1, 1);
    assert!(
        matches!(
            expect_blocks_rejected(single, &blocks(&peer, single).await),
            ResponseError::BlockOutsideRange { slot: Slot(2), .. }
        ),
        "one block: out of range instead"
    );
}

#[tokio::test(start_paused = true)]
async fn duplicate_slots_peer_sends_its_first_block_twice() {
    let peer = MockPeer::new(1, chain()).with_behaviour(Behaviour::DuplicateSlots);
    let r = range(4, 4);
    let got = blocks(&peer, r).await;
    assert_eq!(slots(&got), [4, 4, 6, 7]);
    assert_eq!(got[0], got[1]);
    assert_eq!(
        expect_blocks_rejected(r, &got),
        ResponseError::BlocksNotIncreasing {
            previous: Slot(4),
            slot: Slot(4)
        }
    );
    assert_eq!(
        expect_sidecars_rejected(r, sidecars(&peer, r).await),
        ResponseError::SidecarIndexOutOfSequence {
            slot: Slot(4),
            expected: 2,
            got: 0
        }
    );

    let full = range(0, 2);
    assert!(
        matches!(
            expect_blocks_rejected(full, &blocks(&peer, full).await),
            ResponseError::BlocksNotIncreasing { .. }
        ),
        "a full range drops its last block rather than grow too long"
    );
}

#[tokio::test(start_paused = true)]
async fn block_garbling_peers_are_rejected_by_check_response_on_every_range() {
    let chain = chain();
    for behaviour in [
        Behaviour::OutOfRange,
        Behaviour::Unordered,
        Behaviour::DuplicateSlots,
    ] {
        let peer = MockPeer::new(1, Arc::clone(&chain)).with_behaviour(behaviour);
        for start in 0..70 {
            for count in 1..=10 {
                let r = range(start, count);
                let honest = chain.blocks_in(r).len();
                let not_increasing = match behaviour {
                    Behaviour::Unordered => honest >= 2,
                    Behaviour::DuplicateSlots => honest >= 1 && count >= 2,
                    _ => false,
                };
                let error = expect_blocks_rejected(r, &blocks(&peer, r).await);
                if not_increasing {
                    assert!(
                        matches!(error, ResponseError::BlocksNotIncreasing { .. }),
                        "{behaviour:?} {r}: {error:?}"
                    );
                } else {
                    assert!(
                        matches!(error, ResponseError::BlockOutsideRange { .. }),
                        "{behaviour:?} {r}: {error:?}"
                    );
                }
            }
        }
    }
}

#[tokio::test(start_paused = true)]
async fn invalid_blocks_peer_passes_the_checks_and_fails_verification() {
    let chain = chain();
    let peer = MockPeer::new(1, Arc::clone(&chain)).with_behaviour(Behaviour::InvalidBlocks);
    let r = range(1, 6); // blocks 1, 3, 4, 6; block 6 has two blobs
    let got = blocks(&peer, r).await;
    assert_eq!(slots(&got), [1, 3, 4, 6]);
    let truth = chain.block_at(Slot(6)).expect("block 6");
    let invalid = got[3];
    assert_eq!(invalid.root, invalid_root(truth.root));
    assert!(is_invalid_root(&invalid.root));
    assert_eq!(
        (invalid.slot, invalid.parent_root, invalid.blobs),
        (truth.slot, truth.parent_root, truth.blobs)
    );
    assert_eq!(
        got[..3],
        chain.blocks_in(range(1, 5))[..],
        "the rest is honest"
    );

    let got_sidecars = sidecars(&peer, r).await;
    assert_eq!(
        sidecar_keys(&got_sidecars),
        [(4, 0), (4, 1), (6, 0), (6, 1)]
    );
    assert!(
        got_sidecars[2..]
            .iter()
            .all(|s| s.block_root == invalid.root),
        "the invalid block's sidecars name its root"
    );
    let response = ValidatedResponse::with_sidecars(r, got, got_sidecars, &blob_spec())
        .expect("the sidecars group with the invalid block");

    let verifier = ChainVerifier::forward(chain.block_at(Slot(0)).expect("genesis"));
    let outcomes = verifier
        .verify_segment(response.into_blocks(), false)
        .await
        .expect("no fault");
    assert_eq!(
        outcomes,
        [
            BlockOutcome::Ok,
            BlockOutcome::Ok,
            BlockOutcome::Ok,
            BlockOutcome::Invalid
        ]
    );
    assert_eq!(verifier.imported(), [Slot(1), Slot(3), Slot(4)]);
}

#[tokio::test(start_paused = true)]
async fn chain_verifier_finds_invalid_roots_before_parents_and_sidecars() {
    use sync_types::BlockData;

    let chain = chain();
    let genesis = chain.block_at(Slot(0)).expect("genesis");
    let invalid = |slot: u64| {
        let mut b = *chain.block_at(Slot(slot)).expect("a chain block");
        b.root = invalid_root(b.root);
        b
    };
    let alone =
        |block: TestBlock, sidecars: Option<Vec<TestSidecar>>| vec![BlockData { block, sidecars }];
    let forward = ChainVerifier::forward(genesis);
    // Its parent (slot 9) is unknown, and its sidecars are missing: still `Invalid`.
    let outcomes = forward
        .verify_segment(alone(invalid(10), Some(Vec::new())), false)
        .await
        .expect("no fault");
    assert_eq!(outcomes, [BlockOutcome::Invalid]);
    // A scripted outcome still wins.
    forward.script(Slot(10), BlockOutcome::UnviableFork);
    let outcomes = forward
        .verify_segment(alone(invalid(10), None), false)
        .await
        .expect("no fault");
    assert_eq!(outcomes, [BlockOutcome::UnviableFork]);

    let top = chain.block_at(Slot(63)).expect("the last block");
    let backward = ChainVerifier::backward(top);
    let outcomes = backward
        .verify_segment(alone(invalid(61), None), false)
        .await
        .expect("no fault");
    assert_eq!(outcomes, [BlockOutcome::Invalid], "even the wanted parent");
    assert!(forward.imported().is_empty() && backward.imported().is_empty());

    assert!(chain.blocks().iter().all(|b| !is_invalid_root(&b.root)));
    assert!(!is_invalid_root(&test_root(Slot(7), 0x0bad_f0c4)));
}

#[tokio::test(start_paused = true)]
async fn corrupt_sidecars_peer_sends_honest_blocks_and_a_sidecar_naming_another_block() {
    let honest = MockPeer::new(1, chain());
    let peer = MockPeer::new(2, chain()).with_behaviour(Behaviour::CorruptSidecars);
    let r = range(0, 8);
    assert_eq!(blocks(&peer, r).await, blocks(&honest, r).await);
    let (got, truth) = (sidecars(&peer, r).await, sidecars(&honest, r).await);
    assert_eq!(got[1..], truth[1..], "only the first sidecar is touched");
    let expected = chain().block_at(Slot(0)).expect("genesis").root;
    assert_eq!(
        expect_sidecars_rejected(r, got.clone()),
        ResponseError::SidecarBlockRootMismatch {
            slot: Slot(0),
            index: 0,
            got: got[0].block_root,
            expected,
        }
    );
    assert!(
        !is_invalid_root(&got[0].block_root),
        "corrupt, not marked invalid"
    );
    assert!(matches!(
        ValidatedResponse::with_sidecars(r, blocks(&peer, r).await, got, &blob_spec()),
        Err(ResponseError::SidecarBlockRootMismatch { .. })
    ));
}

#[tokio::test(start_paused = true)]
async fn reorder_sidecars_peer_sends_its_sidecars_backwards() {
    let peer = MockPeer::new(1, chain()).with_behaviour(Behaviour::ReorderSidecars);
    let r = range(0, 8);
    assert_eq!(slots(&blocks(&peer, r).await), [0, 1, 3, 4, 6, 7]);
    let got = sidecars(&peer, r).await;
    assert_eq!(
        sidecar_keys(&got),
        [(6, 1), (6, 0), (4, 1), (4, 0), (0, 1), (0, 0)]
    );
    assert_eq!(
        expect_sidecars_rejected(r, got),
        ResponseError::SidecarIndexOutOfSequence {
            slot: Slot(6),
            expected: 0,
            got: 1
        }
    );

    // One blob per block: the reversal shows as slots going down.
    let one_blob = Arc::new(TestChain::build(Slot(15), |_| false, |_| 1));
    let peer = MockPeer::new(2, Arc::clone(&one_blob)).with_behaviour(Behaviour::ReorderSidecars);
    let r = range(4, 3);
    let error = group_sidecars(
        r,
        &one_blob.blocks_in(r),
        sidecars(&peer, r).await,
        &blob_spec(),
    )
    .expect_err("rejected");
    assert_eq!(
        error,
        ResponseError::SidecarsOutOfOrder {
            previous: Slot(6),
            slot: Slot(5)
        }
    );
}

#[tokio::test(start_paused = true)]
async fn disconnecting_peer_fails_mid_request_after_its_virtual_delay() {
    let after = Duration::from_secs(3);
    let peer = MockPeer::new(1, chain()).with_behaviour(Behaviour::DisconnectMidRequest(after));
    let start = Instant::now();
    let mut request = pin!(peer.blocks_by_range(range(0, 8)));
    assert!(
        timeout(after - Duration::from_millis(1), &mut request)
            .await
            .is_err(),
        "still running just before the delay"
    );
    assert!(matches!(request.await, Err(RequestError::Disconnected)));
    assert_eq!(start.elapsed(), after);
    assert!(matches!(
        peer.blob_sidecars_by_range(range(0, 8)).await,
        Err(RequestError::Disconnected)
    ));
    assert_eq!(start.elapsed(), 2 * after);
}

#[tokio::test(start_paused = true)]
async fn head_liar_reports_a_head_it_cannot_serve() {
    let peer = MockPeer::new(1, chain())
        .with_head(Slot(40))
        .with_head_lie(100);
    assert_eq!(peer.head_slot(), Slot(140));
    assert_eq!(
        blocks(&peer, range(32, 16)).await.last().map(|b| b.slot),
        Some(Slot(40)),
        "served up to the true head"
    );
    assert!(blocks(&peer, range(41, 16)).await.is_empty());

    peer.set_head(Slot(50));
    assert_eq!(peer.head_slot(), Slot(140), "reported at the next status");
    peer.refresh_status().await.expect("status refreshed");
    assert_eq!(peer.head_slot(), Slot(150), "the lie follows the true head");
}

#[tokio::test(start_paused = true)]
async fn finality_liar_reports_its_lie_whatever_its_true_finality() {
    let peer = MockPeer::new(1, chain())
        .with_finalized_epoch(Epoch(1))
        .with_finality_lie(Epoch(500));
    assert_eq!(peer.finalized_epoch(), Epoch(500));
    peer.set_finalized_epoch(Epoch(2));
    peer.refresh_status().await.expect("status refreshed");
    assert_eq!(peer.finalized_epoch(), Epoch(500));
    assert_eq!(peer.head_slot(), Slot(63), "its head is the truth");
    assert_eq!(slots(&blocks(&peer, range(0, 5)).await), [0, 1, 3, 4]);
}

#[tokio::test(start_paused = true)]
async fn pruned_peer_refuses_ranges_starting_below_its_earliest_slot() {
    let peer = MockPeer::new(1, chain()).with_pruned_history(Slot(32));
    assert_eq!(peer.earliest_available_slot(), Some(Slot(32)));
    for r in [range(0, 8), range(31, 4)] {
        assert!(matches!(
            peer.blocks_by_range(r).await,
            Err(RequestError::ResourceUnavailable)
        ));
        assert!(matches!(
            peer.blob_sidecars_by_range(r).await,
            Err(RequestError::ResourceUnavailable)
        ));
    }
    assert_eq!(slots(&blocks(&peer, range(32, 4)).await), [33, 34]);
    assert_eq!(
        sidecar_keys(&sidecars(&peer, range(32, 4)).await),
        [(34, 0), (34, 1)]
    );

    // Pruning wins over a script, which is still used up by the refused request.
    peer.script(range(16, 8), [Behaviour::Timeout]);
    assert!(matches!(
        peer.blocks_by_range(range(16, 8)).await,
        Err(RequestError::ResourceUnavailable)
    ));
    assert_eq!(peer.requests().len(), 7, "refused requests are recorded");
}

#[test]
fn adversaries_are_one_peer_of_each_kind_with_consecutive_keys() {
    let peers = adversaries(chain(), 100);
    let names: Vec<&str> = peers.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        names,
        [
            "liar-fork",
            "head-liar",
            "finality-liar",
            "out-of-range",
            "unordered",
            "duplicate-slots",
            "empty",
            "withhold-sidecars",
            "corrupt-sidecars",
            "reorder-sidecars",
            "invalid-blocks",
            "disconnects",
            "timeouts",
            "rate-limits",
            "stalls",
            "pruned",
        ]
    );
    let keys: Vec<u32> = peers.iter().map(|(_, peer)| peer.key()).collect();
    assert_eq!(keys, (100..116).collect::<Vec<u32>>());
    let behaviour = |name: &str| {
        peers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, peer)| peer.behaviour())
    };
    assert_eq!(behaviour("invalid-blocks"), Some(Behaviour::InvalidBlocks));
    assert_eq!(
        behaviour("disconnects"),
        Some(Behaviour::DisconnectMidRequest(
            MockPeer::ADVERSARY_DISCONNECT_AFTER
        ))
    );
    assert_eq!(behaviour("head-liar"), Some(Behaviour::Honest));
}

/// How `peer` gives itself away on range `r` of `chain`: a status lie, an error, a stall,
/// an empty answer, a rejected response or a block the verifier refuses.
async fn symptom(peer: &MockPeer, chain: &TestChain, r: SyncRange) -> String {
    let spec = blob_spec();
    let head = chain.blocks().last().expect("a chain").slot;
    if peer.head_slot() != head {
        return "head lie".into();
    }
    if peer.finalized_epoch().start_slot(spec.slots_per_epoch) > head {
        return "finality lie".into();
    }
    let hour = Duration::from_secs(3600);
    let error_name = |e: RequestError| {
        let debug = format!("{e:?}");
        debug
            .split([' ', '{', '('])
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let got_blocks = match timeout(hour, peer.blocks_by_range(r)).await {
        Err(_) => return "stall".into(),
        Ok(Err(e)) => return error_name(e),
        Ok(Ok(b)) => b,
    };
    let got_sidecars = match timeout(hour, peer.blob_sidecars_by_range(r)).await {
        Err(_) => return "stall".into(),
        Ok(Err(e)) => return error_name(e),
        Ok(Ok(s)) => s,
    };
    if got_blocks.is_empty() {
        return "empty".into();
    }
    if check_blocks(r, &got_blocks).is_err() {
        return "blocks rejected".into();
    }
    let Ok(response) = ValidatedResponse::with_sidecars(r, got_blocks, got_sidecars, &spec) else {
        return "sidecars rejected".into();
    };
    let parent = chain
        .block_at(r.start().saturating_sub(1))
        .expect("test ranges follow a block");
    let outcomes = ChainVerifier::forward(parent)
        .verify_segment(response.into_blocks(), false)
        .await
        .expect("no fault");
    outcomes
        .iter()
        .find(|o| **o != BlockOutcome::Ok)
        .map_or_else(|| "honest".into(), |o| format!("{o:?}"))
}

#[tokio::test(start_paused = true)]
async fn every_adversary_gives_itself_away() {
    let chain = chain();
    let r = range(16, 16); // block 15 before it; blocks with blobs at 16, 18, ...
    let mut got = Vec::new();
    for (name, peer) in adversaries(Arc::clone(&chain), 1) {
        got.push((name, symptom(&peer, &chain, r).await));
    }
    let expected = [
        ("liar-fork", "MissingParent"),
        ("head-liar", "head lie"),
        ("finality-liar", "finality lie"),
        ("out-of-range", "blocks rejected"),
        ("unordered", "blocks rejected"),
        ("duplicate-slots", "blocks rejected"),
        ("empty", "empty"),
        ("withhold-sidecars", "sidecars rejected"),
        ("corrupt-sidecars", "sidecars rejected"),
        ("reorder-sidecars", "sidecars rejected"),
        ("invalid-blocks", "Invalid"),
        ("disconnects", "Disconnected"),
        ("timeouts", "Timeout"),
        ("rate-limits", "RateLimited"),
        ("stalls", "stall"),
        ("pruned", "ResourceUnavailable"),
    ];
    let got: Vec<(&str, &str)> = got.iter().map(|(n, s)| (*n, s.as_str())).collect();
    assert_eq!(got, expected);
    let honest = MockPeer::new(0, Arc::clone(&chain));
    assert_eq!(symptom(&honest, &chain, r).await, "honest");
}
