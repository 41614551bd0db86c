//! The pyspec reference chains (`../shared/vectors/pyspec`) and store helpers for tests.
#![allow(dead_code, unreachable_pub)]
#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failure is a test failure"
)]

pub mod laws;

use std::path::{Path, PathBuf};

use consensus::config::ChainConfig;
use consensus::primitives::Hash256;
use consensus::verify::{Anchor, BlockAndSidecars};
use consensus::{Block, Column, Fork, Sidecar};
use store::{Store, StoreError};
use sync_types::BlockData;

/// The pyspec vectors folder of chain `name` (`deneb`, `electra`, `fulu`).
pub fn pyspec_dir(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/vectors/pyspec"
    ))
    .join(name)
}

#[track_caller]
fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// A pyspec chain: its config, genesis block and its 16 blocks with their blob sidecars
/// (Deneb, Electra) or the data columns the vectors hold (Fulu).
pub struct Chain {
    /// The fork of every block.
    pub fork: Fork,
    /// `ChainConfig::devnet` with the chain's genesis identity.
    pub config: ChainConfig,
    /// The genesis block (slot 0).
    pub genesis: Block,
    /// The blocks in slot order (slots 1..=20 without 3, 7, 8, 15), with sidecars or
    /// columns.
    pub blocks: Vec<BlockAndSidecars>,
}

impl Chain {
    /// Loads chain `name`. Fulu blocks carry the columns `expected.json` lists for them
    /// (0, 35, 60, 65, 94 and 127 for a block with blobs, all 128 at slot 5, none for a
    /// block without) and no blob sidecars.
    pub fn load(name: &str, fork: Fork) -> Chain {
        let dir = pyspec_dir(name);
        let config: serde_json::Value =
            serde_json::from_slice(&read(&dir.join("config.json"))).expect("config.json");
        let expected: serde_json::Value =
            serde_json::from_slice(&read(&dir.join("expected.json"))).expect("expected.json");
        let gvr: Hash256 = config["genesis_validators_root"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let genesis_time = config["genesis_time"].as_u64().unwrap();
        let chain = ChainConfig::devnet(fork, genesis_time, gvr);
        let genesis = Block::from_ssz_bytes(&read(&dir.join("genesis_block.ssz")), fork).unwrap();
        let mut blocks = Vec::new();
        for slot in 1..=20 {
            let path = dir.join(format!("blocks/{slot}.ssz"));
            if !path.exists() {
                continue;
            }
            let block = Block::from_ssz_bytes(&read(&path), fork).expect("block decodes");
            if fork.has_data_columns() {
                let columns = expected_columns(&expected, slot)
                    .iter()
                    .map(|file| Column::from_ssz_bytes(&read(&dir.join(file))).unwrap())
                    .collect();
                blocks.push(BlockData {
                    block,
                    sidecars: None,
                    columns: Some(columns),
                });
                continue;
            }
            let sidecars = (0..block.signed().blob_kzg_commitments().len())
                .map(|i| {
                    let path = dir.join(format!("sidecars/{slot}_{i}.ssz"));
                    Sidecar::from_ssz_bytes(&read(&path)).expect("sidecar decodes")
                })
                .collect();
            blocks.push(BlockData {
                block,
                sidecars: Some(sidecars),
                columns: None,
            });
        }
        assert_eq!(blocks.len(), 16, "the pyspec chains have 16 blocks");
        Chain {
            fork,
            config: chain,
            genesis,
            blocks,
        }
    }

    /// The electra chain.
    pub fn electra() -> Chain {
        Chain::load("electra", Fork::Electra)
    }

    /// The fulu chain, with data columns.
    pub fn fulu() -> Chain {
        Chain::load("fulu", Fork::Fulu)
    }

    /// The block at `slot`.
    #[track_caller]
    pub fn at(&self, slot: u64) -> &BlockAndSidecars {
        self.blocks
            .iter()
            .find(|b| b.block.signed().slot() == slot)
            .expect("a block at slot")
    }

    /// The head block (slot 20).
    pub fn head(&self) -> &BlockAndSidecars {
        self.blocks.last().unwrap()
    }

    /// The blocks with slots in `slots`, ascending.
    pub fn in_slots(&self, slots: std::ops::Range<u64>) -> Vec<BlockAndSidecars> {
        self.blocks
            .iter()
            .filter(|b| slots.contains(&b.block.signed().slot()))
            .cloned()
            .collect()
    }
}

/// The forward anchor after `segment` (ascending).
pub fn head_after(segment: &[BlockAndSidecars]) -> Anchor {
    let last = &segment.last().unwrap().block;
    Anchor::Head {
        root: last.root(),
        slot: last.signed().slot(),
    }
}

/// The backward anchor after `segment` (descending).
pub fn parent_after(segment: &[BlockAndSidecars]) -> Anchor {
    let last = &segment.last().unwrap().block;
    Anchor::Parent {
        root: last.signed().parent_root(),
        child_slot: last.signed().slot(),
    }
}

/// A fresh store in a new temporary folder (kept alive by the returned guard).
pub fn fresh_store(config: &ChainConfig) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("chain.redb"), config).unwrap();
    (dir, store)
}

