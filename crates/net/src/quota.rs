//! Token buckets: the quotas of the server (per peer and global) and the self-limit of the
//! client (stay inside what other clients allow, or they ban us).
//!
//! A [`TokenBucket`] holds up to `max` tokens and refills at `max` per `period`,
//! continuously. Taking `n` tokens succeeds when there are `n`; otherwise it says how
//! long until there will be. All arithmetic is in integers (token·nanoseconds), on the
//! instants the caller passes in, so tests drive it without a clock.

use std::time::Duration;

use tokio::time::Instant;

use crate::rpc::RpcKind;

/// `max` tokens per `period`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    /// Tokens in a full bucket (and refilled per `period`).
    pub max: u64,
    /// The time to refill a whole bucket.
    pub period: Duration,
}

impl Quota {
    /// `max` tokens per `period`.
    pub const fn new(max: u64, period: Duration) -> Quota {
        Quota { max, period }
    }

    /// `max` tokens per `secs` seconds.
    pub const fn per_secs(max: u64, secs: u64) -> Quota {
        Quota::new(max, Duration::from_secs(secs))
    }

    /// This quota with `max` multiplied by `factor` (saturating).
    #[must_use]
    pub const fn times(self, factor: u64) -> Quota {
        Quota::new(self.max.saturating_mul(factor), self.period)
    }

    /// This quota refilled `percent` % more slowly (the period stretched): a client that
    /// limits itself to a peer's quota keeps this margin, so that jitter in when requests
    /// reach the peer cannot push one over the peer's own bucket.
    #[must_use]
    pub fn stretched(self, percent: u32) -> Quota {
        let extra = self.period.saturating_mul(percent) / 100;
        Quota::new(self.max, self.period.saturating_add(extra))
    }
}

/// One quota per request kind. A request of kind `k` costs [`RpcRequest::cost`](crate::rpc::RpcRequest::cost) tokens of
/// `k`'s quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuotaSet {
    /// `status`: requests.
    pub status: Quota,
    /// `goodbye`: requests.
    pub goodbye: Quota,
    /// `ping`: requests.
    pub ping: Quota,
    /// `metadata`: requests.
    pub metadata: Quota,
    /// `beacon_blocks_by_range`: blocks *requested* (the `count`).
    pub blocks_by_range: Quota,
    /// `beacon_blocks_by_root`: roots requested.
    pub blocks_by_root: Quota,
    /// `blob_sidecars_by_range`: sidecars the request may return (`count` × blobs per block).
    pub blobs_by_range: Quota,
    /// `blob_sidecars_by_root`: identifiers requested.
    pub blobs_by_root: Quota,
    /// `data_column_sidecars_by_range`: sidecars the request may return (`count` ×
    /// columns).
    pub columns_by_range: Quota,
    /// `data_column_sidecars_by_root`: columns requested.
    pub columns_by_root: Quota,
}

impl QuotaSet {
    /// Lighthouse's default inbound quotas per peer (wire.md §5): Status 5/15 s, Goodbye
    /// 1/10 s, Ping 2/10 s, MetaData 2/5 s, BlocksByRange 1024 blocks/10 s (also
    /// Lodestar 1.5.1's limit on *requested* blocks), BlocksByRoot 128/10 s,
    /// BlobsByRange 6144/10 s, BlobsByRoot 768/10 s, DataColumnsByRange and ByRoot
    /// 16384/10 s each (`MAX_REQUEST_DATA_COLUMN_SIDECARS`, Lighthouse's quota: one full
    /// request).
    pub const fn lighthouse() -> QuotaSet {
        QuotaSet {
            status: Quota::per_secs(5, 15),
            goodbye: Quota::per_secs(1, 10),
            ping: Quota::per_secs(2, 10),
            metadata: Quota::per_secs(2, 5),
            blocks_by_range: Quota::per_secs(1024, 10),
            blocks_by_root: Quota::per_secs(128, 10),
            blobs_by_range: Quota::per_secs(6144, 10),
            blobs_by_root: Quota::per_secs(768, 10),
            columns_by_range: Quota::per_secs(16_384, 10),
            columns_by_root: Quota::per_secs(16_384, 10),
        }
    }

