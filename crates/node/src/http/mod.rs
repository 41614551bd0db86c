//! The node's HTTP API: the standard beacon-API endpoints a sync-only node can answer,
//! the blocks and blob sidecars of its store, its own status, and `/metrics`.
//!
//! | endpoint | answer |
//! |---|---|
//! | `GET /metrics` | the registry in the OpenMetrics text format |
//! | `GET /eth/v1/node/syncing` | head slot, distance to the wall slot, whether forward sync is behind |
//! | `GET /eth/v1/node/identity` | peer id, listen addresses, our ENR when discovery runs |
//! | `GET /eth/v1/node/peers`, `/peers/{peer_id}`, `/peer_count` | every peer that passed the handshake since start |
//! | `GET /eth/v1/node/health` | 200 when forward sync is in sync, 206 while it is not |
//! | `GET /eth/v1/node/version` | `beacon-sync/<version>/<arch>-<os>` |
//! | `GET /eth/v1/beacon/genesis` | genesis time, validators root and fork version |
//! | `GET /eth/v1/beacon/headers/{block_id}` | a stored block's signed header |
//! | `GET /eth/v2/beacon/blocks/{block_id}` | a stored block as beacon-API JSON (`version`, `finalized`, `data`), or its SSZ with `Accept: application/octet-stream` |
//! | `GET /eth/v1/beacon/blob_sidecars/{block_id}` | a stored block's blob sidecars, JSON or SSZ, `?indices=` |
//! | `GET /beacon-sync/v1/status` | both syncs (state, progress, speed, ETA, worker map, queue counters), the anchors and every peer with its score |
//!
//! Beacon-API answers follow its conventions (`{"data": ...}`, integers as decimal
//! strings, bytes as 0x-hex, errors as `{"code", "message"}`); `/beacon-sync/v1/status`
//! is ours and uses plain JSON numbers. A `{block_id}` is `head`, `genesis`, `finalized`,
//! a slot or a 0x-root; the store holds one hash chain, so every stored block is canonical,
//! and the finalized block is the trusted anchor the node started from.
//!
//! Store reads run on the blocking pool, at most [`MAX_CONCURRENT_STORE_READS`] at a time;
//! nothing a request sends can make a handler panic.

mod beacon_api;
mod block_id;
mod error;
mod json;
mod node_api;
mod query;
mod server;
mod status;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use prometheus_client::registry::Registry;
use store::Store;
use tokio::sync::Semaphore;

use crate::{BeaconNode, NodeChain, NodeStatus, PeerBook};

pub use error::{ApiError, HttpError};
pub use server::{HttpServer, serve};

/// How many store reads (blocks, sidecars) the API runs at once; more requests wait.
pub const MAX_CONCURRENT_STORE_READS: usize = 8;

/// Everything the API reads: the node's parts, shared.
#[derive(Clone)]
pub struct ApiContext {
    /// The store (blocks and sidecars).
    pub store: Arc<Store>,
    /// The chain positions (anchors, finalized checkpoint, config, wall slot).
    pub chain: Arc<NodeChain>,
    /// The network (our identity and listen addresses).
    pub network: net::NetworkHandle,
    /// Every peer that passed the handshake since start.
    pub peers: PeerBook,
    /// The metrics registry `/metrics` encodes.
    pub registry: Arc<Registry>,
    /// Both syncs' status, read at each request.
    pub status: Arc<dyn Fn() -> NodeStatus + Send + Sync>,
    /// Discovery, when it runs (our record, read at each request).
    pub discovery: Option<Arc<net::discovery::Discovery>>,
}

impl std::fmt::Debug for ApiContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiContext")
            .field("chain", &self.chain)
            .field("peer_id", &self.network.local_peer_id())
            .finish_non_exhaustive()
    }
}

impl BeaconNode {
    /// The parts of this node the HTTP API reads; the status function holds clones of
    /// both sync managers ([`BeaconNode::status_source`]), so the API keeps answering
    /// however the node is borrowed.
    pub fn api_context(&self) -> ApiContext {
        ApiContext {
            store: Arc::clone(self.store()),
            chain: Arc::clone(self.chain()),
            network: self.network().clone(),
            peers: self.peer_book().clone(),
            registry: Arc::clone(self.registry()),
            status: self.status_source(),
            discovery: self.discovery().cloned(),
        }
    }
}

/// The handlers' shared state: the context and the store-read limit.
pub(crate) struct ApiState {
    ctx: ApiContext,
    reads: Semaphore,
}

impl ApiState {
    /// Runs `read` on the blocking pool with the store, once a read permit is free.
    ///
    /// # Errors
    /// What `read` returns; [`ApiError::ReadAborted`] if it panicked or the runtime is
    /// shutting down.
    pub(crate) async fn read_store<T, F>(&self, read: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, ApiError> + Send + 'static,
    {
        let _permit = self
            .reads
            .acquire()
            .await
            .map_err(|_| ApiError::ReadAborted)?;
        let store = Arc::clone(&self.ctx.store);
        tokio::task::spawn_blocking(move || read(&store))
            .await
            .map_err(|_| ApiError::ReadAborted)?
    }
}

/// The API's routes over `ctx`, to serve with [`serve`] or to merge into another router.
pub fn router(ctx: ApiContext) -> Router {
    let state = Arc::new(ApiState {
        ctx,
        reads: Semaphore::new(MAX_CONCURRENT_STORE_READS),
    });
    Router::new()
        .route("/metrics", get(node_api::metrics))
        .route("/eth/v1/node/syncing", get(node_api::syncing))
        .route("/eth/v1/node/identity", get(node_api::identity))
        .route("/eth/v1/node/peers", get(node_api::peers))
        .route("/eth/v1/node/peers/{peer_id}", get(node_api::peer))
        .route("/eth/v1/node/peer_count", get(node_api::peer_count))
        .route("/eth/v1/node/health", get(node_api::health))
        .route("/eth/v1/node/version", get(node_api::version))
        .route("/eth/v1/beacon/genesis", get(beacon_api::genesis))
        .route("/eth/v1/beacon/headers/{block_id}", get(beacon_api::header))
        .route("/eth/v2/beacon/blocks/{block_id}", get(beacon_api::block))
        .route(
            "/eth/v1/beacon/blob_sidecars/{block_id}",
            get(beacon_api::blob_sidecars),
        )
        .route("/beacon-sync/v1/status", get(status::status))
        .fallback(no_such_endpoint)
        .with_state(state)
}

/// The answer for a path no route matches.
async fn no_such_endpoint(uri: axum::http::Uri) -> ApiError {
    ApiError::NoSuchEndpoint {
        path: error::echo(uri.path()),
    }
}
