//! Blob data: where it comes from, and each distinct blob's commitment, KZG proof and
//! (for Fulu) cells, each computed once.

use std::sync::OnceLock;

use alloy_primitives::U256;

use super::DevnetError;
use super::draw::seeded_hash;
use super::parallel::par_map;
use crate::bls::CURVE_ORDER;
use crate::kzg::{self, KzgError};
use crate::primitives::{BYTES_PER_BLOB, Blob, Cell, KzgCommitment, KzgProof};

/// Bytes of one field element.
const BYTES_PER_FIELD_ELEMENT: usize = 32;
/// `FIELD_ELEMENTS_PER_BLOB`.
const FIELD_ELEMENTS_PER_BLOB: u64 = 4096;

/// Where the devnet's blob data comes from.
///
/// Either way field element `j` of a blob is `int(sha256(prefix ‖ le64(j))) mod
/// BLS_MODULUS` (the hash read big-endian), written as 32 bytes big-endian, so every blob
/// is canonical.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum BlobSource {
    /// A pool of [`super::DevnetParams::blob_pool`] distinct blobs, reused across blocks;
    /// pool blob `k` has prefix `devnet seed ‖ "pool" ‖ le64(k)`. Cheap: the pool's KZG work
    /// is done once, whatever the chain's length.
    #[default]
    Pool,
    /// The rule of the pyspec vectors (`vectors/pyspec/README.md`, "Blob data"): blob `i`
    /// of slot `s` has prefix `seed ‖ "blob" ‖ le64(s) ‖ le64(i)`, with the vectors' seed
    /// (their `config.json` `generator.seed`, as UTF-8 bytes). Every blob is distinct and
    /// costs its own KZG work (about 0.2 s), so use it for short chains.
    PyspecRule {
        /// The seed bytes.
        seed: Vec<u8>,
    },
}

/// Names one distinct blob of a devnet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum BlobKey {
    /// Blob `k` of the pool.
    Pool(u64),
    /// Blob `index` of the block at `slot` ([`BlobSource::PyspecRule`]).
    Slot {
        /// The block's slot.
        slot: u64,
        /// The blob's index in the block.
        index: u64,
    },
}

/// The cells of an extended blob and their proofs (128 each); cell `c` goes to column `c`.
pub(super) type CellsAndProofs = (Vec<Cell>, Vec<KzgProof>);

/// A distinct blob with its commitment, and its blob proof where blob sidecars need one.
pub(super) struct PreparedBlob {
    /// The blob.
    pub(super) blob: Blob,
    /// `blob_to_kzg_commitment(blob)`.
    pub(super) commitment: KzgCommitment,
    /// `compute_blob_kzg_proof(blob, commitment)`; `None` for Fulu, whose blobs travel as
    /// cells.
    pub(super) proof: Option<KzgProof>,
}

/// The devnet's distinct blobs, indexed by the order they were first used in.
pub(super) struct BlobStore {
    blobs: Vec<PreparedBlob>,
    cells: Vec<OnceLock<CellsAndProofs>>,
}

impl BlobStore {
    /// Generates the blobs named by `keys` and computes their commitments (and proofs if
    /// `with_proofs`), on all cores.
    pub(super) fn prepare(
        keys: &[BlobKey],
        source: &BlobSource,
        devnet_seed: &[u8; 32],
        with_proofs: bool,
    ) -> Result<BlobStore, DevnetError> {
        if !keys.is_empty() {
            kzg::preload_trusted_setup();
        }
        let prepared = par_map(keys, |key| {
            let blob = match (key, source) {
                (BlobKey::Slot { slot, index }, BlobSource::PyspecRule { seed }) => {
                    blob_from_rule(seed, b"blob", &[*slot, *index])
                }
                // Not made by the builder: slot keys come with the pyspec rule only.
                (BlobKey::Slot { slot, index }, BlobSource::Pool) => {
                    blob_from_rule(devnet_seed, b"blob", &[*slot, *index])
                }
                (BlobKey::Pool(k), _) => blob_from_rule(devnet_seed, b"pool", &[*k]),
            };
            prepare_blob(blob, with_proofs)
        });
        let blobs = prepared.into_iter().collect::<Result<Vec<_>, _>>()?;
        let cells = blobs.iter().map(|_| OnceLock::new()).collect();
        Ok(BlobStore { blobs, cells })
    }

