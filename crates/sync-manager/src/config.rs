//! The manager's limits and timings.

use std::time::Duration;

use sync_queue::QueueConfig;
use sync_types::ColumnSet;

/// How a [`SyncManager`](crate::SyncManager) runs. Every field has a documented default
/// (the Nimbus values of spec A.1 unless said).
#[derive(Clone, Debug, PartialEq)]
pub struct ManagerConfig {
    /// Concurrent sync workers, each holding at most one peer. Default 10.
    pub workers: usize,
    /// Forward: in sync when the head is at most this many slots behind the wall clock.
    /// Backward: done when at most this many slots are left. Default 32 forward; use 0
    /// for backfill, as Nimbus does.
    pub max_head_age: u64,
    /// A peer status older than this is refreshed before use. Default 2 minutes.
    pub status_expiration: Duration,
    /// A status younger than this is never refreshed: the worker hands the peer back
    /// and tries another instead of sleeping while holding it (D.12). Default 1 minute.
    pub status_refresh_throttle: Duration,
    /// How long a worker waits, without a peer, after a peer had nothing to do.
    /// Default 10 s (`RESP_TIMEOUT`).
    pub idle_backoff: Duration,
    /// A backstop for a download that never ends: after this the request counts as
    /// timed out (-100). The network layer has its own, shorter timeouts (5 s to the
    /// first byte, 10 s per chunk); this catches a peer implementation without them.
    /// Default 30 s.
    pub request_timeout: Duration,
    /// How far ahead of our wall clock a peer's head may be (clock disparity) before its
    /// status counts as a lie. Default 1 slot.
    pub max_head_ahead_of_wall: u64,
    /// How long a worker waits after a rate-limit reply that named no time. Default 5 s.
    pub rate_limit_backoff: Duration,
    /// The sync loop's tick: in-sync detection, watchdog, status. Default 2 s.
    pub loop_interval: Duration,
    /// Speed sampling interval. Default 12 s (one mainnet slot).
    pub speed_interval: Duration,
    /// No progress for this long while not in sync gives state `stalled` and a recovery
    /// (the queue re-issues every range from its output, to whichever peers are there).
    /// Default 2 minutes.
    pub stall_timeout: Duration,
    /// Forward only: aim at the best peer's head (never past the wall clock) rather than
    /// at the wall clock. Nimbus aims at the wall clock and hands the last
    /// [`max_head_age`](Self::max_head_age) slots to gossip; a node without gossip (the
    /// bundled node) keeps range-syncing to what its peers hold, and is in sync once its
    /// head is at most `max_head_age` slots behind the best peer's head. With no peer the
    /// wall clock is the target. Default false (Nimbus's rule).
    pub follow_peers_head: bool,
    /// Forward, with [`follow_peers_head`](Self::follow_peers_head): while in sync, a
    /// peer's status older than this is refreshed, so a new head is seen without gossip.
    /// Default 12 s (one mainnet slot).
    pub head_poll_interval: Duration,
    /// Forward only: stop the manager once in sync (the seed's `NoMonitor` flag).
    /// Default false: keep watching and re-sync when the head falls behind.
    pub exit_when_synced: bool,
    /// The data columns fetched for every block from Fulu on: the node's sampling set
    /// (its custody columns, at least `SAMPLES_PER_SLOT` of them, from its node id), or
    /// all of them for a supernode. A range is complete only when its blocks and every
    /// one of these columns verify. Default: all columns.
    pub sampled_columns: ColumnSet,
    /// How many rounds of column requests one range gets before it goes back to the
    /// queue: a round asks custody peers for the columns still missing, and a peer that
    /// failed is not asked again for that range. Default 3.
    pub column_rounds: usize,
    /// A backstop for one data column request, shorter than
    /// [`request_timeout`](Self::request_timeout): a round of column requests waits for
    /// its slowest answer, and a stalling custody peer must not hold a range for the whole
    /// request timeout in each round. Its columns go to another peer in the next round.
    /// Default 15 s.
    pub column_request_timeout: Duration,
    /// How long a worker waits before it looks again for a custody peer of a sampled
    /// column none has: a peer's custody becomes known moments after it joins (its
    /// MetaData), so this is short. Default 1 s.
    pub custody_wait: Duration,
    /// The queue's own configuration.
    pub queue: QueueConfig,
}

impl ManagerConfig {
    /// This config following the best peer's head (see
    /// [`follow_peers_head`](Self::follow_peers_head)), in sync at most `max_head_age`
    /// slots behind it.
    pub fn following_peers(mut self, max_head_age: u64) -> Self {
        self.follow_peers_head = true;
        self.max_head_age = max_head_age;
        self
    }

    /// This config with [`max_head_age`](Self::max_head_age) set: in sync (forward) at
    /// most `slots` behind the wall clock.
    pub fn with_max_head_age(mut self, slots: u64) -> Self {
        self.max_head_age = slots;
        self
    }

    /// This config with [`exit_when_synced`](Self::exit_when_synced) set. The manager
    /// then stops as soon as it is in sync, which is [`max_head_age`](Self::max_head_age)
    /// (default 32) slots behind the wall clock: to import up to the wall clock's slot
    /// before stopping, add `.with_max_head_age(0)`.
    pub fn with_exit_when_synced(mut self) -> Self {
        self.exit_when_synced = true;
        self
    }
}

impl Default for ManagerConfig {
    fn default() -> Self {
        ManagerConfig {
            workers: 10,
            max_head_age: 32,
            status_expiration: Duration::from_secs(120),
            status_refresh_throttle: Duration::from_secs(60),
            idle_backoff: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_head_ahead_of_wall: 1,
            rate_limit_backoff: Duration::from_secs(5),
            loop_interval: Duration::from_secs(2),
            speed_interval: Duration::from_secs(12),
            stall_timeout: Duration::from_secs(120),
            follow_peers_head: false,
            head_poll_interval: Duration::from_secs(12),
            exit_when_synced: false,
            sampled_columns: ColumnSet::ALL,
            column_rounds: 3,
            custody_wait: Duration::from_secs(1),
            column_request_timeout: Duration::from_secs(15),
            queue: QueueConfig::default(),
        }
    }
}
