//! [`produce`]: reads what a [`ServePlan`] asks for from the chain source and feeds a
//! response stream.

use std::sync::Arc;
use std::time::Duration;

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

/// Blob sidecars read per slot of a query's batch when serving by root: one Electra
/// block's most.
const SIDECARS_PER_SLOT: usize = 9;

/// Items read per query of a by-root request: those of `batch_slots` slots.
fn by_root_piece(batch_slots: u64, per_slot: usize) -> usize {
    usize::try_from(batch_slots)
        .unwrap_or(usize::MAX)
        .max(1)
        .saturating_mul(per_slot)
}

/// How the production of a response ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Produced {
    /// Every chunk was sent into the response stream (or the source failed and the
    /// stream got an error chunk).
    Done,
    /// The response stream was gone (the peer reset it, or the connection closed).
    Gone,
    /// The stream took no chunk for the write timeout: the peer does not read.
    Stalled,
}

/// Why sending stopped early.
enum Halt {
    Stream(Produced),
    Source(SourceError),
}

impl From<SourceError> for Halt {
    fn from(error: SourceError) -> Halt {
        Halt::Source(error)
    }
}

/// Reads what `plan` asks for from `source`, `batch_slots` slots per query (by root: the
/// blocks of that many slots, or up to 9 sidecars per slot), and sends
/// the chunks (context bytes: the fork digest of each item's epoch) into `out`. Stops
/// early when the response stream is gone, or when it takes no chunk for
/// `write_timeout` ([`Produced::Stalled`]).
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
    write_timeout: Duration,
) -> Produced {
    let out = Out {
        tx: &out,
        chain: &chain,
        write_timeout,
    };
    let result: Result<(), Halt> = async {
        match plan {
            ServePlan::Reject { code, message } => out.chunk(error_chunk(code, message)).await?,
            ServePlan::Empty => {}
            ServePlan::BlocksByRange { start_slot, count } => {
                let range = Range::new(start_slot, count, count, batch_slots);
                range
                    .serve(&source, &out, |s, start, n, limit| {
                        items(s.blocks_by_range(start, n, limit))
                    })
                    .await?;
            }
            ServePlan::BlocksByRoot(roots) => {
                // A piece at a time, as ranges: a whole request is up to 1,024 blocks.
                for piece in roots.chunks(by_root_piece(batch_slots, 1)) {
                    let piece = piece.to_vec();
                    let query =
                        move |s: &dyn ChainSource| items(s.blocks_by_root(&piece, piece.len()));
                    out.all(read(&source, query).await?).await?;
                }
            }
            ServePlan::BlobsByRange {
                start_slot,
                count,
                max,
            } => {
                let range = Range::new(start_slot, count, max, batch_slots);
                range
                    .serve(&source, &out, |s, start, n, limit| {
                        items(s.blob_sidecars_by_range(start, n, limit))
                    })
                    .await?;
            }
            ServePlan::ColumnsByRange {
                start_slot,
                count,
                columns,
                max,
            } => {
                let range = Range::new(start_slot, count, max, batch_slots);
                let columns: Arc<[u64]> = columns.into();
                range
                    .serve(&source, &out, move |s, start, n, limit| {
                        items(s.data_column_sidecars_by_range(start, n, &columns, limit))
                    })
                    .await?;
            }
            ServePlan::ColumnsByRoot(ids) => {
                // A block's worth of identifiers per query, as blocks by root.
                for piece in ids.chunks(by_root_piece(batch_slots, 1)) {
                    let piece = piece.to_vec();
                    let query = move |s: &dyn ChainSource| {
                        let most = piece.iter().map(|id| id.columns.len()).sum();
                        items(s.data_column_sidecars_by_root(&piece, most))
                    };
                    out.all(read(&source, query).await?).await?;
                }
            }
            ServePlan::BlobsByRoot(ids) => {
                // Up to 1,152 sidecars of 131 KiB: never read at once.
                for piece in ids.chunks(by_root_piece(batch_slots, SIDECARS_PER_SLOT)) {
                    let piece = piece.to_vec();
                    let query = move |s: &dyn ChainSource| {
                        items(s.blob_sidecars_by_root(&piece, piece.len()))
                    };
                    out.all(read(&source, query).await?).await?;
                }
            }
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Produced::Done,
        Err(Halt::Stream(ended)) => ended,
        Err(Halt::Source(error)) => {
            tracing::warn!(target: "net::server", %error, "chain source failed while serving");
            let chunk = error_chunk(ResultCode::ServerError, "chain source failed");
            match out.chunk(chunk).await {
                Ok(()) => Produced::Done,
                Err(Halt::Stream(ended)) => ended,
                Err(Halt::Source(_)) => Produced::Gone,
            }
        }
    }
}

/// Waits until the response stream has taken every chunk of `out`'s buffer, giving the
/// peer `write_timeout` for each chunk: [`Produced::Done`] once it has,
/// [`Produced::Gone`] if the stream is gone, [`Produced::Stalled`] if it took none for
/// that long.
pub async fn drained(out: &mpsc::Sender<ResponseChunk>, write_timeout: Duration) -> Produced {
    loop {
        if out.is_closed() {
            return Produced::Gone;
        }
        let free = out.capacity();
        if free >= out.max_capacity() {
            return Produced::Done;
        }
        // One more free slot than now means the stream took one more chunk.
        match tokio::time::timeout(write_timeout, out.reserve_many(free + 1)).await {
            Ok(Ok(permits)) => drop(permits),
            Ok(Err(_)) => return Produced::Gone,
            Err(_) => return Produced::Stalled,
        }
    }
}

/// The response stream, with what sending into it needs.
struct Out<'a> {
    tx: &'a mpsc::Sender<ResponseChunk>,
    chain: &'a ChainConfig,
    write_timeout: Duration,
}

