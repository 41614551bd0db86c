//! Throughput of the manager's own machinery (`cargo bench -p beacon-sync-manager`).
//!
//! One benchmark iteration is a whole forward sync of [`SYNC_SLOTS`] slots (every slot
//! has a block, no blobs) through a fresh [`SyncManager`] with its default 10 workers,
//! [`HONEST_PEERS`] honest [`MockPeer`]s that answer at once, and a verifier that accepts
//! every block at no cost. What is measured is the machinery alone: workers taking peers
//! from the [`PeerPool`], the status checks, the queue handing out, ordering and judging
//! ranges, the response checks, the metrics, and the sync loop noticing the end.
//!
//! Target: the machinery alone sustains at least [`TARGET_SLOTS_PER_SECOND`] on one
//! core, so that it is never what limits a real sync.
//!
//! # What is timed
//!
//! Real time, on a current-thread tokio runtime (one core), from just before
//! [`SyncManager::start`] until [`SyncManager::join`] returns. The chain the peers serve
//! is built once, outside the timing; the pool and its peers are built per sync, outside
//! the timing too. The mock peers' work (cutting 32 blocks out of the chain per request,
//! recording the request) is inside: it stands in for the network layer handing over a
//! decoded response.
//!
//! The manager only notices the end of the sync on its loop tick, so each sync ends with
//! up to one loop interval of waiting: a sync of 100,000 slots here is over in about as
//! long as a 10 ms tick, so the bench runs at two intervals ([`LOOP_INTERVALS`]). The
//! summary after criterion's own lines splits each sync into the import (start until
//! the verifier imported the last slot, the machinery's own speed) and that tail.
//!
//! # Allocations
//!
//! Counting allocations in-process needs a `#[global_allocator]`, and the workspace
//! forbids `unsafe_code`, so this bench does not count them. Run one sync under an
//! external tool instead: with [`ONCE_ENV`] set to a slot count, the bench binary skips
//! criterion, runs one sync of that many slots, prints its timing and exits:
//!
//! ```text
//! cargo bench -p beacon-sync-manager --no-run   # prints the binary's path
//! MANAGER_BENCH_ONCE_SLOTS=100000 valgrind --tool=dhat target/release/deps/manager-<hash>
//! ```
//!
//! dhat's `Total: ... in N blocks` over the slot count is the allocations per slot,
//! set-up included (the served chain's vector, the peers, the runtime: a few dozen).
//! The loop ticks in real time, and under valgrind the sync runs some 50 times slower,
//! so it ticks more often than in a native run; the blocks allocated under
//! `Inner::tick` in `dhat-out.<pid>` (open it in dhat's viewer, or sum the program
//! points whose frames include `::tick`) are that part. The mock peers' and this
//! verifier's own allocations show up under `MockPeer::answer` and `verify_segment`.