    /// Every quota refilled `percent` % more slowly (see [`Quota::stretched`]).
    #[must_use]
    pub fn stretched(self, percent: u32) -> QuotaSet {
        QuotaSet {
            status: self.status.stretched(percent),
            goodbye: self.goodbye.stretched(percent),
            ping: self.ping.stretched(percent),
            metadata: self.metadata.stretched(percent),
            blocks_by_range: self.blocks_by_range.stretched(percent),
            blocks_by_root: self.blocks_by_root.stretched(percent),
            blobs_by_range: self.blobs_by_range.stretched(percent),
            blobs_by_root: self.blobs_by_root.stretched(percent),
            columns_by_range: self.columns_by_range.stretched(percent),
            columns_by_root: self.columns_by_root.stretched(percent),
        }
    }

    /// Every quota with `max` multiplied by `factor`.
    #[must_use]
    pub const fn times(self, factor: u64) -> QuotaSet {
        QuotaSet {
            status: self.status.times(factor),
            goodbye: self.goodbye.times(factor),
            ping: self.ping.times(factor),
            metadata: self.metadata.times(factor),
            blocks_by_range: self.blocks_by_range.times(factor),
            blocks_by_root: self.blocks_by_root.times(factor),
            blobs_by_range: self.blobs_by_range.times(factor),
            blobs_by_root: self.blobs_by_root.times(factor),
            columns_by_range: self.columns_by_range.times(factor),
            columns_by_root: self.columns_by_root.times(factor),
        }
    }

    /// The quota of `kind`.
    pub const fn get(&self, kind: RpcKind) -> Quota {
        match kind {
            RpcKind::Status => self.status,
            RpcKind::Goodbye => self.goodbye,
            RpcKind::Ping => self.ping,
            RpcKind::MetaData => self.metadata,
            RpcKind::BlocksByRange => self.blocks_by_range,
            RpcKind::BlocksByRoot => self.blocks_by_root,
            RpcKind::BlobsByRange => self.blobs_by_range,
            RpcKind::BlobsByRoot => self.blobs_by_root,
            RpcKind::ColumnsByRange => self.columns_by_range,
            RpcKind::ColumnsByRoot => self.columns_by_root,
        }
    }
}

impl Default for QuotaSet {
    fn default() -> Self {
        QuotaSet::lighthouse()
    }
}

/// A bucket of tokens refilled continuously at `max` per `period`.
#[derive(Clone, Debug)]
pub struct TokenBucket {
    quota: Quota,
    /// Tokens × period-nanoseconds (so refills stay integers).
    level: u128,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket for `quota`, as of `now`.
    pub fn new(quota: Quota, now: Instant) -> TokenBucket {
        TokenBucket {
            quota,
            level: Self::scaled(quota.max, quota),
            last: now,
        }
    }

    fn period_nanos(quota: Quota) -> u128 {
        quota.period.as_nanos().max(1)
    }

    fn scaled(tokens: u64, quota: Quota) -> u128 {
        u128::from(tokens).saturating_mul(Self::period_nanos(quota))
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_nanos();
        self.last = self.last.max(now);
        let full = Self::scaled(self.quota.max, self.quota);
        self.level = self
            .level
            .saturating_add(elapsed.saturating_mul(u128::from(self.quota.max)))
            .min(full);
    }

    /// Takes `cost` tokens if there are that many at `now`; otherwise takes nothing and
    /// returns how long until there will be. A cost above the bucket's size is charged
    /// as a full bucket (it passes once the bucket is full).
    ///
    /// # Errors
    ///
    /// The time to wait, when the bucket holds fewer than `cost` tokens.
    pub fn try_take(&mut self, cost: u64, now: Instant) -> Result<(), Duration> {
        self.refill(now);
        let need = Self::scaled(cost.min(self.quota.max), self.quota);
        if self.level >= need {
            self.level -= need;
            return Ok(());
        }
        let missing = need - self.level;
        let per_nano = u128::from(self.quota.max.max(1));
        let nanos = missing.div_ceil(per_nano);
        Err(Duration::from_nanos(
            u64::try_from(nanos).unwrap_or(u64::MAX),
        ))
    }

