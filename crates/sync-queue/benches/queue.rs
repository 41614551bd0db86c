//! Throughput of the queue's own work over a long range (`cargo bench -p beacon-sync-queue`).
//!
//! One benchmark iteration syncs a fresh forward queue over [`RANGE_SLOTS`] slots (every
//! slot has a block) through [`SyncQueue::pop`] and [`SyncQueue::push`], with a verifier
//! that accepts everything, so what is measured is the queue: handing out ranges,
//! parking results, ordering them, taking them for verification, judging the outcomes
//! and waking the pushers.
//!
//! # What is timed
//!
//! Responses are built per window of [`WINDOW_REQUESTS`] requests *outside* the timed
//! part (building blocks is the network layer's work, not the queue's); a baseline of
//! that generation is benchmarked on its own under `harness/`. The timed part is, per
//! window:
//!
//! - `in-order`: for each request, `pop` then `push(..).await` (the result is processed
//!   at once, on the pushing task);
//! - `shuffled`: `pop` the whole window for [`PEERS`] rotating peers, then spawn one push
//!   task per request in a deterministic shuffled order on a current-thread runtime and
//!   await them all. Results ahead of the output park and wait; the in-order one
//!   processes every result that is then ready. The spawn of each task is harness
//!   overhead inside the timed part; `harness/spawn-join` measures it alone.
//!
//! Dropping the response's blocks (inside the verifier) is timed: the queue owns them.
//!
//! Criterion prints the time of one whole sync and, with `Throughput::Elements`, slots
//! per second. After each scenario a summary line gives ns per slot and per request over
//! all the syncs that ran (warm-up included).
//!
//! Memory is measured by the `queue_memory` example, not here.

use std::{
    cell::RefCell,
    hint::black_box,
    time::{Duration, Instant},
};

mod support;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use support::{
    AcceptAll, PEERS, Queue, Response, SHUFFLE_SEED, WINDOW_REQUESTS, expect_accepted,
    honest_response, push_window_shuffled, shuffled_indices,
};
use sync_queue::{QueueConfig, SyncQueue};
use sync_types::{ChainSpec, Slot, SyncDirection, SyncRange, test_utils::TestPeer};
use tokio::runtime::{Builder, Runtime};

/// Slots of the main measurement: `1 ..= RANGE_SLOTS`.
const RANGE_SLOTS: u64 = 1_000_000;

/// How results come back within a window.
#[derive(Clone, Copy, Debug)]
enum Order {
    InOrder,
    Shuffled,
}

/// What one sync measured.
#[derive(Clone, Copy, Debug, Default)]
struct SyncTiming {
    /// Time spent in queue calls (see the crate docs of this bench for what is timed).
    queue_time: Duration,
    requests: u64,
}

/// A forward queue over `1 ..= slots` whose safe slot stays at 0.
fn new_queue(slots: u64, chunk_slots: u64) -> Queue {
    // Default limits: 64 outstanding requests leave room for a window of 16.
    let config = QueueConfig::default().with_chunk_size(chunk_slots);
    SyncQueue::new(
        SyncDirection::Forward,
        Slot(1),
        Slot(slots),
        config,
        &ChainSpec::mainnet(),
        Box::new(|| Slot(0)),
        AcceptAll,
    )
}

/// The responses for the next window: the ranges the queue will hand out from `next`,
/// `chunk_slots` each, up to `final_slot`. Returns them and the slot after the window.
fn window_responses(next: u64, final_slot: u64, chunk_slots: u64) -> (Vec<Response>, u64) {
    let mut responses = Vec::with_capacity(WINDOW_REQUESTS);
    let mut start = next;
    while responses.len() < WINDOW_REQUESTS && start <= final_slot {
        let count = chunk_slots.min(final_slot - start + 1);
        let range = SyncRange::new(Slot(start), count).expect("count is at least 1");
        responses.push(honest_response(range));
        start += count;
    }
    (responses, start)
}