/// A fresh store holding the whole chain from genesis.
pub fn synced_store(chain: &Chain) -> (tempfile::TempDir, Store) {
    let (dir, store) = fresh_store(&chain.config);
    store.init_anchor(&chain.genesis, &[]).unwrap();
    store
        .commit_segment(&chain.blocks, head_after(&chain.blocks))
        .unwrap();
    (dir, store)
}

/// Writes a database at `path` holding the genesis block and the chain's first `blocks`
/// blocks, and closes it.
pub fn populated(path: &Path, chain: &Chain, blocks: usize) {
    let store = Store::open(path, &chain.config).unwrap();
    store.init_anchor(&chain.genesis, &[]).unwrap();
    let segment = &chain.blocks[..blocks];
    store.commit_segment(segment, head_after(segment)).unwrap();
}

/// The test hook for schema changes: rewrites the schema version of the closed database
/// at `path` through redb itself, as a future build would.
pub fn set_schema_version(path: &Path, version: u32) {
    let db = redb::Database::open(path).unwrap();
    let txn = db.begin_write().unwrap();
    txn.open_table(store::schema::META)
        .unwrap()
        .insert(
            store::schema::SCHEMA_VERSION_KEY,
            version.to_le_bytes().as_slice(),
        )
        .unwrap();
    txn.commit().unwrap();
}

/// The error's message, checked to be one line.
#[track_caller]
pub fn one_line(error: &StoreError) -> String {
    let text = error.to_string();
    assert!(!text.contains('\n'), "one line: {text}");
    text
}

/// A deterministic stream of bytes that looks random.
pub fn noise(len: usize, mut state: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect()
}

/// The SSZ bytes of the blocks, sidecars and columns of `segment`.
pub fn segment_bytes(segment: &[BlockAndSidecars]) -> usize {
    segment
        .iter()
        .map(|data| {
            let sidecars: usize = data
                .sidecars
                .iter()
                .flatten()
                .map(|s| s.as_ssz_bytes().len())
                .sum();
            let columns: usize = data
                .columns
                .iter()
                .flatten()
                .map(|c| c.as_ssz_bytes().len())
                .sum();
            data.block.signed().ssz_len() + sidecars + columns
        })
        .sum()
}

