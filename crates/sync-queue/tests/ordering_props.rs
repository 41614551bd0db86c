//! Property: with honest peers, whatever the interleaving of pops, failed pushes and
//! out-of-order successful pushes, the verifier sees every block of the range exactly
//! once, in order, and the queue ends with nothing outstanding.

mod common;

use std::time::Duration;

use common::{Harness, Ticket};
use proptest::prelude::*;
use sync_queue::QueueConfig;
use sync_types::{
    Slot, SyncDirection,
    test_utils::{TestChain, TestPeer},
};

#[derive(Clone, Debug)]
enum Op {
    Pop(usize),
    Fail(usize),
    Push(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0usize..4).prop_map(Op::Pop),
        1 => any::<usize>().prop_map(Op::Fail),
        3 => any::<usize>().prop_map(Op::Push),
    ]
}

#[derive(Clone, Debug)]
struct Case {
    direction: SyncDirection,
    last: u64,
    seed: u64,
    skip_percent: u64,
    chunk: u64,
    heads: [u64; 4],
    ops: Vec<Op>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop_oneof![Just(SyncDirection::Forward), Just(SyncDirection::Backward)],
        2u64..300,
        any::<u64>(),
        0u64..90,
        1u64..70,
        any::<[u64; 2]>(),
        prop::collection::vec(op(), 0..120),
    )
        .prop_map(|(direction, last, seed, skip_percent, chunk, h, ops)| {
            // Two peers see the whole chain (empty ranges need two voices); two may lag,
            // which only matters forward (backward peers must hold whole ranges).
            let lag = |x: u64| {
                if direction == SyncDirection::Forward {
                    x % (last + 1)
                } else {
                    last
                }
            };
            Case {
                direction,
                last,
                seed,
                skip_percent,
                chunk,
                heads: [last, last, lag(h[0]), lag(h[1])],
                ops,
            }
        })
}

fn run(case: &Case) -> Result<(), TestCaseError> {
    let last = case.last;
    let chain = TestChain::build(
        Slot(last),
        |s| {
            s.0 != last
                && TestChain::pseudo_random(Slot(last), case.seed, case.skip_percent, 0)
                    .block_at(s)
                    .is_none()
        },
        |_| 0,
    );
    let config = QueueConfig::default().with_chunk_size(case.chunk);
    let h = match case.direction {
        SyncDirection::Forward => Harness::forward(chain.clone(), 1, last, config),
        SyncDirection::Backward => Harness::backward(chain.clone(), last, 0, config),
    };
    let peers: Vec<TestPeer> = (0..4).map(|k| TestPeer::new(k as u32)).collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut out: Vec<Ticket> = Vec::new();
        let mut joins = Vec::new();
        let spawn_push = |t: Ticket| {
            let response = h.honest(&t);
            let queue = h.queue.clone();
            tokio::spawn(async move { queue.push(t, response, false).await })
        };
        for op in &case.ops {
            match *op {
                Op::Pop(i) => {
                    if let Ok(t) = h.queue.pop(Slot(case.heads[i]), peers[i].clone()) {
                        out.push(t);
                    }
                }
                Op::Fail(k) if !out.is_empty() => {
                    let t = out.swap_remove(k % out.len());
                    h.queue.push_failed(t);
                }
                Op::Push(k) if !out.is_empty() => {
                    let t = out.swap_remove(k % out.len());
                    joins.push(spawn_push(t));
                }
                _ => {}
            }
            tokio::task::yield_now().await;
        }
        // Drain: push what is out (newest first), then keep popping with every peer.
        let mut rounds = 0;
        while !h.queue.is_empty() {
            rounds += 1;
            prop_assert!(
                rounds < 10_000,
                "queue does not drain: {} slots left",
                h.queue.len()
            );
            while let Some(t) = out.pop() {
                joins.push(spawn_push(t));
            }
            for (i, p) in peers.iter().enumerate() {
                if let Ok(t) = h.queue.pop(Slot(case.heads[i]), p.clone()) {
                    out.push(t);
                }
            }
            for _ in 0..4 {
                tokio::task::yield_now().await;
            }
            if out.is_empty() && h.queue.outstanding() == 0 && !h.queue.is_empty() {
                prop_assert!(
                    false,
                    "nothing outstanding yet {} slots left",
                    h.queue.len()
                );
            }
        }
        for j in joins {
            let done = tokio::time::timeout(Duration::from_secs(3600), j).await;
            prop_assert!(done.is_ok(), "a push never completed");
        }
        Ok(())
    })?;
    let mut want: Vec<Slot> = chain.blocks().iter().map(|b| b.slot).collect();
    match case.direction {
        SyncDirection::Forward => {
            want.retain(|s| s.0 >= 1);
        }
        SyncDirection::Backward => {
            want.retain(|s| s.0 < last);
            want.reverse();
        }
    }
    prop_assert_eq!(
        h.verifier.imported(),
        want.clone(),
        "every block once, in order"
    );
    prop_assert_eq!(h.verifier.presented(), want, "no block verified twice");
    prop_assert_eq!(h.queue.outstanding(), 0);
    prop_assert_eq!(h.queue.parked_len(), 0);
    prop_assert_eq!(h.queue.debt_len(), 0);
    prop_assert_eq!(h.queue.stats().rewinds, 0);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn honest_peers_in_any_interleaving_deliver_every_block_once_in_order(c in case()) {
        run(&c)?;
    }
}
