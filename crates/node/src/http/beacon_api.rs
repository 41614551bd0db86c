//! The `/eth/v*/beacon/*` read endpoints over the store: genesis, block headers, blocks
//! and blob sidecars (JSON or SSZ).

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use consensus::primitives::Hash256;
use consensus::recover::blob_sidecars_from_columns;
use consensus::{Fork, Sidecar, SignedBeaconBlock};
use serde::Serialize;
use store::{Anchors, Store};

use super::ApiState;
use super::block_id::{BlockRef, finalized_slot};
use super::error::{ApiError, echo};
use super::json::{Data, Quoted, SidecarJson, SignedHeaderJson, hex0x};
use super::query::{Pairs, pairs, parse_list};

/// The header naming the fork of a block or sidecar answer.
pub(crate) const CONSENSUS_VERSION_HEADER: HeaderName =
    HeaderName::from_static("eth-consensus-version");
/// The SSZ media type.
pub(crate) const SSZ_CONTENT_TYPE: &str = "application/octet-stream";

/// Whether to answer SSZ: the request's `Accept` header lists
/// `application/octet-stream` with a quality above zero and at least that of
/// `application/json`. Anything else (no header, `*/*`, JSON) gets JSON.
pub(crate) fn accepts_ssz(headers: &HeaderMap) -> bool {
    let ssz = quality(headers, SSZ_CONTENT_TYPE).unwrap_or(0.0);
    let json = quality(headers, "application/json").unwrap_or(0.0);
    ssz > 0.0 && ssz >= json
}

/// The highest quality (`q=`, 1 when absent) the `Accept` header gives `media`, if it
/// names it.
fn quality(headers: &HeaderMap, media: &str) -> Option<f32> {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|entry| {
            let mut parts = entry.split(';').map(str::trim);
            if !parts.next()?.eq_ignore_ascii_case(media) {
                return None;
            }
            let q = parts
                .find_map(|param| param.strip_prefix("q="))
                .map_or(Some(1.0), |q| q.parse::<f32>().ok())?;
            Some(if q.is_finite() { q } else { 0.0 })
        })
        .reduce(f32::max)
}

/// An SSZ answer of `fork`.
fn ssz_response(fork: Fork, bytes: Vec<u8>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(SSZ_CONTENT_TYPE),
            ),
            (
                CONSENSUS_VERSION_HEADER,
                HeaderValue::from_static(fork.name()),
            ),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Serialize)]
pub(crate) struct Genesis {
    genesis_time: Quoted,
    genesis_validators_root: String,
    genesis_fork_version: String,
}

/// `GET /eth/v1/beacon/genesis`.
pub(crate) async fn genesis(State(state): State<Arc<ApiState>>) -> Json<Data<Genesis>> {
    let config = state.ctx.chain.config();
    Json(Data {
        data: Genesis {
            genesis_time: Quoted(config.genesis_time()),
            genesis_validators_root: hex0x(config.genesis_validators_root()),
            genesis_fork_version: hex0x(config.fork_version(config.fork_at_epoch(0))),
        },
    })
}

#[derive(Serialize)]
pub(crate) struct HeaderData {
    root: String,
    canonical: bool,
    header: SignedHeaderJson,
}

#[derive(Serialize)]
pub(crate) struct HeaderAnswer {
    execution_optimistic: bool,
    finalized: bool,
    data: HeaderData,
}

/// `GET /eth/v1/beacon/headers/{block_id}`: a stored block's signed header.
pub(crate) async fn header(
    State(state): State<Arc<ApiState>>,
    Path(block_id): Path<String>,
) -> Result<Json<HeaderAnswer>, ApiError> {
    let id: BlockRef = block_id.parse()?;
    let anchors = state.ctx.chain.anchors();
    let block = read_block(&state, (&block_id, id), anchors, |store, root| {
        Ok(store.block(root)?)
    })
    .await?;
    let signed = block.signed_header();
    Ok(Json(HeaderAnswer {
        execution_optimistic: false,
        finalized: signed.message.slot <= finalized_slot(&anchors),
        data: HeaderData {
            root: hex0x(block.root()),
            // The store holds one hash chain: every stored block is canonical.
            canonical: true,
            header: SignedHeaderJson::from(&signed),
        },
    }))
}

#[derive(Serialize)]
pub(crate) struct BlockAnswer<'a> {
    version: &'static str,
    execution_optimistic: bool,
    finalized: bool,
    data: &'a SignedBeaconBlock,
}

