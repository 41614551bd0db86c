//! `beacon-sync devnet --bench`: how close the full sync over loopback comes to the
//! verifier alone, on the same generated chains.
//!
//! Each chain (one per blob count `n`, generated into `<datadir>/bench-blobs-<n>`) has
//! `skip_per_mille` empty slots spread evenly and exactly `n` blobs in every block. Per
//! chain and direction:
//!
//! - **sync**: a fresh [`BeaconNode`] syncing from honest peers on 127.0.0.1 until its
//!   last commit: forward from genesis (timed from its start), or backfill from a
//!   checkpoint at the head to genesis (timed from its forward sync being in sync).
//! - **verify**: a [`ChainVerifier`] without a sink over the same blocks read from the
//!   source store, in the node's segments and order: forward from genesis
//!   ([`Anchor::Head`]), or down from the head, newest first ([`Anchor::Parent`]).
//! - **commit**, **read**: committing each verified segment to a scratch store, and
//!   reading it from the source store, timed apart: they explain the gap.
//! - **cpu**: the CPU time the process used during the sync, by thread: the serving peers
//!   run on a runtime of their own ([`cpu::SERVE_THREAD_NAME`]), so their share of the
//!   machine's cores shows apart from the syncing node's.

use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use sync_types::ColumnSet;

use consensus::ChainVerifier;
use consensus::devnet::SlotPlan;
use consensus::verify::{BlockAndSidecars, VerifyError};
use store::{Store, StoreError};
use sync_manager::SyncState;
use sync_types::VerifierFault;

use super::cpu::{self, CpuSample, CpuUse};
use super::{DevnetError, DevnetOptions, ServingPeers, SourceChain};
use crate::{BackfillTo, BeaconNode, NodeError, NodeSettings, STORE_FILE, StartFrom};

/// How often the backfill node's forward sync is checked for being in sync.
const SYNCED_POLL: Duration = Duration::from_millis(5);
/// The chains `beacon-sync devnet --bench` measures: blob-free and 3 blobs a block.
pub const BENCH_BLOBS_PER_BLOCK: [u64; 2] = [0, 3];
/// Sync / verify, at least (issue 10; release, 2 cores).
pub const TARGET_RATIO: f64 = 0.9;
/// Blob-free backfill, slots/s, at least.
pub const TARGET_BLOB_FREE_BACKFILL: f64 = 2000.0;
/// Three blobs a block, either direction, slots/s, at least.
pub const TARGET_THREE_BLOBS: f64 = 250.0;

/// Why the bench could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// Generating, storing, serving or syncing failed.
    #[error(transparent)]
    Devnet(#[from] DevnetError),
    /// The verifier failed on our side at these slots.
    #[error("the verifier failed at slots {range:?}: {fault}")]
    Fault {
        /// The segment's slots.
        range: Range<u64>,
        /// What failed.
        fault: VerifierFault,
    },
    /// The generated chain's data columns failed verification at these slots.
    #[error("the bench chain's data columns at slots {range:?} failed: {rejection}")]
    Columns {
        /// The segment's slots.
        range: Range<u64>,
        /// Why.
        rejection: sync_types::ColumnRejection,
    },
    /// The verifier rejected the generated chain at these slots.
    #[error("the verifier rejected the bench chain at slots {range:?}: {error}")]
    Rejected {
        /// The segment's slots.
        range: Range<u64>,
        /// Why.
        error: VerifyError,
    },
}

impl From<StoreError> for BenchError {
    fn from(error: StoreError) -> Self {
        BenchError::Devnet(error.into())
    }
}

