//! Verifying results in order and scoring peers (spec A.5.6, A.5.7).

mod common;

use common::{Harness, empty, expect_advanced, expect_score, expect_verdict, slots};
use sync_queue::{PushOutcome, QueueConfig, Verdict};
use sync_types::{
    BlockOutcome, Cursor, ResponseKind, ScoredPeer, Slot, ValidatedResponse, VerifierFault,
    score::{PEER_SCORE_BAD_VALUES, PEER_SCORE_PROVEN_FAULT, PEER_SCORE_UNVIABLE_FORK},
    test_utils::{TestChain, TestPeer},
};

fn cfg() -> QueueConfig {
    QueueConfig::default().with_chunk_size(32)
}

#[tokio::test(start_paused = true)]
async fn in_order_results_are_verified_and_reward_the_peer() {
    let h = Harness::forward(TestChain::full(Slot(95)), 0, 95, cfg());
    let p = TestPeer::new(1);
    for expected_out in [32, 64, 96] {
        let t = h.pop(95, &p);
        let outcome = h.push_honest(t).await;
        expect_advanced(&outcome, 32);
        assert_eq!(h.queue.output_slot(), Cursor::At(Slot(expected_out)));
    }
    assert_eq!(
        h.verifier.imported(),
        slots(1..=95),
        "genesis was known already"
    );
    expect_score(&p, 300);
    assert_eq!(p.stats(ResponseKind::Good), 3);
    assert_eq!((h.queue.len(), h.queue.progress()), (0, 96));
    assert_eq!(h.queue.outstanding(), 0);
}

#[tokio::test(start_paused = true)]
async fn backward_results_are_verified_from_the_top_down() {
    let chain = TestChain::build(Slot(100), |s| s.0 % 7 == 3, |_| 0);
    let h = Harness::backward(chain.clone(), 100, 0, cfg());
    let p = TestPeer::new(1);
    while !h.queue.is_empty() {
        let t = h.pop(100, &p);
        expect_verdict(&h.push_honest(t).await, Verdict::Accepted);
    }
    let mut want: Vec<Slot> = chain
        .blocks()
        .iter()
        .map(|b| b.slot)
        .filter(|s| s.0 < 100)
        .collect();
    want.reverse();
    assert_eq!(h.verifier.imported(), want);
    assert_eq!(
        h.queue.output_slot(),
        Cursor::Beyond,
        "done below genesis, without wrapping"
    );
    assert_eq!(h.queue.progress(), 100);
}

#[tokio::test(start_paused = true)]
async fn backward_sidecars_stay_with_their_own_block() {
    // Seed bug D.7: blobs were indexed by a counter of verified blocks, and backward
    // verification walks blocks in reverse, so blocks got another block's blobs.
    let chain = TestChain::build(Slot(64), |s| s.0 % 5 == 0, |s| s.0 % 4);
    let h = Harness::backward(chain, 64, 1, cfg());
    let p = TestPeer::new(1);
    while !h.queue.is_empty() {
        let t = h.pop(64, &p);
        let response = h.honest_with_sidecars(&t);
        expect_verdict(&h.queue.push(t, response, false).await, Verdict::Accepted);
    }
    expect_score(&p, 200);
}

#[tokio::test(start_paused = true)]
async fn an_invalid_block_costs_the_peer_1000_and_the_range_is_retried() {
    let h = Harness::forward(TestChain::full(Slot(63)), 0, 63, cfg());
    h.verifier.script(Slot(5), BlockOutcome::Invalid);
    let bad = TestPeer::new(1);
    let t = h.pop(63, &bad);
    expect_verdict(&h.push_honest(t).await, Verdict::Invalid);
    expect_score(&bad, PEER_SCORE_BAD_VALUES);
    assert_eq!(h.queue.output_slot(), Cursor::At(Slot(0)));
    assert_eq!(h.queue.debt_len(), 32);
    h.verifier.unscript(Slot(5));
    let good = TestPeer::new(2);
    let t = h.pop(63, &good);
    assert_eq!(t.range, common::range(0, 32));
    expect_advanced(&h.push_honest(t).await, 32);
    expect_score(&good, 100);
    assert_eq!(h.queue.stats().rewinds, 0, "invalid blocks never rewind");
}

#[tokio::test(start_paused = true)]
async fn an_unviable_fork_costs_200_and_every_block_still_reaches_the_verifier() {
    let h = Harness::forward(TestChain::full(Slot(63)), 0, 63, cfg());
    h.verifier.script(Slot(29), BlockOutcome::UnviableFork);
    h.verifier.script(Slot(30), BlockOutcome::UnviableFork);
    h.verifier.script(Slot(31), BlockOutcome::UnviableFork);
    let p = TestPeer::new(1);
    let t = h.pop(63, &p);
    expect_verdict(&h.push_honest(t).await, Verdict::UnviableFork);
    expect_score(&p, -200);
    assert_eq!(
        h.verifier.presented(),
        slots(0..=31),
        "unviable blocks do not stop the segment"
    );
    assert_eq!(h.queue.debt_len(), 32);
}

