//! The `/eth/v1/node/*` endpoints and `/metrics`: what the node is, whom it talks to,
//! whether it is in sync.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use libp2p::PeerId;
use libp2p::multiaddr::Protocol;
use peer_pool::PeerType;
use serde::Serialize;
use sync_manager::SyncState;

use super::ApiState;
use super::error::{ApiError, echo};
use super::json::{Data, Quoted};
use super::query::{Pairs, pairs, parse_list};
use crate::PeerRecord;

/// The media type `/metrics` answers with.
pub(crate) const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// `GET /metrics`: the registry in the OpenMetrics text format.
pub(crate) async fn metrics(State(state): State<Arc<ApiState>>) -> Result<Response, ApiError> {
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &state.ctx.registry)
        .map_err(|_| ApiError::Metrics)?;
    Ok(([(header::CONTENT_TYPE, OPENMETRICS_CONTENT_TYPE)], text).into_response())
}

#[derive(Serialize)]
pub(crate) struct Syncing {
    head_slot: Quoted,
    sync_distance: Quoted,
    is_syncing: bool,
    is_optimistic: bool,
    el_offline: bool,
}

/// `GET /eth/v1/node/syncing`: the head slot, how far the wall slot is ahead of it, and
/// whether forward sync is behind (any state but synced).
pub(crate) async fn syncing(State(state): State<Arc<ApiState>>) -> Json<Data<Syncing>> {
    let status = (state.ctx.status)();
    let head = status.anchors.head.slot;
    Json(Data {
        data: Syncing {
            head_slot: Quoted(head),
            sync_distance: Quoted(status.wall_slot.saturating_sub(head)),
            is_syncing: status.forward.state != SyncState::Synced,
            // No execution layer: nothing is imported optimistically, nothing is offline.
            is_optimistic: false,
            el_offline: false,
        },
    })
}

#[derive(Serialize)]
pub(crate) struct Metadata {
    seq_number: Quoted,
    attnets: &'static str,
    syncnets: &'static str,
}

#[derive(Serialize)]
pub(crate) struct Identity {
    peer_id: String,
    enr: String,
    p2p_addresses: Vec<String>,
    discovery_addresses: Vec<String>,
    metadata: Metadata,
}

/// `GET /eth/v1/node/identity`: our peer id, listen addresses and, when discovery runs,
/// our ENR and its UDP address. There is no gossip (no subnets).
pub(crate) async fn identity(State(state): State<Arc<ApiState>>) -> Json<Data<Identity>> {
    let network = &state.ctx.network;
    let id = network.local_peer_id();
    let record = state.ctx.discovery.as_ref().map(|d| d.local_enr());
    Json(Data {
        data: Identity {
            peer_id: id.to_string(),
            enr: record
                .as_ref()
                .map(net::discovery::Enr::to_base64)
                .unwrap_or_default(),
            p2p_addresses: network
                .listen_addrs()
                .iter()
                .map(|addr| addr.clone().with(Protocol::P2p(id)).to_string())
                .collect(),
            discovery_addresses: record
                .as_ref()
                .and_then(|r| Some(format!("/ip4/{}/udp/{}/p2p/{id}", r.ip4()?, r.udp4()?)))
                .into_iter()
                .collect(),
            metadata: Metadata {
                seq_number: Quoted(0),
                attnets: "0x0000000000000000",
                syncnets: "0x00",
            },
        },
    })
}

/// A peer's connection state, as the beacon-API names it.
fn state_name(record: &PeerRecord) -> &'static str {
    if record.connected {
        "connected"
    } else {
        "disconnected"
    }
}

/// Who dialed, as the beacon-API names it.
pub(crate) fn direction_name(direction: PeerType) -> &'static str {
    match direction {
        PeerType::Incoming => "inbound",
        PeerType::Outgoing => "outbound",
    }
}

/// A peer as the beacon-API shows it, plus what the peer manager knows of it (extra
/// fields, as Lighthouse's API adds its own).
#[derive(Serialize)]
pub(crate) struct PeerView {
    peer_id: String,
    enr: Option<String>,
    last_seen_p2p_address: String,
    state: &'static str,
    direction: &'static str,
    /// The client it runs (`lighthouse`, `prysm`, `teku`, `nimbus`, `lodestar`,
    /// `grandine`, `caplin`, `beacon-sync`, or `unknown`), from its agent string.
    client: &'static str,
    /// Its agent string, as libp2p identify gave it.
    agent: Option<String>,
    /// Its score now (300 for a new peer, below zero on its way out).
    score: i64,
    /// The head slot of its last status.
    head_slot: Quoted,
    /// Why its last connection ended, once known.
    disconnect_reason: Option<String>,
    /// Whether it is banned (its last connection ended below zero).
    banned: bool,
}

