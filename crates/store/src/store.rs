//! Opening the database and the write path: the trusted anchor and verified segments,
//! each in one durable write transaction.

use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use consensus::config::ChainConfig;
use consensus::verify::{Anchor, BlockAndSidecars};
use consensus::{Block, Column, Sidecar};
use redb::{ReadableDatabase, ReadableTableMetadata, TableError};

use crate::anchors::{Anchors, BlockId, NetworkIdentity};
use crate::config::StoreConfig;
use crate::error::{Failure, StoreError, classify};
use crate::metrics::{StoreMetrics, Written};
use crate::reader::StoreReader;
use crate::schema::{
    self, BLOB_SIDECAR_CHUNKS, BLOB_SIDECARS, BLOCK_CHUNKS, BLOCKS, CANONICAL_SLOTS,
    DATA_COLUMN_CHUNKS, DATA_COLUMNS, GENESIS_TIME_KEY, GENESIS_VALIDATORS_ROOT_KEY, META,
    NETWORK_NAME_KEY, SCHEMA_VERSION, SCHEMA_VERSION_KEY,
};
use crate::segment::{self, Link};
use crate::write::{Prepared, prepare, write_block_data, write_blocks};

/// The tracing target of this crate.
pub(crate) const TARGET: &str = "store";

/// The block and blob store: one redb database file holding one chain.
///
/// Cloning is cheap and shares the database: hand one clone to the verifier (as its
/// [`ImportSink`](consensus::verify::ImportSink)) and others to the server. Writes are
/// serialised by redb; reads see the last committed state and never block writes. Every
/// query is a method of [`StoreReader`], which a `Store` derefs to.
#[derive(Clone, Debug)]
pub struct Store {
    reader: StoreReader,
    inner: Arc<Inner>,
    metrics: StoreMetrics,
}

#[derive(Debug)]
struct Inner {
    db: Arc<redb::Database>,
    chain: ChainConfig,
}

impl Deref for Store {
    type Target = StoreReader;

    /// The store's reader: every query.
    fn deref(&self) -> &StoreReader {
        &self.reader
    }
}

impl Store {
    /// Opens the database at `path` (a file; it and its parent folders are created when
    /// missing) for the chain of `chain`, with the default [`StoreConfig`].
    ///
    /// # Errors
    /// [`StoreError::Locked`] when the database is already open, [`StoreError::Corrupt`]
    /// for a file that is not a database or is damaged, [`StoreError::SchemaMismatch`],
    /// [`StoreError::WrongNetwork`], and I/O failures.
    pub fn open(path: impl AsRef<Path>, chain: &ChainConfig) -> Result<Store, StoreError> {
        Store::open_with(path, chain, StoreConfig::default())
    }