#[tokio::test(start_paused = true)]
async fn invalid_and_unviable_in_one_response_cost_both_penalties() {
    let h = Harness::forward(TestChain::full(Slot(63)), 0, 63, cfg());
    h.verifier.script(Slot(30), BlockOutcome::UnviableFork);
    h.verifier.script(Slot(31), BlockOutcome::Invalid);
    let p = TestPeer::new(1);
    let t = h.pop(63, &p);
    expect_verdict(&h.push_honest(t).await, Verdict::Invalid);
    expect_score(&p, PEER_SCORE_BAD_VALUES + PEER_SCORE_UNVIABLE_FORK);
}

#[tokio::test(start_paused = true)]
async fn missing_sidecars_are_a_proven_fault_and_the_range_is_retried() {
    let h = Harness::forward(TestChain::full(Slot(63)), 0, 63, cfg());
    h.verifier.script(Slot(7), BlockOutcome::MissingSidecars);
    let p = TestPeer::new(1);
    let t = h.pop(63, &p);
    expect_verdict(&h.push_honest(t).await, Verdict::MissingSidecars);
    expect_score(&p, PEER_SCORE_PROVEN_FAULT);
    assert_eq!(h.queue.debt_len(), 32);
}

#[tokio::test(start_paused = true)]
async fn a_fault_of_our_verifier_never_costs_the_peer_score() {
    let h = Harness::forward(TestChain::full(Slot(63)), 0, 63, cfg());
    let p = TestPeer::new(1);
    for fault in [
        VerifierFault::Storage,
        VerifierFault::Shutdown,
        VerifierFault::Overloaded,
    ] {
        h.verifier.fail_next(fault);
        let t = h.pop(63, &p);
        expect_verdict(&h.push_honest(t).await, Verdict::OurFault(fault));
        expect_score(&p, 0);
        assert_eq!(h.queue.debt_len(), 32, "the range is handed out again");
    }
    assert_eq!(h.queue.stats().verifier_faults, 3);
    let t = h.pop(63, &p);
    expect_advanced(&h.push_honest(t).await, 32);
}

