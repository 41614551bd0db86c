use std::time::Duration;

use consensus::Fork;
use consensus::containers::{BlobIdentifier, Checkpoint, DataColumnsByRootIdentifier};
use consensus::primitives::Hash256;

use super::*;
use crate::source::ChainInfo;

/// A source with a 1 KiB block in every slot and no blobs.
struct EveryBlock;

impl ChainSource for EveryBlock {
    fn chain_info(&self) -> ChainInfo {
        ChainInfo {
            finalized: Checkpoint {
                epoch: 0,
                root: Hash256::ZERO,
            },
            head_root: Hash256::ZERO,
            head_slot: 10_000,
            earliest_available_slot: 0,
        }
    }
    fn block_root_at_slot(&self, _: u64) -> Option<Hash256> {
        None
    }
    fn blocks_by_range(
        &self,
        start: u64,
        count: u64,
        limit: usize,
    ) -> Result<Vec<BlockBytes>, SourceError> {
        Ok((start..start + count)
            .take(limit)
            .map(|slot| BlockBytes {
                slot,
                fork: Fork::Electra,
                ssz: vec![7; 1024].into(),
            })
            .collect())
    }
    fn blocks_by_root(&self, _: &[Hash256], _: usize) -> Result<Vec<BlockBytes>, SourceError> {
        Ok(Vec::new())
    }
    fn blob_sidecars_by_range(
        &self,
        _: u64,
        _: u64,
        _: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError> {
        Ok(Vec::new())
    }
    fn blob_sidecars_by_root(
        &self,
        _: &[BlobIdentifier],
        _: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError> {
        Ok(Vec::new())
    }
    fn data_column_sidecars_by_range(
        &self,
        _: u64,
        _: u64,
        _: &[u64],
        _: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError> {
        Ok(Vec::new())
    }

    fn data_column_sidecars_by_root(
        &self,
        _: &[DataColumnsByRootIdentifier],
        _: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError> {
        Ok(Vec::new())
    }
}

fn range(count: u64) -> ServePlan {
    ServePlan::BlocksByRange {
        start_slot: 1,
        count,
    }
}

/// 64 responses that nobody reads, then one that is read, on a runtime with only two
/// blocking threads. A producer that waited in `blocking_send` held a blocking thread
/// per stream: the first two unread streams would take both, and the read response's
/// query would never run.
#[test]
fn responses_nobody_reads_hold_no_thread() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(2)
        .enable_time()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let source: Arc<dyn ChainSource> = Arc::new(EveryBlock);
        let chain = Arc::new(ChainConfig::devnet(Fork::Electra, 0, Hash256::ZERO));
        let mut unread = Vec::new();
        for _ in 0..64 {
            let (tx, rx) = mpsc::channel(1);
            tokio::spawn(produce(
                range(1024),
                Arc::clone(&source),
                Arc::clone(&chain),
                16,
                tx,
                HOUR,
            ));
            unread.push(rx);
        }
        let (tx, mut rx) = mpsc::channel(1);
        tokio::spawn(produce(range(100), source, chain, 16, tx, HOUR));
        let read = tokio::time::timeout(Duration::from_secs(30), async {
            let mut n = 0;
            while let Some(chunk) = rx.recv().await {
                assert!(matches!(chunk, ResponseChunk::Success(_)));
                n += 1;
            }
            n
        })
        .await
        .expect("the read response is served while 64 others are not read");
        assert_eq!(read, 100);
        // The unread ones are still there, each waiting asynchronously.
        assert_eq!(unread.len(), 64);
    });
}

#[tokio::test]
async fn a_stream_that_goes_away_stops_its_producer() {
    let source: Arc<dyn ChainSource> = Arc::new(EveryBlock);
    let chain = Arc::new(ChainConfig::devnet(Fork::Electra, 0, Hash256::ZERO));
    let (tx, mut rx) = mpsc::channel(1);
    let producer = tokio::spawn(produce(range(1024), source, chain, 16, tx, HOUR));
    assert!(rx.recv().await.is_some());
    drop(rx);
    let ended = tokio::time::timeout(Duration::from_secs(10), producer)
        .await
        .expect("the producer ends")
        .expect("without a panic");
    assert_eq!(ended, Produced::Gone);
}

const HOUR: Duration = Duration::from_secs(3600);

/// A producer of 100 blocks into a 4-chunk stream with a 10 s write timeout, read by a
/// peer that waits `pause` before each chunk: how production and the drain end, and how
/// many chunks the peer got.
async fn read_with_pauses(pause: Duration) -> (Produced, Produced, usize) {
    let write_timeout = Duration::from_secs(10);
    let source: Arc<dyn ChainSource> = Arc::new(EveryBlock);
    let chain = Arc::new(ChainConfig::devnet(Fork::Electra, 0, Hash256::ZERO));
    let (tx, mut rx) = mpsc::channel(4);
    let producer = tokio::spawn(async move {
        let produced = produce(range(100), source, chain, 16, tx.clone(), write_timeout).await;
        let drained = drained(&tx, write_timeout).await;
        (produced, drained)
    });
    let mut read = 0;
    while !producer.is_finished() {
        tokio::time::sleep(pause).await;
        if rx.try_recv().is_ok() {
            read += 1;
        }
    }
    let (produced, drained) = producer.await.expect("no panic");
    (produced, drained, read)
}

#[tokio::test(start_paused = true)]
async fn a_slow_reader_that_keeps_taking_chunks_is_served_in_full() {
    let (produced, drained, read) = read_with_pauses(Duration::from_secs(9)).await;
    assert_eq!((produced, drained), (Produced::Done, Produced::Done));
    assert_eq!(read, 100);
}

#[tokio::test(start_paused = true)]
async fn a_stream_that_takes_nothing_for_the_write_timeout_is_stalled() {
    let (produced, drained, read) = read_with_pauses(Duration::from_secs(3600)).await;
    assert_eq!((produced, drained), (Produced::Stalled, Produced::Stalled));
    assert!(read <= 1, "read {read}");
}

#[tokio::test(start_paused = true)]
async fn the_drain_waits_for_the_last_chunks_and_stalls_if_they_stay() {
    let timeout = Duration::from_secs(10);
    let (tx, mut rx) = mpsc::channel::<ResponseChunk>(3);
    for _ in 0..3 {
        let chunk = ResponseChunk::Success(crate::codec::SuccessChunk {
            context: None,
            ssz: vec![0],
        });
        tx.send(chunk).await.expect("room");
    }
    let reader = tokio::spawn(async move {
        for _ in 0..2 {
            tokio::time::sleep(Duration::from_secs(9)).await;
            rx.recv().await.expect("a chunk");
        }
        rx // keeps the last chunk unread, and the stream open
    });
    let started = tokio::time::Instant::now();
    assert_eq!(drained(&tx, timeout).await, Produced::Stalled);
    assert_eq!(started.elapsed(), Duration::from_secs(28), "9 + 9 + 10");
    let mut rx = reader.await.expect("no panic");
    rx.recv().await.expect("the last chunk");
    assert_eq!(drained(&tx, timeout).await, Produced::Done);
    drop(rx);
    let (tx, rx) = mpsc::channel::<ResponseChunk>(1);
    tx.send(ResponseChunk::Success(crate::codec::SuccessChunk {
        context: None,
        ssz: vec![],
    }))
    .await
    .expect("room");
    drop(rx);
    assert_eq!(drained(&tx, timeout).await, Produced::Gone);
}