    /// The blob at `position`.
    pub(super) fn get(&self, position: usize) -> Option<&PreparedBlob> {
        self.blobs.get(position)
    }

    /// The number of distinct blobs.
    pub(super) fn len(&self) -> usize {
        self.blobs.len()
    }

    /// The cells and cell proofs of the blob at `position`, computed on first use.
    pub(super) fn cells(&self, position: usize) -> Result<Option<&CellsAndProofs>, DevnetError> {
        let (Some(prepared), Some(cell)) = (self.blobs.get(position), self.cells.get(position))
        else {
            return Ok(None);
        };
        if let Some(done) = cell.get() {
            return Ok(Some(done));
        }
        let computed = kzg::compute_cells_and_proofs(&prepared.blob).map_err(kzg_error)?;
        // Another thread may have won the race; both computed the same cells.
        Ok(Some(cell.get_or_init(|| computed)))
    }

    /// Computes the cells of every blob at `positions` that has none yet, on all cores.
    pub(super) fn precompute_cells(&self, positions: &[usize]) -> Result<(), DevnetError> {
        let missing: Vec<usize> = positions
            .iter()
            .copied()
            .filter(|p| self.cells.get(*p).is_some_and(|cell| cell.get().is_none()))
            .collect();
        par_map(&missing, |position| self.cells(*position).map(|_| ()))
            .into_iter()
            .collect()
    }
}

fn kzg_error(source: KzgError) -> DevnetError {
    DevnetError::Kzg { source }
}

fn prepare_blob(blob: Blob, with_proof: bool) -> Result<PreparedBlob, DevnetError> {
    let commitment = kzg::blob_to_commitment(&blob).map_err(kzg_error)?;
    let proof = if with_proof {
        Some(kzg::compute_blob_proof(&blob, &commitment).map_err(kzg_error)?)
    } else {
        None
    };
    Ok(PreparedBlob {
        blob,
        commitment,
        proof,
    })
}

/// The blob whose field element `j` is `int(sha256(seed ‖ tag ‖ le64(words…) ‖ le64(j)))
/// mod BLS_MODULUS`, big-endian.
pub(super) fn blob_from_rule(seed: &[u8], tag: &[u8], words: &[u64]) -> Blob {
    let mut bytes = Vec::with_capacity(BYTES_PER_BLOB);
    let mut prefixed = words.to_vec();
    prefixed.push(0);
    for j in 0..FIELD_ELEMENTS_PER_BLOB {
        if let Some(last) = prefixed.last_mut() {
            *last = j;
        }
        let hash = seeded_hash(seed, tag, &prefixed);
        let element = U256::from_be_bytes(hash.0).reduce_mod(CURVE_ORDER);
        bytes.extend_from_slice(&element.to_be_bytes::<BYTES_PER_FIELD_ELEMENT>());
    }
    Blob::new(bytes).expect("invariant: 4096 field elements of 32 bytes make a blob")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_blobs_are_canonical_and_depend_on_their_words() {
        let a = blob_from_rule(b"seed", b"blob", &[1, 0]);
        let b = blob_from_rule(b"seed", b"blob", &[1, 1]);
        assert_ne!(a, b);
        assert_eq!(a, blob_from_rule(b"seed", b"blob", &[1, 0]));
        // Every element is reduced, so its top byte is at most the modulus' (0x73).
        assert!(a.chunks(32).all(|element| element[0] <= 0x73));
    }
}
