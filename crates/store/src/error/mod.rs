//! The store's one error type.
//!
//! Every failure the store can meet is a variant with the facts needed to act on it, and a
//! one-line message. Opening classifies redb's failures into what an operator can act on:
//! a database held by someone else ([`StoreError::Locked`]), a file that is not a database
//! or is damaged ([`StoreError::Corrupt`]), a database of another schema
//! ([`StoreError::SchemaMismatch`]) or of another network ([`StoreError::WrongNetwork`]).
//! A read-only open (for tools beside a node) adds three: no database at the path
//! ([`StoreError::Missing`]), a database a running node holds ([`StoreError::InUse`]) and
//! one its killed writer left to recover ([`StoreError::NeedsRecovery`]).
//! Commits refuse a segment that does not extend the stored chain
//! ([`StoreError::NotLinked`], [`StoreError::AnchorMismatch`]): that is a wiring fault of
//! ours, never something a peer did, and nothing is written.

use std::path::PathBuf;

use consensus::Fork;
use consensus::primitives::Hash256;
use consensus::verify::Anchor;

use crate::anchors::{BlockId, NetworkIdentity};

mod from_redb;

pub(crate) use from_redb::{Failure, classify, classify_read_only};

/// Why a block of a segment does not extend the stored chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinkBreak {
    /// Forward: the block's parent is not the block before it (or the stored head).
    #[error("its parent root is {got}, the chain's head is {expected}")]
    ParentRoot {
        /// The block's parent root.
        got: Hash256,
        /// The root of the block it must follow.
        expected: Hash256,
    },
    /// Backward: the block is not the parent the block above it names.
    #[error("its root is {got}, the block above names parent {expected}")]
    Root {
        /// The block's root.
        got: Hash256,
        /// The parent root the block above it names.
        expected: Hash256,
    },
    /// The slot does not move in the segment's direction.
    #[error("its slot does not move away from slot {previous}")]
    SlotOrder {
        /// The slot of the block before it (in processing order).
        previous: u64,
    },
}

