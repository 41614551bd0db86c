//! What a devnet run did, for the summary the CLI prints.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use store::{Anchors, StoreStats};

use super::{DevnetError, ServingPeers, SourceChain};
use crate::BeaconNode;

/// The generated chain.
#[derive(Clone, Debug)]
pub struct SourceReport {
    /// Where it lies.
    pub dir: PathBuf,
    /// Its head slot and root.
    pub head: store::BlockId,
    /// Blocks, genesis included.
    pub blocks: u64,
    /// Blob sidecars.
    pub sidecars: u64,
    /// Data column sidecars.
    pub columns: u64,
    /// Whether it was generated in this run (false: reused).
    pub generated: bool,
    /// Time spent generating and storing it.
    pub build_time: Duration,
}

impl SourceReport {
    pub(super) fn of(source: &SourceChain) -> SourceReport {
        let stats = source.store.stats().unwrap_or_default();
        SourceReport {
            dir: source.dir.clone(),
            head: source.anchors.head,
            blocks: stats.blocks,
            sidecars: stats.blob_sidecars,
            columns: stats.data_columns,
            generated: source.generated,
            build_time: source.build_time,
        }
    }
}

/// A peer's final standing with a syncing node.
#[derive(Clone, Debug)]
pub struct PeerReport {
    /// Its peer id.
    pub peer: String,
    /// Whether it was one of the adversaries.
    pub adversary: bool,
    /// Its score at the end.
    pub score: i64,
    /// Whether it was still connected at the end.
    pub connected: bool,
    /// How many times it was dropped for a score below zero.
    pub faults: u32,
    /// The custody group count it advertised (128: a supernode).
    pub custody_groups: Option<u64>,
}

/// Whether a node holds exactly its sampled columns of every source block with blobs.
#[derive(Clone, Copy, Debug, Default)]
pub struct ColumnCheck {
    /// How many columns the node samples.
    pub sampled: u64,
    /// Source blocks with data columns (Fulu blocks with blobs) in the node's range.
    pub blocks: u64,
    /// Of those, how many the node holds with other columns than its sampled ones.
    pub wrong: u64,
    /// The slot of the first such block.
    pub first_wrong: Option<u64>,
}

impl ColumnCheck {
    /// Compares the node's store with the source's from slot `from` to `to`.
    fn of(
        node: &BeaconNode,
        source: &SourceChain,
        from: u64,
        to: u64,
    ) -> Result<Self, DevnetError> {
        let sampled = node.sampled_columns();
        let mut check = ColumnCheck {
            sampled: sampled.len(),
            ..ColumnCheck::default()
        };
        for slot in from..=to {
            let Some(root) = source.store.block_root_at(slot)? else {
                continue;
            };
            if source.store.column_indices(root)?.is_empty() {
                continue;
            }
            check.blocks += 1;
            if node.store().column_indices(root)? != sampled {
                check.wrong += 1;
                check.first_wrong = check.first_wrong.or(Some(slot));
            }
        }
        Ok(check)
    }
}

/// One node's sync.
#[derive(Clone, Debug)]
pub struct SyncReport {
    /// Which sync.
    pub what: &'static str,
    /// Its data directory.
    pub data_dir: PathBuf,
    /// The anchors at the start and at the end.
    pub anchors: (Anchors, Anchors),
    /// Blocks imported (each one's proposer signature verified, but for a genesis block,
    /// trusted by its root).
    pub blocks: u64,
    /// Proposer signatures verified.
    pub signatures: u64,
    /// Blob sidecars imported (each one's KZG proof verified).
    pub sidecars: u64,
    /// Data column sidecars imported (each one's cell proofs verified).
    pub columns: u64,
    /// The node's sampled columns, and how many blocks of the source (in the node's range,
    /// the checkpoint included) have columns: the node must hold exactly those columns of
    /// each of them.
    pub column_check: ColumnCheck,
    /// Time to reach the head.
    pub forward_time: Duration,
    /// Time from then until backfill finished.
    pub backfill_time: Duration,
    /// Every serving peer's final score.
    pub peers: Vec<PeerReport>,
}

impl SyncReport {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn collect(
        what: &'static str,
        node: &BeaconNode,
        source: &SourceChain,
        servers: &ServingPeers,
        before: &StoreStats,
        anchors_before: &Anchors,
        forward_time: Duration,
        total: Duration,
        data_dir: PathBuf,
    ) -> Result<SyncReport, DevnetError> {
        let after = node.store().stats()?;
        let anchors = node.chain().anchors();
        let blocks = after.blocks.saturating_sub(before.blocks);
        let reached_genesis = anchors_before.backfill.slot > 0 && anchors.backfill.slot == 0;
        let peers = node
            .peer_book()
            .snapshot()
            .into_iter()
            .filter(|(id, _)| servers.contains(id))
            .map(|(id, record)| PeerReport {
                peer: id.to_string(),
                adversary: servers.is_adversary(&id),
                score: record.score(),
                connected: record.connected,
                faults: record.faults,
                custody_groups: servers.custody_groups(&id),
            })
            .collect();
        let column_check = ColumnCheck::of(node, source, anchors.backfill.slot, anchors.head.slot)?;
        Ok(SyncReport {
            what,
            column_check,
            data_dir,
            anchors: (*anchors_before, anchors),
            blocks,
            signatures: blocks.saturating_sub(u64::from(reached_genesis)),
            sidecars: after.blob_sidecars.saturating_sub(before.blob_sidecars),
            columns: after.data_columns.saturating_sub(before.data_columns),
            forward_time,
            backfill_time: total.saturating_sub(forward_time),
            peers,
        })
    }