/// Sync `1 ..= slots` through a fresh queue; only the queue calls are timed.
async fn sync_range(slots: u64, chunk_slots: u64, order: Order) -> SyncTiming {
    let queue = new_queue(slots, chunk_slots);
    let peers: Vec<TestPeer> = (0..PEERS).map(TestPeer::new).collect();
    let head = Slot(slots);
    let mut rng = SHUFFLE_SEED;
    let mut timing = SyncTiming::default();
    let mut next = 1;
    while next <= slots {
        // Untimed: the network layer's part.
        let (responses, after) = window_responses(next, slots, chunk_slots);
        let push_order = match order {
            Order::InOrder => Vec::new(),
            Order::Shuffled => shuffled_indices(responses.len(), &mut rng),
        };
        timing.requests += responses.len() as u64;
        next = after;

        let started = Instant::now();
        match order {
            Order::InOrder => {
                for (i, response) in responses.into_iter().enumerate() {
                    let ticket = queue
                        .pop(head, peers[i % peers.len()].clone())
                        .expect("the queue has a range for the head");
                    assert_eq!(ticket.range, response.range(), "planned range");
                    expect_accepted(&queue.push(ticket, response, false).await);
                }
            }
            Order::Shuffled => {
                push_window_shuffled(&queue, head, &peers, responses, &push_order).await;
            }
        }
        timing.queue_time += started.elapsed();
    }
    assert!(queue.is_empty(), "the whole range was processed");
    timing
}

fn runtime() -> Runtime {
    Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime builds")
}

/// Per-sync timings of one scenario, summarised after criterion is done with it.
#[derive(Default)]
struct Summary {
    runs: Vec<SyncTiming>,
}

impl Summary {
    fn print(&self, name: &str, slots: u64) {
        let mut per_slot: Vec<f64> = self
            .runs
            .iter()
            .map(|t| t.queue_time.as_nanos() as f64 / slots as f64)
            .collect();
        per_slot.sort_by(f64::total_cmp);
        let Some(&min) = per_slot.first() else { return };
        let median = per_slot[per_slot.len() / 2];
        let requests = self.runs[0].requests as f64;
        let to_request = slots as f64 / requests;
        println!(
            "summary {name}: {} syncs of {slots} slots ({requests} requests): \
             median {median:.1} ns/slot, {:.0} ns/request; min {min:.1} ns/slot, {:.0} ns/request",
            per_slot.len(),
            median * to_request,
            min * to_request,
        );
    }
}

fn queue_throughput(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("queue");
    // One iteration is a whole 1M-slot sync (tens of milliseconds): few samples suffice.
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Elements(RANGE_SLOTS));
    for chunk_slots in [32, 64] {
        for order in [Order::InOrder, Order::Shuffled] {
            let name = match order {
                Order::InOrder => format!("chunk{chunk_slots}/in-order"),
                Order::Shuffled => format!("chunk{chunk_slots}/shuffled-w{WINDOW_REQUESTS}"),
            };
            let summary = RefCell::new(Summary::default());
            group.bench_function(&name, |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let timing = rt.block_on(sync_range(RANGE_SLOTS, chunk_slots, order));
                        summary.borrow_mut().runs.push(timing);
                        total += timing.queue_time;
                    }
                    total
                });
            });
            summary.borrow().print(&name, RANGE_SLOTS);
        }
    }
    group.finish();
}

/// What the harness costs on its own, for reading the numbers above.
fn harness_baselines(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("harness");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(RANGE_SLOTS));
    // Building every response of a 1M-slot sync, chunk 32 (untimed in `queue/`).
    group.bench_function("generate-chunk32", |b| {
        b.iter(|| {
            let mut next = 1;
            while next <= RANGE_SLOTS {
                let (responses, after) = window_responses(next, RANGE_SLOTS, 32);
                black_box(responses);
                next = after;
            }
        });
    });
    // Spawning and joining one trivial task per request of a 1M-slot sync, chunk 32:
    // the part of `queue/chunk32/shuffled-*` that is the harness, not the queue.
    group.bench_function("spawn-join-chunk32", |b| {
        let windows = RANGE_SLOTS.div_ceil(32).div_ceil(WINDOW_REQUESTS as u64);
        b.iter(|| {
            rt.block_on(async {
                for _ in 0..windows {
                    let tasks: Vec<_> = (0..WINDOW_REQUESTS)
                        .map(|i| tokio::spawn(async move { black_box(i) }))
                        .collect();
                    for task in tasks {
                        black_box(task.await.expect("trivial task does not panic"));
                    }
                }
            });
        });
    });
    group.finish();
}

criterion_group!(benches, queue_throughput, harness_baselines);
criterion_main!(benches);