/// The column files (relative to the chain's folder) `expected.json` lists for `slot`,
/// in column index order.
#[track_caller]
fn expected_columns(expected: &serde_json::Value, slot: u64) -> Vec<String> {
    let entry = expected["slots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["slot"].as_u64() == Some(slot))
        .unwrap_or_else(|| panic!("expected.json lists slot {slot}"));
    // A block without blobs has no `columns` entry.
    let Some(columns) = entry["columns"].as_array() else {
        return Vec::new();
    };
    let indices: Vec<u64> = columns
        .iter()
        .map(|c| c["index"].as_u64().unwrap())
        .collect();
    assert!(indices.is_sorted(), "slot {slot}: columns in index order");
    columns
        .iter()
        .map(|c| c["file"].as_str().unwrap().to_owned())
        .collect()
}

/// `template` (a Fulu block) moved to `slot` under `parent_root`, carrying the columns
/// `indices`, each made from `donor` re-headed, re-indexed and grown or cut to `blobs`
/// cells: columns of realistic sizes (45 KiB at 21 blobs), without valid proofs.
pub fn synthetic_fulu(
    template: &Block,
    donor: &Column,
    slot: u64,
    parent_root: Hash256,
    (blobs, indices): (usize, &[u64]),
) -> BlockAndSidecars {
    let consensus::SignedBeaconBlock::Fulu(mut inner) = template.signed().clone() else {
        panic!("a fulu template")
    };
    inner.message.slot = slot;
    inner.message.parent_root = parent_root;
    let block = Block::new(consensus::SignedBeaconBlock::Fulu(inner));
    let source = donor.sidecar();
    assert!(!source.column.is_empty(), "a donor with cells");
    let columns = indices
        .iter()
        .map(|index| {
            let mut moved = source.clone();
            moved.index = *index;
            moved.signed_block_header = block.signed_header();
            moved.column = Default::default();
            moved.kzg_commitments = Default::default();
            moved.kzg_proofs = Default::default();
            for n in 0..blobs {
                let at = n % source.column.len();
                moved.column.push(source.column[at]).unwrap();
                moved
                    .kzg_commitments
                    .push(source.kzg_commitments[at])
                    .unwrap();
                moved.kzg_proofs.push(source.kzg_proofs[at]).unwrap();
            }
            Column::new(moved)
        })
        .collect();
    BlockData {
        block,
        sidecars: None,
        columns: Some(columns),
    }
}

/// The segment's blocks, descending (backfill's processing order).
pub fn descending(blocks: &[BlockAndSidecars]) -> Vec<BlockAndSidecars> {
    blocks.iter().rev().cloned().collect()
}

/// `template` moved to `slot` under `parent_root`, carrying `blobs` sidecars made from its
/// own (or the chain's first) sidecars, re-headed and re-indexed: realistic sizes for
/// benchmarks, without valid signatures.
pub fn synthetic(
    template: &BlockAndSidecars,
    donor: &[Sidecar],
    slot: u64,
    parent_root: Hash256,
    blobs: u64,
) -> BlockAndSidecars {
    let consensus::SignedBeaconBlock::Electra(mut inner) = template.block.signed().clone() else {
        panic!("an electra template")
    };
    inner.message.slot = slot;
    inner.message.parent_root = parent_root;
    let block = Block::new(consensus::SignedBeaconBlock::Electra(inner));
    let sidecars = (0..blobs)
        .map(|index| {
            let source = donor[usize::try_from(index).unwrap() % donor.len()].sidecar();
            let mut moved = source.clone();
            moved.index = index;
            moved.signed_block_header = block.signed_header();
            Sidecar::new(moved)
        })
        .collect();
    BlockData {
        block,
        sidecars: Some(sidecars),
        columns: None,
    }
}

/// `count` synthetic blocks with `blobs` sidecars each, extending `parent` (root, slot)
/// one slot at a time.
pub fn synthetic_segment(
    chain: &Chain,
    parent: (Hash256, u64),
    count: u64,
    blobs: u64,
) -> Vec<BlockAndSidecars> {
    let donor: Vec<Sidecar> = chain
        .blocks
        .iter()
        .flat_map(|b| b.sidecars.clone().unwrap())
        .collect();
    let (mut root, mut slot) = parent;
    let mut out = Vec::new();
    for n in 0..count {
        slot += 1;
        let template = &chain.blocks[usize::try_from(n).unwrap() % chain.blocks.len()];
        let data = synthetic(template, &donor, slot, root, blobs);
        root = data.block.root();
        out.push(data);
    }
    out
}