/// One direction over one chain.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BenchRow {
    /// Blobs in every block of the chain.
    pub blobs_per_block: u64,
    /// Backfill (true) or forward sync.
    pub backfill: bool,
    /// The data columns verified and stored per Fulu block with blobs (8, or 128 for a
    /// supernode).
    pub sampled_columns: u64,
    /// Slots per verified segment (the node's request size).
    pub segment_slots: u64,
    /// Slots covered (the chain's head slot).
    pub slots: u64,
    /// Blocks and blob sidecars (Fulu: data columns) the syncing node committed.
    pub synced: (u64, u64),
    /// Blocks and blob sidecars (Fulu: sampled data columns) the verifier alone verified.
    pub verified: (u64, u64),
    /// The full sync, to its last commit (backfill: from forward sync in sync).
    pub sync_time: Duration,
    /// The verifier alone.
    pub verify_time: Duration,
    /// Committing the verified segments into a scratch store.
    pub commit_time: Duration,
    /// Reading and decoding the segments from the source store.
    pub read_time: Duration,
    /// CPU time used during the full sync, by thread (`None` without `/proc`).
    pub sync_cpu: Option<CpuUse>,
}

impl BenchRow {
    /// Slots/s of the full sync.
    pub fn sync_rate(&self) -> f64 {
        rate(self.slots, self.sync_time)
    }

    /// Slots/s of the verifier alone.
    pub fn verify_rate(&self) -> f64 {
        rate(self.slots, self.verify_time)
    }

    /// The full sync's rate over the verifier's.
    pub fn ratio(&self) -> f64 {
        self.verify_time.as_secs_f64() / self.sync_time.as_secs_f64().max(f64::MIN_POSITIVE)
    }
}

fn rate(slots: u64, time: Duration) -> f64 {
    #[allow(clippy::cast_precision_loss, reason = "slot counts are far below 2^52")]
    let slots = slots as f64;
    slots / time.as_secs_f64().max(f64::MIN_POSITIVE)
}

/// The table's first lines.
const TABLE_HEADER: &str =
    "slots/s: full sync over 127.0.0.1 vs the verifier alone on the same blocks (sidecars: blob
sidecars before Fulu, data columns from Fulu on; cols: columns per Fulu block with blobs)
blobs    run      cols  slots  seg blocks sidecars    sync  verify ratio  commit    read  targets\n";

/// The bench's measurements: forward then backfill, per chain.
#[derive(Clone, Debug, Default)]
pub struct BenchReport {
    /// The rows.
    pub rows: Vec<BenchRow>,
}

impl fmt::Display for BenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(TABLE_HEADER)?;
        for row in &self.rows {
            let target = match (row.blobs_per_block, row.backfill) {
                (0, true) => TARGET_BLOB_FREE_BACKFILL,
                (3, _) => TARGET_THREE_BLOBS,
                _ => 0.0,
            };
            let judge = |met: bool| if met { "met" } else { "MISSED" };
            let met = judge(row.sync_rate() >= target);
            let target = (target > 0.0).then(|| format!("; sync ≥ {target:.0} {met}"));
            writeln!(
                f,
                "{:<8} {:<8} {:>4} {:>5} {:>4} {:>6} {:>8} {:>7.0} {:>7.0} {:>5.2} {:>7.0} {:>7.0}  ratio ≥ {TARGET_RATIO} {}{}",
                format!("{}/block", row.blobs_per_block),
                if row.backfill { "backfill" } else { "forward" },
                row.sampled_columns,
                row.slots,
                row.segment_slots,
                row.synced.0,
                row.synced.1,
                row.sync_rate(),
                row.verify_rate(),
                row.ratio(),
                rate(row.slots, row.commit_time),
                rate(row.slots, row.read_time),
                judge(row.ratio() >= TARGET_RATIO),
                target.unwrap_or_default(),
            )?;
        }
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        writeln!(
            f,
            "CPU seconds used during each sync, by thread ({cores} cores: at most {cores} × wall)"
        )?;
        for row in &self.rows {
            let Some(cpu) = &row.sync_cpu else { continue };
            writeln!(
                f,
                "{:<8} {:<8} wall {:.1} s: {cpu}",
                format!("{}/block", row.blobs_per_block),
                if row.backfill { "backfill" } else { "forward" },
                row.sync_time.as_secs_f64(),
            )?;
        }
        Ok(())
    }
}

