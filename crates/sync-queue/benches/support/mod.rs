//! What the queue benchmark and the memory example share: an accept-all verifier,
//! honest responses, deterministic shuffles, and one shuffled window of pushes.
#![allow(dead_code, unreachable_pub)]

use sync_queue::{PushOutcome, SyncQueue};
use sync_types::{
    BlockData, BlockOutcome, BlockVerifier, ColumnRejection, Slot, SyncRange, ValidatedResponse,
    VerifierFault,
    test_utils::{TestBlock, TestColumn, TestPeer, TestResponse, TestSidecar, test_root},
};

/// Requests handed out (and, shuffled, answered out of order) per window.
pub const WINDOW_REQUESTS: usize = 16;
/// Distinct peers the requests rotate over.
pub const PEERS: u32 = 4;
/// Seed of the per-window shuffles, so every run pushes in the same order.
pub const SHUFFLE_SEED: u64 = 0x5EED_CAFE_F00D_BEEF;

/// A verifier that accepts every block at no cost: the measurements are of the queue.
pub struct AcceptAll;

impl BlockVerifier for AcceptAll {
    type Block = TestBlock;
    type Sidecar = TestSidecar;
    type Column = TestColumn;

    async fn verify_columns(
        &self,
        blocks: Vec<TestBlock>,
        columns: Vec<Vec<TestColumn>>,
    ) -> Result<Vec<Vec<TestColumn>>, ColumnRejection> {
        let _ = blocks;
        Ok(columns)
    }

    async fn verify_segment(
        &self,
        segment: Vec<BlockData<TestBlock, TestSidecar, TestColumn>>,
        _maybe_finalized: bool,
    ) -> Result<Vec<BlockOutcome>, VerifierFault> {
        Ok(vec![BlockOutcome::Ok; segment.len()])
    }
}

/// The queue under measurement.
pub type Queue = SyncQueue<TestPeer, AcceptAll>;
/// A checked response.
pub type Response = TestResponse;

/// The honest answer for `range`: a block at every slot, linked by root.
pub fn honest_response(range: SyncRange) -> Response {
    let blocks = (range.start().0..=range.last().0)
        .map(|s| TestBlock {
            slot: Slot(s),
            root: test_root(Slot(s), 0),
            parent_root: test_root(Slot(s.saturating_sub(1)), 0),
            blobs: 0,
        })
        .collect();
    ValidatedResponse::blocks_only(range, blocks).expect("a block per slot is a valid response")
}

/// xorshift64*: a tiny deterministic generator for the shuffles.
pub fn next_random(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

/// A Fisher-Yates permutation of `0..n`.
pub fn shuffled_indices(n: usize, rng: &mut u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = usize::try_from(next_random(rng) % (i as u64 + 1)).expect("j <= i fits usize");
        order.swap(i, j);
    }
    order
}

/// Fail unless an honest result was accepted.
#[track_caller]
pub fn expect_accepted(outcome: &PushOutcome) {
    assert!(
        matches!(outcome, PushOutcome::Processed(r) if r.verdict.is_accepted()),
        "honest result not accepted: {outcome:?}"
    );
}

/// Pop one request per response (peers in rotation), then push the answers in `order`,
/// each from its own task, and wait until all were accepted.
pub async fn push_window_shuffled(
    queue: &Queue,
    head: Slot,
    peers: &[TestPeer],
    responses: Vec<Response>,
    order: &[usize],
) {
    let mut work: Vec<_> = responses
        .into_iter()
        .enumerate()
        .map(|(i, response)| {
            let ticket = queue
                .pop(head, peers[i % peers.len()].clone())
                .expect("the queue has a range for the head");
            assert_eq!(ticket.range, response.range(), "planned range");
            Some((ticket, response))
        })
        .collect();
    let pushes: Vec<_> = order
        .iter()
        .map(|&i| {
            let (ticket, response) = work[i].take().expect("each index once");
            let queue = queue.clone();
            tokio::spawn(async move { queue.push(ticket, response, false).await })
        })
        .collect();
    for push in pushes {
        expect_accepted(&push.await.expect("push task does not panic"));
    }
}
