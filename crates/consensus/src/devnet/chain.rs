//! The built devnet: its configuration, genesis, signed blocks and keys, with blob
//! sidecars and data columns made on demand from the shared blob data.

use std::fmt;
use std::ops::Range;

use ssz_types::{FixedVector, VariableList};

use super::blobs::{BlobStore, CellsAndProofs};
use super::genesis::Genesis;
use super::{DevnetError, DevnetParams};
use crate::block::Block;
use crate::bls::PublicKey;
use crate::column::Column;
use crate::config::ChainConfig;
use crate::containers::{BlobSidecar, DataColumnSidecar, NUMBER_OF_COLUMNS};
use crate::fork::Fork;
use crate::keys::InteropKeys;
use crate::merkle::{commitment_inclusion_proof, commitments_inclusion_proof};
use crate::sidecar::Sidecar;
use crate::verify::{Anchor, BlockAndSidecars, Proposers};

/// A generated chain: genesis state and block, the blocks in slot order, the validators'
/// keys, and the blob data behind the blocks' commitments.
///
/// Sidecars and columns are built on demand (see the module docs of [`super`]).
pub struct Devnet {
    config: ChainConfig,
    genesis_state_ssz: Vec<u8>,
    genesis_block: Block,
    blocks: Vec<Block>,
    /// Per block, the positions of its blobs in `store`, in blob index order.
    block_blobs: Vec<Vec<usize>>,
    store: BlobStore,
    keys: InteropKeys,
}

impl fmt::Debug for Devnet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Devnet")
            .field("fork", &self.fork())
            .field("genesis_root", &self.genesis_block.root())
            .field("blocks", &self.blocks.len())
            .field("head", &self.head().root())
            .field("blobs", &self.total_blobs())
            .field("distinct_blobs", &self.store.len())
            .field("validators", &self.keys.len())
            .finish()
    }
}

impl Devnet {
    /// Builds the devnet of `params` on its own genesis ([`super::DevnetBuilder::new`]).
    /// Signs and proves every block: seconds of CPU, blocking (use `spawn_blocking` from
    /// async code).
    ///
    /// # Errors
    /// As [`super::DevnetBuilder::build`].
    pub fn generate(params: DevnetParams) -> Result<Devnet, DevnetError> {
        super::DevnetBuilder::new(params).build()
    }

    pub(super) fn new(
        genesis: Genesis,
        blocks: Vec<Block>,
        block_blobs: Vec<Vec<usize>>,
        store: BlobStore,
    ) -> Devnet {
        Devnet {
            config: genesis.config,
            genesis_state_ssz: genesis.state_ssz,
            genesis_block: genesis.block,
            blocks,
            block_blobs,
            store,
            keys: genesis.keys,
        }
    }

    /// The chain's configuration (genesis time and validators root set).
    pub fn config(&self) -> &ChainConfig {
        &self.config
    }

    /// The fork of genesis (and of every block of a chain without later forks).
    pub fn fork(&self) -> Fork {
        self.genesis_block.signed().fork()
    }

    /// Whether the block at `index` is of a fork whose blob data travels as data columns
    /// (Fulu on). False when there is no such block.
    fn has_columns(&self, index: usize) -> bool {
        self.blocks
            .get(index)
            .is_some_and(|block| block.signed().fork().has_data_columns())
    }

    /// The SSZ bytes of the genesis `BeaconState`.
    pub fn genesis_state_ssz(&self) -> &[u8] {
        &self.genesis_state_ssz
    }

    /// The genesis block (empty body, unsigned).
    pub fn genesis_block(&self) -> &Block {
        &self.genesis_block
    }

    /// The blocks after genesis, in slot order.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// The newest block (the genesis block when no slot has one).
    pub fn head(&self) -> &Block {
        self.blocks.last().unwrap_or(&self.genesis_block)
    }

    /// The validators' interop keys (secret and public).
    pub fn keys(&self) -> &InteropKeys {
        &self.keys
    }

    /// The validators' public keys, by index.
    pub fn public_keys(&self) -> &[PublicKey] {
        self.keys.public_keys()
    }