/// For each blob count, generates a chain shaped by `options` with exactly that many
/// blobs a block, serves it from `options.peers` honest peers and, forward and backward,
/// verifies it alone and syncs a fresh node from them.
///
/// # Errors
/// [`BenchError`]: a chain cannot be built or served, a node cannot start, a sync does not
/// finish within [`SYNC_LIMIT`](super::SYNC_LIMIT), or the verifier rejects the chain.
pub async fn run_bench(options: &DevnetOptions, blobs: &[u64]) -> Result<BenchReport, BenchError> {
    consensus::kzg::preload_trusted_setup();
    let mut report = BenchReport::default();
    for &per_block in blobs {
        let dir = options.data_dir.join(format!("bench-blobs-{per_block}"));
        let (to, shape) = (dir.clone(), options.clone());
        let source = Arc::new(blocking(move || generate(&to, &shape, per_block)).await??);
        let (servers, serve_runtime) = serve_apart(&source, options.peers.max(1)).await?;
        for backfill in [false, true] {
            let settings = node_settings(&source, &servers, &dir, backfill, options.supernode)?;
            let (start, scratch) = (settings.start.clone(), dir.join("scratch"));
            let manager = [&settings.forward, &settings.backward][usize::from(backfill)];
            let segment_slots = manager.queue.chunk_size.max(1);
            let source = Arc::clone(&source);
            let sampled = bench_sampled_columns(options.supernode);
            let alone = move || {
                verify_alone(
                    &source,
                    &start,
                    (backfill, sampled),
                    segment_slots,
                    &scratch,
                )
            };
            let mut row = blocking(alone).await??;
            (row.sync_time, row.synced, row.sync_cpu) =
                full_sync(settings, row.slots, backfill).await?;
            report.rows.push(row);
        }
        servers.shutdown().await;
        serve_runtime.shutdown_background();
    }
    Ok(report)
}

