//! [`NetPeer`]: a connected peer with a valid status, as the sync sees it — the
//! `sync-types` [`SyncPeer`] over the network.
//!
//! A `NetPeer` is a cheap handle (clones share the peer). Its requests go to the swarm
//! task through a bounded channel, at most [`NetConfig::max_concurrent_requests`] per
//! protocol at once, and — unless turned off — no faster than the peer's quotas allow
//! (the outbound self-limit: a request waits on tokio's clock until its token bucket has
//! room, so a Lighthouse or Lodestar peer never sees us exceed its limits). Responses are
//! decoded here, in the caller's task: blocks with the fork their context bytes name,
//! checked against their slot; blob sidecars likewise. Ordering, range and count checks
//! are the sync's (`sync_types::check_response`); more chunks than requested never get
//! past the codec.
//!
//! Scores and statistics live in the handle. A score falling below
//! [`PEER_SCORE_LOW_LIMIT`] tells the swarm task, which says Goodbye(250) and disconnects
//! unless the pool has no score check ([`PoolConfig::without_score_check`]): a client
//! that turned it off decides itself who leaves.
//!
//! [`PoolConfig::without_score_check`]: peer_pool::PoolConfig::without_score_check

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use std::time::Duration;
use sync_types::lock::lock;

use consensus::config::ChainConfig;
use consensus::containers::{
    BeaconBlocksByRangeRequest, BlobIdentifier, BlobSidecarsByRangeRequest,
    DataColumnSidecarsByRangeRequest, DataColumnsByRootIdentifier,
};
use consensus::primitives::Hash256;
use consensus::{Block, Column, Sidecar};
use libp2p::PeerId;
use peer_pool::PeerType;
use sync_types::score::{PEER_SCORE_LOW_LIMIT, ResponseKind, apply_score};
use sync_types::{
    ColumnSet, Epoch, PeerScore, RequestError, ScoredPeer, Slot, SyncPeer, SyncRange,
};
use tokio::sync::{Semaphore, mpsc, oneshot};
use tokio::time::Instant;

use crate::codec::{CodecError, SuccessChunk};
use crate::config::NetConfig;
use crate::node::Command;
use crate::quota::KindBuckets;
use crate::rpc::{MetaDataMessage, ReceivedResponse, RpcError, RpcKind, RpcRequest};
use crate::status::StatusMessage;

/// What a peer handle needs of the node: the command channel and the settings.
#[derive(Clone, Debug)]
pub(crate) struct PeerNet {
    pub(crate) commands: mpsc::Sender<Command>,
    pub(crate) chain: Arc<ChainConfig>,
    pub(crate) config: Arc<NetConfig>,
}

impl PeerNet {
    /// Sends `request` to `peer` through the swarm task, with no limits of its own.
    pub(crate) async fn request(
        &self,
        peer: PeerId,
        request: RpcRequest,
    ) -> Result<ReceivedResponse, RequestError> {
        let (reply, response) = oneshot::channel();
        self.commands
            .send(Command::Request {
                peer,
                request,
                reply,
            })
            .await
            .map_err(|_| RequestError::Cancelled)?;
        // The swarm task drops the reply only when it stops: our shutdown, not the peer.
        response.await.map_err(|_| RequestError::Cancelled)?
    }
}

struct PeerInner {
    id: PeerId,
    direction: PeerType,
    net: PeerNet,
    /// Score, response counts and penalties.
    book: PeerScore,
    /// Bytes per second, as `f64` bits.
    throughput: AtomicU64,
    status: Mutex<(StatusMessage, Instant)>,
    limiter: Mutex<Option<KindBuckets>>,
    concurrency: [Semaphore; RpcKind::ALL.len()],
    /// The data columns the peer custodies, once its MetaData v3 has been read.
    custody: Mutex<Option<ColumnSet>>,
    /// The software it runs, as its libp2p identify message says (`Lighthouse/v7.0.0/...`).
    agent: Mutex<Option<String>>,
}

/// A peer that passed the status handshake: its status, score and requests.
#[derive(Clone)]
pub struct NetPeer {
    inner: Arc<PeerInner>,
}

impl std::fmt::Debug for NetPeer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetPeer")
            .field("id", &self.inner.id)
            .field("direction", &self.inner.direction)
            .field("score", &self.score())
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

