//! redb's failures as [`StoreError`]s: classified into what an operator acts on at the
//! public boundary, and carried inside the store as a [`Failure`] until then.

use super::StoreError;

/// Turns any redb error into a [`StoreError`], recognising the kinds an operator acts on.
pub(crate) fn classify(
    path: &std::path::Path,
    operation: &'static str,
    error: impl Into<redb::Error>,
) -> StoreError {
    let path = path.to_path_buf();
    match error.into() {
        redb::Error::DatabaseAlreadyOpen => StoreError::Locked { path },
        redb::Error::Corrupted(detail) => StoreError::Corrupt { path, detail },
        redb::Error::Io(source) if source.kind() == std::io::ErrorKind::InvalidData => {
            StoreError::Corrupt {
                path,
                detail: source.to_string(),
            }
        }
        redb::Error::Io(source) => StoreError::Io {
            path,
            operation,
            source,
        },
        other => StoreError::Database {
            operation,
            source: Box::new(other),
        },
    }
}

/// Turns the failure of a read-only open into a [`StoreError`]: a missing file, a writer
/// holding the file (redb's whole-file lock of its default `ExclusiveWriter` mode) and a
/// file that needs a repair (which a read-only open must not do) get their own variants.
pub(crate) fn classify_read_only(path: &std::path::Path, error: redb::DatabaseError) -> StoreError {
    let owned = || path.to_path_buf();
    match error {
        redb::DatabaseError::DatabaseAlreadyOpen => StoreError::InUse { path: owned() },
        redb::DatabaseError::RepairAborted => StoreError::NeedsRecovery { path: owned() },
        redb::DatabaseError::Storage(redb::StorageError::Io(source))
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            StoreError::Missing { path: owned() }
        }
        other => classify(path, "open_read_only", other),
    }
}

/// A failure inside the store before it is tied to the database's path: either redb's
/// (classified with [`classify`] at the public boundary) or one of ours.
#[derive(Debug)]
pub(crate) enum Failure {
    /// redb failed.
    Redb(redb::Error),
    /// Our decoding or checks failed.
    Store(StoreError),
}

impl Failure {
    /// The public error, naming the database and what the store was doing.
    pub(crate) fn at(self, path: &std::path::Path, operation: &'static str) -> StoreError {
        match self {
            Failure::Redb(error) => classify(path, operation, error),
            Failure::Store(error) => error,
        }
    }
}

impl<E: Into<redb::Error>> From<E> for Failure {
    fn from(error: E) -> Failure {
        Failure::Redb(error.into())
    }
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Failure {
        Failure::Store(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redb_errors_are_classified_for_the_operator() {
        let path = std::path::Path::new("/data/store.redb");
        let locked = classify(path, "open", redb::DatabaseError::DatabaseAlreadyOpen);
        assert!(matches!(locked, StoreError::Locked { .. }), "{locked}");
        assert!(locked.is_retryable());
        let not_db = std::io::Error::new(std::io::ErrorKind::InvalidData, "magic number mismatch");
        let corrupt = classify(path, "open", redb::Error::Io(not_db));
        assert!(
            corrupt.is_corruption() && !corrupt.is_retryable(),
            "{corrupt}"
        );
        let full = std::io::Error::new(std::io::ErrorKind::StorageFull, "disk full");
        let io = classify(path, "commit", redb::Error::Io(full));
        assert!(
            matches!(io, StoreError::Io { .. }) && !io.is_retryable(),
            "{io}"
        );
        assert_eq!(io.to_string(), "store /data/store.redb: commit: disk full");
    }
}
