//! The trusted anchor's blob data, fetched by root when a checkpoint start came without
//! it (a block file, or a beacon API's finalized block): its blob sidecars before Fulu
//! from any peer, its sampled data columns from Fulu on from peers that custody them.
//! Each answer is checked against the block (inclusion proofs, headers, KZG proofs)
//! before it is stored beside the anchor, so the node serves the anchor's data like any
//! other block's. A peer whose answer fails is charged as for a bad range response.
//!
//! Only data inside the retention window is asked for: peers need not serve older data,
//! and the node need not hold it.

use std::sync::Arc;
use std::time::Duration;

use consensus::config::ChainConfig;
use consensus::containers::{BlobIdentifier, DataColumnsByRootIdentifier};
use consensus::verify::blobs::check_blob_sidecars;
use consensus::verify::columns::verify_columns;
use consensus::{Block, Column, Sidecar, kzg};
use net::{NetPeer, WallClock};
use store::Store;
use sync_types::score::PEER_SCORE_BAD_RESPONSE;
use sync_types::{ColumnRejection, ColumnSet, ScoredPeer, SyncPeer};
use tokio::sync::watch;
use tracing::{debug, info, warn};

use crate::peers::PeerBook;

/// How long to wait between rounds over the connected peers.
const ANCHOR_DATA_RETRY: Duration = Duration::from_secs(2);
/// Rounds between two warnings that the anchor's data is still missing.
const WARN_EVERY: u32 = 30;

/// What the anchor still lacks.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Missing {
    /// Nothing (or nothing a peer must serve).
    Nothing,
    /// Its blob sidecars (this many).
    Sidecars(usize),
    /// These sampled columns.
    Columns(ColumnSet),
}

/// Fetches, checks and stores the anchor's missing blob data, round after round over the
/// connected peers, until it is complete (or out of the retention window); then sets
/// `done`.
pub(crate) async fn complete_anchor_data(
    store: Arc<Store>,
    config: ChainConfig,
    clock: Arc<dyn WallClock>,
    peers: PeerBook,
    sampled: ColumnSet,
    done: watch::Sender<bool>,
) {
    let mut rounds: u32 = 0;
    loop {
        let (block, missing) = match missing(&store, &config, clock.as_ref(), sampled) {
            Ok(Some(found)) => found,
            Ok(None) => return,
            Err(error) => {
                warn!(target: "node::anchor", %error, "cannot read the anchor from the store");
                return;
            }
        };
        if missing == Missing::Nothing {
            done.send_replace(true);
            return;
        }
        let mut progressed = false;
        for (id, record) in peers.snapshot() {
            if !record.connected {
                continue;
            }
            let answer = match fetch(&record.peer, &block, &missing).await {
                Ok(Some(answer)) => answer,
                Ok(None) => continue,
                Err(penalty) => {
                    debug!(target: "node::anchor", peer = %id, penalty, "bad anchor data");
                    record.peer.update_score(penalty);
                    continue;
                }
            };
            // KZG checks and the write run off the runtime's threads.
            let (at, of) = (Arc::clone(&store), block.clone());
            let judged = tokio::task::spawn_blocking(move || check_and_store(&at, &of, answer));
            match judged.await {
                Ok(Ok((sidecars, columns))) => {
                    info!(target: "node::anchor", peer = %id, sidecars, columns, "anchor's blob data fetched by root");
                    // Look again at what is still missing before asking the next peer.
                    progressed = true;
                    break;
                }
                Ok(Err(Judged::Bad)) => {
                    debug!(target: "node::anchor", peer = %id, "anchor data failed its checks");
                    record.peer.update_score(PEER_SCORE_BAD_RESPONSE);
                }
                // Our KZG library failed, not the peer: try again later, charge nobody.
                Ok(Err(Judged::OurFault)) => {}
                Ok(Err(Judged::Store(error))) => {
                    warn!(target: "node::anchor", %error, "cannot store the anchor's data");
                    return;
                }
                Err(_) => return,
            }
        }
        if !progressed {
            rounds = rounds.wrapping_add(1);
            if rounds.is_multiple_of(WARN_EVERY) {
                warn!(target: "node::anchor", ?missing, "no peer has served the anchor's blob data yet");
            }
            tokio::time::sleep(ANCHOR_DATA_RETRY).await;
        }
    }
}

/// Whether the anchor holds all the blob data it must (true without an anchor, without
/// blobs, or outside the retention window); false also when the store cannot be read.
pub(crate) fn is_complete(
    store: &Store,
    config: &ChainConfig,
    clock: &dyn WallClock,
    sampled: ColumnSet,
) -> bool {
    matches!(
        missing(store, config, clock, sampled),
        Ok(None | Some((_, Missing::Nothing)))
    )
}