    /// Whole tokens available at `now`.
    pub fn available(&mut self, now: Instant) -> u64 {
        self.refill(now);
        u64::try_from(self.level / Self::period_nanos(self.quota)).unwrap_or(u64::MAX)
    }
}

/// One bucket per request kind, for one peer or for everyone.
#[derive(Clone, Debug)]
pub struct KindBuckets {
    buckets: [TokenBucket; RpcKind::ALL.len()],
}

impl KindBuckets {
    /// Full buckets for `quotas`.
    pub fn new(quotas: &QuotaSet, now: Instant) -> KindBuckets {
        KindBuckets {
            buckets: RpcKind::ALL.map(|kind| TokenBucket::new(quotas.get(kind), now)),
        }
    }

    /// [`TokenBucket::try_take`] on `kind`'s bucket.
    ///
    /// # Errors
    ///
    /// The time to wait.
    pub fn try_take(&mut self, kind: RpcKind, cost: u64, now: Instant) -> Result<(), Duration> {
        self.buckets[kind.index()].try_take(cost, now)
    }

    /// Whether every bucket is full at `now` (the owner has nothing left to repay).
    pub fn is_full(&mut self, now: Instant) -> bool {
        self.buckets
            .iter_mut()
            .all(|bucket| bucket.available(now) >= bucket.quota.max)
    }

    /// Puts back `cost` tokens taken by mistake (a second bucket refused the request).
    pub fn refund(&mut self, kind: RpcKind, cost: u64) {
        let bucket = &mut self.buckets[kind.index()];
        let full = TokenBucket::scaled(bucket.quota.max, bucket.quota);
        let back = TokenBucket::scaled(cost.min(bucket.quota.max), bucket.quota);
        bucket.level = bucket.level.saturating_add(back).min(full);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_refuses_when_empty_and_says_how_long_to_wait() {
        let t0 = Instant::now();
        let mut bucket = TokenBucket::new(Quota::per_secs(1024, 10), t0);
        assert_eq!(bucket.try_take(1000, t0), Ok(()));
        // 24 left; 64 more need 40 tokens = 40/1024 of 10 s.
        let wait = bucket.try_take(64, t0).unwrap_err();
        assert_eq!(wait, Duration::from_nanos(390_625_000));
        assert_eq!(bucket.try_take(64, t0 + wait), Ok(()));
        assert_eq!(bucket.available(t0 + wait), 0);
    }

    #[test]
    fn refills_stop_at_the_bucket_size_and_big_costs_take_a_full_bucket() {
        let t0 = Instant::now();
        let mut bucket = TokenBucket::new(Quota::per_secs(2, 10), t0);
        assert_eq!(bucket.try_take(2, t0), Ok(()));
        assert_eq!(bucket.try_take(1, t0), Err(Duration::from_secs(5)));
        let later = t0 + Duration::from_secs(3600);
        assert_eq!(bucket.available(later), 2);
        assert_eq!(bucket.try_take(50, later), Ok(()));
        assert_eq!(bucket.available(later), 0);
    }

    #[test]
    fn a_stretched_quota_refills_more_slowly() {
        let quota = Quota::per_secs(1024, 10).stretched(10);
        assert_eq!(quota, Quota::per_secs(1024, 11));
        assert_eq!(
            QuotaSet::lighthouse().stretched(50).ping,
            Quota::per_secs(2, 15)
        );
    }

    #[test]
    fn kinds_have_their_own_buckets_and_refunds_are_capped() {
        let t0 = Instant::now();
        let mut buckets = KindBuckets::new(&QuotaSet::lighthouse(), t0);
        assert!(buckets.try_take(RpcKind::Ping, 2, t0).is_ok());
        assert!(buckets.try_take(RpcKind::Ping, 1, t0).is_err());
        assert!(buckets.try_take(RpcKind::MetaData, 2, t0).is_ok());
        buckets.refund(RpcKind::Ping, 100);
        assert!(buckets.try_take(RpcKind::Ping, 2, t0).is_ok());
        assert!(buckets.try_take(RpcKind::Ping, 1, t0).is_err());
    }
}
