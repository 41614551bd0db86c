//! The store's limits and tuning, each with a documented default.

/// Limits and tuning of a [`Store`](crate::Store).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreConfig {
    /// The most slots one range query covers (blocks, sidecars and columns by range): a
    /// longer range is cut to its first `max_slots_per_query` slots. Default 1024, the
    /// spec's `MAX_REQUEST_BLOCKS`.
    pub max_slots_per_query: u64,
    /// The most blob sidecars one range query returns (about 128 KiB each). The answer
    /// ends at a whole block: the sidecars of a block that would cross the limit are left
    /// for the next query. Default 1152, the spec's `MAX_REQUEST_BLOB_SIDECARS_ELECTRA`
    /// (about 150 MB).
    pub max_blob_sidecars_per_query: usize,
    /// The most data column sidecars one range query returns (356 + 2,144 bytes per blob
    /// each: 45 KiB at 21 blobs). The answer ends at a whole block, as for blob
    /// sidecars. Default 16384, the spec's `MAX_REQUEST_DATA_COLUMN_SIDECARS`
    /// (`MAX_REQUEST_BLOCKS_DENEB` × `NUMBER_OF_COLUMNS`); a server bounds the bytes of
    /// an answer with the read's byte budget.
    pub max_data_column_sidecars_per_query: usize,
    /// redb's page cache, in bytes. Default 256 MiB.
    pub cache_bytes: usize,
    /// Whether opening checks every page checksum of the database (redb's
    /// `check_integrity`). A file damaged since it was written then fails to open with
    /// [`StoreError::Corrupt`](crate::StoreError::Corrupt) instead of being trusted. The
    /// check reads the whole file once per open (see the crate README for figures).
    /// Default `true`.
    pub check_integrity_on_open: bool,
}

/// `MAX_REQUEST_BLOCKS` of the consensus spec.
pub const DEFAULT_MAX_SLOTS_PER_QUERY: u64 = 1024;
/// `MAX_REQUEST_BLOB_SIDECARS_ELECTRA` of the consensus spec.
pub const DEFAULT_MAX_BLOB_SIDECARS_PER_QUERY: usize = 1152;
/// `MAX_REQUEST_DATA_COLUMN_SIDECARS` of the consensus spec (Fulu):
/// `MAX_REQUEST_BLOCKS_DENEB` (128) × `NUMBER_OF_COLUMNS` (128).
pub const DEFAULT_MAX_DATA_COLUMN_SIDECARS_PER_QUERY: usize = 16_384;
/// The default page cache: 256 MiB.
pub const DEFAULT_CACHE_BYTES: usize = 256 << 20;

impl Default for StoreConfig {
    fn default() -> StoreConfig {
        StoreConfig {
            max_slots_per_query: DEFAULT_MAX_SLOTS_PER_QUERY,
            max_blob_sidecars_per_query: DEFAULT_MAX_BLOB_SIDECARS_PER_QUERY,
            max_data_column_sidecars_per_query: DEFAULT_MAX_DATA_COLUMN_SIDECARS_PER_QUERY,
            cache_bytes: DEFAULT_CACHE_BYTES,
            check_integrity_on_open: true,
        }
    }
}
