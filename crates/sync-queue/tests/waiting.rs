//! Results that arrive out of order, resets and cancellation, on tokio's paused clock.

mod common;

use std::sync::Arc;

use common::{Harness, Response, expect_advanced, expect_score, range, slots};
use sync_queue::{PushOutcome, QueueConfig, SyncQueue, Verdict};
use sync_types::{
    BlockData, BlockOutcome, BlockVerifier, ChainSpec, ColumnRejection, Cursor, ResponseKind,
    ScoredPeer, Slot, SyncDirection, ValidatedResponse, VerifierFault,
    test_utils::{ChainVerifier, TestBlock, TestChain, TestColumn, TestPeer, TestSidecar},
};
use tokio::{sync::Semaphore, task::yield_now};

fn cfg() -> QueueConfig {
    QueueConfig::default().with_chunk_size(32)
}

/// Let every spawned task run until it blocks.
async fn settle() {
    for _ in 0..20 {
        yield_now().await;
    }
}

fn spawn_push(h: &Harness, ticket: common::Ticket) -> tokio::task::JoinHandle<PushOutcome> {
    let response = h.honest(&ticket);
    let queue = h.queue.clone();
    tokio::spawn(async move { queue.push(ticket, response, false).await })
}

#[tokio::test(start_paused = true)]
async fn a_result_ahead_of_the_output_waits_for_the_gap_and_never_rewinds() {
    // Seed bug D.14: without backpressure, a result ahead of the output triggered the
    // "incorrect sync result" branch: a rewind and a reset.
    let h = Harness::forward(TestChain::full(Slot(95)), 0, 95, cfg());
    let (a, b) = (TestPeer::new(1), TestPeer::new(2));
    let first = h.pop(95, &a);
    let second = h.pop(95, &b);
    let ahead = spawn_push(&h, second);
    settle().await;
    assert!(
        !ahead.is_finished(),
        "the result for 32..63 waits for 0..31"
    );
    assert_eq!(h.queue.parked_len(), 1);
    assert_eq!(h.verifier.calls(), 0);
    expect_advanced(&h.push_honest(first).await, 32);
    expect_advanced(&ahead.await.expect("no panic"), 32);
    assert_eq!(h.verifier.imported(), slots(1..=63));
    assert_eq!(h.queue.stats().rewinds, 0);
    expect_score(&a, 100);
    expect_score(&b, 100);
}

#[tokio::test(start_paused = true)]
async fn unordered_pushes_from_several_peers_are_verified_in_slot_order() {
    let chain = TestChain::pseudo_random(Slot(255), 7, 20, 0);
    let h = Harness::forward(chain.clone(), 0, 255, cfg());
    let peers: Vec<TestPeer> = (1..=8).map(TestPeer::new).collect();
    let tickets: Vec<_> = peers.iter().map(|p| h.pop(255, p)).collect();
    let mut handles = Vec::new();
    for i in [5, 2, 7, 0, 3, 6, 1, 4] {
        let t = tickets
            .iter()
            .position(|t| t.range.start() == Slot(i * 32))
            .expect("popped");
        handles.push((i, t));
    }
    let mut tickets: Vec<Option<common::Ticket>> = tickets.into_iter().map(Some).collect();
    let mut joins = Vec::new();
    for (_, idx) in handles {
        let t = tickets[idx].take().expect("once");
        joins.push(spawn_push(&h, t));
        settle().await;
    }
    for j in joins {
        assert!(matches!(
            j.await.expect("no panic"),
            PushOutcome::Processed(_)
        ));
    }
    let want: Vec<Slot> = chain.blocks().iter().skip(1).map(|b| b.slot).collect();
    assert_eq!(
        h.verifier.imported(),
        want,
        "every block once, in slot order"
    );
    assert_eq!(
        h.verifier.presented().len(),
        want.len() + 1,
        "nothing verified twice"
    );
    assert!(h.queue.is_empty());
    for (i, p) in peers.iter().enumerate() {
        // +100 for its good response, and +100 more when its range ended in empty slots
        // (a gap-list entry) that the next range's good response vouched for.
        let last = Slot(i as u64 * 32 + 31);
        let vouched = chain.block_at(last).is_none() && i < 7;
        expect_score(p, if vouched { 200 } else { 100 });
        assert_eq!(p.stats(ResponseKind::Good), 1);
    }
}

