//! [`produce`]: reads what a [`ServePlan`] asks for from the chain source and feeds a
//! response stream.

use std::sync::Arc;

use consensus::config::ChainConfig;
use tokio::sync::mpsc;

use super::ServePlan;
use crate::codec::{ErrorChunk, ErrorMessage, ResponseChunk, ResultCode, SuccessChunk};
use crate::source::{BlockBytes, ChainSource, SidecarBytes, SourceError};

fn error_chunk(code: ResultCode, message: &str) -> ResponseChunk {
    ResponseChunk::Error(ErrorChunk {
        code,
        message: ErrorMessage::from(message),
    })
}

/// An item read from the source: its slot (for the context bytes) and its SSZ.
struct Item {
    slot: u64,
    ssz: Vec<u8>,
}

impl From<BlockBytes> for Item {
    fn from(block: BlockBytes) -> Item {
        Item {
            slot: block.slot,
            ssz: block.ssz.to_vec(),
        }
    }
}

impl From<SidecarBytes> for Item {
    fn from(sidecar: SidecarBytes) -> Item {
        Item {
            slot: sidecar.slot,
            ssz: sidecar.ssz.to_vec(),
        }
    }
}

/// The items of one query.
fn items<T: Into<Item>>(read: Result<Vec<T>, SourceError>) -> Result<Vec<Item>, SourceError> {
    Ok(read?.into_iter().map(Into::into).collect())
}

/// Reads what `plan` asks for from `source`, `batch_slots` slots per query, and sends
/// the chunks (context bytes: the fork digest of each item's epoch) into `out`. Stops
/// early when the response stream is gone.
///
/// Each query runs on tokio's blocking pool and returns; waiting for the peer to read
/// is asynchronous. A peer that never reads its responses holds at most a batch and the
/// channel's chunks per stream, and no thread (before, a producer blocked in
/// `blocking_send` held a blocking thread for as long as its stream lived). Call it from
/// async code: `tokio::spawn(produce(...))`.
pub async fn produce(
    plan: ServePlan,
    source: Arc<dyn ChainSource>,
    chain: Arc<ChainConfig>,
    batch_slots: u64,
    out: mpsc::Sender<ResponseChunk>,
) {
    let result: Result<(), SourceError> = async {
        match plan {
            ServePlan::Reject { code, message } => {
                let _ = out.send(error_chunk(code, message)).await;
            }
            ServePlan::Empty => {}
            ServePlan::BlocksByRange { start_slot, count } => {
                let range = Range::new(start_slot, count, count, batch_slots);
                range
                    .serve(&source, &out, &chain, |s, start, n, limit| {
                        items(s.blocks_by_range(start, n, limit))
                    })
                    .await?;
            }
            ServePlan::BlocksByRoot(roots) => {
                let query = move |s: &dyn ChainSource| items(s.blocks_by_root(&roots, roots.len()));
                send_all(&out, &chain, read(&source, query).await?).await;
            }
            ServePlan::BlobsByRange {
                start_slot,
                count,
                max,
            } => {
                let range = Range::new(start_slot, count, max, batch_slots);
                range
                    .serve(&source, &out, &chain, |s, start, n, limit| {
                        items(s.blob_sidecars_by_range(start, n, limit))
                    })
                    .await?;
            }
            ServePlan::BlobsByRoot(ids) => {
                let query =
                    move |s: &dyn ChainSource| items(s.blob_sidecars_by_root(&ids, ids.len()));
                send_all(&out, &chain, read(&source, query).await?).await;
            }
        }
        Ok(())
    }
    .await;
    if let Err(error) = result {
        tracing::warn!(target: "net::server", %error, "chain source failed while serving");
        let _ = out
            .send(error_chunk(ResultCode::ServerError, "chain source failed"))
            .await;
    }
}

/// A range to serve: `count` slots from `start_slot`, at most `max` items, read
/// `batch_slots` slots per query.
struct Range {
    start_slot: u64,
    count: u64,
    max: u64,
    batch_slots: u64,
}

/// One query of a range: source, first slot, slots, most items.
type RangeQuery = fn(&dyn ChainSource, u64, u64, usize) -> Result<Vec<Item>, SourceError>;

impl Range {
    const fn new(start_slot: u64, count: u64, max: u64, batch_slots: u64) -> Range {
        Range {
            start_slot,
            count,
            max,
            batch_slots,
        }
    }

    /// Queries batch after batch and sends what each returns, until the range is done,
    /// `max` items are sent, or the stream is gone.
    async fn serve(
        self,
        source: &Arc<dyn ChainSource>,
        out: &mpsc::Sender<ResponseChunk>,
        chain: &ChainConfig,
        query: RangeQuery,
    ) -> Result<(), SourceError> {
        let mut limit = usize::try_from(self.max).unwrap_or(usize::MAX);
        for (start, n) in batches(self.start_slot, self.count, self.batch_slots) {
            if limit == 0 {
                break;
            }
            let batch = read(source, move |s| query(s, start, n, limit)).await?;
            limit = limit.saturating_sub(batch.len());
            if !send_all(out, chain, batch).await {
                break;
            }
        }
        Ok(())
    }
}

/// Sends every item; false when the response stream is gone.
async fn send_all(
    out: &mpsc::Sender<ResponseChunk>,
    chain: &ChainConfig,
    batch: Vec<Item>,
) -> bool {
    for item in batch {
        if !send(out, chain, item).await {
            return false;
        }
    }
    true
}

/// Sends one item as a chunk; false when the response stream is gone.
async fn send(out: &mpsc::Sender<ResponseChunk>, chain: &ChainConfig, item: Item) -> bool {
    let epoch = chain.slot_to_epoch(item.slot);
    let chunk = ResponseChunk::Success(SuccessChunk {
        context: Some(chain.fork_digest_at_epoch(epoch)),
        ssz: item.ssz,
    });
    out.send(chunk).await.is_ok()
}

/// Runs one source query on the blocking pool.
async fn read(
    source: &Arc<dyn ChainSource>,
    query: impl FnOnce(&dyn ChainSource) -> Result<Vec<Item>, SourceError> + Send + 'static,
) -> Result<Vec<Item>, SourceError> {
    let source = Arc::clone(source);
    tokio::task::spawn_blocking(move || query(source.as_ref()))
        .await
        .unwrap_or_else(|error| {
            Err(SourceError {
                source: Box::new(error),
            })
        })
}

/// `(start, count)` pieces of at most `batch` slots covering `start .. start + count`.
pub(super) fn batches(start: u64, count: u64, batch: u64) -> impl Iterator<Item = (u64, u64)> {
    let batch = batch.max(1);
    let end = start.saturating_add(count);
    let mut next = start;
    std::iter::from_fn(move || {
        (next < end).then(|| {
            let n = batch.min(end - next);
            let piece = (next, n);
            next += n;
            piece
        })
    })
}

#[cfg(test)]
#[path = "produce_tests.rs"]
mod tests;