impl NetPeer {
    /// The software the peer runs, from its identify message (`None` until it came, or
    /// if the peer does not run identify).
    pub fn agent(&self) -> Option<String> {
        sync_types::lock::lock(&self.inner.agent).clone()
    }

    pub(crate) fn set_agent(&self, agent: String) {
        *sync_types::lock::lock(&self.inner.agent) = Some(agent);
    }

    pub(crate) fn new(
        id: PeerId,
        direction: PeerType,
        status: StatusMessage,
        net: PeerNet,
    ) -> NetPeer {
        let now = Instant::now();
        let limiter = net
            .config
            .outbound_quotas
            .map(|q| KindBuckets::new(&q, now));
        let permits = net.config.max_concurrent_requests.max(1);
        NetPeer {
            inner: Arc::new(PeerInner {
                id,
                direction,
                book: PeerScore::default(),
                throughput: AtomicU64::new(0f64.to_bits()),
                status: Mutex::new((status, now)),
                limiter: Mutex::new(limiter),
                concurrency: RpcKind::ALL.map(|_| Semaphore::new(permits)),
                custody: Mutex::new(None),
                agent: Mutex::new(None),
                net,
            }),
        }
    }

    /// The peer's id.
    pub fn id(&self) -> PeerId {
        self.inner.id
    }

    /// Whether we dialed the peer (outgoing) or it dialed us (incoming).
    pub fn direction(&self) -> PeerType {
        self.inner.direction
    }

    /// The peer's last status.
    pub fn status(&self) -> StatusMessage {
        lock(&self.inner.status).0
    }

    pub(crate) fn set_status(&self, status: StatusMessage) {
        *lock(&self.inner.status) = (status, Instant::now());
    }

    /// Sends `request` with the per-protocol concurrency limit and the outbound
    /// self-limit applied, and returns the raw response. A `Status` request carries our
    /// current status whatever it holds, and the reply refreshes the peer's status.
    ///
    /// # Errors
    ///
    /// The [`RequestError`] of a failed request (an error chunk is not an error here:
    /// it is in the [`ReceivedResponse`]).
    pub async fn request(&self, request: RpcRequest) -> Result<ReceivedResponse, RequestError> {
        let kind = request.kind();
        let cost = request.cost(&self.inner.net.chain);
        let _permit = self.inner.concurrency[kind.index()]
            .acquire()
            .await
            .map_err(|_| RequestError::Cancelled)?;
        self.wait_for_quota(kind, cost).await;
        let started = Instant::now();
        let response = self.inner.net.request(self.inner.id, request).await?;
        self.record_throughput(response.wire_bytes, started.elapsed());
        Ok(response)
    }

    async fn wait_for_quota(&self, kind: RpcKind, cost: u64) {
        loop {
            let wait = {
                let mut limiter = lock(&self.inner.limiter);
                match limiter
                    .as_mut()
                    .map(|b| b.try_take(kind, cost, Instant::now()))
                {
                    None | Some(Ok(())) => return,
                    Some(Err(wait)) => wait,
                }
            };
            tracing::debug!(target: "net", peer = %self.inner.id, %kind, ?wait, "waiting for the peer's quota");
            tokio::time::sleep(wait).await;
        }
    }