    /// Slots covered forward (head gained).
    pub fn forward_slots(&self) -> u64 {
        self.anchors
            .1
            .head
            .slot
            .saturating_sub(self.anchors.0.head.slot)
    }

    /// Slots covered by backfill (backfill mark lowered).
    pub fn backfill_slots(&self) -> u64 {
        self.anchors
            .0
            .backfill
            .slot
            .saturating_sub(self.anchors.1.backfill.slot)
    }

    /// Whether every adversary was dropped below zero and no honest peer ever was.
    pub fn blame_is_right(&self) -> bool {
        self.peers
            .iter()
            .all(|p| (p.score < 0 || p.faults > 0) == p.adversary)
    }
}

fn per_second(slots: u64, time: Duration) -> f64 {
    let secs = time.as_secs_f64();
    if secs > 0.0 {
        #[allow(clippy::cast_precision_loss)]
        let slots = slots as f64;
        slots / secs
    } else {
        0.0
    }
}

/// The whole run.
#[derive(Clone, Debug)]
pub struct DevnetReport {
    /// The generated chain.
    pub source: SourceReport,
    /// The node synced from genesis.
    pub from_genesis: SyncReport,
    /// The node synced from a checkpoint, then backfilled.
    pub from_checkpoint: SyncReport,
    /// Wall time of the whole run.
    pub total_time: Duration,
}

impl DevnetReport {
    /// Whether both nodes hold the source chain's head and every peer was judged right.
    pub fn is_success(&self) -> bool {
        [&self.from_genesis, &self.from_checkpoint].iter().all(|r| {
            r.anchors.1.head == self.source.head
                && r.anchors.1.backfill.slot == 0
                && r.column_check.wrong == 0
                && r.blame_is_right()
        })
    }
}

impl fmt::Display for SyncReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (start, end) = self.anchors;
        writeln!(f, "{}  ({})", self.what, self.data_dir.display())?;
        writeln!(
            f,
            "  forward   slots {}..={}: {} slots in {:.1} s, {:.0} slots/s",
            start.head.slot,
            end.head.slot,
            self.forward_slots(),
            self.forward_time.as_secs_f64(),
            per_second(self.forward_slots(), self.forward_time)
        )?;
        if self.backfill_slots() > 0 {
            writeln!(
                f,
                "  backfill  slots {}..={}: {} slots in {:.1} s, {:.0} slots/s",
                end.backfill.slot,
                start.backfill.slot,
                self.backfill_slots(),
                self.backfill_time.as_secs_f64(),
                per_second(self.backfill_slots(), self.backfill_time)
            )?;
        }
        writeln!(
            f,
            "  verified  {} blocks, {} proposer signatures, {} blob sidecars (KZG proofs), {} data columns (cell proofs)",
            self.blocks, self.signatures, self.sidecars, self.columns
        )?;
        let c = &self.column_check;
        if c.blocks > 0 {
            writeln!(
                f,
                "  columns   {} sampled per Fulu block with blobs: {} of {} blocks hold exactly them{}",
                c.sampled,
                c.blocks - c.wrong,
                c.blocks,
                c.first_wrong
                    .map(|slot| format!(" (FAILED: first wrong at slot {slot})"))
                    .unwrap_or_default()
            )?;
        }
        writeln!(f, "  head      {}", end.head)?;
        for p in &self.peers {
            writeln!(
                f,
                "  peer      {} {:>6} {}, {}{}{}",
                p.peer,
                p.score,
                if p.adversary { "adversary" } else { "honest" },
                match p.custody_groups {
                    Some(128) => "supernode".to_owned(),
                    Some(groups) => format!("custody {groups}"),
                    None => "custody unknown".to_owned(),
                },
                if p.connected { "" } else { ", disconnected" },
                if p.faults > 0 {
                    ", dropped for faults and banned"
                } else {
                    ""
                }
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for DevnetReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.source;
        writeln!(
            f,
            "chain     {} blocks, {} blob sidecars, {} data columns, head {} ({}, {})",
            s.blocks,
            s.sidecars,
            s.columns,
            s.head,
            s.dir.display(),
            if s.generated {
                format!("generated in {:.1} s", s.build_time.as_secs_f64())
            } else {
                "reused".to_owned()
            }
        )?;
        write!(f, "{}", self.from_genesis)?;
        write!(f, "{}", self.from_checkpoint)?;
        writeln!(
            f,
            "result    {} in {:.1} s",
            if self.is_success() {
                if self.source.columns > 0 {
                    "every block, blob sidecar and sampled column verified; adversaries below zero"
                } else {
                    "every block and sidecar verified; adversaries below zero"
                }
            } else {
                "FAILED: see above"
            },
            self.total_time.as_secs_f64()
        )
    }
}