#[tokio::test(start_paused = true)]
async fn a_waiting_result_is_dropped_by_a_reset_and_its_range_handed_out_again() {
    let h = Harness::forward(TestChain::full(Slot(95)), 0, 95, cfg());
    let p = TestPeer::new(1);
    let first = h.pop(95, &p);
    let second = h.pop(95, &p);
    let ahead = spawn_push(&h, second);
    settle().await;
    h.queue.reset(None);
    assert_eq!(ahead.await.expect("no panic"), PushOutcome::Dropped);
    assert_eq!(h.push_honest(first).await, PushOutcome::Stale);
    assert_eq!(h.queue.outstanding(), 0);
    let t = h.pop(95, &p);
    assert_eq!(t.range, range(0, 32));
}

#[tokio::test(start_paused = true)]
async fn cancelling_a_waiting_push_keeps_its_result() {
    let h = Harness::forward(TestChain::full(Slot(95)), 0, 95, cfg());
    let p = TestPeer::new(1);
    let first = h.pop(95, &p);
    let second = h.pop(95, &p);
    let ahead = spawn_push(&h, second);
    settle().await;
    ahead.abort();
    assert!(ahead.await.expect_err("aborted").is_cancelled());
    assert_eq!(h.queue.parked_len(), 1, "the answer is kept");
    h.push_honest(first).await;
    assert_eq!(
        h.queue.output_slot(),
        Cursor::At(Slot(64)),
        "and verified in its turn"
    );
    assert_eq!(h.verifier.imported(), slots(1..=63));
}

#[tokio::test(start_paused = true)]
async fn a_finality_jump_lets_a_waiting_result_proceed() {
    let h = Harness::forward(TestChain::full(Slot(95)), 0, 95, cfg());
    let p = TestPeer::new(1);
    let first = h.pop(95, &p);
    let second = h.pop(95, &p);
    let ahead = spawn_push(&h, second);
    settle().await;
    // Slots up to 40 became final elsewhere (say by gossip): the verifier has them.
    let known: Vec<_> = h
        .chain
        .blocks_in(range(1, 40))
        .into_iter()
        .map(|block| BlockData {
            block,
            sidecars: None,
            columns: None,
        })
        .collect();
    h.verifier
        .verify_segment(known, true)
        .await
        .expect("imported");
    h.set_safe(40);
    let third = h.pop(95, &p); // the pop moves the output to the safe slot
    expect_advanced(&ahead.await.expect("no panic"), 24);
    drop(first);
    drop(third);
    assert_eq!(h.queue.output_slot(), Cursor::At(Slot(64)));
}

/// A verifier that waits for a permit before each segment.
#[derive(Clone)]
struct GatedVerifier {
    inner: ChainVerifier,
    gate: Arc<Semaphore>,
}

impl BlockVerifier for GatedVerifier {
    type Block = TestBlock;
    type Sidecar = TestSidecar;
    type Column = TestColumn;

    async fn verify_columns(
        &self,
        blocks: Vec<TestBlock>,
        columns: Vec<Vec<TestColumn>>,
    ) -> Result<Vec<Vec<TestColumn>>, ColumnRejection> {
        self.inner.verify_columns(blocks, columns).await
    }

    async fn verify_segment(
        &self,
        segment: Vec<BlockData<TestBlock, TestSidecar, TestColumn>>,
        maybe_finalized: bool,
    ) -> Result<Vec<BlockOutcome>, VerifierFault> {
        self.gate
            .acquire()
            .await
            .map_err(|_| VerifierFault::Shutdown)?
            .forget();
        self.inner.verify_segment(segment, maybe_finalized).await
    }
}

