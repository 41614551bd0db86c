//! One test per bug of the Nimbus seed (spec D) that lives in the queue, each failing on
//! the seed's behaviour. Other D items are covered where their behaviour lives: D.14 in
//! `waiting.rs`, D.16 and D.19 in `push.rs`, D.25 in `rewind.rs` and `src/rewind.rs`,
//! D.23 in `pop.rs`.

mod common;

use common::{Harness, expect_advanced, range, slots};
use sync_queue::{NoRequest, PushOutcome, QueueConfig, SyncQueue};
use sync_types::{
    ChainSpec, Cursor, Slot, SyncDirection,
    test_utils::{ChainVerifier, TestChain, TestPeer},
};
use tokio::task::yield_now;

fn cfg() -> QueueConfig {
    QueueConfig::default().with_chunk_size(32)
}

#[test]
fn d06_a_dropped_request_goes_back_to_the_queue() {
    // Seed: three failure paths returned without push(req); the request stayed pending
    // forever and, with backpressure, stalled the sync.
    let h = Harness::forward(TestChain::full(Slot(95)), 0, 95, cfg());
    let p = TestPeer::new(1);
    let t = h.pop(95, &p);
    drop(t); // a worker that bails out on any path
    assert_eq!(h.queue.outstanding(), 0);
    assert_eq!(h.queue.debt_len(), 32);
    let again = h.pop(95, &p);
    assert_eq!(again.range, range(0, 32));
    assert_eq!(h.queue.stats().requests_failed, 1);
}

#[test]
fn d06_a_ticket_that_outlives_its_queue_is_harmless() {
    let h = Harness::forward(TestChain::full(Slot(95)), 0, 95, cfg());
    let t = h.pop(95, &TestPeer::new(1));
    drop(h);
    drop(t);
}

#[test]
fn d06_a_ticket_from_before_a_reset_does_not_come_back_as_debt() {
    let h = Harness::forward(TestChain::full(Slot(95)), 0, 95, cfg());
    let t = h.pop(95, &TestPeer::new(1));
    h.queue.reset(None);
    drop(t);
    assert_eq!(h.queue.debt_len(), 0, "stale requests are ignored");
}

#[tokio::test(start_paused = true)]
async fn d13_processed_slot_counter_survives_reinitialisation() {
    // Seed: the speed task read `man.queue`, which initQueue replaced: progress jumped back
    // and the speed fell to 0.
    let h = Harness::forward(TestChain::full(Slot(200)), 0, 63, cfg());
    h.drain_honest(200).await;
    assert_eq!(h.queue.stats().slots_processed, 64);
    h.queue.reinit(Slot(64), Slot(127));
    assert_eq!(h.queue.stats().slots_processed, 64, "no jump back");
    assert_eq!((h.queue.start_slot(), h.queue.progress()), (Slot(64), 0));
    h.drain_honest(200).await;
    assert_eq!(h.queue.stats().slots_processed, 128);
}

#[tokio::test(start_paused = true)]
async fn d15_several_ready_results_each_advance_by_their_own_count() {
    // Seed: `alreadyKnown` came from the pushed request and `count` from the processed
    // entry; with several ready entries the advance was wrong (and could wrap).
    let h = Harness::forward(
        TestChain::full(Slot(200)),
        0,
        200,
        QueueConfig::default().with_chunk_size(10),
    );
    let p = TestPeer::new(1);
    let a = h.pop(15, &p); // 0..9
    let b = h.pop(15, &p); // 10..15 (clipped to the head)
    let c = h.pop(200, &p); // 16..25
    assert_eq!((b.range, c.range), (range(10, 6), range(16, 10)));
    let queue = h.queue.clone();
    let (rb, rc) = (h.honest(&b), h.honest(&c));
    let qc = queue.clone();
    let jc = tokio::spawn(async move { qc.push(c, rc, false).await });
    let jb = tokio::spawn(async move { queue.push(b, rb, false).await });
    for _ in 0..10 {
        yield_now().await;
    }
    expect_advanced(&h.push_honest(a).await, 10);
    expect_advanced(&jb.await.expect("no panic"), 6);
    expect_advanced(&jc.await.expect("no panic"), 10);
    assert_eq!(h.queue.output_slot(), Cursor::At(Slot(26)));
}

#[tokio::test(start_paused = true)]
async fn d27_clear_and_wakeup_leaves_nothing_behind_and_loses_no_range() {
    // Seed: clearAndWakeup dropped the in-flight requests but kept debts, the ready queue
    // and the slots: the dropped ranges were never issued again.
    let h = Harness::forward(TestChain::full(Slot(200)), 0, 200, cfg());
    let p = TestPeer::new(1);
    let a = h.pop(200, &p);
    let b = h.pop(200, &p);
    let c = h.pop(200, &p);
    h.queue.push_failed(b);
    let (queue, rc) = (h.queue.clone(), h.honest(&c));
    let waiting = tokio::spawn(async move { queue.push(c, rc, false).await });
    for _ in 0..10 {
        yield_now().await;
    }
    assert_eq!((h.queue.debt_len(), h.queue.parked_len()), (32, 1));
    h.queue.clear_and_wakeup();
    assert_eq!(waiting.await.expect("no panic"), PushOutcome::Dropped);
    assert_eq!(
        (
            h.queue.debt_len(),
            h.queue.parked_len(),
            h.queue.outstanding()
        ),
        (0, 0, 0)
    );
    assert_eq!(h.queue.input_slot(), Cursor::At(Slot(0)));
    assert_eq!(h.push_honest(a).await, PushOutcome::Stale);
    h.drain_honest(200).await;
    assert_eq!(
        h.verifier.imported(),
        slots(1..=200),
        "every slot was fetched again"
    );
}

#[test]
fn d23_backward_queue_to_genesis_reports_zero_left_without_wrapping() {
    let chain = TestChain::full(Slot(40));
    let verifier = ChainVerifier::backward(&chain.blocks()[40]);
    let queue: SyncQueue<TestPeer, ChainVerifier> = SyncQueue::new(
        SyncDirection::Backward,
        Slot(39),
        Slot(0),
        cfg(),
        &ChainSpec::mainnet(),
        Box::new(|| Slot(40)),
        verifier,
    );
    let p = TestPeer::new(1);
    let a = queue.pop(Slot(40), p.clone()).expect("range");
    let b = queue.pop(Slot(40), p.clone()).expect("range");
    assert_eq!((a.range, b.range), (range(8, 32), range(0, 8)));
    assert_eq!(queue.input_slot(), Cursor::Beyond);
    assert_eq!(queue.pending_len(), 40);
    assert_eq!(queue.pop(Slot(40), p).unwrap_err(), NoRequest::Exhausted);
}
