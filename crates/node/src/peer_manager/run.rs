//! The peer manager in the node: every new peer passes [`admit`](super::admit) and the
//! ban list, and every heartbeat fades the scores and lets go of the peers
//! [`prune`](super::prune) names, each with a Goodbye and a reason the peers API shows.

use std::sync::Arc;

use libp2p::PeerId;
use net::{GoodbyeReason, NetEvent, NetPeer, NetworkHandle};
use peer_pool::{PeerFilter, PeerType};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use sync_types::{ColumnSet, ScoredPeer, SyncPeer};
use tokio::sync::broadcast::error::RecvError;
use tracing::{debug, info};

use super::{Needs, PeerManagerConfig, PeerView, PruneReason, admit, decay, prune};
use crate::chain::NodeChain;
use crate::peers::{PeerBook, ip_of};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DirectionLabel {
    direction: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ClientLabel {
    client: &'static str,
}

/// The peer manager's metrics (`beacon_sync_peer_manager_*`).
#[derive(Clone, Debug, Default)]
pub struct PeerManagerMetrics {
    peers: Family<DirectionLabel, Gauge>,
    clients: Family<ClientLabel, Gauge>,
    target: Gauge,
    banned: Gauge,
    pruned: Family<ReasonLabel, Counter>,
    refused: Family<ReasonLabel, Counter>,
}

impl PeerManagerMetrics {
    /// Registers the metrics under `peer_manager` in `registry`:
    /// - `peers{direction}` (gauge): connected peers at the last heartbeat;
    /// - `peers_by_client{client}` (gauge): the same by the client they run;
    /// - `target_peers` (gauge): the target;
    /// - `banned_peers` (gauge): peers banned now;
    /// - `pruned_total{reason}`: peers let go at a heartbeat (`useless`, `excess`,
    ///   `too_many_inbound`);
    /// - `refused_total{reason}`: new peers refused (`banned`, `full`, `too_many_inbound`).
    pub fn register(registry: &mut Registry) -> PeerManagerMetrics {
        let metrics = PeerManagerMetrics::default();
        let sub = registry.sub_registry_with_prefix("peer_manager");
        sub.register(
            "peers",
            "Connected peers by who dialled",
            metrics.peers.clone(),
        );
        sub.register(
            "target_peers",
            "The target peer count",
            metrics.target.clone(),
        );
        sub.register("banned_peers", "Peers banned now", metrics.banned.clone());
        sub.register(
            "pruned",
            "Peers let go above the target",
            metrics.pruned.clone(),
        );
        sub.register("refused", "New peers refused", metrics.refused.clone());
        metrics
    }
}

/// What the manager acts on in the node.
pub(crate) struct Managed {
    pub(crate) config: PeerManagerConfig,
    pub(crate) handle: NetworkHandle,
    pub(crate) book: PeerBook,
    pub(crate) chain: Arc<NodeChain>,
    pub(crate) sampled: ColumnSet,
    pub(crate) metrics: PeerManagerMetrics,
}

/// Runs the manager until the network stops.
pub(crate) async fn manage(m: Managed) {
    let mut events = m.handle.subscribe();
    let mut tick = tokio::time::interval(m.config.heartbeat);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let _ = m.metrics.target.set(m.config.target_peers as i64);
    let mut last = tokio::time::Instant::now();
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let now = tokio::time::Instant::now();
                heartbeat(&m, now.duration_since(last));
                last = now;
            }
            event = events.recv() => match event {
                Ok(NetEvent::PeerConnected { peer, direction, address, .. }) => {
                    let banned = m.book.is_banned(&peer)
                        || ip_of(&address).is_some_and(|ip| m.book.is_ip_banned(ip));
                    let refusal = if banned {
                        Some(("banned", GoodbyeReason::Banned))
                    } else {
                        let others: Vec<_> = views(&m.handle, m.sampled).into_iter().filter(|v| v.id != peer).collect();
                        admit(&m.config, &others, direction)
                            .err()
                            .map(|reason| (reason.as_str(), GoodbyeReason::TooManyPeers))
                    };
                    if let Some((why, goodbye)) = refusal {
                        debug!(target: "node::peers", %peer, why, "refusing a new peer");
                        m.metrics.refused.get_or_create(&ReasonLabel { reason: why }).inc();
                        let_go(&m, peer, &format!("refused: {why}"), goodbye).await;
                    }
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            }
        }
    }
}

/// Fades every score over `elapsed`, lets go of the peers above the target that
/// [`prune`] names, and updates the gauges.
fn heartbeat(m: &Managed, elapsed: std::time::Duration) {
    for peer in m.handle.pool().peers(PeerFilter::ANY) {
        let delta = decay(peer.score(), elapsed, m.config.score_halflife);
        if delta != 0 {
            peer.update_score(delta);
        }
    }
    let views = views(&m.handle, m.sampled);
    let anchors = m.chain.anchors();
    let needs = Needs {
        head_slot: anchors.head.slot,
        backfill_mark: (!m.chain.is_backfill_done()).then_some(anchors.backfill.slot),
    };
    let pruned = prune(&m.config, &views, needs);
    if !pruned.is_empty() {
        info!(target: "node::peers", connected = views.len(), pruned = pruned.len(), target = m.config.target_peers, "letting go of peers above the target");
    }
    for (peer, reason) in pruned {
        m.metrics
            .pruned
            .get_or_create(&ReasonLabel {
                reason: reason.as_str(),
            })
            .inc();
        let goodbye = match reason {
            PruneReason::Useless => GoodbyeReason::IrrelevantNetwork,
            _ => GoodbyeReason::TooManyPeers,
        };
        let (handle, book) = (m.handle.clone(), m.book.clone());
        book.note_reason(&peer, &format!("pruned: {}", reason.as_str()));
        tokio::spawn(async move {
            let _ = handle.disconnect(peer, goodbye).await;
        });
    }
    for (direction, label) in [
        (PeerType::Incoming, "inbound"),
        (PeerType::Outgoing, "outbound"),
    ] {
        let n = views.iter().filter(|v| v.direction == direction).count();
        let _ = m
            .metrics
            .peers
            .get_or_create(&DirectionLabel { direction: label })
            .set(n as i64);
    }
    m.metrics.clients.clear();
    for peer in m.handle.pool().peers(PeerFilter::ANY) {
        let client = crate::peers::client_of(peer.agent().as_deref());
        m.metrics
            .clients
            .get_or_create(&ClientLabel { client })
            .inc();
    }
    m.book.ban_faulty();
    let _ = m.metrics.banned.set(m.book.banned_count() as i64);
}

async fn let_go(m: &Managed, peer: PeerId, why: &str, goodbye: GoodbyeReason) {
    m.book.note_reason(&peer, why);
    let _ = m.handle.disconnect(peer, goodbye).await;
}

/// The connected peers as the rules see them (custody judged against `sampled`).
pub(crate) fn views(handle: &NetworkHandle, sampled: ColumnSet) -> Vec<PeerView<PeerId>> {
    handle
        .pool()
        .peers(PeerFilter::ANY)
        .iter()
        .map(|p| view(p, sampled))
        .collect()
}

fn view(peer: &NetPeer, sampled: ColumnSet) -> PeerView<PeerId> {
    let has_needed_custody = sampled.is_empty()
        || peer
            .custody()
            .is_none_or(|custody| !custody.intersection(sampled).is_empty());
    PeerView {
        id: peer.key(),
        direction: peer.direction(),
        score: peer.score(),
        head_slot: peer.head_slot().0,
        earliest_available_slot: peer.earliest_available_slot().map(|s| s.0),
        has_needed_custody,
    }
}