use std::{
    cell::RefCell,
    sync::{
        Arc, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use criterion::{Criterion, SamplingMode, Throughput, criterion_group};
use peer_pool::{Lifetime, PeerPool, PeerType, PoolConfig};
use sync_manager::{ManagerConfig, SyncChain, SyncManager, SyncMetrics, SyncState};
use sync_types::{
    BlockData, BlockOutcome, BlockVerifier, ChainSpec, ColumnRejection, Slot, SyncDirection,
    VerifierFault,
    test_utils::{MockPeer, TestBlock, TestChain, TestColumn, TestSidecar},
};
use tokio::runtime::{Builder, Runtime};

/// Slots of one sync: `0 ..= SYNC_SLOTS` (slot 0 is our head, handed out again once).
const SYNC_SLOTS: u64 = 100_000;
/// Honest peers in the pool.
const HONEST_PEERS: u32 = 10;
/// The manager's loop ticks measured (the default is 2 s). The manager notices the end
/// of a sync only on a tick, and a sync here takes about as long as 10 ms: the first
/// interval shows the machinery, the second how much a coarser tick adds.
const LOOP_INTERVALS: [Duration; 2] = [Duration::from_millis(1), Duration::from_millis(10)];
/// What the machinery alone must sustain on one core.
const TARGET_SLOTS_PER_SECOND: f64 = 50_000.0;
/// The environment variable that runs one sync of that many slots instead of criterion.
const ONCE_ENV: &str = "MANAGER_BENCH_ONCE_SLOTS";

/// Our chain as three numbers: a head the verifier moves, a fixed wall clock, and
/// finality at genesis.
struct BenchChain {
    head: AtomicU64,
    wall: Slot,
    /// When the verifier imported the wall slot: the end of the real work.
    caught_up_at: OnceLock<Instant>,
}

impl BenchChain {
    fn new(wall: Slot) -> Arc<Self> {
        Arc::new(BenchChain {
            head: AtomicU64::new(0),
            wall,
            caught_up_at: OnceLock::new(),
        })
    }

    fn record(&self, slot: Slot) {
        self.head.fetch_max(slot.0, Ordering::Relaxed);
        if slot >= self.wall {
            let _ = self.caught_up_at.set(Instant::now());
        }
    }
}

impl SyncChain for BenchChain {
    fn head_slot(&self) -> Slot {
        Slot(self.head.load(Ordering::Relaxed))
    }
    fn wall_slot(&self) -> Slot {
        self.wall
    }
    fn finalized_slot(&self) -> Slot {
        Slot(0)
    }
    fn backfill_slot(&self) -> Slot {
        Slot(0)
    }
    fn frontfill_slot(&self) -> Slot {
        Slot(0)
    }
}

/// Accepts every block at no cost and moves the [`BenchChain`]'s head.
struct AcceptAll {
    chain: Arc<BenchChain>,
}

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
        if let Some(last) = segment.last() {
            self.chain.record(last.block.slot);
        }
        Ok(vec![BlockOutcome::Ok; segment.len()])
    }
}

/// What one sync measured.
#[derive(Clone, Copy, Debug)]
struct SyncTiming {
    /// Start until `join` returned.
    total: Duration,
    /// Start until the last slot was imported.
    import: Duration,
}

impl SyncTiming {
    /// From the last import until the manager noticed and stopped.
    fn tail(&self) -> Duration {
        self.total.saturating_sub(self.import)
    }
}

/// One forward sync of `0 ..= wall` from peers serving `chain` (untimed set-up) to the
/// end, with the manager's loop ticking every `loop_interval`.
async fn sync_once(chain: &Arc<TestChain>, wall: Slot, loop_interval: Duration) -> SyncTiming {
    let pool = PeerPool::new(PoolConfig::default()).expect("the default pool config is valid");
    for key in 1..=HONEST_PEERS {
        pool.add_peer_no_wait(
            MockPeer::new(key, Arc::clone(chain)),
            PeerType::Outgoing,
            Lifetime::forever(),
        )
        .expect("the pool has room for every peer");
    }
    let ours = BenchChain::new(wall);
    let verifier = AcceptAll {
        chain: Arc::clone(&ours),
    };
    let config = ManagerConfig {
        max_head_age: 0,
        exit_when_synced: true,
        loop_interval,
        ..ManagerConfig::default()
    };
    let metrics = SyncMetrics::default();

    let started = Instant::now();
    let manager = SyncManager::start(
        SyncDirection::Forward,
        config,
        ChainSpec::minimal(),
        Arc::clone(&ours),
        pool,
        verifier,
        metrics.clone(),
    );
    manager.join().await;
    let total = started.elapsed();

    let status = manager.status();
    assert_eq!(status.state, SyncState::Synced, "{}", status.status_line());
    assert_eq!(ours.head_slot(), wall, "synced to the wall slot");
    // Slot 0, our head, is handed out and imported again with the first range.
    assert_eq!(
        metrics.blocks_verified.get(),
        wall.0 + 1,
        "every block imported once"
    );
    let caught_up_at = *ours
        .caught_up_at
        .get()
        .expect("the verifier imported the wall slot");
    SyncTiming {
        total,
        import: caught_up_at.duration_since(started),
    }
}

fn runtime() -> Runtime {
    Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a current-thread runtime builds")
}

/// The chain every peer serves: a block at each of `0 ..= slots`, no blobs.
fn served_chain(slots: u64) -> Arc<TestChain> {
    Arc::new(TestChain::full(Slot(slots)))
}