impl Out<'_> {
    /// Sends one chunk, waiting at most the write timeout for room.
    async fn chunk(&self, chunk: ResponseChunk) -> Result<(), Halt> {
        match tokio::time::timeout(self.write_timeout, self.tx.send(chunk)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(Halt::Stream(Produced::Gone)),
            Err(_) => Err(Halt::Stream(Produced::Stalled)),
        }
    }

    /// Sends every item as a chunk (context bytes: the fork digest of its epoch).
    async fn all(&self, batch: Vec<Item>) -> Result<(), Halt> {
        for item in batch {
            let epoch = self.chain.slot_to_epoch(item.slot);
            let chunk = ResponseChunk::Success(SuccessChunk {
                context: Some(self.chain.fork_digest_at_epoch(epoch)),
                ssz: item.ssz,
            });
            self.chunk(chunk).await?;
        }
        Ok(())
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

impl Range {
    const fn new(start_slot: u64, count: u64, max: u64, batch_slots: u64) -> Range {
        Range {
            start_slot,
            count,
            max,
            batch_slots,
        }
    }

    /// Queries batch after batch and sends what each returns, until the range is done
    /// or `max` items are sent.
    /// `query` reads one batch: source, first slot, slots, most items.
    async fn serve<Q>(
        self,
        source: &Arc<dyn ChainSource>,
        out: &Out<'_>,
        query: Q,
    ) -> Result<(), Halt>
    where
        Q: Fn(&dyn ChainSource, u64, u64, usize) -> Result<Vec<Item>, SourceError>
            + Clone
            + Send
            + 'static,
    {
        let mut limit = usize::try_from(self.max).unwrap_or(usize::MAX);
        for (start, n) in batches(self.start_slot, self.count, self.batch_slots) {
            if limit == 0 {
                break;
            }
            let query = query.clone();
            let batch = read(source, move |s| query(s, start, n, limit)).await?;
            limit = limit.saturating_sub(batch.len());
            out.all(batch).await?;
        }
        Ok(())
    }
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
