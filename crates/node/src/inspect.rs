//! What a data directory holds, read without changing it (beside a running node, or
//! saying clearly why not).

use std::path::{Path, PathBuf};

use serde::Serialize;
use store::StoreError;

use crate::STORE_FILE;

/// A data directory's chain, as `beacon-sync inspect` shows it.
#[derive(Clone, Debug, Serialize)]
pub struct Inspection {
    /// The store file.
    pub path: PathBuf,
    /// The network's config name.
    pub network: Option<String>,
    /// Its genesis validators root.
    pub genesis_validators_root: Option<String>,
    /// Its genesis time (Unix seconds).
    pub genesis_time: Option<u64>,
    /// The trusted anchor (genesis or checkpoint) slot and root.
    pub trusted: Option<BlockRef>,
    /// The head slot and root.
    pub head: Option<BlockRef>,
    /// The lowest stored block's slot (the backfill mark).
    pub backfill_slot: Option<u64>,
    /// Whether backfill reached genesis.
    pub backfill_complete: bool,
    /// The earliest slot served to peers.
    pub earliest_available_slot: Option<u64>,
    /// Blocks stored.
    pub blocks: u64,
    /// Blob sidecars stored.
    pub blob_sidecars: u64,
    /// Slots between the backfill mark and the head without a block. The stored chain is
    /// one unbroken hash chain, so these are the chain's empty slots, not missing data.
    pub empty_slots: u64,
}

/// A block by slot and root.
#[derive(Clone, Debug, Serialize)]
pub struct BlockRef {
    /// The slot.
    pub slot: u64,
    /// The root, `0x` and hex.
    pub root: String,
}

impl From<store::BlockId> for BlockRef {
    fn from(id: store::BlockId) -> Self {
        BlockRef {
            slot: id.slot,
            root: id.root.to_string(),
        }
    }
}

/// Reads `dir` (a data directory, or a store file) read-only. Never creates anything.
///
/// # Errors
/// [`StoreError`]: no store there, a store in use by a running node, a damaged file.
pub fn inspect(dir: &Path) -> Result<Inspection, StoreError> {
    let path = if dir.is_dir() {
        dir.join(STORE_FILE)
    } else {
        dir.to_path_buf()
    };
    let reader = store::Store::open_read_only(&path)?;
    let summary = reader.summary()?;
    let anchors = summary.anchors;
    Ok(Inspection {
        path,
        network: summary.network.as_ref().map(|n| n.name.clone()),
        genesis_validators_root: summary
            .network
            .as_ref()
            .map(|n| n.genesis_validators_root.to_string()),
        genesis_time: summary.network.as_ref().map(|n| n.genesis_time),
        trusted: anchors.map(|a| a.trusted.into()),
        head: anchors.map(|a| a.head.into()),
        backfill_slot: anchors.map(|a| a.backfill.slot),
        backfill_complete: anchors.is_some_and(|a| a.is_backfill_complete()),
        earliest_available_slot: anchors.map(|a| a.earliest_available_slot),
        blocks: summary.stats.blocks,
        blob_sidecars: summary.stats.blob_sidecars,
        empty_slots: summary.empty_slots(),
    })
}

impl std::fmt::Display for Inspection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |b: &Option<BlockRef>| {
            b.as_ref().map_or("none".to_owned(), |b| {
                format!("slot {} root {}", b.slot, b.root)
            })
        };
        writeln!(f, "store           {}", self.path.display())?;
        writeln!(
            f,
            "network         {}",
            self.network.as_deref().unwrap_or("unknown")
        )?;
        writeln!(
            f,
            "genesis vroot   {}",
            self.genesis_validators_root.as_deref().unwrap_or("unknown")
        )?;
        writeln!(
            f,
            "genesis time    {}",
            self.genesis_time
                .map_or_else(|| "unknown".to_owned(), |t| t.to_string())
        )?;
        writeln!(f, "trusted anchor  {}", show(&self.trusted))?;
        writeln!(f, "head            {}", show(&self.head))?;
        writeln!(
            f,
            "backfill mark   {}{}",
            self.backfill_slot
                .map_or("none".to_owned(), |s| format!("slot {s}")),
            if self.backfill_complete {
                " (reached genesis)"
            } else {
                ""
            }
        )?;
        writeln!(
            f,
            "earliest served {}",
            self.earliest_available_slot
                .map_or("none".to_owned(), |s| format!("slot {s}"))
        )?;
        writeln!(f, "blocks          {}", self.blocks)?;
        writeln!(f, "blob sidecars   {}", self.blob_sidecars)?;
        writeln!(
            f,
            "empty slots     {} (no gaps: the stored blocks form one hash chain)",
            self.empty_slots
        )
    }
}
