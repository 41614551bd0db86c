//! Prometheus metrics of the manager and its queue, registered into the binary's shared
//! registry.
//!
//! A node runs a forward and a backfill manager. Prometheus naming wants one family per
//! quantity with the direction as a label, not a family per direction, so that a query
//! can sum or compare the two: [`SyncMetricFamilies::register`] registers every family
//! once, and [`SyncMetricFamilies::for_direction`] hands each manager its [`SyncMetrics`],
//! whose series carry `direction="forward"` or `direction="backward"` (the
//! [`SyncDirection`]'s `Display`).
//!
//! The series with no label but the direction are created when the handles are made, so
//! a registered direction shows zeros from the start and counting is a plain atomic add;
//! the series with a second label (outcome, reason, state, queue part) are looked up in
//! their family on use, as a single-direction family would be.

use std::{fmt::Write as _, sync::atomic::AtomicU64};

use prometheus_client::{
    encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder},
    metrics::{counter::Counter, family::Family, gauge::Gauge},
    registry::Registry,
};
use sync_types::SyncDirection;

use crate::status::WorkerState;

/// The `direction` label's value: `forward` or `backward`.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
struct DirectionValue(SyncDirection);

impl EncodeLabelValue for DirectionValue {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> Result<(), std::fmt::Error> {
        write!(encoder, "{}", self.0)
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DirectionLabel {
    direction: DirectionValue,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    direction: DirectionValue,
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    direction: DirectionValue,
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    direction: DirectionValue,
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PartLabels {
    direction: DirectionValue,
    part: &'static str,
}

/// The families of every sync manager's metrics, one per quantity, each with a
/// `direction` label. Cheap to clone (clones share the values); `Default` gives families
/// that count but are in no registry.
///
/// Registered by [`SyncMetricFamilies::register`] as:
///
/// - `beacon_sync_range_requests_total{direction, result}` (counter): range requests by
///   outcome (`ok`, `bad_response`, `timeout`, `disconnected`, `rate_limited`,
///   `resource_unavailable`, `server_error`, `malformed`, `cancelled`);
/// - `beacon_sync_range_blocks_received_total{direction}` (counter): blocks received
///   from peers;
/// - `beacon_sync_range_sidecars_received_total{direction}` (counter): blob sidecars
///   received from peers;
/// - `beacon_sync_range_columns_received_total{direction}` (counter): data column
///   sidecars received from peers;
/// - `beacon_sync_range_columns_verified_total{direction}` (counter): data column
///   sidecars whose proofs verified;
/// - `beacon_sync_range_blocks_verified_total{direction}` (counter): blocks the verifier
///   imported;
/// - `beacon_sync_range_sidecars_verified_total{direction}` (counter): blob sidecars of
///   responses the verifier accepted;
/// - `beacon_sync_range_score_changes_total{direction, reason}` (counter): peer score
///   changes applied by the manager, by reason (the queue's own rewards and penalties
///   are in its `QueueStats`);
/// - `beacon_sync_range_queue_slots{direction, part}` (gauge): slots handed out and not
///   yet processed (`part="pending"`) and slots of failed ranges waiting to be handed
///   out again (`part="debts"`);
/// - `beacon_sync_range_queue_ready_results{direction}` (gauge): downloaded results
///   parked until the ranges before them are in;
/// - `beacon_sync_range_rewinds_total{direction}` (counter): rewinds after a missing
///   parent;
/// - `beacon_sync_range_stalls_total{direction}` (counter): stalls the watchdog detected;
/// - `beacon_sync_range_workers{direction, state}` (gauge): workers by
///   [`WorkerState`];
/// - `beacon_sync_range_slots_per_second{direction}` (float gauge): average speed since
///   the sync started.
///
/// Register one `SyncMetricFamilies` per registry (a second would register every family
/// again) and give each manager its own direction's handles.
#[derive(Clone, Debug, Default)]
pub struct SyncMetricFamilies {
    requests: Family<ResultLabels, Counter>,
    blocks_received: Family<DirectionLabel, Counter>,
    sidecars_received: Family<DirectionLabel, Counter>,
    columns_received: Family<DirectionLabel, Counter>,
    columns_verified: Family<DirectionLabel, Counter>,
    blocks_verified: Family<DirectionLabel, Counter>,
    sidecars_verified: Family<DirectionLabel, Counter>,
    score_changes: Family<ReasonLabels, Counter>,
    queue_slots: Family<PartLabels, Gauge>,
    queue_ready_results: Family<DirectionLabel, Gauge>,
    rewinds: Family<DirectionLabel, Counter>,
    stalls: Family<DirectionLabel, Counter>,
    workers: Family<StateLabels, Gauge>,
    slots_per_second: Family<DirectionLabel, Gauge<f64, AtomicU64>>,
}

impl SyncMetricFamilies {
    /// New families registered into `registry` under `beacon_sync_range_...`.
    pub fn register(registry: &mut Registry) -> Self {
        let f = SyncMetricFamilies::default();
        let sub = registry.sub_registry_with_prefix("beacon_sync_range");
        sub.register("requests", "Range requests by outcome", f.requests.clone());
        sub.register(
            "blocks_received",
            "Blocks received from peers",
            f.blocks_received.clone(),
        );
        sub.register(
            "sidecars_received",
            "Blob sidecars received from peers",
            f.sidecars_received.clone(),
        );
        sub.register(
            "columns_received",
            "Data column sidecars received from peers",
            f.columns_received.clone(),
        );
        sub.register(
            "columns_verified",
            "Data column sidecars whose proofs verified",
            f.columns_verified.clone(),
        );
        sub.register(
            "blocks_verified",
            "Blocks imported by the verifier",
            f.blocks_verified.clone(),
        );
        sub.register(
            "sidecars_verified",
            "Blob sidecars of responses the verifier accepted",
            f.sidecars_verified.clone(),
        );
        sub.register(
            "score_changes",
            "Peer score changes applied by the sync manager, by reason",
            f.score_changes.clone(),
        );
        sub.register(
            "queue_slots",
            "Slots of the queue handed out and not yet processed (pending) or waiting to be \
             handed out again (debts)",
            f.queue_slots.clone(),
        );
        sub.register(
            "queue_ready_results",
            "Downloaded results parked until the ranges before them are in",
            f.queue_ready_results.clone(),
        );
        sub.register(
            "rewinds",
            "Rewinds after a missing parent",
            f.rewinds.clone(),
        );
        sub.register(
            "stalls",
            "Stalls detected by the watchdog",
            f.stalls.clone(),
        );
        sub.register("workers", "Sync workers by state", f.workers.clone());
        sub.register(
            "slots_per_second",
            "Average sync speed since the sync started, in slots per second",
            f.slots_per_second.clone(),
        );
        f
    }

    /// The handles a manager syncing in `direction` counts into: every series it writes
    /// carries `direction="forward"` or `direction="backward"`. Handles of the same
    /// direction share their values.
    pub fn for_direction(&self, direction: SyncDirection) -> SyncMetrics {
        let label = DirectionLabel {
            direction: DirectionValue(direction),
        };
        SyncMetrics {
            direction: DirectionValue(direction),
            blocks_received: self.blocks_received.get_or_create_owned(&label),
            sidecars_received: self.sidecars_received.get_or_create_owned(&label),
            columns_received: self.columns_received.get_or_create_owned(&label),
            columns_verified: self.columns_verified.get_or_create_owned(&label),
            blocks_verified: self.blocks_verified.get_or_create_owned(&label),
            sidecars_verified: self.sidecars_verified.get_or_create_owned(&label),
            rewinds: self.rewinds.get_or_create_owned(&label),
            stalls: self.stalls.get_or_create_owned(&label),
            slots_per_second: self.slots_per_second.get_or_create_owned(&label),
            queue_ready_results: self.queue_ready_results.get_or_create_owned(&label),
            families: self.clone(),
        }
    }
}

/// One manager's metrics: its direction's series of the [`SyncMetricFamilies`]. Cheap
/// to clone; clones share the values.
///
/// `Default` gives forward metrics that count but are in no registry (tests, benches).
#[derive(Clone, Debug)]
pub struct SyncMetrics {
    /// Blocks received from peers.
    pub blocks_received: Counter,
    /// Blob sidecars received from peers.
    pub sidecars_received: Counter,
    /// Data column sidecars received from peers.
    pub columns_received: Counter,
    /// Data column sidecars whose proofs verified.
    pub columns_verified: Counter,
    /// Blocks the verifier imported.
    pub blocks_verified: Counter,
    /// Blob sidecars of responses the verifier accepted.
    pub sidecars_verified: Counter,
    /// Rewinds after a missing parent.
    pub rewinds: Counter,
    /// Stalls detected by the watchdog.
    pub stalls: Counter,
    /// Average speed since the sync started, in slots per second (a float gauge,
    /// Prometheus's base unit; the first version exported milli-slots in an integer
    /// gauge).
    pub slots_per_second: Gauge<f64, AtomicU64>,
    queue_ready_results: Gauge,
    direction: DirectionValue,
    /// The families of the series with a second label, looked up on use.
    families: SyncMetricFamilies,
}

impl Default for SyncMetrics {
    fn default() -> Self {
        SyncMetricFamilies::default().for_direction(SyncDirection::Forward)
    }
}

impl SyncMetrics {
    /// New families registered into `registry`, and the handles of `direction`: for a
    /// registry with one manager. A node with a forward and a backfill manager registers
    /// [`SyncMetricFamilies`] once and calls [`SyncMetricFamilies::for_direction`] for
    /// each (registering twice would register every family twice).
    pub fn register(registry: &mut Registry, direction: SyncDirection) -> Self {
        SyncMetricFamilies::register(registry).for_direction(direction)
    }

    pub(crate) fn request(&self, result: &'static str) {
        self.families
            .requests
            .get_or_create(&ResultLabels {
                direction: self.direction,
                result,
            })
            .inc();
    }

    pub(crate) fn score(&self, reason: &'static str) {
        self.families
            .score_changes
            .get_or_create(&ReasonLabels {
                direction: self.direction,
                reason,
            })
            .inc();
    }

    pub(crate) fn set_workers(&self, states: &[WorkerState]) {
        for s in WorkerState::ALL {
            let n = states.iter().filter(|w| **w == s).count();
            self.families
                .workers
                .get_or_create(&StateLabels {
                    direction: self.direction,
                    state: s.label(),
                })
                .set(gauge_value(n));
        }
    }

    /// Sets the queue gauges: slots pending and in debts, and results parked.
    pub(crate) fn set_queue(&self, pending_slots: u64, debt_slots: u64, ready_results: usize) {
        for (part, slots) in [("pending", pending_slots), ("debts", debt_slots)] {
            self.families
                .queue_slots
                .get_or_create(&PartLabels {
                    direction: self.direction,
                    part,
                })
                .set(gauge_value(slots));
        }
        self.queue_ready_results.set(gauge_value(ready_results));
    }
}

/// A count as a gauge value, saturating at `i64::MAX`.
fn gauge_value(n: impl TryInto<i64>) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus_client::encoding::text::encode;

    fn text_of(registry: &Registry) -> String {
        let mut text = String::new();
        encode(&mut text, registry).expect("encodes");
        text
    }

    /// Asserts that `text` has each of `lines` (a series and its value).
    #[track_caller]
    fn expect_lines(text: &str, lines: &[&str]) {
        for line in lines {
            assert!(text.lines().any(|l| l == *line), "no `{line}` in:\n{text}");
        }
    }

    #[test]
    fn metrics_encode_as_beacon_sync_range_families_with_a_direction_label() {
        let mut registry = Registry::default();
        let m = SyncMetrics::register(&mut registry, SyncDirection::Forward);
        m.request("ok");
        m.set_workers(&[WorkerState::Downloading, WorkerState::Downloading]);
        m.set_queue(64, 32, 2);
        m.slots_per_second.set(12.5);
        let text = text_of(&registry);
        expect_lines(
            &text,
            &[
                r#"beacon_sync_range_requests_total{direction="forward",result="ok"} 1"#,
                r#"beacon_sync_range_workers{direction="forward",state="downloading"} 2"#,
                r#"beacon_sync_range_queue_slots{direction="forward",part="debts"} 32"#,
                r#"beacon_sync_range_queue_ready_results{direction="forward"} 2"#,
                r#"beacon_sync_range_slots_per_second{direction="forward"} 12.5"#,
                // Created with the handles, before anything was counted.
                r#"beacon_sync_range_stalls_total{direction="forward"} 0"#,
            ],
        );
    }

    #[test]
    fn forward_and_backfill_share_one_family_per_quantity() {
        let mut registry = Registry::default();
        let families = SyncMetricFamilies::register(&mut registry);
        let forward = families.for_direction(SyncDirection::Forward);
        let backward = families.for_direction(SyncDirection::Backward);
        forward.request("ok");
        backward.request("ok");
        backward.request("ok");
        forward.blocks_verified.inc_by(5);
        backward.blocks_verified.inc_by(7);
        backward.stalls.inc();
        let text = text_of(&registry);
        for (family, kind) in [
            ("requests", "counter"),
            ("blocks_verified", "counter"),
            ("stalls", "counter"),
            ("slots_per_second", "gauge"),
        ] {
            let header = format!("# TYPE beacon_sync_range_{family} {kind}");
            assert_eq!(
                text.lines().filter(|l| *l == header).count(),
                1,
                "one `{family}` family for both directions:\n{text}"
            );
        }
        expect_lines(
            &text,
            &[
                r#"beacon_sync_range_requests_total{direction="forward",result="ok"} 1"#,
                r#"beacon_sync_range_requests_total{direction="backward",result="ok"} 2"#,
                r#"beacon_sync_range_blocks_verified_total{direction="forward"} 5"#,
                r#"beacon_sync_range_blocks_verified_total{direction="backward"} 7"#,
                r#"beacon_sync_range_stalls_total{direction="forward"} 0"#,
                r#"beacon_sync_range_stalls_total{direction="backward"} 1"#,
            ],
        );
        assert!(
            !text.contains("beacon_sync_forward") && !text.contains("beacon_sync_backward"),
            "no family per direction:\n{text}"
        );
    }

    #[test]
    fn handles_of_one_direction_share_their_values() {
        let families = SyncMetricFamilies::default();
        families
            .for_direction(SyncDirection::Backward)
            .rewinds
            .inc();
        let again = families.for_direction(SyncDirection::Backward);
        assert_eq!(again.rewinds.get(), 1);
        assert_eq!(
            families.for_direction(SyncDirection::Forward).rewinds.get(),
            0
        );
    }

    #[test]
    fn unregistered_metrics_count() {
        let m = SyncMetrics::default();
        m.stalls.inc();
        m.request("ok");
        assert_eq!(m.stalls.get(), 1);
    }
}