/// The anchor block and what it lacks; `None` when the store has no anchor.
fn missing(
    store: &Store,
    config: &ChainConfig,
    clock: &dyn WallClock,
    sampled: ColumnSet,
) -> Result<Option<(Block, Missing)>, store::StoreError> {
    let Some(anchors) = store.anchors()? else {
        return Ok(None);
    };
    let root = anchors.trusted.root;
    let Some(block) = store.block(root)? else {
        return Ok(None);
    };
    let blobs = block.signed().blob_kzg_commitments().len();
    let wall_epoch = config.slot_to_epoch(net::clock::slot_at(config, clock.unix_time()));
    let epoch = config.slot_to_epoch(block.signed().slot());
    let missing = if blobs == 0 {
        Missing::Nothing
    } else if block.signed().fork().has_data_columns() {
        let window = config.min_epochs_for_data_column_sidecars_requests();
        let lacking = sampled.difference(store.column_indices(root)?);
        if lacking.is_empty() || epoch.saturating_add(window) < wall_epoch {
            Missing::Nothing
        } else {
            Missing::Columns(lacking)
        }
    } else {
        let window = config.min_epochs_for_blob_sidecars_requests();
        if store.sidecars(root)?.len() == blobs || epoch.saturating_add(window) < wall_epoch {
            Missing::Nothing
        } else {
            Missing::Sidecars(blobs)
        }
    };
    Ok(Some((block, missing)))
}

/// Blob sidecars or data columns a peer sent for the anchor.
type Answer = (Vec<Sidecar>, Vec<Column>);

/// Asks `peer` for what `block` lacks, checking only what came against what was asked
/// ([`check_and_store`] does the rest). `Ok(None)`: the peer cannot help (no custody of
/// those columns, no answer, or not everything); `Err(penalty)`: it sent columns that
/// were not asked for.
async fn fetch(peer: &NetPeer, block: &Block, missing: &Missing) -> Result<Option<Answer>, i64> {
    let root = block.root();
    match missing {
        Missing::Nothing => Ok(None),
        Missing::Sidecars(count) => {
            let ids = (0..*count as u64)
                .map(|index| BlobIdentifier {
                    block_root: root,
                    index,
                })
                .collect();
            let Ok(mut sidecars) = peer.blob_sidecars_by_root(ids).await else {
                return Ok(None);
            };
            if sidecars.len() < *count {
                return Ok(None);
            }
            sidecars.sort_by_key(|s| s.sidecar().index);
            Ok(Some((sidecars, Vec::new())))
        }
        Missing::Columns(lacking) => {
            let wanted = peer
                .custody()
                .unwrap_or(ColumnSet::EMPTY)
                .intersection(*lacking);
            if wanted.is_empty() {
                return Ok(None);
            }
            let id = DataColumnsByRootIdentifier {
                block_root: root,
                columns: wanted
                    .iter()
                    .collect::<Vec<u64>>()
                    .try_into()
                    .expect("invariant: at most 128 column indices"),
            };
            let Ok(mut columns) = peer.data_column_sidecars_by_root(vec![id]).await else {
                return Ok(None);
            };
            columns.sort_by_key(|c| c.sidecar().index);
            columns.dedup_by_key(|c| c.sidecar().index);
            let got: ColumnSet = columns.iter().map(|c| c.sidecar().index).collect();
            if !got.is_subset(wanted) {
                return Err(PEER_SCORE_BAD_RESPONSE);
            }
            if got.is_empty() {
                // It may not hold the anchor yet (a peer still syncing): no charge.
                return Ok(None);
            }
            // Some of them may be all it has; the rest comes from other peers.
            Ok(Some((Vec::new(), columns)))
        }
    }
}

/// Why an answer was not stored.
enum Judged {
    /// It does not match the block, or a KZG proof fails: the peer's fault.
    Bad,
    /// The KZG library itself failed.
    OurFault,
    /// The store failed.
    Store(store::StoreError),
}

/// Checks an answer against the block (sidecars: count, indices, headers, commitments,
/// inclusion and KZG proofs; columns: the same per column, then their cell proofs) and
/// stores it beside the anchor. Returns how many sidecars and columns were stored.
fn check_and_store(
    store: &Store,
    block: &Block,
    (sidecars, columns): Answer,
) -> Result<(usize, usize), Judged> {
    if !sidecars.is_empty() {
        check_blob_sidecars(block, &sidecars).map_err(|_| Judged::Bad)?;
        let blobs: Vec<_> = sidecars.iter().map(|s| &s.sidecar().blob).collect();
        let commitments: Vec<_> = sidecars
            .iter()
            .map(|s| s.sidecar().kzg_commitment)
            .collect();
        let proofs: Vec<_> = sidecars.iter().map(|s| s.sidecar().kzg_proof).collect();
        match kzg::verify_blob_proofs(&blobs, &commitments, &proofs) {
            Ok(()) => {}
            Err(kzg::KzgError::InvalidBlobProofs { .. }) => return Err(Judged::Bad),
            Err(_) => return Err(Judged::OurFault),
        }
    }
    if !columns.is_empty() {
        match verify_columns(std::slice::from_ref(block), std::slice::from_ref(&columns)) {
            Ok(()) => {}
            Err(ColumnRejection::Invalid { .. }) => return Err(Judged::Bad),
            Err(ColumnRejection::Fault(_)) => return Err(Judged::OurFault),
        }
    }
    store
        .add_anchor_data(&sidecars, &columns)
        .map_err(Judged::Store)?;
    Ok((sidecars.len(), columns.len()))
}