/// A failure of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process (or another `Store` in this one) has the database open.
    #[error("store {path}: the database is locked, already open in this or another process")]
    Locked {
        /// The database file.
        path: PathBuf,
    },
    /// A read-only open found no database at the path (it never creates one).
    #[error(
        "store {path}: no database there (a read-only open never creates one); check the path or data directory"
    )]
    Missing {
        /// The database file.
        path: PathBuf,
    },
    /// A read-only open found the database held by a writer: a running node.
    #[error(
        "store {path}: the data directory is in use by a running node; query its HTTP API instead, or stop the node first"
    )]
    InUse {
        /// The database file.
        path: PathBuf,
    },
    /// A read-only open found a database that was not closed cleanly (its writer was
    /// killed); only a read-write open can recover it.
    #[error(
        "store {path}: not closed cleanly (was the node killed?); start the node on it once to recover it, then read it again"
    )]
    NeedsRecovery {
        /// The database file.
        path: PathBuf,
    },
    /// The file is not a redb database, or redb found it damaged.
    #[error("store {path}: not a beacon-sync database or corrupt: {detail}")]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What redb reported.
        detail: String,
    },
    /// The database was written with another schema version.
    #[error("store {path}: schema version {found}, this build reads version {expected}")]
    SchemaMismatch {
        /// The database file.
        path: PathBuf,
        /// The version stored in the database.
        found: u32,
        /// The version this build writes and reads.
        expected: u32,
    },
    /// The database holds another network's chain.
    #[error("store {path}: holds network {stored}, the node runs {expected}")]
    WrongNetwork {
        /// The database file.
        path: PathBuf,
        /// The network stored in the database.
        stored: Box<NetworkIdentity>,
        /// The configured network.
        expected: Box<NetworkIdentity>,
    },
    /// An I/O failure of the file system.
    #[error("store {path}: {operation}: {source}")]
    Io {
        /// The database file.
        path: PathBuf,
        /// What the store was doing.
        operation: &'static str,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Any other failure redb reported.
    #[error("store: {operation}: {source}")]
    Database {
        /// What the store was doing.
        operation: &'static str,
        /// redb's error.
        source: Box<redb::Error>,
    },
    /// A stored record cannot be read back (damage the page checksums did not catch, or a
    /// bug of ours).
    #[error("store: corrupt record {key} in table {table}: {detail}")]
    CorruptRecord {
        /// The table.
        table: &'static str,
        /// The record's key.
        key: String,
        /// What is wrong with it.
        detail: String,
    },
    /// A segment was committed before the trusted anchor was set.
    #[error("store: no trusted anchor yet; call init_anchor first")]
    NoAnchor,
    /// `init_anchor` was called with a block other than the stored trusted anchor.
    #[error("store: trusted anchor is already {stored}, refusing {given}")]
    AnchorAlreadySet {
        /// The stored trusted anchor.
        stored: BlockId,
        /// The block given.
        given: BlockId,
    },
    /// A block of the segment does not extend the stored chain; nothing was written.
    #[error("store: the block at slot {slot} does not extend the stored chain: {reason}")]
    NotLinked {
        /// The block's slot.
        slot: u64,
        /// How it fails to link.
        reason: LinkBreak,
    },
    /// The anchor given with a segment is not where its blocks end; nothing was written.
    #[error("store: the segment's anchor {given:?} is not where its blocks end ({expected:?})")]
    AnchorMismatch {
        /// The anchor given.
        given: Anchor,
        /// The anchor the blocks lead to.
        expected: Anchor,
    },
    /// A block's layout is not the fork the chain has at its slot.
    #[error("store: the block at slot {slot} is a {got} block, the chain is at {expected} there")]
    WrongFork {
        /// The block's slot.
        slot: u64,
        /// The block's fork.
        got: Fork,
        /// The fork scheduled at that slot.
        expected: Fork,
    },
    /// A block or sidecar is larger than a record can describe (4 GiB).
    #[error("store: a {what} of {len} bytes is too large to store")]
    RecordTooLarge {
        /// What it is.
        what: &'static str,
        /// Its SSZ length.
        len: usize,
    },
    /// A block's sidecars are not in strictly increasing index order.
    #[error("store: sidecar {index} of block {root} follows sidecar {previous}")]
    SidecarOrder {
        /// The block root.
        root: Hash256,
        /// The index out of order.
        index: u64,
        /// The index before it.
        previous: u64,
    },
    /// A sidecar handed over with a block belongs to another block.
    #[error("store: sidecar {index} given with block {expected} belongs to block {got}")]
    SidecarMismatch {
        /// The sidecar's index.
        index: u64,
        /// The root of the block it was given with.
        expected: Hash256,
        /// The block root its header names.
        got: Hash256,
    },
    /// A block's data columns are not in strictly increasing column index order.
    #[error("store: column {index} of block {root} follows column {previous}")]
    ColumnOrder {
        /// The block root.
        root: Hash256,
        /// The column index out of order.
        index: u64,
        /// The column index before it.
        previous: u64,
    },
    /// A data column handed over with a block belongs to another block.
    #[error("store: column {index} given with block {expected} belongs to block {got}")]
    ColumnMismatch {
        /// The column index.
        index: u64,
        /// The root of the block it was given with.
        expected: Hash256,
        /// The block root its header names.
        got: Hash256,
    },
    /// A data column's index is not below `NUMBER_OF_COLUMNS` (128).
    #[error("store: column {index} of block {root} is not below NUMBER_OF_COLUMNS")]
    ColumnIndex {
        /// The block root.
        root: Hash256,
        /// The column index.
        index: u64,
    },
}

impl StoreError {
    /// Whether trying the same operation again later may succeed without an operator:
    /// the database is held by another process that may exit, or the I/O failure is of a
    /// transient kind.
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Locked { .. } | StoreError::InUse { .. } => true,
            StoreError::Io { source, .. } => is_transient(source),
            StoreError::Database { source, .. } => match source.as_ref() {
                redb::Error::Io(source) => is_transient(source),
                redb::Error::WouldBlock => true,
                _ => false,
            },
            _ => false,
        }
    }

    /// Whether the data on disk is damaged or not ours (the operator must act).
    pub fn is_corruption(&self) -> bool {
        matches!(
            self,
            StoreError::Corrupt { .. } | StoreError::CorruptRecord { .. }
        )
    }
}

fn is_transient(error: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(
        error.kind(),
        ErrorKind::Interrupted | ErrorKind::WouldBlock | ErrorKind::TimedOut
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_line() {
        let identity = |name: &str, byte| {
            Box::new(NetworkIdentity {
                name: name.into(),
                genesis_validators_root: Hash256::repeat_byte(byte),
                genesis_time: 1_606_824_023,
            })
        };
        let error = StoreError::WrongNetwork {
            path: "/d/s.redb".into(),
            stored: identity("hoodi", 1),
            expected: identity("mainnet", 2),
        };
        let text = error.to_string();
        assert!(!text.contains('\n'), "{text}");
        assert!(text.contains("hoodi") && text.contains("mainnet"), "{text}");
    }
}
