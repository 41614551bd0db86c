//! Missing parents, the per-range failure counter and rewinds (spec A.5.6, A.5.8, C).

mod common;

use common::{Harness, expect_score, expect_verdict, range, slots};
use sync_queue::{QueueConfig, RewindPoint, Verdict};
use sync_types::{
    BlockOutcome, Cursor, Slot, ValidatedResponse,
    score::{PEER_SCORE_BAD_VALUES, PEER_SCORE_PROVEN_FAULT},
    test_utils::{TestChain, TestPeer},
};

fn cfg() -> QueueConfig {
    QueueConfig::default().with_chunk_size(32)
}

#[tokio::test(start_paused = true)]
async fn one_missing_parent_does_not_rewind_but_a_second_on_the_same_range_does() {
    let h = Harness::forward(TestChain::full(Slot(127)), 0, 127, cfg());
    let (x, y, z1, z2) = (
        TestPeer::new(1),
        TestPeer::new(2),
        TestPeer::new(3),
        TestPeer::new(4),
    );
    let t = h.pop(127, &z1);
    h.push_honest(t).await;
    // Two liars agree that 32..63 is empty: the queue moves past it.
    let t = h.pop(127, &x);
    expect_verdict(&h.push_empty(t).await, Verdict::EmptyNeedsConfirmation);
    let t = h.pop(127, &y);
    assert_eq!(t.range, range(32, 32));
    h.push_empty(t).await;
    assert_eq!(h.queue.output_slot(), Cursor::At(Slot(64)));
    // The next range does not link: one failure is retried, not rewound.
    let t = h.pop(127, &z1);
    expect_verdict(
        &h.push_honest(t).await,
        Verdict::MissingParent {
            slot: Slot(64),
            rewind: None,
        },
    );
    assert_eq!(h.queue.debt_len(), 32);
    assert_eq!(h.queue.stats().rewinds, 0);
    // A second failure on the same range rewinds one epoch.
    let t = h.pop(127, &z2);
    assert_eq!(t.range, range(64, 32));
    expect_verdict(
        &h.push_honest(t).await,
        Verdict::MissingParent {
            slot: Slot(64),
            rewind: Some(Slot(32)),
        },
    );
    assert_eq!(h.queue.output_slot(), Cursor::At(Slot(32)));
    assert_eq!(h.queue.stats().rewinds, 1);
    // The liars pay the escalated gap penalty (one empty, no good answer: -25 * 5/4).
    expect_score(&x, -31);
    expect_score(&y, -31);
    // An honest peer missing a parent with no good block before it is not blamed.
    expect_score(&z1, 100);
    expect_score(&z2, 0);
    h.drain_honest(127).await;
    assert_eq!(h.verifier.imported(), slots(1..=127));
}

#[tokio::test(start_paused = true)]
async fn with_a_threshold_of_one_the_first_missing_parent_rewinds_as_in_the_seed() {
    let chain = TestChain::full(Slot(127));
    let h = Harness::forward(
        chain,
        0,
        127,
        cfg()
            .with_rewind_failure_threshold(1)
            .with_empty_confirmations(1),
    );
    let p = TestPeer::new(1);
    let t = h.pop(127, &p);
    h.push_honest(t).await;
    let t = h.pop(127, &p);
    h.push_empty(t).await;
    let t = h.pop(127, &p);
    expect_verdict(
        &h.push_honest(t).await,
        Verdict::MissingParent {
            slot: Slot(64),
            rewind: Some(Slot(32)),
        },
    );
}

#[tokio::test(start_paused = true)]
async fn a_missing_parent_after_good_blocks_is_a_proven_fault_and_does_not_rewind() {
    let h = Harness::forward(TestChain::full(Slot(63)), 0, 63, cfg());
    h.verifier.script(Slot(20), BlockOutcome::MissingParent);
    let peers: Vec<TestPeer> = (1..=3).map(TestPeer::new).collect();
    for p in &peers {
        let t = h.pop(63, p);
        assert_eq!(
            t.range,
            range(0, 32),
            "each peer gets the failed range once"
        );
        let outcome = h.push_honest(t).await;
        expect_verdict(
            &outcome,
            Verdict::MissingParent {
                slot: Slot(20),
                rewind: None,
            },
        );
        // The hole is inside the peer's own linked answer (the seed charged -25).
        expect_score(p, PEER_SCORE_PROVEN_FAULT);
    }
    assert_eq!(h.queue.stats().rewinds, 0);
}