    /// Like [`Store::open`], with `config`.
    ///
    /// # Errors
    /// As [`Store::open`].
    pub fn open_with(
        path: impl AsRef<Path>,
        chain: &ChainConfig,
        config: StoreConfig,
    ) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::Io {
                path: path.clone(),
                operation: "creating the database folder",
                source,
            })?;
        }
        let db = redb::Builder::new()
            .set_cache_size(config.cache_bytes)
            .set_check_integrity_on_open(config.check_integrity_on_open)
            .create(&path)
            .map_err(|error| classify(&path, "open", error))?;
        let db = Arc::new(db);
        let store = Store {
            reader: StoreReader::of_writer(Arc::clone(&db), path, config),
            inner: Arc::new(Inner {
                db,
                chain: chain.clone(),
            }),
            metrics: StoreMetrics::default(),
        };
        store
            .check_or_initialise()
            .map_err(|failure| failure.at(store.path(), "open"))?;
        let anchors = store.anchors()?;
        tracing::info!(
            target: TARGET,
            path = %store.path().display(),
            network = chain.name(),
            head = ?anchors.map(|a| a.head.slot),
            backfill = ?anchors.map(|a| a.backfill.slot),
            "store opened"
        );
        Ok(store)
    }

    /// The store with `metrics` attached: [`Store::commit_segment`] and
    /// [`Store::init_anchor`] record into them from now on, and the anchor gauges are set
    /// to the stored anchors at once. Attach them before cloning the store: clones made
    /// earlier keep the metrics they had.
    #[must_use]
    pub fn with_metrics(mut self, metrics: StoreMetrics) -> Store {
        match self.anchors() {
            Ok(Some(anchors)) => metrics.set_anchors(&anchors),
            Ok(None) => {}
            // The gauges then wait for the next commit; nothing else depends on them.
            Err(error) => {
                tracing::warn!(target: TARGET, %error, "reading the anchors for the metrics");
            }
        }
        self.metrics = metrics;
        self
    }

    /// Checks the schema version and network of an existing database, or writes them
    /// into a new one (with every table, so readers never meet a missing table).
    fn check_or_initialise(&self) -> Result<(), Failure> {
        let read = self.inner.db.begin_read()?;
        let meta = match read.open_table(META) {
            Ok(meta) => meta,
            Err(TableError::TableDoesNotExist(_)) => return self.initialise(),
            Err(error) => return Err(error.into()),
        };
        schema::check_version(&meta, self.path())?;
        let Some(stored) = schema::read_network(&meta)? else {
            return Err(self
                .corrupt("the meta table has no network identity")
                .into());
        };
        let chain = &self.inner.chain;
        let expected = NetworkIdentity::of(chain);
        if stored != expected {
            let path = self.path().to_path_buf();
            let (stored, expected) = (Box::new(stored), Box::new(expected));
            return Err(StoreError::WrongNetwork {
                path,
                stored,
                expected,
            }
            .into());
        }
        Ok(())
    }

    fn initialise(&self) -> Result<(), Failure> {
        let txn = self.inner.db.begin_write()?;
        {
            let empty = [
                txn.open_table(BLOCKS)?.is_empty()?,
                txn.open_table(BLOCK_CHUNKS)?.is_empty()?,
                txn.open_table(CANONICAL_SLOTS)?.is_empty()?,
                txn.open_table(BLOB_SIDECARS)?.is_empty()?,
                txn.open_table(BLOB_SIDECAR_CHUNKS)?.is_empty()?,
                txn.open_table(DATA_COLUMNS)?.is_empty()?,
                txn.open_table(DATA_COLUMN_CHUNKS)?.is_empty()?,
            ];
            if empty.contains(&false) {
                return Err(self.corrupt("data tables without a meta table").into());
            }
            let mut meta = txn.open_table(META)?;
            let chain = &self.inner.chain;
            meta.insert(SCHEMA_VERSION_KEY, SCHEMA_VERSION.to_le_bytes().as_slice())?;
            meta.insert(NETWORK_NAME_KEY, chain.name().as_bytes())?;
            meta.insert(
                GENESIS_VALIDATORS_ROOT_KEY,
                chain.genesis_validators_root().as_slice(),
            )?;
            meta.insert(
                GENESIS_TIME_KEY,
                chain.genesis_time().to_le_bytes().as_slice(),
            )?;
        }
        txn.commit()?;
        Ok(())
    }

    fn corrupt(&self, detail: &str) -> StoreError {
        StoreError::Corrupt {
            path: self.path().to_path_buf(),
            detail: detail.to_owned(),
        }
    }

    /// Stores the trusted anchor (the genesis block or a checkpoint block, with its blob
    /// sidecars if any) and sets the head and the backfill mark to it. Calling it again
    /// with the same block changes nothing. A Fulu anchor stored this way has no data
    /// columns; [`Store::init_anchor_with_columns`] stores them with it.
    ///
    /// # Errors
    /// [`StoreError::AnchorAlreadySet`] when the store was started from another block;
    /// [`StoreError::WrongFork`], [`StoreError::SidecarMismatch`],
    /// [`StoreError::SidecarOrder`], [`StoreError::RecordTooLarge`]; database failures.
    pub fn init_anchor(&self, block: &Block, sidecars: &[Sidecar]) -> Result<Anchors, StoreError> {
        self.init_anchor_with_columns(block, sidecars, &[])
    }

    /// [`Store::init_anchor`] with the anchor block's data columns (a Fulu checkpoint),
    /// stored in the same transaction, so the anchor serves them like any other block.
    ///
    /// # Errors
    /// As [`Store::init_anchor`], and [`StoreError::ColumnMismatch`],
    /// [`StoreError::ColumnIndex`], [`StoreError::ColumnOrder`] for columns of another
    /// block, out of range or not in rising index order.
    pub fn init_anchor_with_columns(
        &self,
        block: &Block,
        sidecars: &[Sidecar],
        columns: &[Column],
    ) -> Result<Anchors, StoreError> {
        let prepared = prepare(&self.inner.chain, block, Some(sidecars), Some(columns))?;
        let given = BlockId {
            root: prepared.link.root,
            slot: prepared.link.slot,
        };
        let write = || -> Result<Anchors, Failure> {
            let started = Instant::now();
            let txn = self.inner.db.begin_write()?;
            let anchors = {
                let meta = txn.open_table(META)?;
                schema::read_anchors(&meta)?
            };
            if let Some(stored) = anchors {
                return if stored.trusted == given {
                    Ok(stored)
                } else {
                    Err(StoreError::AnchorAlreadySet {
                        stored: stored.trusted,
                        given,
                    }
                    .into())
                };
            }
            let anchors = Anchors::at_trusted(given.root, given.slot, prepared.link.parent_root);
            write_blocks(&txn, std::slice::from_ref(&prepared), &anchors)?;
            txn.commit()?;
            self.record(started, std::slice::from_ref(&prepared), &anchors);
            Ok(anchors)
        };
        let anchors = write().map_err(|failure| failure.at(self.path(), "init_anchor"))?;
        tracing::info!(target: TARGET, root = %given.root, slot = given.slot, "trusted anchor stored");
        Ok(anchors)
    }

    /// Adds blob sidecars and data columns to the trusted anchor block, stored without
    /// them: a checkpoint start whose data was fetched later, by root, from peers. Data
    /// already stored under the same index is written again with the same bytes.
    ///
    /// # Errors
    /// [`StoreError::NoAnchor`] before [`Store::init_anchor`];
    /// [`StoreError::SidecarMismatch`], [`StoreError::ColumnMismatch`] for data of
    /// another block, [`StoreError::SidecarOrder`], [`StoreError::ColumnOrder`],
    /// [`StoreError::ColumnIndex`], [`StoreError::RecordTooLarge`]; database failures.
    pub fn add_anchor_data(
        &self,
        sidecars: &[Sidecar],
        columns: &[Column],
    ) -> Result<(), StoreError> {
        let anchors = self.anchors()?.ok_or(StoreError::NoAnchor)?;
        let block = self
            .block(anchors.trusted.root)?
            .ok_or(StoreError::NoAnchor)?;
        let prepared = prepare(&self.inner.chain, &block, Some(sidecars), Some(columns))?;
        let write = || -> Result<(), Failure> {
            let txn = self.inner.db.begin_write()?;
            write_block_data(&txn, std::slice::from_ref(&prepared))?;
            txn.commit()?;
            Ok(())
        };
        write().map_err(|failure| failure.at(self.path(), "add_anchor_data"))?;
        tracing::info!(target: TARGET, root = %anchors.trusted.root, sidecars = sidecars.len(), columns = columns.len(), "trusted anchor's blob data stored");
        Ok(())
    }

    /// Commits a verified segment (in processing order: ascending slots forward,
    /// descending backward) with its blob sidecars and data columns, and the anchor after
    /// it, in one durable write transaction: after a crash either all of it is stored and
    /// the anchor has moved, or none of it.
    ///
    /// The blocks must extend the stored chain at the head (`anchor` is
    /// [`Anchor::Head`]) or below the backfill mark ([`Anchor::Parent`]), and `anchor`
    /// must be where they end; otherwise nothing is written. Returns the new anchors.
    ///
    /// # Errors
    /// [`StoreError::NoAnchor`], [`StoreError::NotLinked`],
    /// [`StoreError::AnchorMismatch`], [`StoreError::WrongFork`],
    /// [`StoreError::SidecarMismatch`], [`StoreError::SidecarOrder`],
    /// [`StoreError::ColumnMismatch`], [`StoreError::ColumnOrder`],
    /// [`StoreError::ColumnIndex`], [`StoreError::RecordTooLarge`]; database failures.
    pub fn commit_segment(
        &self,
        blocks: &[BlockAndSidecars],
        anchor: Anchor,
    ) -> Result<Anchors, StoreError> {
        // Encoding happens before the write lock is taken.
        let prepared = blocks
            .iter()
            .map(|data| {
                let (sidecars, columns) = (data.sidecars.as_deref(), data.columns.as_deref());
                prepare(&self.inner.chain, &data.block, sidecars, columns)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let links: Vec<Link> = prepared.iter().map(|p| p.link).collect();
        let write = || -> Result<Anchors, Failure> {
            let started = Instant::now();
            let txn = self.inner.db.begin_write()?;
            let stored = {
                let meta = txn.open_table(META)?;
                schema::read_anchors(&meta)?.ok_or(StoreError::NoAnchor)?
            };
            let next = segment::advance(&stored, &links, anchor)?;
            if next == stored {
                return Ok(stored);
            }
            write_blocks(&txn, &prepared, &next)?;
            txn.commit()?;
            self.record(started, &prepared, &next);
            Ok(next)
        };
        let anchors = write().map_err(|failure| failure.at(self.path(), "commit_segment"))?;
        tracing::debug!(
            target: TARGET,
            blocks = blocks.len(),
            sidecars = prepared.iter().map(|p| p.sidecars.len()).sum::<usize>(),
            columns = prepared.iter().map(|p| p.columns.len()).sum::<usize>(),
            head = anchors.head.slot,
            backfill = anchors.backfill.slot,
            "segment committed"
        );
        Ok(anchors)
    }

    /// Records a committed write transaction, begun at `started`, in the metrics.
    fn record(&self, started: Instant, prepared: &[Prepared], anchors: &Anchors) {
        let written = Written {
            blocks: prepared.len(),
            sidecars: prepared.iter().map(|p| p.sidecars.len()).sum(),
            columns: prepared.iter().map(|p| p.columns.len()).sum(),
            bytes: prepared.iter().map(Prepared::bytes).sum(),
        };
        self.metrics.on_commit(started.elapsed(), &written);
        self.metrics.set_anchors(anchors);
    }
}