/// Per-sync timings of one scenario, summarised after criterion is done with it.
#[derive(Default)]
struct Summary {
    runs: Vec<SyncTiming>,
}

impl Summary {
    fn median(&self, part: impl Fn(&SyncTiming) -> Duration) -> Option<Duration> {
        let mut v: Vec<Duration> = self.runs.iter().map(part).collect();
        v.sort();
        v.get(v.len() / 2).copied()
    }

    fn print(&self, name: &str, slots: u64, loop_interval: Duration) {
        let (Some(total), Some(import), Some(tail)) = (
            self.median(|t| t.total),
            self.median(|t| t.import),
            self.median(SyncTiming::tail),
        ) else {
            return;
        };
        let rate = |d: Duration| slots as f64 / d.as_secs_f64();
        let verdict = |d: Duration| {
            if rate(d) >= TARGET_SLOTS_PER_SECOND {
                "meets"
            } else {
                "MISSES"
            }
        };
        println!(
            "summary {name}: {} syncs of {slots} slots (warm-up included), medians: \
             start to join {:.2} ms = {:.0} slots/s ({} the target of {TARGET_SLOTS_PER_SECOND:.0}); \
             import alone {:.2} ms = {:.0} slots/s, {:.0} ns/slot ({} it); \
             then {:.2} ms ({:.0}%) until a loop tick ({loop_interval:?}) noticed the end",
            self.runs.len(),
            total.as_secs_f64() * 1e3,
            rate(total),
            verdict(total),
            import.as_secs_f64() * 1e3,
            rate(import),
            import.as_secs_f64() * 1e9 / slots as f64,
            verdict(import),
            tail.as_secs_f64() * 1e3,
            tail.as_secs_f64() * 100.0 / total.as_secs_f64(),
        );
    }
}

fn manager_throughput(c: &mut Criterion) {
    let rt = runtime();
    let chain = served_chain(SYNC_SLOTS);
    let mut group = c.benchmark_group("manager");
    // One iteration is a whole sync (about 10 ms here; 2 s at the target): criterion
    // fits as many as the measurement time allows, at least 10.
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(SYNC_SLOTS));
    for loop_interval in LOOP_INTERVALS {
        let summary = RefCell::new(Summary::default());
        let name = format!(
            "forward-{SYNC_SLOTS}/peers{HONEST_PEERS}/tick{}ms",
            loop_interval.as_millis()
        );
        group.bench_function(&name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let timing = rt.block_on(sync_once(&chain, Slot(SYNC_SLOTS), loop_interval));
                    summary.borrow_mut().runs.push(timing);
                    total += timing.total;
                }
                total
            });
        });
        summary
            .borrow()
            .print(&format!("manager/{name}"), SYNC_SLOTS, loop_interval);
    }
    group.finish();
    println!(
        "allocations are not counted here (that needs an unsafe global allocator); \
         run `{ONCE_ENV}={SYNC_SLOTS} valgrind --tool=dhat <this bench binary>` (see the docs \
         at the top of benches/manager.rs)"
    );
}

/// One sync of `slots` slots without criterion, for an external allocation counter.
fn run_once(slots: u64) {
    let rt = runtime();
    let chain = served_chain(slots);
    let loop_interval = LOOP_INTERVALS[0];
    let timing = rt.block_on(sync_once(&chain, Slot(slots), loop_interval));
    println!(
        "once: {slots} slots, tick {loop_interval:?}: start to join {:.2} ms ({:.0} slots/s), \
         import {:.2} ms ({:.0} slots/s), tail {:.2} ms",
        timing.total.as_secs_f64() * 1e3,
        slots as f64 / timing.total.as_secs_f64(),
        timing.import.as_secs_f64() * 1e3,
        slots as f64 / timing.import.as_secs_f64(),
        timing.tail().as_secs_f64() * 1e3,
    );
}

criterion_group!(benches, manager_throughput);

fn main() {
    if let Some(value) = std::env::var_os(ONCE_ENV) {
        match value.to_str().and_then(|s| s.parse::<u64>().ok()) {
            Some(slots) if slots > 0 => run_once(slots),
            _ => {
                eprintln!("{ONCE_ENV} must be a positive slot count, got {value:?}");
                std::process::exit(2);
            }
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