    fn record_throughput(&self, bytes: u64, elapsed: Duration) {
        let secs = elapsed.as_secs_f64().max(1e-6);
        #[allow(clippy::cast_precision_loss)] // a rate estimate; precision loss is harmless
        let sample = bytes as f64 / secs;
        let _ = self
            .inner
            .throughput
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                let old = f64::from_bits(bits);
                let new = if old == 0.0 {
                    sample
                } else {
                    0.8 * old + 0.2 * sample
                };
                Some(new.to_bits())
            });
    }

    /// Pings the peer with our metadata sequence number; returns the peer's.
    ///
    /// # Errors
    ///
    /// As [`NetPeer::request`], the error chunk's error, or a malformed answer.
    pub async fn ping(&self) -> Result<u64, RequestError> {
        let seq = self.inner.net.config.metadata.seq_number;
        let chunk = self.request(RpcRequest::Ping(seq)).await?.into_single()?;
        decode(chunk.decode_ssz::<u64>(), crate::codec::Protocol::Ping)
    }

    /// Asks for the peer's metadata (v3 when both speak it, else v2).
    ///
    /// # Errors
    ///
    /// As [`NetPeer::ping`].
    pub async fn metadata(&self) -> Result<MetaDataMessage, RequestError> {
        let response = self.request(RpcRequest::MetaData).await?;
        let protocol = response.protocol;
        let chunk = response.into_single()?;
        decode(MetaDataMessage::from_ssz(&chunk.ssz), protocol)
    }

    /// Reads the peer's MetaData and, from its custody group count and the node id its
    /// peer id embeds, the data columns it custodies (Fulu): from then on
    /// [`SyncPeer::custody`] knows them, and the sync may ask the peer for columns.
    ///
    /// # Errors
    ///
    /// As [`NetPeer::ping`]; [`RequestError::Malformed`] when the peer answered MetaData
    /// v2 (no custody), or its count is above `NUMBER_OF_CUSTODY_GROUPS`, or its peer id
    /// holds no secp256k1 key.
    pub async fn learn_custody(&self) -> Result<ColumnSet, RequestError> {
        let metadata = self.metadata().await?;
        let malformed = |what: &str| RequestError::Malformed(what.into());
        let count = metadata
            .custody_group_count
            .ok_or_else(|| malformed("metadata without a custody group count"))?;
        let node_id = crate::identity::peer_node_id(&self.inner.id)
            .ok_or_else(|| malformed("peer id without a secp256k1 key"))?;
        let columns = consensus::custody::custody_columns(node_id, count)
            .map_err(|e| RequestError::Malformed(Box::new(e)))?;
        let set = ColumnSet::from_indices(columns)
            .ok_or_else(|| malformed("custody column out of range"))?;
        *lock(&self.inner.custody) = Some(set);
        Ok(set)
    }

    /// Data column sidecars by (block root, column indices) (an empty list asks
    /// nothing). Each column is checked against its context bytes; which columns came is
    /// the caller's to check.
    ///
    /// # Errors
    ///
    /// As [`NetPeer::ping`]; a column with wrong context bytes is malformed.
    pub async fn data_column_sidecars_by_root(
        &self,
        ids: Vec<DataColumnsByRootIdentifier>,
    ) -> Result<Vec<Column>, RequestError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let items = self
            .request(RpcRequest::ColumnsByRoot(ids))
            .await?
            .into_items()?;
        self.decode_columns(&items, crate::codec::Protocol::DataColumnSidecarsByRoot)
    }

    /// Blocks by root (an empty list asks nothing).
    ///
    /// # Errors
    ///
    /// As [`NetPeer::ping`]; a block with wrong context bytes is malformed.
    pub async fn blocks_by_root(&self, roots: Vec<Hash256>) -> Result<Vec<Block>, RequestError> {
        if roots.is_empty() {
            return Ok(Vec::new());
        }
        let items = self
            .request(RpcRequest::BlocksByRoot(roots))
            .await?
            .into_items()?;
        self.decode_blocks(&items, crate::codec::Protocol::BlocksByRootV2)
    }

    /// Blob sidecars by (block root, index) (an empty list asks nothing).
    ///
    /// # Errors
    ///
    /// As [`NetPeer::blocks_by_root`].
    pub async fn blob_sidecars_by_root(
        &self,
        ids: Vec<BlobIdentifier>,
    ) -> Result<Vec<Sidecar>, RequestError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let items = self
            .request(RpcRequest::BlobsByRoot(ids))
            .await?
            .into_items()?;
        self.decode_sidecars(&items, crate::codec::Protocol::BlobSidecarsByRoot)
    }

    fn decode_blocks(
        &self,
        items: &[SuccessChunk],
        protocol: crate::codec::Protocol,
    ) -> Result<Vec<Block>, RequestError> {
        let chain = &self.inner.net.chain;
        items
            .iter()
            .map(|item| decode(item.decode_block(chain).map(|(_, block)| block), protocol))
            .collect()
    }

    fn decode_sidecars(
        &self,
        items: &[SuccessChunk],
        protocol: crate::codec::Protocol,
    ) -> Result<Vec<Sidecar>, RequestError> {
        let chain = &self.inner.net.chain;
        items
            .iter()
            .map(|item| decode(item.decode_blob_sidecar(chain), protocol))
            .collect()
    }
}

