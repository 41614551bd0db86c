//! Liveness of barred ranges: a range a peer answered empty or wrongly goes to another
//! peer at once, back to a barred peer only when nobody else can serve it, and a peer
//! is only asked for what it declared it has.

mod common;

use std::time::Duration;

use common::{Harness, expect_advanced, expect_score, expect_verdict};
use sync_queue::{NoRequest, PeerReach, QueueConfig, Verdict};
use sync_types::{
    BlockOutcome, ScoredPeer, Slot, SyncRange,
    score::{PEER_SCORE_BAD_VALUES, PEER_SCORE_PROVEN_FAULT},
    test_utils::{TestChain, TestPeer},
};

fn cfg() -> QueueConfig {
    QueueConfig::default().with_chunk_size(32)
}

/// The reach of every peer listed, all serving up to `head`.
fn everyone(head: u64, peers: &[&TestPeer]) -> Vec<(u32, PeerReach)> {
    peers
        .iter()
        .map(|p| (p.key(), PeerReach::up_to(Slot(head))))
        .collect()
}

/// Pop for `peer` (head `head`) with `present` the peers at hand, all serving up to `head`.
fn pop_among(
    h: &Harness,
    head: u64,
    peer: &TestPeer,
    present: &[&TestPeer],
) -> Result<common::Ticket, NoRequest> {
    h.queue
        .pop_for(PeerReach::up_to(Slot(head)), peer.clone(), || {
            everyone(head, present)
        })
}

#[tokio::test(start_paused = true)]
async fn a_peer_barred_from_the_only_range_left_hears_barred_not_exhausted() {
    // Slots 1..=31 are empty; only a second peer can confirm it.
    let chain = TestChain::build(Slot(31), |s| s.0 != 0, |_| 0);
    let h = Harness::forward(chain, 1, 31, cfg());
    let (a, b) = (TestPeer::new(1), TestPeer::new(2));
    let t = h.pop(31, &a);
    expect_verdict(&h.push_empty(t).await, Verdict::EmptyNeedsConfirmation);
    // The seed answered `Exhausted` here: the worker waited, took the same best peer
    // again, and the other peers were never asked.
    let again = pop_among(&h, 31, &a, &[&a, &b]);
    assert!(
        matches!(again, Err(NoRequest::Barred { .. })),
        "got {again:?}"
    );
    let t = h.pop(31, &b);
    assert_eq!(t.range, SyncRange::new(Slot(1), 31).expect("range"));
    expect_advanced(&h.push_empty(t).await, 31);
}

#[tokio::test(start_paused = true)]
async fn with_one_peer_an_empty_range_is_skipped_after_the_barred_wait() {
    let chain = TestChain::build(Slot(31), |s| s.0 != 0, |_| 0);
    let h = Harness::forward(chain, 1, 31, cfg());
    let only = TestPeer::new(1);
    let alone = [&only];
    let t = h.pop(31, &only);
    expect_verdict(&h.push_empty(t).await, Verdict::EmptyNeedsConfirmation);
    let first = pop_among(&h, 31, &only, &alone);
    let Err(NoRequest::Barred { retry_in }) = first else {
        panic!("expected Barred, got {first:?}");
    };
    assert_eq!(retry_in, QueueConfig::default().barred_wait);
    tokio::time::advance(retry_in).await;
    let t = pop_among(&h, 31, &only, &alone)
        .expect("the bar is lifted: nobody else can serve the range");
    expect_advanced(&h.push_empty(t).await, 31);
    assert!(h.queue.is_empty());
    let stats = h.queue.stats();
    assert_eq!(stats.empty_skipped_unconfirmed, 1);
    assert_eq!(stats.barred_lifts, 1);
    expect_score(&only, 0);
}

#[tokio::test(start_paused = true)]
async fn a_barred_range_is_not_lifted_while_another_present_peer_can_serve_it() {
    let chain = TestChain::build(Slot(31), |s| s.0 != 0, |_| 0);
    let h = Harness::forward(chain, 1, 31, cfg());
    let (a, b) = (TestPeer::new(1), TestPeer::new(2));
    let t = h.pop(31, &a);
    h.push_empty(t).await;
    tokio::time::advance(Duration::from_secs(3600)).await;
    let again = pop_among(&h, 31, &a, &[&a, &b]);
    assert!(matches!(again, Err(NoRequest::Barred { .. })), "{again:?}");
    // A present peer that cannot reach the range does not count.
    let pruned = vec![
        (a.key(), PeerReach::up_to(Slot(31))),
        (b.key(), PeerReach::new(Some(Slot(16)), Slot(31))),
    ];
    let lifted = h
        .queue
        .pop_for(PeerReach::up_to(Slot(31)), a.clone(), move || {
            pruned.clone()
        });
    assert!(lifted.is_ok(), "{lifted:?}");
}

