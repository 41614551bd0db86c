//! The wall clock the node reads: the fork digest of our status and the "head in the
//! future" check of a peer's status depend on it, so tests inject a [`ManualClock`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use consensus::config::ChainConfig;

/// Where the node reads the time of day (Unix time), to place itself on the slot line.
pub trait WallClock: Send + Sync + 'static {
    /// The time since the Unix epoch.
    fn unix_time(&self) -> Duration;
}

/// The system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl WallClock for SystemClock {
    fn unix_time(&self) -> Duration {
        // A clock set before 1970 reads as the epoch itself: slot 0, the safe side.
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
    }
}

/// A clock that only moves when told to (tests). Clones share the time.
#[derive(Clone, Debug, Default)]
pub struct ManualClock {
    millis: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock reading `unix_time` (truncated to milliseconds).
    pub fn new(unix_time: Duration) -> ManualClock {
        let clock = ManualClock::default();
        clock.set(unix_time);
        clock
    }

    /// A clock at the start of `slot` of `chain`.
    pub fn at_slot(chain: &ChainConfig, slot: u64) -> ManualClock {
        let secs = chain
            .genesis_time()
            .saturating_add(slot.saturating_mul(chain.seconds_per_slot()));
        ManualClock::new(Duration::from_secs(secs))
    }

    /// Sets the time.
    pub fn set(&self, unix_time: Duration) {
        let millis = u64::try_from(unix_time.as_millis()).unwrap_or(u64::MAX);
        self.millis.store(millis, Ordering::Relaxed);
    }

    /// Moves the time forward by `by`.
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        // `fetch_update` with a closure that never fails cannot return Err.
        let _ = self
            .millis
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |m| {
                Some(m.saturating_add(by))
            });
    }
}

impl WallClock for ManualClock {
    fn unix_time(&self) -> Duration {
        Duration::from_millis(self.millis.load(Ordering::Relaxed))
    }
}

/// The slot that `unix_time` falls in on `chain` (slot 0 before genesis).
pub fn slot_at(chain: &ChainConfig, unix_time: Duration) -> u64 {
    let since_genesis = unix_time.as_secs().saturating_sub(chain.genesis_time());
    since_genesis / chain.seconds_per_slot().max(1)
}

/// The epoch that `unix_time` falls in on `chain` (epoch 0 before genesis).
pub fn epoch_at(chain: &ChainConfig, unix_time: Duration) -> u64 {
    chain.slot_to_epoch(slot_at(chain, unix_time))
}

#[cfg(test)]
mod tests {
    use consensus::Fork;
    use consensus::primitives::Hash256;

    use super::*;

    #[test]
    fn slots_count_from_genesis_and_clamp_before_it() {
        let chain = ChainConfig::devnet(Fork::Electra, 1_000, Hash256::ZERO);
        assert_eq!(slot_at(&chain, Duration::from_secs(10)), 0);
        assert_eq!(
            slot_at(&chain, Duration::from_secs(1_000 + 12 * 33 + 11)),
            33
        );
        assert_eq!(epoch_at(&chain, Duration::from_secs(1_000 + 12 * 64)), 2);
        let clock = ManualClock::at_slot(&chain, 5);
        clock.advance(Duration::from_secs(12));
        assert_eq!(slot_at(&chain, clock.unix_time()), 6);
    }
}