impl NetPeer {
    fn decode_columns(
        &self,
        items: &[SuccessChunk],
        protocol: crate::codec::Protocol,
    ) -> Result<Vec<Column>, RequestError> {
        let chain = &self.inner.net.chain;
        items
            .iter()
            .map(|item| {
                decode(
                    item.decode_data_column_sidecar(chain).map(Column::new),
                    protocol,
                )
            })
            .collect()
    }
}

fn decode<T>(
    result: Result<T, CodecError>,
    protocol: crate::codec::Protocol,
) -> Result<T, RequestError> {
    result.map_err(|source| RequestError::Malformed(Box::new(RpcError::Codec { protocol, source })))
}

impl ScoredPeer for NetPeer {
    type Key = PeerId;

    fn key(&self) -> PeerId {
        self.inner.id
    }

    fn score(&self) -> i64 {
        self.inner.book.score()
    }

    fn update_score(&self, delta: i64) {
        let old = self.inner.book.update_score(delta);
        let new = apply_score(old, delta);
        if new < PEER_SCORE_LOW_LIMIT && old >= PEER_SCORE_LOW_LIMIT {
            let command = Command::ScoreBelowLimit {
                peer: self.inner.id,
            };
            if self.inner.net.commands.try_send(command).is_err() {
                tracing::warn!(target: "net", peer = %self.inner.id, "could not report a peer's low score: command queue full");
            }
        }
    }

    fn stats(&self, kind: ResponseKind) -> u64 {
        self.inner.book.stats(kind)
    }

    fn update_stats(&self, kind: ResponseKind, n: u64) {
        self.inner.book.update_stats(kind, n);
    }

    fn throughput(&self) -> f64 {
        f64::from_bits(self.inner.throughput.load(Ordering::Relaxed))
    }
}

impl SyncPeer for NetPeer {
    type Block = Block;
    type Sidecar = Sidecar;
    type Column = Column;

    fn head_slot(&self) -> Slot {
        Slot(self.status().head_slot)
    }

    fn finalized_epoch(&self) -> Epoch {
        Epoch(self.status().finalized_epoch)
    }

    fn earliest_available_slot(&self) -> Option<Slot> {
        self.status().earliest_available_slot.map(Slot)
    }

    fn status_age(&self) -> Duration {
        lock(&self.inner.status).1.elapsed()
    }

    async fn refresh_status(&self) -> Result<(), RequestError> {
        // The swarm task fills in our status and stores the peer's answer (or says
        // goodbye when it no longer fits, which fails this request).
        self.request(RpcRequest::Status(StatusMessage::default()))
            .await?
            .into_single()
            .map(drop)
    }

    async fn blocks_by_range(&self, range: SyncRange) -> Result<Vec<Block>, RequestError> {
        let request = BeaconBlocksByRangeRequest {
            start_slot: range.start().as_u64(),
            count: range.count(),
            step: 1,
        };
        let items = self
            .request(RpcRequest::BlocksByRange(request))
            .await?
            .into_items()?;
        self.decode_blocks(&items, crate::codec::Protocol::BlocksByRangeV2)
    }

    async fn blob_sidecars_by_range(&self, range: SyncRange) -> Result<Vec<Sidecar>, RequestError> {
        let request = BlobSidecarsByRangeRequest {
            start_slot: range.start().as_u64(),
            count: range.count(),
        };
        let items = self
            .request(RpcRequest::BlobsByRange(request))
            .await?
            .into_items()?;
        self.decode_sidecars(&items, crate::codec::Protocol::BlobSidecarsByRange)
    }

    fn custody(&self) -> Option<ColumnSet> {
        *lock(&self.inner.custody)
    }

    async fn data_column_sidecars_by_range(
        &self,
        range: SyncRange,
        columns: ColumnSet,
    ) -> Result<Vec<Column>, RequestError> {
        // A set holds at most 128 indices, the list's bound.
        let indices = ssz_types::VariableList::new(columns.iter().collect())
            .map_err(|_| RequestError::Cancelled)?;
        let request = DataColumnSidecarsByRangeRequest {
            start_slot: range.start().as_u64(),
            count: range.count(),
            columns: indices,
        };
        let items = self
            .request(RpcRequest::ColumnsByRange(request))
            .await?
            .into_items()?;
        self.decode_columns(&items, crate::codec::Protocol::DataColumnSidecarsByRange)
    }
}