/// Starts the serving peers on a runtime of their own, whose threads are named
/// [`cpu::SERVE_THREAD_NAME`] so that their CPU time can be told apart.
async fn serve_apart(
    source: &Arc<SourceChain>,
    peers: usize,
) -> Result<(ServingPeers, tokio::runtime::Runtime), BenchError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(cpu::SERVE_THREAD_NAME)
        .enable_all()
        .build()
        .map_err(DevnetError::Runtime)?;
    let source = Arc::clone(source);
    let serving = runtime.spawn(async move { super::serve_supernodes(&source, peers).await });
    match serving.await {
        Ok(servers) => Ok((servers?, runtime)),
        Err(_) => {
            runtime.shutdown_background();
            Err(DevnetError::from(NodeError::Interrupted).into())
        }
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, BenchError> {
    let joined = tokio::task::spawn_blocking(work).await;
    joined.map_err(|_| DevnetError::from(NodeError::Interrupted).into())
}

/// Generates into `<dir>/source` a chain shaped by `options`, `blobs` blobs in every block,
/// empty slots spread evenly, its head the wall clock's slot (as [`super::prepare`] does).
fn generate(dir: &Path, options: &DevnetOptions, blobs: u64) -> Result<SourceChain, BenchError> {
    let skip = u64::from(options.skip_per_mille);
    let plan = (1..=options.slots)
        .map(|slot| match slot * skip % 1000 < skip {
            true => SlotPlan::Empty,
            false => SlotPlan::Block { blobs },
        })
        .collect();
    let options = DevnetOptions {
        max_blobs: blobs,
        ..options.clone()
    };
    Ok(super::source::generate_with_plan(
        &dir.join("source"),
        &options,
        Some(plan),
    )?)
}

fn segments(slots: Range<u64>, size: u64, down: bool) -> Vec<Range<u64>> {
    let Range { start, end } = slots;
    let next = |at: &u64| match down {
        true => (*at > start).then(|| at.saturating_sub(size).max(start)),
        false => (*at < end).then(|| at.saturating_add(size).min(end)),
    };
    let first = if down { end } else { start };
    let bounds: Vec<u64> = std::iter::successors(Some(first), next).collect();
    let range = |pair: &[u64]| pair[0].min(pair[1])..pair[0].max(pair[1]);
    bounds.windows(2).map(range).collect()
}

/// A fresh node in `<dir>/nodes/forward` syncing from genesis, or in
/// `<dir>/nodes/backfill` from a checkpoint at the head back to genesis.
fn node_settings(
    source: &SourceChain,
    servers: &ServingPeers,
    dir: &Path,
    backfill: bool,
    supernode: bool,
) -> Result<NodeSettings, BenchError> {
    let head = source.anchors.head.root;
    let start = if backfill {
        let block = Box::new(source.store.block(head)?.ok_or(StoreError::NoAnchor)?);
        let sidecars = source.store.sidecars(head)?;
        let columns = source.store.columns(head)?;
        StartFrom::Checkpoint {
            block,
            sidecars,
            columns,
        }
    } else {
        StartFrom::Genesis(Box::new(source.genesis.clone()))
    };
    let name = if backfill { "backfill" } else { "forward" };
    let dir = super::fresh_dir(&dir.join("nodes").join(name))?;
    let mut settings = super::node_settings(source, servers, dir, start, supernode);
    settings.backfill = [BackfillTo::None, BackfillTo::Genesis][usize::from(backfill)];
    Ok(settings)
}

/// The verifier alone over the source chain from `start` as that node's verifier gets it;
/// reading each segment and committing it to a scratch store are timed apart.
fn verify_alone(
    source: &SourceChain,
    start: &StartFrom,
    (backfill, sampled): (bool, ColumnSet),
    segment_slots: u64,
    scratch: &Path,
) -> Result<BenchRow, BenchError> {
    let commits = Store::open(super::fresh_dir(scratch)?.join(STORE_FILE), &source.config)?;
    let anchors = commits.init_anchor(start.block(), &[])?;
    let (head, trusted) = (source.anchors.head.slot, anchors.trusted.slot);
    let (anchor, slots) = match backfill {
        true => (anchors.backward(), 0..trusted),
        false => (anchors.forward(), trusted + 1..head + 1),
    };
    let (config, proposers) = (source.config.clone(), source.proposers.clone());
    let verifier = ChainVerifier::new(config, proposers, anchor, ());
    let mut row = BenchRow::default();
    (row.blobs_per_block, row.backfill) = (source.recipe.max_blobs, backfill);
    (row.segment_slots, row.slots) = (segment_slots, head);
    row.sampled_columns = sampled.len();
    for range in segments(slots, segment_slots, backfill) {
        let started = Instant::now();
        let mut segment = read_segment(&source.store, &range, sampled)?;
        row.read_time += started.elapsed();
        if backfill {
            segment.reverse();
        }
        let started = Instant::now();
        // As the syncing node does: the sampled columns' cells first, then the segment.
        let (blocks, columns): (Vec<_>, Vec<_>) = segment
            .iter()
            .filter_map(|d| Some((d.block.clone(), d.columns.clone()?)))
            .unzip();
        if let Err(rejection) = consensus::verify::columns::verify_columns(&blocks, &columns) {
            return Err(BenchError::Columns { range, rejection });
        }
        let report = verifier.verify_blocking(&segment);
        row.verify_time += started.elapsed();
        match report.map(|report| report.failure) {
            Ok(None) => {}
            Ok(Some((_, error))) => return Err(BenchError::Rejected { range, error }),
            Err(fault) => return Err(BenchError::Fault { range, fault }),
        }
        let started = Instant::now();
        commits.commit_segment(&segment, verifier.anchor())?;
        row.commit_time += started.elapsed();
        let sidecars = segment.iter().flat_map(|d| d.sidecars.iter().flatten());
        let columns = segment.iter().flat_map(|d| d.columns.iter().flatten());
        row.verified.0 += segment.len() as u64;
        row.verified.1 += (sidecars.count() + columns.count()) as u64;
    }
    Ok(row)
}

/// The columns the verifier alone checks of each Fulu block: all 128 for a supernode,
/// otherwise as many as a node at the minimum custody samples (8), those of a fixed node
/// id.
fn bench_sampled_columns(supernode: bool) -> ColumnSet {
    if supernode {
        return ColumnSet::ALL;
    }
    consensus::custody::sampling_columns([0; 32], consensus::custody::CUSTODY_REQUIREMENT)
        .unwrap_or_default()
        .into_iter()
        .collect()
}

/// The blocks in `range` with their blob sidecars (before Fulu) or their stored data
/// columns of `sampled` (Fulu), oldest first.
fn read_segment(
    store: &Store,
    range: &Range<u64>,
    sampled: ColumnSet,
) -> Result<Vec<BlockAndSidecars>, StoreError> {
    let blocks = store.blocks_by_range(range.start, range.end - range.start)?;
    let with_sidecars = |block: consensus::Block| {
        let root = block.root();
        let data = if block.signed().fork().has_data_columns() {
            let mut columns = store.columns(root)?;
            columns.retain(|c| sampled.contains(c.sidecar().index));
            BlockAndSidecars::with_columns(block, columns)
        } else {
            BlockAndSidecars::with_sidecars(block, store.sidecars(root)?)
        };
        Ok(data)
    };
    blocks.into_iter().map(with_sidecars).collect()
}

/// Starts a node with `settings`; returns the time to its last commit (the head at `head`,
/// or backfill at genesis) and the blocks and blob sidecars it committed.
async fn full_sync(
    settings: NodeSettings,
    head: u64,
    backfill: bool,
) -> Result<(Duration, (u64, u64), Option<CpuUse>), BenchError> {
    let mut started = Instant::now();
    let mut cpu_before = CpuSample::now();
    let node = BeaconNode::start(settings).await;
    let node = node.map_err(DevnetError::from)?;
    // The trusted anchor (with its sidecars or columns) is stored before the sync starts.
    let trusted = node.store().stats().map_err(DevnetError::from)?;
    let mut anchors = node.chain().subscribe();
    let done = async {
        if let Some(manager) = node.backfill() {
            // Backfill runs once forward sync is in sync, as the node orders them (until
            // then the forward workers hold the peers): timed from there.
            while node.forward().status().state != SyncState::Synced {
                tokio::time::sleep(SYNCED_POLL).await;
            }
            started = Instant::now();
            cpu_before = CpuSample::now();
            manager.resume();
        }
        let done = anchors.wait_for(|a| match backfill {
            true => a.is_backfill_complete(),
            false => a.head.slot >= head,
        });
        done.await.is_ok()
    };
    let done = tokio::time::timeout(super::SYNC_LIMIT, done).await;
    let time = started.elapsed();
    let cpu = CpuSample::now()
        .zip(cpu_before)
        .map(|(after, before)| after.since(&before));
    let stats = node.store().stats();
    node.shutdown().await;
    if done != Ok(true) {
        let what = ["bench forward sync", "bench backfill"][usize::from(backfill)];
        let after = super::SYNC_LIMIT;
        return Err(DevnetError::Timeout { what, after }.into());
    }
    let stats = stats?;
    // Blob sidecars before Fulu, data columns from it on.
    let sidecars = (stats.blob_sidecars + stats.data_columns)
        .saturating_sub(trusted.blob_sidecars + trusted.data_columns);
    let blocks = stats.blocks.saturating_sub(trusted.blocks);
    Ok((time, (blocks, sidecars), cpu))
}
