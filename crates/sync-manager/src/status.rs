//! What the manager reports: worker states, the sync state and the Nimbus status line.

use std::{
    fmt,
    sync::atomic::{AtomicU8, Ordering},
    time::Duration,
};

use sync_queue::QueueStats;
use sync_types::{ColumnSet, Slot, SyncDirection, SyncProgress, time_left_string};

/// What one worker is doing (spec A.6.2), with Nimbus's letters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum WorkerState {
    /// `s`: waiting for the sync to need it.
    Sleeping = 0,
    /// `w`: waiting for a peer.
    WaitingPeer = 1,
    /// `U`: refreshing a peer's status.
    UpdatingStatus = 2,
    /// `R`: asking the queue for a range.
    Requesting = 3,
    /// `D`: downloading.
    Downloading = 4,
    /// `Q`: waiting for the queue to take the result.
    Queueing = 5,
    /// `p`: paused.
    Paused = 6,
    /// `P`: its result is being verified.
    Processing = 7,
}

impl WorkerState {
    /// All states, in the order of their numbers.
    pub const ALL: [WorkerState; 8] = [
        WorkerState::Sleeping,
        WorkerState::WaitingPeer,
        WorkerState::UpdatingStatus,
        WorkerState::Requesting,
        WorkerState::Downloading,
        WorkerState::Queueing,
        WorkerState::Paused,
        WorkerState::Processing,
    ];

    /// The letter of the worker map.
    pub const fn letter(self) -> char {
        match self {
            WorkerState::Sleeping => 's',
            WorkerState::WaitingPeer => 'w',
            WorkerState::UpdatingStatus => 'U',
            WorkerState::Requesting => 'R',
            WorkerState::Downloading => 'D',
            WorkerState::Queueing => 'Q',
            WorkerState::Paused => 'p',
            WorkerState::Processing => 'P',
        }
    }

    /// Whether a worker in this state holds work in progress (Nimbus's "pending").
    pub const fn is_busy(self) -> bool {
        matches!(
            self,
            WorkerState::UpdatingStatus
                | WorkerState::Requesting
                | WorkerState::Downloading
                | WorkerState::Queueing
                | WorkerState::Processing
        )
    }

    /// The metric label.
    pub const fn label(self) -> &'static str {
        match self {
            WorkerState::Sleeping => "sleeping",
            WorkerState::WaitingPeer => "waiting_peer",
            WorkerState::UpdatingStatus => "updating_status",
            WorkerState::Requesting => "requesting",
            WorkerState::Downloading => "downloading",
            WorkerState::Queueing => "queueing",
            WorkerState::Paused => "paused",
            WorkerState::Processing => "processing",
        }
    }
}

/// The worker states, shared between the workers and the status reader.
#[derive(Debug)]
pub(crate) struct WorkerBoard {
    states: Vec<AtomicU8>,
}

impl WorkerBoard {
    pub(crate) fn new(n: usize) -> Self {
        WorkerBoard {
            states: (0..n).map(|_| AtomicU8::new(0)).collect(),
        }
    }

    pub(crate) fn set(&self, index: usize, state: WorkerState) {
        if let Some(s) = self.states.get(index) {
            s.store(state as u8, Ordering::Relaxed);
        }
    }

    pub(crate) fn snapshot(&self) -> Vec<WorkerState> {
        self.states
            .iter()
            .map(|s| {
                let n = usize::from(s.load(Ordering::Relaxed));
                WorkerState::ALL
                    .get(n)
                    .copied()
                    .unwrap_or(WorkerState::Sleeping)
            })
            .collect()
    }
}

/// The state of a sync as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SyncState {
    /// Started, nothing to do yet (no sync needed, or not started).
    Idle,
    /// Downloading and verifying.
    Syncing,
    /// No progress for longer than the stall timeout; recovering.
    Stalled,
    /// In sync (forward) or done (backward).
    Synced,
    /// Paused by the operator.
    Paused,
}

impl fmt::Display for SyncState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SyncState::Idle => "idle",
            SyncState::Syncing => "syncing",
            SyncState::Stalled => "stalled",
            SyncState::Synced => "synced",
            SyncState::Paused => "paused",
        })
    }
}

/// A snapshot of a sync, for logs, the node API and the terminal.
#[derive(Clone, Debug, PartialEq)]
pub struct SyncStatus {
    /// Forward sync or backfill.
    pub direction: SyncDirection,
    /// The overall state.
    pub state: SyncState,
    /// Slots done since the sync started, slots in total, slots left.
    pub progress: SyncProgress,
    /// The current slot (forward: the last processed slot; backward: the lowest).
    pub current_slot: Slot,
    /// Speed over the last sampling interval, slots per second.
    pub slots_per_second: f64,
    /// Average speed since the sync started, slots per second.
    pub average_slots_per_second: f64,
    /// Time left at the average speed, if it is known.
    pub eta: Option<Duration>,
    /// What each worker is doing.
    pub workers: Vec<WorkerState>,
    /// Peers in the pool.
    pub peers: usize,
    /// The queue's counters, among them why a range was skipped on one peer's word
    /// ([`QueueStats::empty_skipped_unconfirmed`]: no other present peer could confirm
    /// it) and how often a barred range went back to a barred peer.
    pub queue: QueueStats,
    /// Sampled data columns that no peer in the pool custodies, as last found by a
    /// worker that needed them: the sync waits for such a peer (no penalty to anyone).
    /// Empty when every sampled column has a custody peer or none is needed.
    pub columns_without_peer: ColumnSet,
}

impl SyncStatus {
    /// The worker map, one letter per worker (`sswURDQ...`).
    pub fn worker_map(&self) -> String {
        self.workers.iter().map(|w| w.letter()).collect()
    }

    /// Nimbus's status line: `01h02m (12.34%) 5.6789slots/s (wwURDQsss:1234)`.
    pub fn status_line(&self) -> String {
        format!(
            "{} ({:.2}%) {:.4}slots/s ({}:{})",
            time_left_string(self.eta),
            self.progress.done * 100.0,
            self.average_slots_per_second,
            self.worker_map(),
            self.current_slot
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sync_types::Cursor;

    #[test]
    fn status_line_matches_the_nimbus_format() {
        let status = SyncStatus {
            direction: SyncDirection::Forward,
            state: SyncState::Idle,
            progress: SyncProgress::compute(
                SyncDirection::Forward,
                Slot(0),
                Cursor::At(Slot(0)),
                Slot(99),
            ),
            current_slot: Slot(0),
            slots_per_second: 0.0,
            average_slots_per_second: 0.0,
            eta: None,
            workers: vec![WorkerState::WaitingPeer; 10],
            peers: 0,
            queue: QueueStats::default(),
            columns_without_peer: sync_types::ColumnSet::EMPTY,
        };
        assert_eq!(
            status.status_line(),
            "--h--m (0.00%) 0.0000slots/s (wwwwwwwwww:0)"
        );
    }

    #[test]
    fn worker_board_round_trips_every_state() {
        let board = WorkerBoard::new(WorkerState::ALL.len());
        for (i, s) in WorkerState::ALL.iter().enumerate() {
            board.set(i, *s);
        }
        assert_eq!(board.snapshot(), WorkerState::ALL);
        let map: String = WorkerState::ALL.iter().map(|w| w.letter()).collect();
        assert_eq!(map, "swURDQpP");
    }
}