#[tokio::test(start_paused = true)]
async fn a_response_of_duplicates_only_is_not_counted_as_empty() {
    // Seed bug D.16: duplicates counted as an Empty stat, inflating gap penalties.
    let h = Harness::forward(TestChain::full(Slot(63)), 0, 63, cfg());
    let p = TestPeer::new(1);
    let t = h.pop(63, &p);
    h.push_honest(t).await;
    h.queue.reset(Some(Slot(0)));
    let q = TestPeer::new(2);
    let t = h.pop(63, &q);
    let outcome = h.push_honest(t).await;
    match &outcome {
        PushOutcome::Processed(r) => {
            assert_eq!((r.imported, r.duplicates, r.advanced), (0, 32, 32));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(q.stats(ResponseKind::Empty), 0);
    assert_eq!(q.stats(ResponseKind::Good), 0);
    expect_score(&q, 0);
}

#[tokio::test(start_paused = true)]
async fn maybe_finalized_reaches_the_verifier() {
    let h = Harness::forward(TestChain::full(Slot(63)), 0, 63, cfg());
    let p = TestPeer::new(1);
    let t = h.pop(63, &p);
    let response = h.honest(&t);
    h.queue.push(t, response, true).await;
    assert_eq!(h.verifier.maybe_finalized_calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_good_response_pays_every_peer_in_the_gap_list() {
    // Slots 32..63 are truly empty; peers 1 and 2 say so and land in the gap list, then a
    // good response from peer 3 proves them right: +100 each.
    let chain = TestChain::build(Slot(95), |s| (32..64).contains(&s.0), |_| 0);
    let h = Harness::forward(chain, 0, 95, cfg());
    let (p1, p2, p3) = (TestPeer::new(1), TestPeer::new(2), TestPeer::new(3));
    let t = h.pop(95, &p3);
    h.push_honest(t).await;
    let t = h.pop(95, &p1);
    expect_verdict(&h.push_empty(t).await, Verdict::EmptyNeedsConfirmation);
    let t = h.pop(95, &p2);
    assert_eq!(t.range, common::range(32, 32));
    expect_advanced(&h.push_empty(t).await, 32);
    let t = h.pop(95, &p3);
    expect_advanced(&h.push_honest(t).await, 32);
    expect_score(&p1, 100);
    expect_score(&p2, 100);
    expect_score(&p3, 200);
}

#[tokio::test(start_paused = true)]
async fn an_empty_range_is_not_skipped_on_the_word_of_one_peer() {
    // Seed bug D.19: forward sync moved past an empty answer from a single peer.
    let h = Harness::forward(TestChain::full(Slot(95)), 0, 95, cfg());
    let liar = TestPeer::new(1);
    let t = h.pop(95, &liar);
    expect_verdict(&h.push_empty(t).await, Verdict::EmptyNeedsConfirmation);
    assert_eq!(h.queue.output_slot(), Cursor::At(Slot(0)));
    assert_eq!(liar.stats(ResponseKind::Empty), 1);
    // The same peer is not asked again for that range: it gets the next one instead.
    let t = h.pop(95, &liar);
    assert_eq!(t.range, common::range(32, 32));
    drop(t);
    let honest = TestPeer::new(2);
    let t = h.pop(95, &honest);
    assert_eq!(t.range, common::range(0, 32));
    expect_advanced(&h.push_honest(t).await, 32);
    assert_eq!(h.verifier.imported().len(), 31);
}

#[tokio::test(start_paused = true)]
async fn with_one_confirmation_an_empty_range_is_skipped_as_in_the_seed() {
    let chain = TestChain::build(Slot(63), |s| s.0 >= 32, |_| 0);
    let h = Harness::forward(chain, 0, 63, cfg().with_empty_confirmations(1));
    let p = TestPeer::new(1);
    let t = h.pop(63, &p);
    h.push_honest(t).await;
    let t = h.pop(63, &p);
    expect_advanced(&h.push_empty(t).await, 32);
    assert!(h.queue.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_partially_known_result_advances_only_by_its_new_slots() {
    let h = Harness::forward(TestChain::full(Slot(95)), 0, 95, cfg());
    let p = TestPeer::new(1);
    let t = h.pop(95, &p);
    // Finality moves to 10 while the request is out: the output jumps there at the next pop.
    h.set_safe(10);
    let t2 = h.pop(95, &p);
    assert_eq!(h.queue.output_slot(), Cursor::At(Slot(10)));
    expect_advanced(&h.push_honest(t).await, 22);
    expect_advanced(&h.push_honest(t2).await, 32);
    assert_eq!(h.queue.output_slot(), Cursor::At(Slot(64)));
}

#[tokio::test(start_paused = true)]
async fn a_stale_result_after_a_reset_is_dropped_at_once() {
    let h = Harness::forward(TestChain::full(Slot(63)), 0, 63, cfg());
    let p = TestPeer::new(1);
    let t = h.pop(63, &p);
    h.queue.reset(None);
    let response = empty(t.range);
    assert_eq!(h.queue.push(t, response, false).await, PushOutcome::Stale);
    assert_eq!(h.verifier.calls(), 0);
    let t = h.pop(63, &p);
    assert_eq!(
        t.range,
        common::range(0, 32),
        "the range is handed out again"
    );
    let response =
        ValidatedResponse::blocks_only(t.range, h.chain.blocks_in(t.range)).expect("valid");
    expect_advanced(&h.queue.push(t, response, false).await, 32);
}

#[tokio::test(start_paused = true)]
async fn the_gap_list_keeps_only_the_most_recent_vouchers() {
    let chain = TestChain::build(Slot(191), |s| (32..160).contains(&s.0), |_| 0);
    let config = cfg().with_empty_confirmations(1);
    let config = sync_queue::QueueConfig {
        max_gap_entries: 2,
        ..config
    };
    let h = Harness::forward(chain, 0, 191, config);
    let t = h.pop(191, &TestPeer::new(100));
    h.push_honest(t).await;
    let vouchers: Vec<TestPeer> = (1..=4).map(TestPeer::new).collect();
    for p in &vouchers {
        let t = h.pop(191, p);
        expect_advanced(&h.push_empty(t).await, 32);
    }
    let t = h.pop(191, &TestPeer::new(200));
    expect_advanced(&h.push_honest(t).await, 32);
    let changes: Vec<i64> = vouchers.iter().map(TestPeer::score_change).collect();
    assert_eq!(changes, [0, 0, 100, 100]);
}

#[tokio::test(start_paused = true)]
async fn a_peer_that_answered_empty_pays_when_another_peer_returns_blocks() {
    let h = Harness::forward(TestChain::full(Slot(63)), 0, 63, cfg());
    let withholder = TestPeer::new(1);
    let t = h.pop(63, &withholder);
    expect_verdict(&h.push_empty(t).await, Verdict::EmptyNeedsConfirmation);
    expect_score(&withholder, 0);
    let honest = TestPeer::new(2);
    let t = h.pop(63, &honest);
    expect_advanced(&h.push_honest(t).await, 32);
    expect_score(&withholder, PEER_SCORE_PROVEN_FAULT);
    expect_score(&honest, 100);
}

#[tokio::test(start_paused = true)]
async fn a_peer_below_zero_earns_nothing_from_answers_it_gave_before() {
    // A proven fault took the peer below zero while an earlier answer of its waited for
    // its turn: verifying that answer must not lift it back into the pool.
    let h = Harness::forward(TestChain::full(Slot(63)), 0, 63, cfg());
    let p = TestPeer::new(1);
    let t = h.pop(63, &p);
    p.update_score(PEER_SCORE_BAD_VALUES);
    let before = p.score();
    expect_advanced(&h.push_honest(t).await, 32);
    assert_eq!(p.score(), before);
}