impl PeerView {
    fn new(id: &PeerId, record: &PeerRecord) -> PeerView {
        PeerView {
            peer_id: id.to_string(),
            enr: None,
            last_seen_p2p_address: format!("{}/p2p/{id}", record.address),
            state: state_name(record),
            direction: direction_name(record.peer.direction()),
            client: crate::peers::client_of(record.peer.agent().as_deref()),
            agent: record.peer.agent(),
            score: record.score(),
            head_slot: Quoted(record.peer.status().head_slot),
            disconnect_reason: record.disconnect_reason.clone(),
            banned: record.banned,
        }
    }
}

#[derive(Serialize)]
pub(crate) struct PeersMeta {
    count: Quoted,
}

#[derive(Serialize)]
pub(crate) struct Peers {
    data: Vec<PeerView>,
    meta: PeersMeta,
}

/// The beacon-API's peer states and directions, for validating filters.
const PEER_STATES: [&str; 4] = ["disconnected", "connecting", "connected", "disconnecting"];
const PEER_DIRECTIONS: [&str; 2] = ["inbound", "outbound"];

/// `GET /eth/v1/node/peers?state=..&direction=..`: every peer that passed the handshake
/// since start, connected or not.
pub(crate) async fn peers(
    State(state): State<Arc<ApiState>>,
    query: Result<Query<Pairs>, QueryRejection>,
) -> Result<Json<Peers>, ApiError> {
    let query = pairs(query)?;
    let known = |names: &'static [&'static str]| {
        move |value: &str| names.iter().copied().find(|name| *name == value)
    };
    let states = parse_list(&query, "state", known(&PEER_STATES))?;
    let directions = parse_list(&query, "direction", known(&PEER_DIRECTIONS))?;
    let data: Vec<PeerView> = state
        .ctx
        .peers
        .snapshot()
        .iter()
        .map(|(id, record)| PeerView::new(id, record))
        .filter(|view| states.as_ref().is_none_or(|s| s.contains(&view.state)))
        .filter(|view| {
            directions
                .as_ref()
                .is_none_or(|d| d.contains(&view.direction))
        })
        .collect();
    let count = Quoted(data.len() as u64);
    Ok(Json(Peers {
        data,
        meta: PeersMeta { count },
    }))
}

/// `GET /eth/v1/node/peers/{peer_id}`: one peer of the book.
pub(crate) async fn peer(
    State(state): State<Arc<ApiState>>,
    Path(peer_id): Path<String>,
) -> Result<Json<Data<PeerView>>, ApiError> {
    let id: PeerId = peer_id.parse().map_err(|_| ApiError::InvalidPath {
        name: "peer id",
        value: echo(&peer_id),
    })?;
    let book = state.ctx.peers.snapshot();
    let record = book.get(&id).ok_or_else(|| ApiError::NotFound {
        what: format!("peer {id} never passed the handshake with this node"),
    })?;
    Ok(Json(Data {
        data: PeerView::new(&id, record),
    }))
}

#[derive(Serialize)]
pub(crate) struct PeerCount {
    disconnected: Quoted,
    connecting: Quoted,
    connected: Quoted,
    disconnecting: Quoted,
}

/// `GET /eth/v1/node/peer_count`: the book's peers by state (a peer is in the book once
/// its handshake passed, so none is ever connecting or disconnecting).
pub(crate) async fn peer_count(State(state): State<Arc<ApiState>>) -> Json<Data<PeerCount>> {
    let book = state.ctx.peers.snapshot();
    let connected = book.values().filter(|r| r.connected).count() as u64;
    let total = book.len() as u64;
    Json(Data {
        data: PeerCount {
            disconnected: Quoted(total.saturating_sub(connected)),
            connecting: Quoted(0),
            connected: Quoted(connected),
            disconnecting: Quoted(0),
        },
    })
}

/// `GET /eth/v1/node/health?syncing_status=..`: 200 when forward sync is in sync, 206
/// (or the `syncing_status` asked for) while it is not. No body.
pub(crate) async fn health(
    State(state): State<Arc<ApiState>>,
    query: Result<Query<Pairs>, QueryRejection>,
) -> Result<StatusCode, ApiError> {
    let query = pairs(query)?;
    let syncing_code = parse_list(&query, "syncing_status", |value| {
        value
            .parse::<u16>()
            .ok()
            .and_then(|code| StatusCode::from_u16(code).ok())
    })?
    .and_then(|codes| codes.first().copied())
    .unwrap_or(StatusCode::PARTIAL_CONTENT);
    let synced = (state.ctx.status)().forward.state == SyncState::Synced;
    Ok(if synced { StatusCode::OK } else { syncing_code })
}

#[derive(Serialize)]
pub(crate) struct Version {
    version: String,
}

/// `GET /eth/v1/node/version`.
pub(crate) async fn version() -> Json<Data<Version>> {
    Json(Data {
        data: Version {
            version: net::agent_version(),
        },
    })
}
