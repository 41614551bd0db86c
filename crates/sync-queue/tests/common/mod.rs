//! Shared test harness: a test chain, a chain-following verifier, scored peers, and a
//! queue wired to them.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use sync_queue::{PushOutcome, QueueConfig, RequestTicket, SyncQueue, Verdict};
use sync_types::{
    ChainSpec, ScoredPeer, Slot, SyncDirection, SyncRange, ValidatedResponse,
    test_utils::{ChainVerifier, TestChain, TestPeer, TestResponse},
};

pub type Queue = SyncQueue<TestPeer, ChainVerifier>;
pub type Ticket = RequestTicket<TestPeer>;
pub type Response = TestResponse;

pub struct Harness {
    pub chain: TestChain,
    pub verifier: ChainVerifier,
    pub queue: Queue,
    pub safe: Arc<AtomicU64>,
}

impl Harness {
    /// A forward queue over `start ..= final_slot` of `chain`, with the genesis block known.
    pub fn forward(chain: TestChain, start: u64, final_slot: u64, config: QueueConfig) -> Self {
        let verifier = ChainVerifier::forward(&chain.blocks()[0]);
        Self::with_verifier(
            chain,
            verifier,
            SyncDirection::Forward,
            start,
            final_slot,
            0,
            config,
        )
    }

    /// A backward queue from `start` down to `final_slot`, anchored at the block at
    /// `anchor` (the safe slot starts there).
    pub fn backward(chain: TestChain, anchor: u64, final_slot: u64, config: QueueConfig) -> Self {
        let block = *chain.block_at(Slot(anchor)).expect("anchor block exists");
        let verifier = ChainVerifier::backward(&block);
        let start = anchor.saturating_sub(1);
        Self::with_verifier(
            chain,
            verifier,
            SyncDirection::Backward,
            start,
            final_slot,
            anchor,
            config,
        )
    }

    pub fn with_verifier(
        chain: TestChain,
        verifier: ChainVerifier,
        direction: SyncDirection,
        start: u64,
        final_slot: u64,
        safe: u64,
        config: QueueConfig,
    ) -> Self {
        let safe = Arc::new(AtomicU64::new(safe));
        let reader = Arc::clone(&safe);
        let queue = SyncQueue::new(
            direction,
            Slot(start),
            Slot(final_slot),
            config,
            &ChainSpec::mainnet(),
            Box::new(move || Slot(reader.load(Ordering::Relaxed))),
            verifier.clone(),
        );
        Harness {
            chain,
            verifier,
            queue,
            safe,
        }
    }

    pub fn set_safe(&self, slot: u64) {
        self.safe.store(slot, Ordering::Relaxed);
    }

    /// Pop for `peer` with head `head`, expecting a range.
    #[track_caller]
    pub fn pop(&self, head: u64, peer: &TestPeer) -> Ticket {
        match self.queue.pop(Slot(head), peer.clone()) {
            Ok(t) => t,
            Err(e) => panic!("expected a range for peer {}, got {e:?}", peer.key()),
        }
    }

    /// The honest answer to a request.
    pub fn honest(&self, ticket: &Ticket) -> Response {
        let blocks = self.chain.blocks_in(ticket.range);
        ValidatedResponse::blocks_only(ticket.range, blocks).expect("honest response is valid")
    }

    /// The honest answer, with sidecars.
    pub fn honest_with_sidecars(&self, ticket: &Ticket) -> Response {
        let blocks = self.chain.blocks_in(ticket.range);
        let sidecars = self.chain.sidecars_in(ticket.range);
        let spec = ChainSpec::minimal().with_deneb_at(sync_types::Epoch(0), sync_types::Epoch(0));
        ValidatedResponse::with_sidecars(ticket.range, blocks, sidecars, &spec)
            .expect("honest response is valid")
    }

    /// Push the honest answer and return the outcome.
    pub async fn push_honest(&self, ticket: Ticket) -> PushOutcome {
        let response = self.honest(&ticket);
        self.queue.push(ticket, response, false).await
    }

    /// Push an answer with no blocks.
    pub async fn push_empty(&self, ticket: Ticket) -> PushOutcome {
        let response = empty(ticket.range);
        self.queue.push(ticket, response, false).await
    }

    /// Pop and push honest answers with fresh peers until the queue is done.
    pub async fn drain_honest(&self, head: u64) {
        let mut key = 1000;
        for _ in 0..100_000 {
            if self.queue.is_empty() {
                return;
            }
            key += 1;
            let peer = TestPeer::new(key);
            match self.queue.pop(Slot(head), peer) {
                Ok(t) => {
                    self.push_honest(t).await;
                }
                Err(e) => panic!("queue stuck with {} slots left: {e}", self.queue.len()),
            }
        }
        panic!("queue did not drain");
    }
}

pub fn empty(range: SyncRange) -> Response {
    ValidatedResponse::blocks_only(range, Vec::new()).expect("empty is valid")
}

pub fn range(start: u64, count: u64) -> SyncRange {
    SyncRange::new(Slot(start), count).expect("non-empty")
}

#[track_caller]
pub fn expect_score(peer: &TestPeer, change: i64) {
    assert_eq!(
        peer.score_change(),
        change,
        "score change of peer {}",
        peer.key()
    );
}

#[track_caller]
pub fn expect_verdict(outcome: &PushOutcome, verdict: Verdict) {
    match outcome {
        PushOutcome::Processed(report) => assert_eq!(report.verdict, verdict, "{report:?}"),
        other => panic!("expected a processed result with {verdict:?}, got {other:?}"),
    }
}

#[track_caller]
pub fn expect_advanced(outcome: &PushOutcome, advanced: u64) {
    match outcome {
        PushOutcome::Processed(report) => {
            assert_eq!(report.verdict, Verdict::Accepted, "{report:?}");
            assert_eq!(report.advanced, advanced, "{report:?}");
        }
        other => panic!("expected an accepted result, got {other:?}"),
    }
}

pub fn slots(range: std::ops::RangeInclusive<u64>) -> Vec<Slot> {
    range.map(Slot).collect()
}
