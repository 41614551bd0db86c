//! Read access without write access: [`StoreReader`], the handle every query runs on.
//!
//! A [`Store`] carries a reader over its own database (and derefs to it), so a node
//! queries the store it writes. [`Store::open_read_only`] gives a reader alone, for tools
//! such as `inspect` beside a node: it has no write methods at all, opens an existing
//! database without the chain config (the caller learns the network from
//! [`StoreReader::network`]), and never creates, repairs or otherwise changes the file.
//!
//! **Beside a running node.** The writer opens the database in redb's default
//! `ExclusiveWriter` mode, which locks the whole file: a read-only open while a node runs
//! fails with [`StoreError::InUse`], whose message sends the operator to the node's HTTP
//! API. The same lock keeps a node from starting while a reader is open
//! ([`StoreError::Locked`]). redb's `SingleWriter` mode would let readers follow a live
//! writer, but it is new in redb 4.5 and would change the writer's crash behaviour; the
//! store does not use it.
//!
//! **After a crash.** A database whose writer was killed needs a repair, which only a
//! read-write open makes: a read-only open fails with [`StoreError::NeedsRecovery`]
//! instead of reading a file in that state.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use redb::{ReadTransaction, ReadableDatabase, TableError, TransactionError};

use crate::config::StoreConfig;
use crate::error::{Failure, StoreError, classify_read_only};
use crate::schema::{self, META};
use crate::snapshot::Snapshot;
use crate::store::{Store, TARGET};

/// Read access to a store: every query, and no way to write.
///
/// Obtained from [`Store::open_read_only`], or borrowed from a [`Store`] (which derefs to
/// its reader). Cloning is cheap and shares the database. Every query reads one snapshot
/// (one read transaction): an answer never mixes two commits.
#[derive(Clone)]
pub struct StoreReader {
    inner: Arc<ReaderInner>,
}

struct ReaderInner {
    db: Handle,
    path: PathBuf,
    config: StoreConfig,
}

/// The database a reader reads: a writer's, or one opened read-only.
enum Handle {
    Writer(Arc<redb::Database>),
    ReadOnly(redb::ReadOnlyDatabase),
}

impl fmt::Debug for StoreReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreReader")
            .field("path", &self.inner.path)
            .field("read_only", &self.is_read_only())
            .finish_non_exhaustive()
    }
}

impl StoreReader {
    /// A reader over the database of a [`Store`].
    pub(crate) fn of_writer(db: Arc<redb::Database>, path: PathBuf, config: StoreConfig) -> Self {
        StoreReader {
            inner: Arc::new(ReaderInner {
                db: Handle::Writer(db),
                path,
                config,
            }),
        }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The store's limits.
    pub fn config(&self) -> &StoreConfig {
        &self.inner.config
    }

    /// Whether this reader was opened read-only ([`Store::open_read_only`]) rather than
    /// taken from a [`Store`].
    pub fn is_read_only(&self) -> bool {
        matches!(self.inner.db, Handle::ReadOnly(_))
    }

    fn begin_read(&self) -> Result<ReadTransaction, TransactionError> {
        match &self.inner.db {
            Handle::Writer(db) => db.begin_read(),
            Handle::ReadOnly(db) => db.begin_read(),
        }
    }

    /// Runs `f` on one snapshot, naming the database and `operation` in its errors.
    pub(crate) fn read<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&Snapshot) -> Result<T, Failure>,
    ) -> Result<T, StoreError> {
        let txn = self.begin_read().map_err(Failure::from);
        txn.and_then(|txn| Snapshot::open(&txn))
            .and_then(|snapshot| f(&snapshot))
            .map_err(|failure| failure.at(&self.inner.path, operation))
    }

    /// Refuses a database that is not ours or of another schema version, looking only at
    /// the meta table (a foreign redb file has none).
    fn check_schema(&self) -> Result<(), Failure> {
        let txn = self.begin_read()?;
        let meta = match txn.open_table(META) {
            Ok(meta) => meta,
            Err(TableError::TableDoesNotExist(_)) => {
                return Err(StoreError::Corrupt {
                    path: self.inner.path.clone(),
                    detail: "a redb file without the store's meta table".to_owned(),
                }
                .into());
            }
            Err(error) => return Err(error.into()),
        };
        schema::check_version(&meta, &self.inner.path)
    }
}

impl Store {
    /// Opens the existing database at `path` for reading only, with the default
    /// [`StoreConfig`]: for tools beside a node, which do not know the network yet (ask
    /// [`StoreReader::network`]). It never creates, repairs or changes the file.
    ///
    /// # Errors
    /// [`StoreError::Missing`] when there is no file at `path`; [`StoreError::InUse`]
    /// while a [`Store`] (a running node) has it open; [`StoreError::NeedsRecovery`] when
    /// its writer was killed and no read-write open has recovered it since;
    /// [`StoreError::Corrupt`] for a file that is not a store's database;
    /// [`StoreError::SchemaMismatch`]; I/O failures.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<StoreReader, StoreError> {
        let path = path.as_ref().to_path_buf();
        let config = StoreConfig::default();
        let db = redb::Builder::new()
            .set_cache_size(config.cache_bytes)
            .open_read_only(&path)
            .map_err(|error| classify_read_only(&path, error))?;
        let reader = StoreReader {
            inner: Arc::new(ReaderInner {
                db: Handle::ReadOnly(db),
                path,
                config,
            }),
        };
        reader
            .check_schema()
            .map_err(|failure| failure.at(reader.path(), "open_read_only"))?;
        tracing::debug!(target: TARGET, path = %reader.path().display(), "store opened read-only");
        Ok(reader)
    }
}
