//! `GET /beacon-sync/v1/status`: everything the terminal shows, as JSON: both syncs
//! (state, progress, speed, ETA, worker map, queue counters), the anchors, the finalized
//! checkpoint and every peer of the book with its score. Ours, not the beacon-API's:
//! numbers are plain JSON numbers (slots, counters, floats), roots 0x-hex.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use store::Anchors;
use sync_manager::SyncStatus;
use sync_queue::QueueStats;

use super::ApiState;
use super::json::{Data, hex0x};
use super::node_api::direction_name;

#[derive(Serialize)]
pub(crate) struct BlockView {
    slot: u64,
    root: String,
}

#[derive(Serialize)]
pub(crate) struct AnchorsView {
    /// The block the chain started from (genesis or a checkpoint).
    trusted: BlockView,
    /// The newest stored block.
    head: BlockView,
    /// The lowest stored block's slot.
    backfill_slot: u64,
    /// The parent root the next older block must have.
    backfill_parent_root: String,
    /// Whether backfill reached genesis.
    backfill_complete: bool,
    /// The lowest slot served to peers.
    earliest_available_slot: u64,
}

impl From<&Anchors> for AnchorsView {
    fn from(anchors: &Anchors) -> AnchorsView {
        AnchorsView {
            trusted: BlockView {
                slot: anchors.trusted.slot,
                root: hex0x(anchors.trusted.root),
            },
            head: BlockView {
                slot: anchors.head.slot,
                root: hex0x(anchors.head.root),
            },
            backfill_slot: anchors.backfill.slot,
            backfill_parent_root: hex0x(anchors.backfill.parent_root),
            backfill_complete: anchors.is_backfill_complete(),
            earliest_available_slot: anchors.earliest_available_slot,
        }
    }
}

#[derive(Serialize)]
pub(crate) struct ProgressView {
    slots_done: u64,
    slots_total: u64,
    slots_left: u64,
    /// `slots_done / slots_total`, 0 to 1.
    fraction_done: f64,
}

/// The queue's counters, one field each (destructured exhaustively, so a counter added
/// to [`QueueStats`] fails the build here until it is shown).
#[derive(Serialize)]
pub(crate) struct QueueView {
    slots_processed: u64,
    blocks_imported: u64,
    blocks_duplicate: u64,
    requests_issued: u64,
    requests_failed: u64,
    results_processed: u64,
    results_dropped: u64,
    empty_unconfirmed: u64,
    empty_skipped_unconfirmed: u64,
    barred_lifts: u64,
    rewinds: u64,
    rewinds_exhausted: u64,
    verifier_faults: u64,
    /// The slot of the last block the verifier accepted (may run ahead of the stored head).
    accepted_frontier: Option<u64>,
}

impl From<&QueueStats> for QueueView {
    fn from(stats: &QueueStats) -> QueueView {
        let QueueStats {
            slots_processed,
            blocks_imported,
            blocks_duplicate,
            requests_issued,
            requests_failed,
            results_processed,
            results_dropped,
            empty_unconfirmed,
            empty_skipped_unconfirmed,
            barred_lifts,
            rewinds,
            rewinds_exhausted,
            verifier_faults,
            accepted_frontier,
        } = *stats;
        QueueView {
            slots_processed,
            blocks_imported,
            blocks_duplicate,
            requests_issued,
            requests_failed,
            results_processed,
            results_dropped,
            empty_unconfirmed,
            empty_skipped_unconfirmed,
            barred_lifts,
            rewinds,
            rewinds_exhausted,
            verifier_faults,
            accepted_frontier: accepted_frontier.map(|slot| slot.0),
        }
    }
}

#[derive(Serialize)]
pub(crate) struct SyncView {
    direction: String,
    state: String,
    progress: ProgressView,
    current_slot: u64,
    slots_per_second: f64,
    average_slots_per_second: f64,
    /// Seconds left at the average speed; `null` while unknown.
    eta_seconds: Option<f64>,
    /// One letter per worker (`sswURDQ...`).
    worker_map: String,
    /// Nimbus's status line.
    status_line: String,
    /// Peers in the pool.
    peers: usize,
    queue: QueueView,
    /// Sampled data columns (Fulu) that no peer in the pool custodies: the sync waits for
    /// one. Empty when every sampled column has a custody peer.
    columns_without_peer: Vec<u64>,
}

impl From<&SyncStatus> for SyncView {
    fn from(status: &SyncStatus) -> SyncView {
        SyncView {
            direction: status.direction.to_string(),
            state: status.state.to_string(),
            progress: ProgressView {
                slots_done: status.progress.progress,
                slots_total: status.progress.total,
                slots_left: status.progress.remaining,
                fraction_done: status.progress.done,
            },
            current_slot: status.current_slot.0,
            slots_per_second: status.slots_per_second,
            average_slots_per_second: status.average_slots_per_second,
            eta_seconds: status.eta.map(|eta| eta.as_secs_f64()),
            worker_map: status.worker_map(),
            status_line: status.status_line(),
            peers: status.peers,
            queue: QueueView::from(&status.queue),
            columns_without_peer: status.columns_without_peer.iter().collect(),
        }
    }
}

#[derive(Serialize)]
pub(crate) struct PeerView {
    peer_id: String,
    score: i64,
    connected: bool,
    direction: &'static str,
    head_slot: u64,
    head_root: String,
    finalized_epoch: u64,
}

#[derive(Serialize)]
pub(crate) struct CheckpointView {
    epoch: u64,
    root: String,
}

#[derive(Serialize)]
pub(crate) struct NodeStatusView {
    wall_slot: u64,
    anchors: AnchorsView,
    finalized: CheckpointView,
    forward: SyncView,
    /// `null` when the node started with nothing to backfill.
    backfill: Option<SyncView>,
    peers: Vec<PeerView>,
}

/// `GET /beacon-sync/v1/status`.
pub(crate) async fn status(State(state): State<Arc<ApiState>>) -> Json<Data<NodeStatusView>> {
    let status = (state.ctx.status)();
    let finalized = state.ctx.chain.finalized();
    let peers = state
        .ctx
        .peers
        .snapshot()
        .into_iter()
        .map(|(id, record)| {
            let peer_status = record.peer.status();
            PeerView {
                peer_id: id.to_string(),
                score: record.score(),
                connected: record.connected,
                direction: direction_name(record.peer.direction()),
                head_slot: peer_status.head_slot,
                head_root: hex0x(peer_status.head_root),
                finalized_epoch: peer_status.finalized_epoch,
            }
        })
        .collect();
    Json(Data {
        data: NodeStatusView {
            wall_slot: status.wall_slot,
            anchors: AnchorsView::from(&status.anchors),
            finalized: CheckpointView {
                epoch: finalized.epoch,
                root: hex0x(finalized.root),
            },
            forward: SyncView::from(&status.forward),
            backfill: status.backfill.as_ref().map(SyncView::from),
            peers,
        },
    })
}
