//! What a database holds, in one snapshot: for `inspect` and status pages.

use crate::anchors::{Anchors, NetworkIdentity};
use crate::error::StoreError;
use crate::read::StoreStats;
use crate::reader::StoreReader;
use crate::schema;

/// What a database holds, read from one snapshot ([`StoreReader::summary`]).
///
/// Plain data without serde: a tool converts it to its own output format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreSummary {
    /// The network the database belongs to; `None` if it records none.
    pub network: Option<NetworkIdentity>,
    /// The anchors; `None` before the trusted anchor is stored.
    pub anchors: Option<Anchors>,
    /// How many records each table holds.
    pub stats: StoreStats,
}

impl StoreSummary {
    /// The empty slots of the stored chain: the slots from the backfill mark to the head
    /// (both inclusive) that hold no block. Zero before the trusted anchor is stored.
    pub fn empty_slots(&self) -> u64 {
        let Some(anchors) = self.anchors else {
            return 0;
        };
        let span = anchors
            .head
            .slot
            .saturating_sub(anchors.backfill.slot)
            .saturating_add(1);
        span.saturating_sub(self.stats.canonical_slots)
    }
}

impl StoreReader {
    /// The network, the anchors and the record counts, from one snapshot (they agree
    /// with each other even while a writer commits).
    ///
    /// # Errors
    /// Database failures and corrupt records.
    pub fn summary(&self) -> Result<StoreSummary, StoreError> {
        self.read("summary", |s| {
            Ok(StoreSummary {
                network: schema::read_network(&s.meta)?,
                anchors: schema::read_anchors(&s.meta)?,
                stats: s.stats()?,
            })
        })
    }
}