#[tokio::test(start_paused = true)]
async fn a_failed_range_is_not_handed_back_to_the_peer_whose_answer_failed() {
    let h = Harness::forward(TestChain::full(Slot(95)), 0, 95, cfg());
    h.verifier.script(Slot(20), BlockOutcome::Invalid);
    let p = TestPeer::new(1);
    let t = h.pop(95, &p);
    h.push_honest(t).await;
    let t = h.pop(95, &p);
    assert_eq!(
        t.range,
        range(32, 32),
        "the failed range waits for another peer"
    );
    drop(t);
    let t = h.pop(95, &TestPeer::new(2));
    assert_eq!(t.range, range(0, 32));
}

#[tokio::test(start_paused = true)]
async fn a_peer_whose_answer_did_not_link_pays_when_another_peer_s_answer_verifies() {
    // The fork peer's answer for 32..63 does not link; an honest answer for the same
    // range does, so the fork peer served another chain: a proven fault, and no rewind.
    let h = Harness::forward(TestChain::full(Slot(127)), 0, 127, cfg());
    let t = h.pop(127, &TestPeer::new(9));
    h.push_honest(t).await;
    let liar = TestPeer::new(1);
    let t = h.pop(127, &liar);
    let response = fork_response(&h, &t);
    expect_verdict(
        &h.queue.push(t, response, false).await,
        Verdict::MissingParent {
            slot: Slot(32),
            rewind: None,
        },
    );
    expect_score(&liar, 0);
    let honest = TestPeer::new(2);
    let t = h.pop(127, &honest);
    assert_eq!(t.range, range(32, 32));
    expect_verdict(&h.push_honest(t).await, Verdict::Accepted);
    expect_score(&liar, PEER_SCORE_BAD_VALUES);
    expect_score(&honest, 100);
    assert_eq!(h.queue.stats().rewinds, 0);
}

#[tokio::test(start_paused = true)]
async fn a_missing_parent_at_or_below_the_finalized_slot_costs_1000() {
    let h = Harness::forward(TestChain::full(Slot(127)), 0, 127, cfg());
    h.set_safe(40);
    let p = TestPeer::new(1);
    let t = h.pop(127, &p);
    assert_eq!(t.range, range(40, 32));
    // The verifier lacks block 39: the peer's chain does not link to our finalized one.
    expect_verdict(
        &h.push_honest(t).await,
        Verdict::MissingParent {
            slot: Slot(40),
            rewind: None,
        },
    );
    expect_score(&p, PEER_SCORE_BAD_VALUES);
}

#[tokio::test(start_paused = true)]
async fn a_rewind_inside_the_finalized_epoch_is_reported_as_exhausted() {
    let h = Harness::forward(TestChain::full(Slot(127)), 33, 127, cfg());
    h.set_safe(32);
    h.verifier.script(Slot(33), BlockOutcome::MissingParent);
    for key in [1, 2] {
        let t = h.pop(127, &TestPeer::new(key));
        h.push_honest(t).await;
    }
    let stats = h.queue.stats();
    assert_eq!((stats.rewinds, stats.rewinds_exhausted), (1, 1));
    assert_eq!(
        h.queue.output_slot(),
        Cursor::At(Slot(32)),
        "never below the finalized slot"
    );
}

#[test]
fn the_queue_rewind_point_doubles_on_repeated_failures_and_respects_finality() {
    let h = Harness::forward(TestChain::full(Slot(0)), 0, 1000, cfg());
    let got: Vec<u64> = (0..6)
        .map(|_| h.queue.rewind_point(Slot(320), Slot(0)).slot.0)
        .collect();
    assert_eq!(got, [288, 256, 192, 64, 0, 0]);
    assert_eq!(
        h.queue.rewind_point(Slot(70), Slot(64)),
        RewindPoint {
            slot: Slot(64),
            exhausted: true
        }
    );
}