#[tokio::test(start_paused = true)]
async fn the_barred_wait_doubles_with_each_lift() {
    let chain = TestChain::full(Slot(31));
    let h = Harness::forward(chain, 1, 31, cfg());
    // The last block is invalid every time: the range keeps failing for the only peer.
    h.verifier.script(Slot(31), BlockOutcome::Invalid);
    let only = TestPeer::new(1);
    let alone = [&only];
    let t = h.pop(31, &only);
    expect_verdict(&h.push_honest(t).await, Verdict::Invalid);
    let mut waits = Vec::new();
    for _ in 0..3 {
        let Err(NoRequest::Barred { retry_in }) = pop_among(&h, 31, &only, &alone) else {
            panic!("expected Barred");
        };
        waits.push(retry_in.as_secs());
        tokio::time::advance(retry_in).await;
        let t = pop_among(&h, 31, &only, &alone).expect("lifted");
        expect_verdict(&h.push_honest(t).await, Verdict::Invalid);
    }
    assert_eq!(waits, [2, 4, 8]);
}

#[test]
fn a_peer_is_never_handed_a_range_below_its_earliest_available_slot() {
    let h = Harness::forward(TestChain::full(Slot(127)), 1, 127, cfg());
    let pruned = TestPeer::new(1);
    let reach = PeerReach::new(Some(Slot(64)), Slot(127));
    let got = h.queue.pop_for(reach, pruned, Vec::new);
    assert_eq!(got.err(), Some(NoRequest::PeerBehind));
    let full = h.pop(127, &TestPeer::new(2));
    assert_eq!(full.range.start(), Slot(1));
}

#[test]
fn backward_a_pruned_peer_is_not_given_ranges_below_its_earliest_slot() {
    let h = Harness::backward(TestChain::full(Slot(128)), 128, 0, cfg());
    let pruned = TestPeer::new(1);
    let reach = PeerReach::new(Some(Slot(100)), Slot(200));
    let got = h.queue.pop_for(reach, pruned.clone(), Vec::new);
    assert_eq!(
        got.err(),
        Some(NoRequest::PeerBehind),
        "96..=127 starts below 100"
    );
    let reach = PeerReach::new(Some(Slot(90)), Slot(200));
    let t = h.queue.pop_for(reach, pruned, Vec::new).expect("covered");
    assert_eq!(t.range, SyncRange::new(Slot(96), 32).expect("range"));
}

#[tokio::test(start_paused = true)]
async fn a_failed_range_below_a_peers_earliest_slot_goes_to_another_peer() {
    let h = Harness::forward(TestChain::full(Slot(127)), 1, 127, cfg());
    let first = h.pop(127, &TestPeer::new(1));
    h.queue.push_failed(first); // 1..=32 back as a debt
    let pruned = TestPeer::new(2);
    let reach = PeerReach::new(Some(Slot(40)), Slot(127));
    let got = h.queue.pop_for(reach, pruned, Vec::new);
    assert_eq!(got.err(), Some(NoRequest::PeerBehind));
    let t = h.pop(127, &TestPeer::new(3));
    assert_eq!(t.range.start(), Slot(1));
}

#[tokio::test(start_paused = true)]
async fn with_only_ranges_below_its_earliest_slot_left_a_peer_is_behind_not_done() {
    // Every fresh range is out and the only range left lies below the pruned peer's
    // history: the pruned peer is behind it (set aside, so that a peer that can serve it
    // gets a turn), not finished. Saying `Exhausted` kept it first in line for every idle
    // worker while lower-ranked peers that could serve the range never got one (sweep seed
    // 1781 hung so).
    let h = Harness::forward(TestChain::full(Slot(127)), 1, 127, cfg());
    let a = TestPeer::new(1);
    let first = h.pop(127, &a);
    let _rest: Vec<_> = (0..3).map(|_| h.pop(127, &a)).collect();
    h.queue.push_failed(first); // 1..=32 back as a debt; nothing fresh is left
    let pruned = TestPeer::new(2);
    let reach = PeerReach::new(Some(Slot(40)), Slot(127));
    let got = h.queue.pop_for(reach, pruned, Vec::new);
    assert_eq!(got.err(), Some(NoRequest::PeerBehind));
    let full = h
        .queue
        .pop_for(PeerReach::up_to(Slot(127)), TestPeer::new(3), Vec::new);
    assert_eq!(full.expect("the debt").range.start(), Slot(1));
}

#[tokio::test(start_paused = true)]
async fn a_hole_inside_a_peers_own_linked_answer_is_a_proven_fault() {
    let h = Harness::forward(TestChain::full(Slot(63)), 1, 63, cfg());
    h.verifier.script(Slot(20), BlockOutcome::MissingParent);
    let p = TestPeer::new(1);
    let t = h.pop(63, &p);
    let outcome = h.push_honest(t).await;
    assert!(
        matches!(
            &outcome,
            sync_queue::PushOutcome::Processed(r)
                if matches!(r.verdict, Verdict::MissingParent { rewind: None, .. })
        ),
        "{outcome:?}"
    );
    expect_score(&p, PEER_SCORE_PROVEN_FAULT);
}