/// A forward queue over slots 0..=63 whose verifier waits for `gate` permits.
fn gated_queue() -> (
    TestChain,
    SyncQueue<TestPeer, GatedVerifier>,
    Arc<Semaphore>,
    ChainVerifier,
) {
    let chain = TestChain::full(Slot(63));
    let gate = Arc::new(Semaphore::new(0));
    let inner = ChainVerifier::forward(&chain.blocks()[0]);
    let verifier = GatedVerifier {
        inner: inner.clone(),
        gate: Arc::clone(&gate),
    };
    let queue = SyncQueue::new(
        SyncDirection::Forward,
        Slot(0),
        Slot(63),
        cfg(),
        &ChainSpec::mainnet(),
        Box::new(|| Slot(0)),
        verifier,
    );
    (chain, queue, gate, inner)
}

/// Pop a range for `p` and push its honest answer from a task of its own.
fn spawn_gated_push(
    chain: &TestChain,
    queue: &SyncQueue<TestPeer, GatedVerifier>,
    p: &TestPeer,
) -> tokio::task::JoinHandle<PushOutcome> {
    let t = queue.pop(Slot(63), p.clone()).expect("range");
    let response: Response =
        ValidatedResponse::blocks_only(t.range, chain.blocks_in(t.range)).expect("valid");
    let q = queue.clone();
    tokio::spawn(async move { q.push(t, response, false).await })
}

#[tokio::test(start_paused = true)]
async fn cancelling_a_verification_hands_the_range_out_again() {
    let (chain, queue, gate, inner) = gated_queue();
    let p = TestPeer::new(1);
    let verifying = spawn_gated_push(&chain, &queue, &p);
    settle().await;
    assert_eq!(queue.outstanding(), 1, "being verified");
    verifying.abort();
    let _ = verifying.await;
    assert_eq!(queue.debt_len(), 32, "the range is owed again");
    assert_eq!(queue.outstanding(), 0);
    gate.add_permits(1);
    let t = queue.pop(Slot(63), p.clone()).expect("range");
    assert_eq!(t.range, range(0, 32));
    let response =
        ValidatedResponse::blocks_only(t.range, chain.blocks_in(t.range)).expect("valid");
    let outcome = queue.push(t, response, false).await;
    assert!(matches!(outcome, PushOutcome::Processed(r) if r.verdict == Verdict::Accepted));
    assert_eq!(inner.imported(), slots(1..=31));
    expect_score(&p, 100);
}

#[tokio::test(start_paused = true)]
async fn a_reset_during_verification_drops_that_result() {
    let (chain, queue, gate, _) = gated_queue();
    let p = TestPeer::new(1);
    let verifying = spawn_gated_push(&chain, &queue, &p);
    settle().await;
    queue.reset(None);
    gate.add_permits(1);
    assert_eq!(verifying.await.expect("no panic"), PushOutcome::Dropped);
    assert_eq!(queue.output_slot(), Cursor::At(Slot(0)));
    expect_score(&p, 0);
}

#[tokio::test(start_paused = true)]
async fn push_observed_reports_when_its_result_goes_to_the_verifier() {
    let h = Harness::forward(TestChain::full(Slot(95)), 0, 95, cfg());
    let p = TestPeer::new(1);
    let first = h.pop(95, &p);
    let second = h.pop(95, &p);
    let seen = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = Arc::clone(&seen);
    let response = h.honest(&second);
    let queue = h.queue.clone();
    let ahead = tokio::spawn(async move {
        let on_verify: sync_queue::OnVerify =
            Box::new(move || flag.store(true, std::sync::atomic::Ordering::SeqCst));
        queue
            .push_observed(second, response, false, Some(on_verify))
            .await
    });
    settle().await;
    assert!(
        !seen.load(std::sync::atomic::Ordering::SeqCst),
        "not its turn yet"
    );
    h.push_honest(first).await;
    expect_advanced(&ahead.await.expect("no panic"), 32);
    assert!(
        seen.load(std::sync::atomic::Ordering::SeqCst),
        "verified by the other pusher, reported"
    );
}
