//! The queue's limits and policies.

use std::time::Duration;

/// How a [`SyncQueue`](crate::SyncQueue) hands out and judges ranges. Every limit has a
/// documented default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueConfig {
    /// Slots per request. Default 32 (one mainnet epoch, as Nimbus). Must be at least 1;
    /// 0 is read as 1.
    pub chunk_size: u64,
    /// How many distinct peers must answer a range with no blocks before the queue moves
    /// past it (spec D.19). Default 2. A peer that answered a range empty is not asked for
    /// it again. With 1 the queue trusts a single peer, as the Nimbus seed did.
    pub empty_confirmations: usize,
    /// How many distinct peers' answers for one range must end in a missing parent
    /// before the queue rewinds. Default 2, the 2025 Nimbus rule, so one bad answer never rewinds; a peer
    /// whose answer failed is not asked for that range again. 1 gives the seed's behaviour.
    pub rewind_failure_threshold: u32,
    /// The most requests that may be out at once (handed out, or answered and waiting to
    /// be processed). A fresh range is not handed out past it; failed ranges still are.
    /// Default 64. Bounds the memory of parked results.
    pub max_outstanding_requests: usize,
    /// The most gap-list entries kept (spec A.5.7: peers whose answers ended in empty
    /// slots, rewarded or penalised once the next block shows whether they were right).
    /// The oldest go first. Default 256, about 8,000 empty slots with chunks of 32.
    pub max_gap_entries: usize,
    /// How long a range that every present peer able to serve it is barred from (they
    /// answered it empty or with a failing answer) waits before it goes back to one of
    /// them anyway. Doubles with each such return of the same range, up to
    /// [`max_barred_wait`](Self::max_barred_wait). Default 2 s. While another present
    /// peer may still serve the range, a barred peer never gets it.
    pub barred_wait: Duration,
    /// The longest wait of [`barred_wait`](Self::barred_wait)'s doubling. Default 32 s,
    /// well under the manager's stall watchdog.
    pub max_barred_wait: Duration,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            chunk_size: 32,
            empty_confirmations: 2,
            rewind_failure_threshold: 2,
            max_outstanding_requests: 64,
            max_gap_entries: 256,
            barred_wait: Duration::from_secs(2),
            max_barred_wait: Duration::from_secs(32),
        }
    }
}

impl QueueConfig {
    /// This config with `chunk_size` slots per request.
    pub fn with_chunk_size(mut self, chunk_size: u64) -> Self {
        self.chunk_size = chunk_size;
        self
    }

    /// This config with `n` peers needed to confirm an empty range.
    pub fn with_empty_confirmations(mut self, n: usize) -> Self {
        self.empty_confirmations = n;
        self
    }

    /// This config with a rewind after `n` failures of one range.
    pub fn with_rewind_failure_threshold(mut self, n: u32) -> Self {
        self.rewind_failure_threshold = n;
        self
    }

    /// The wait before a barred range goes back to a barred peer, after `lifts` earlier
    /// such returns: [`barred_wait`](Self::barred_wait) doubled `lifts` times, at most
    /// [`max_barred_wait`](Self::max_barred_wait).
    pub fn barred_wait_after(&self, lifts: u32) -> Duration {
        let factor = 1u32.checked_shl(lifts.min(31)).unwrap_or(u32::MAX);
        self.barred_wait
            .saturating_mul(factor)
            .min(self.max_barred_wait)
    }

    /// This config with at most `n` outstanding requests.
    pub fn with_max_outstanding_requests(mut self, n: usize) -> Self {
        self.max_outstanding_requests = n;
        self
    }
}