    /// The proposers' keys for a [`crate::ChainVerifier`].
    pub fn proposers(&self) -> Proposers {
        Proposers::from_keys(self.keys.public_keys())
    }

    /// The anchor of a forward sync from genesis: the genesis block.
    pub fn genesis_anchor(&self) -> Anchor {
        Anchor::at(&self.genesis_block)
    }

    /// The anchor of a backward sync (backfill) from the head: the head itself is the next
    /// block expected.
    pub fn head_anchor(&self) -> Anchor {
        Anchor::above(self.head())
    }

    /// The position in [`Devnet::blocks`] of the block at `slot`, if the slot has one.
    pub fn index_of_slot(&self, slot: u64) -> Option<usize> {
        self.blocks
            .binary_search_by_key(&slot, |block| block.signed().slot())
            .ok()
    }

    /// The number of blobs of the block at `index` (0 when there is no such block).
    pub fn blob_count(&self, index: usize) -> usize {
        self.block_blobs.get(index).map_or(0, Vec::len)
    }

    /// The number of blobs of all blocks together.
    pub fn total_blobs(&self) -> usize {
        self.block_blobs.iter().map(Vec::len).sum()
    }

    /// The blob sidecars of the block at `index`, built now (each holds a copy of its
    /// blob). `None` when there is no such block or the fork serves data columns instead
    /// (Fulu); empty for a block without blobs.
    ///
    /// # Panics
    /// Never: the blob positions, proofs and inclusion proofs were made with the block.
    pub fn sidecars_for(&self, index: usize) -> Option<Vec<Sidecar>> {
        if self.has_columns(index) {
            return None;
        }
        let block = self.blocks.get(index)?;
        let positions = self.block_blobs.get(index)?;
        let header = block.signed_header();
        let sidecars = positions
            .iter()
            .enumerate()
            .map(|(blob_index, position)| {
                let prepared = self
                    .store
                    .get(*position)
                    .expect("invariant: blob positions are in the store");
                let proof = commitment_inclusion_proof(block.signed(), blob_index)
                    .expect("invariant: the block has a commitment at every blob index");
                Sidecar::new(BlobSidecar {
                    index: blob_index as u64,
                    blob: prepared.blob.clone(),
                    kzg_commitment: prepared.commitment,
                    kzg_proof: prepared
                        .proof
                        .expect("invariant: blobs of blob-sidecar forks have proofs"),
                    signed_block_header: header,
                    kzg_commitment_inclusion_proof: FixedVector::new(proof)
                        .expect("invariant: the inclusion proof has depth 17"),
                })
            })
            .collect();
        Some(sidecars)
    }

    /// The block at `index` with its blob data as the sync of a supernode hands it to the
    /// verifier: its blob sidecars before Fulu, all [`NUMBER_OF_COLUMNS`] data columns
    /// from Fulu on (`None` if computing their cells failed, which is not expected).
    pub fn block_and_sidecars(&self, index: usize) -> Option<BlockAndSidecars> {
        let block = self.blocks.get(index)?.clone();
        let columns = if self.has_columns(index) {
            let columns = self.data_columns(index).ok();
            columns.map(|all| all.into_iter().map(Column::new).collect())
        } else {
            None
        };
        Some(BlockAndSidecars {
            block,
            sidecars: self.sidecars_for(index),
            columns,
        })
    }

    /// The blocks at slots in `slots`, in slot order, with their sidecars.
    pub fn segment(&self, slots: Range<u64>) -> Vec<BlockAndSidecars> {
        let start = self
            .blocks
            .partition_point(|b| b.signed().slot() < slots.start);
        let end = self
            .blocks
            .partition_point(|b| b.signed().slot() < slots.end);
        (start..end.max(start))
            .filter_map(|index| self.block_and_sidecars(index))
            .collect()
    }

    /// All [`NUMBER_OF_COLUMNS`] data columns of the block at `index` (Fulu); empty for a
    /// block without blobs.
    ///
    /// # Errors
    /// As [`Devnet::data_columns_at`].
    pub fn data_columns(&self, index: usize) -> Result<Vec<DataColumnSidecar>, DevnetError> {
        let all: Vec<u64> = (0..NUMBER_OF_COLUMNS).collect();
        self.data_columns_at(index, &all)
    }