#[test]
fn peeking_at_the_rewind_point_leaves_the_rewind_memory_alone() {
    let h = Harness::forward(TestChain::full(Slot(0)), 0, 1000, cfg());
    for _ in 0..3 {
        assert_eq!(
            h.queue.peek_rewind_point(Slot(320), Slot(0)).slot,
            Slot(288)
        );
    }
    assert_eq!(h.queue.rewind_point(Slot(320), Slot(0)).slot, Slot(288));
    assert_eq!(
        h.queue.peek_rewind_point(Slot(320), Slot(0)).slot,
        Slot(256),
        "the peek sees the doubled rewind the next call would make"
    );
    assert_eq!(h.queue.rewind_point(Slot(320), Slot(0)).slot, Slot(256));
}

fn fork_response(h: &Harness, t: &common::Ticket) -> common::Response {
    let fork = TestChain::build_fork(Slot(100), 9, |_| false, |_| 0);
    let _ = h;
    ValidatedResponse::blocks_only(t.range, fork.blocks_in(t.range)).expect("valid")
}

#[tokio::test(start_paused = true)]
async fn backward_unlinked_answers_are_not_charged_at_once_and_the_second_rewinds_to_the_safe_slot()
{
    let h = Harness::backward(TestChain::full(Slot(100)), 100, 0, cfg());
    let liars = [TestPeer::new(1), TestPeer::new(2)];
    for (liar, expected_rewind) in liars.iter().zip([None, Some(Slot(100))]) {
        // A peer whose answer failed is not asked for the range again: a second liar.
        let t = h.pop(100, liar);
        let response = fork_response(&h, &t);
        let outcome = h.queue.push(t, response, false).await;
        let verdict = Verdict::MissingParent {
            slot: Slot(99),
            rewind: expected_rewind,
        };
        expect_verdict(&outcome, verdict);
        // The hole may be in what we accepted before: charged only if another peer's
        // answer for the range verifies (the seed charged -25 at once).
        expect_score(liar, 0);
    }
    assert_eq!(h.queue.output_slot(), Cursor::At(Slot(100)));
    h.drain_honest(100).await;
    let want: Vec<Slot> = (0..=99).rev().map(Slot).collect();
    assert_eq!(h.verifier.imported(), want);
}

#[tokio::test(start_paused = true)]
async fn backward_missing_parent_at_or_above_the_safe_slot_costs_1000() {
    let h = Harness::backward(TestChain::full(Slot(100)), 100, 0, cfg());
    let liar = TestPeer::new(1);
    let t = h.pop(100, &liar);
    h.set_safe(50);
    let response = fork_response(&h, &t);
    let outcome = h.queue.push(t, response, false).await;
    expect_verdict(
        &outcome,
        Verdict::MissingParent {
            slot: Slot(99),
            rewind: None,
        },
    );
    expect_score(&liar, PEER_SCORE_BAD_VALUES);
}

#[tokio::test(start_paused = true)]
async fn gap_penalties_escalate_with_a_peer_s_excess_of_empty_answers() {
    // Peer 1 answers three ranges empty (each confirmed by a fresh peer) and none good:
    // w = 3, so the gap penalty is -25 - 25*3/4 = -43 for each of its gap entries.
    let h = Harness::forward(TestChain::full(Slot(191)), 0, 191, cfg());
    let liar = TestPeer::new(1);
    let t = h.pop(191, &TestPeer::new(50));
    h.push_honest(t).await;
    let mut key = 100;
    for _ in 0..3 {
        let t = h.pop(191, &liar);
        h.push_empty(t).await;
        key += 1;
        let t = h.pop(191, &TestPeer::new(key));
        h.push_empty(t).await;
    }
    assert_eq!(h.queue.output_slot(), Cursor::At(Slot(128)));
    for key in [200, 201] {
        let t = h.pop(191, &TestPeer::new(key));
        h.push_honest(t).await;
    }
    assert_eq!(h.queue.stats().rewinds, 1);
    expect_score(&liar, -43 * 3);
}