#[tokio::test(start_paused = true)]
async fn backward_an_unlinked_answer_pays_once_another_peer_proves_the_range() {
    let chain = TestChain::full(Slot(128));
    let h = Harness::backward(chain, 128, 0, cfg());
    let liar = TestPeer::new(1);
    let t = h.pop(200, &liar);
    let range = t.range;
    // Blocks of another fork: the verifier finds the first (highest) one unlinked.
    h.verifier.script(range.last(), BlockOutcome::MissingParent);
    let outcome = h.push_honest(t).await;
    assert!(
        matches!(&outcome, sync_queue::PushOutcome::Processed(r) if matches!(r.verdict, Verdict::MissingParent { .. })),
        "{outcome:?}"
    );
    // Not charged yet (the seed charged -25 at once, whoever was at fault)...
    expect_score(&liar, 0);
    h.verifier.unscript(range.last());
    let honest = TestPeer::new(2);
    let t = h.pop(200, &honest);
    assert_eq!(t.range, range);
    expect_advanced(&h.push_honest(t).await, 32);
    // ...and the full penalty once another peer's answer for the range verifies.
    expect_score(&liar, PEER_SCORE_BAD_VALUES);
    expect_score(&honest, 100);
}

#[tokio::test(start_paused = true)]
async fn with_one_peer_a_repeated_missing_parent_still_reaches_the_rewind_threshold() {
    let chain = TestChain::full(Slot(95));
    let h = Harness::forward(chain, 1, 95, cfg());
    let only = TestPeer::new(1);
    let alone = [&only];
    let first = h.pop(95, &only);
    expect_advanced(&h.push_honest(first).await, 32);
    h.verifier.script(Slot(33), BlockOutcome::MissingParent);
    let t = h.pop(95, &only);
    let outcome = h.push_honest(t).await;
    expect_verdict(
        &outcome,
        Verdict::MissingParent {
            slot: Slot(33),
            rewind: None,
        },
    );
    tokio::time::advance(QueueConfig::default().barred_wait).await;
    let t = pop_among(&h, 95, &only, &alone).expect("lifted");
    h.verifier.script(Slot(33), BlockOutcome::MissingParent);
    let outcome = h.push_honest(t).await;
    assert!(
        matches!(&outcome, sync_queue::PushOutcome::Processed(r) if matches!(r.verdict, Verdict::MissingParent { rewind: Some(_), .. })),
        "the lone peer's repeat counts as the second failure: {outcome:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_peer_that_only_fails_the_range_is_not_waited_for() {
    // A rate-limits or times out on the range every time: it is not barred, but a peer
    // that answered the range empty must not wait for it forever.
    let chain = TestChain::build(Slot(31), |s| s.0 != 0, |_| 0);
    let h = Harness::forward(chain, 1, 31, cfg());
    let (honest, flaky) = (TestPeer::new(1), TestPeer::new(2));
    let both = [&honest, &flaky];
    let t = h.pop(31, &honest);
    expect_verdict(&h.push_empty(t).await, Verdict::EmptyNeedsConfirmation);
    let t = pop_among(&h, 31, &flaky, &both).expect("not barred for the flaky peer");
    h.queue.push_failed(t); // a timeout, say
    tokio::time::advance(QueueConfig::default().barred_wait).await;
    let t =
        pop_among(&h, 31, &honest, &both).expect("lifted: the only other peer already failed it");
    expect_advanced(&h.push_empty(t).await, 31);
}

#[tokio::test(start_paused = true)]
async fn a_peer_whose_request_failed_lets_another_peer_try_the_range_first() {
    // A stalling peer times out on the front range; it must not take it again (one
    // 30 s timeout after another) while another peer that has not tried is present.
    let h = Harness::forward(TestChain::full(Slot(63)), 1, 63, cfg());
    let (staller, honest) = (TestPeer::new(1), TestPeer::new(2));
    let both = [&staller, &honest];
    let t = pop_among(&h, 63, &staller, &both).expect("fresh range");
    let front = t.range;
    h.queue.push_failed(t);
    let again = pop_among(&h, 63, &staller, &both).expect("the next fresh range");
    assert_ne!(
        again.range, front,
        "the failed front range waits for the other peer"
    );
    let t = pop_among(&h, 63, &honest, &both).expect("the front range");
    assert_eq!(t.range, front);
    // Alone, the peer whose request failed gets the range back at once.
    let h = Harness::forward(TestChain::full(Slot(63)), 1, 63, cfg());
    let alone = [&staller];
    let t = pop_among(&h, 63, &staller, &alone).expect("fresh");
    let front = t.range;
    h.queue.push_failed(t);
    let t = pop_among(&h, 63, &staller, &alone).expect("retry");
    assert_eq!(t.range, front);
}
