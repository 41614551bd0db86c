//! Prometheus metrics of the manager and its queue (one struct, registered into the
//! binary's shared registry).

use std::sync::atomic::AtomicU64;

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge},
    registry::Registry,
};

use crate::status::WorkerState;

/// A label with one static value.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Label {
    /// The value: an outcome, a reason, a state or a queue part.
    pub kind: &'static str,
}

/// The manager's metrics. Cheap to clone; clones share the values.
#[derive(Clone, Debug, Default)]
pub struct SyncMetrics {
    /// Range requests by outcome (`ok`, `timeout`, `rate_limited`, `bad_response`, ...).
    pub requests: Family<Label, Counter>,
    /// Blocks received from peers.
    pub blocks_received: Counter,
    /// Blob sidecars received from peers.
    pub sidecars_received: Counter,
    /// Blocks the verifier imported.
    pub blocks_verified: Counter,
    /// Blob sidecars of responses the verifier accepted.
    pub sidecars_verified: Counter,
    /// Score changes applied by the manager, by reason (the queue's own rewards and
    /// penalties are in its `QueueStats`).
    pub score_changes: Family<Label, Counter>,
    /// Queue lengths in slots (`pending`, `debts`) and parked results (`ready`).
    pub queue_len: Family<Label, Gauge>,
    /// Rewinds after missing parents.
    pub rewinds: Counter,
    /// Stalls detected by the watchdog.
    pub stalls: Counter,
    /// Workers by state.
    pub workers: Family<Label, Gauge>,
    /// Average speed in slots per second (a float gauge, Prometheus's base unit; the
    /// first version exported milli-slots in an integer gauge).
    pub slots_per_second: Gauge<f64, AtomicU64>,
}

impl SyncMetrics {
    /// New metrics registered into `registry` under `beacon_sync_<prefix>_...`
    /// (`prefix` tells a forward sync from a backfill).
    pub fn register(registry: &mut Registry, prefix: &str) -> Self {
        let m = SyncMetrics::default();
        let sub = registry.sub_registry_with_prefix(format!("beacon_sync_{prefix}"));
        sub.register("requests", "Range requests by outcome", m.requests.clone());
        sub.register(
            "blocks_received",
            "Blocks received from peers",
            m.blocks_received.clone(),
        );
        sub.register(
            "sidecars_received",
            "Blob sidecars received",
            m.sidecars_received.clone(),
        );
        sub.register(
            "blocks_verified",
            "Blocks imported by the verifier",
            m.blocks_verified.clone(),
        );
        sub.register(
            "sidecars_verified",
            "Blob sidecars of accepted responses",
            m.sidecars_verified.clone(),
        );
        sub.register(
            "score_changes",
            "Peer score changes by reason",
            m.score_changes.clone(),
        );
        sub.register(
            "queue_length",
            "Queue lengths (slots or results)",
            m.queue_len.clone(),
        );
        sub.register(
            "rewinds",
            "Rewinds after missing parents",
            m.rewinds.clone(),
        );
        sub.register(
            "stalls",
            "Stalls detected by the watchdog",
            m.stalls.clone(),
        );
        sub.register("workers", "Workers by state", m.workers.clone());
        sub.register(
            "slots_per_second",
            "Average sync speed since the sync started, in slots per second",
            m.slots_per_second.clone(),
        );
        m
    }

    pub(crate) fn request(&self, outcome: &'static str) {
        self.requests.get_or_create(&Label { kind: outcome }).inc();
    }

    pub(crate) fn score(&self, reason: &'static str) {
        self.score_changes
            .get_or_create(&Label { kind: reason })
            .inc();
    }

    pub(crate) fn set_workers(&self, states: &[WorkerState]) {
        for s in WorkerState::ALL {
            let n = states.iter().filter(|w| **w == s).count();
            self.workers
                .get_or_create(&Label { kind: s.label() })
                .set(i64::try_from(n).unwrap_or(i64::MAX));
        }
    }

    pub(crate) fn set_queue(&self, part: &'static str, value: u64) {
        self.queue_len
            .get_or_create(&Label { kind: part })
            .set(i64::try_from(value).unwrap_or(i64::MAX));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus_client::encoding::text::encode;

    #[test]
    fn metrics_encode_with_the_beacon_sync_prefix() {
        let mut registry = Registry::default();
        let m = SyncMetrics::register(&mut registry, "forward");
        m.request("ok");
        m.set_workers(&[WorkerState::Downloading, WorkerState::Downloading]);
        m.slots_per_second.set(12.5);
        let mut text = String::new();
        encode(&mut text, &registry).expect("encodes");
        assert!(
            text.contains("beacon_sync_forward_requests_total{kind=\"ok\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("beacon_sync_forward_workers{kind=\"downloading\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("beacon_sync_forward_slots_per_second 12.5"),
            "a float gauge in slots per second: {text}"
        );
    }
}