    /// The data columns `columns` of the block at `index` (Fulu), in the order given; empty
    /// for a block without blobs. The blobs' cells are computed on first use (about 0.5 s
    /// per distinct blob) and kept.
    ///
    /// # Errors
    /// [`DevnetError::NoDataColumns`] for a block before Fulu, [`DevnetError::UnknownBlock`],
    /// [`DevnetError::UnknownColumn`] for an index of 128 or more, [`DevnetError::Kzg`] if
    /// computing cells fails (not expected).
    ///
    /// # Panics
    /// Never: every blob has 128 cells and proofs, and a Fulu block has an inclusion proof.
    pub fn data_columns_at(
        &self,
        index: usize,
        columns: &[u64],
    ) -> Result<Vec<DataColumnSidecar>, DevnetError> {
        let unknown = || DevnetError::UnknownBlock {
            index,
            blocks: self.blocks.len(),
        };
        let block = self.blocks.get(index).ok_or_else(unknown)?;
        let fork = block.signed().fork();
        if !fork.has_data_columns() {
            return Err(DevnetError::NoDataColumns { fork });
        }
        let positions = self.block_blobs.get(index).ok_or_else(unknown)?;
        if let Some(bad) = columns.iter().find(|c| **c >= NUMBER_OF_COLUMNS) {
            return Err(DevnetError::UnknownColumn {
                index: *bad,
                columns: NUMBER_OF_COLUMNS,
            });
        }
        if positions.is_empty() {
            return Ok(Vec::new());
        }
        let cells: Vec<&CellsAndProofs> = positions
            .iter()
            .map(|position| {
                self.store
                    .cells(*position)?
                    .ok_or(DevnetError::UnknownBlock {
                        index,
                        blocks: self.blocks.len(),
                    })
            })
            .collect::<Result<_, _>>()?;
        let header = block.signed_header();
        let commitments = VariableList::new(block.signed().blob_kzg_commitments().to_vec())
            .expect("invariant: a block's commitments fit the column's list");
        let proof = FixedVector::new(
            commitments_inclusion_proof(block.signed())
                .expect("invariant: Fulu blocks have a commitments inclusion proof"),
        )
        .expect("invariant: the commitments inclusion proof has depth 4");
        let columns = columns.iter().map(|column| {
            let at = usize::try_from(*column).expect("invariant: column indices are below 128");
            let pick = |(cells, proofs): &&CellsAndProofs| {
                let cell = *cells
                    .get(at)
                    .expect("invariant: an extended blob has 128 cells");
                let proof = *proofs.get(at).expect("invariant: and 128 cell proofs");
                (cell, proof)
            };
            let (cells, proofs): (Vec<_>, Vec<_>) = cells.iter().map(pick).unzip();
            DataColumnSidecar {
                index: *column,
                column: VariableList::new(cells).expect("invariant: one cell per commitment"),
                kzg_commitments: commitments.clone(),
                kzg_proofs: VariableList::new(proofs).expect("invariant: one proof per cell"),
                signed_block_header: header,
                kzg_commitments_inclusion_proof: proof.clone(),
            }
        });
        Ok(columns.collect())
    }

    /// Computes the cells of every distinct blob now, on all cores, so that
    /// [`Devnet::data_columns`] does not pay for them later.
    ///
    /// # Errors
    /// [`DevnetError::NoDataColumns`] when no block is of Fulu or later;
    /// [`DevnetError::Kzg`] if computing cells fails (not expected).
    pub fn precompute_cells(&self) -> Result<(), DevnetError> {
        if !(0..self.blocks.len()).any(|index| self.has_columns(index)) {
            return Err(DevnetError::NoDataColumns {
                fork: self.head().signed().fork(),
            });
        }
        let all: Vec<usize> = (0..self.store.len()).collect();
        self.store.precompute_cells(&all)
    }
}
