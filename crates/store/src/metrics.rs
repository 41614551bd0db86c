//! Prometheus metrics of the store (one struct, registered into the binary's shared
//! registry under `beacon_sync_store_`).
//!
//! | metric | type | meaning |
//! |---|---|---|
//! | `beacon_sync_store_commit_seconds` | histogram | duration of each write transaction that stores blocks ([`Store::commit_segment`](crate::Store::commit_segment), [`Store::init_anchor`](crate::Store::init_anchor)), from its start to its durable commit |
//! | `beacon_sync_store_committed_blocks_total` | counter | blocks committed |
//! | `beacon_sync_store_committed_sidecars_total` | counter | blob sidecars committed |
//! | `beacon_sync_store_committed_columns_total` | counter | data column sidecars committed |
//! | `beacon_sync_store_written_bytes_total` | counter | SSZ bytes of the committed blocks, sidecars and columns (the payload, not the file's growth) |
//! | `beacon_sync_store_anchor_slot{anchor}` | gauge | the slot of each anchor: `head`, `backfill`, `earliest_available`, `trusted` |
//!
//! Nothing is recorded for a call that writes nothing (a repeated `init_anchor`, an empty
//! segment) or that fails.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

use crate::anchors::Anchors;

/// The upper bound of the first commit-latency bucket: 1 ms.
const FIRST_BUCKET_SECONDS: f64 = 0.001;
/// Commit-latency buckets double from 1 ms up to about 16 s (15 buckets): a durable commit
/// of a small segment takes milliseconds, one of 64 blocks with 6 blobs each about 0.2 s.
const BUCKETS: u16 = 15;

/// The label of an anchor gauge.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct AnchorLabel {
    /// `head`, `backfill`, `earliest_available` or `trusted`.
    pub(crate) anchor: &'static str,
}

/// The store's metrics. Cheap to clone; clones share the values. The default is a set of
/// metrics registered nowhere (they count, and nobody reads them).
#[derive(Clone, Debug)]
pub struct StoreMetrics {
    commit_seconds: Histogram,
    committed_blocks: Counter,
    committed_sidecars: Counter,
    committed_columns: Counter,
    written_bytes: Counter,
    anchor_slot: Family<AnchorLabel, Gauge>,
}

/// What one write transaction stored.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Written {
    /// Blocks.
    pub(crate) blocks: usize,
    /// Blob sidecars.
    pub(crate) sidecars: usize,
    /// Data column sidecars.
    pub(crate) columns: usize,
    /// SSZ bytes of all of them.
    pub(crate) bytes: usize,
}

impl Default for StoreMetrics {
    fn default() -> Self {
        StoreMetrics {
            commit_seconds: Histogram::new(exponential_buckets(FIRST_BUCKET_SECONDS, 2.0, BUCKETS)),
            committed_blocks: Counter::default(),
            committed_sidecars: Counter::default(),
            committed_columns: Counter::default(),
            written_bytes: Counter::default(),
            anchor_slot: Family::default(),
        }
    }
}

impl StoreMetrics {
    /// New metrics registered into `registry` under `beacon_sync_store_...`.
    pub fn register(registry: &mut Registry) -> StoreMetrics {
        let m = StoreMetrics::default();
        let sub = registry.sub_registry_with_prefix("beacon_sync_store");
        sub.register_with_unit(
            "commit",
            "Duration of each write transaction that stores blocks, to its durable commit",
            Unit::Seconds,
            m.commit_seconds.clone(),
        );
        sub.register(
            "committed_blocks",
            "Blocks committed",
            m.committed_blocks.clone(),
        );
        sub.register(
            "committed_sidecars",
            "Blob sidecars committed",
            m.committed_sidecars.clone(),
        );
        sub.register(
            "committed_columns",
            "Data column sidecars committed",
            m.committed_columns.clone(),
        );
        sub.register_with_unit(
            "written",
            "SSZ bytes of the committed blocks, blob sidecars and data column sidecars",
            Unit::Bytes,
            m.written_bytes.clone(),
        );
        sub.register(
            "anchor_slot",
            "The slot of each chain anchor",
            m.anchor_slot.clone(),
        );
        m
    }

    /// Records one write transaction that stored `written` in `took`.
    pub(crate) fn on_commit(&self, took: Duration, written: &Written) {
        let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        self.commit_seconds.observe(took.as_secs_f64());
        self.committed_blocks.inc_by(count(written.blocks));
        self.committed_sidecars.inc_by(count(written.sidecars));
        self.committed_columns.inc_by(count(written.columns));
        self.written_bytes.inc_by(count(written.bytes));
    }

    /// Sets the anchor gauges to `anchors`.
    pub(crate) fn set_anchors(&self, anchors: &Anchors) {
        for (anchor, slot) in [
            ("head", anchors.head.slot),
            ("backfill", anchors.backfill.slot),
            ("earliest_available", anchors.earliest_available_slot),
            ("trusted", anchors.trusted.slot),
        ] {
            self.anchor_slot
                .get_or_create(&AnchorLabel { anchor })
                .set(i64::try_from(slot).unwrap_or(i64::MAX));
        }
    }
}