/// `GET /eth/v2/beacon/blocks/{block_id}`: the stored `SignedBeaconBlock` with its fork in
/// `Eth-Consensus-Version`. With `Accept: application/octet-stream` it is the SSZ as
/// stored (no re-encoding); otherwise the beacon-API JSON (`version`, `finalized`, the
/// block as `data`).
pub(crate) async fn block(
    State(state): State<Arc<ApiState>>,
    Path(block_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id: BlockRef = block_id.parse()?;
    let anchors = state.ctx.chain.anchors();
    if accepts_ssz(&headers) {
        let stored = read_block(&state, (&block_id, id), anchors, |store, root| {
            Ok(store.block_ssz_by_root(root)?)
        })
        .await?;
        return Ok(ssz_response(stored.fork, stored.ssz));
    }
    let block = read_block(&state, (&block_id, id), anchors, |store, root| {
        Ok(store.block(root)?)
    })
    .await?;
    let signed = block.signed();
    let fork = signed.fork();
    let answer = BlockAnswer {
        version: fork.name(),
        execution_optimistic: false,
        finalized: signed.slot() <= finalized_slot(&anchors),
        data: signed,
    };
    Ok((
        [(
            CONSENSUS_VERSION_HEADER,
            HeaderValue::from_static(fork.name()),
        )],
        Json(answer),
    )
        .into_response())
}

#[derive(Serialize)]
pub(crate) struct SidecarsAnswer {
    version: &'static str,
    execution_optimistic: bool,
    finalized: bool,
    data: Vec<SidecarJson>,
}

/// `GET /eth/v1/beacon/blob_sidecars/{block_id}?indices=..`: a stored block's blob
/// sidecars in index order (those of `indices` only, if given), as JSON or, with
/// `Accept: application/octet-stream`, as the SSZ `List[BlobSidecar, ..]` (the
/// sidecars' fixed-size encodings one after another). For a Fulu block they are rebuilt
/// from its stored data columns, which takes at least 64 of the 128 (a supernode holds
/// all); with fewer the answer is a 404 that says how many are held.
pub(crate) async fn blob_sidecars(
    State(state): State<Arc<ApiState>>,
    Path(block_id): Path<String>,
    query: Result<Query<Pairs>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id: BlockRef = block_id.parse()?;
    let indices = parse_list(&pairs(query)?, "indices", |v| v.parse::<u64>().ok())?;
    let anchors = state.ctx.chain.anchors();
    let (slot, mut sidecars) = read_block(&state, (&block_id, id), anchors, |store, root| {
        let Some(block) = store.block(root)? else {
            return Ok(None);
        };
        let slot = block.signed().slot();
        if !block.signed().fork().has_data_columns() {
            return Ok(Some((slot, store.sidecars(root)?)));
        }
        // From Fulu on the blobs live in the data columns: rebuilt from at least half.
        let columns = store.columns(root)?;
        let rebuilt =
            blob_sidecars_from_columns(&block, &columns).map_err(|error| ApiError::NotFound {
                what: format!("the blob sidecars of the block at slot {slot}: {error}"),
            })?;
        Ok(Some((
            slot,
            rebuilt.into_iter().map(Sidecar::new).collect(),
        )))
    })
    .await?;
    if let Some(indices) = indices {
        sidecars.retain(|s| indices.contains(&s.sidecar().index));
    }
    let fork = state.ctx.chain.config().fork_at_slot(slot);
    if accepts_ssz(&headers) {
        let bytes = sidecars.iter().flat_map(Sidecar::as_ssz_bytes).collect();
        return Ok(ssz_response(fork, bytes));
    }
    let answer = SidecarsAnswer {
        version: fork.name(),
        execution_optimistic: false,
        finalized: slot <= finalized_slot(&anchors),
        data: sidecars
            .iter()
            .map(|s| SidecarJson::from(s.sidecar()))
            .collect(),
    };
    Ok((
        [(
            CONSENSUS_VERSION_HEADER,
            HeaderValue::from_static(fork.name()),
        )],
        Json(answer),
    )
        .into_response())
}

/// What `read` finds for the block `id` (parsed from `block_id`) names, read on the
/// blocking pool; [`ApiError::BlockNotFound`] when it names no stored block or `read`
/// finds nothing.
async fn read_block<T: Send + 'static>(
    state: &ApiState,
    (block_id, id): (&str, BlockRef),
    anchors: Anchors,
    read: fn(&Store, Hash256) -> Result<Option<T>, ApiError>,
) -> Result<T, ApiError> {
    state
        .read_store(move |store| match id.resolve(store, &anchors)? {
            Some(root) => read(store, root),
            None => Ok(None),
        })
        .await?
        .ok_or_else(|| not_found(block_id))
}

/// The 404 of a block id that names no stored block.
fn not_found(block_id: &str) -> ApiError {
    ApiError::BlockNotFound { id: echo(block_id) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(header::ACCEPT, value);
        }
        headers
    }

    #[test]
    fn ssz_is_chosen_only_when_asked_for() {
        assert!(accepts_ssz(&accept("application/octet-stream")));
        assert!(accepts_ssz(&accept(
            "application/json;q=0.9, application/octet-stream;q=1"
        )));
        assert!(!accepts_ssz(&accept("application/octet-stream;q=0")));
        assert!(!accepts_ssz(&accept(
            "application/json, application/octet-stream;q=0.5"
        )));
        assert!(!accepts_ssz(&accept("application/json")));
        assert!(!accepts_ssz(&accept("*/*")));
        assert!(!accepts_ssz(&HeaderMap::new()));
    }
}
