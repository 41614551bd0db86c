//! KZG checks against the pyspec Deneb/Electra blob sidecars and Fulu data columns in
//! `shared/vectors/pyspec` (see its README). The sidecar and column layouts are parsed by hand
//! here, so these tests depend only on the `kzg` module.

#![allow(
    clippy::unwrap_used,
    reason = "the vector-reading helpers outside #[test] fns fail the test on a malformed vector"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use consensus::kzg::{
    CELLS_PER_EXT_BLOB, KzgError, blob_to_commitment, compute_blob_proof, compute_cells_and_proofs,
    recover_cells_and_proofs, verify_blob_proofs, verify_cell_proofs, versioned_hash,
};
use consensus::primitives::{
    BYTES_PER_BLOB, BYTES_PER_CELL, Blob, Cell, Hash256, KzgCommitment, KzgProof, U256,
};
use serde_json::Value;

const PYSPEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/vectors/pyspec"
);
const BLOB_FORKS: [&str; 2] = ["deneb", "electra"];
const BLOB_SIDECAR_SIZE: usize = 131_928;
const COLUMN_FIXED_SIZE: usize = 356;
/// The BLS12-381 scalar field modulus.
const BLS_MODULUS: &str = "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001";

// ---------------------------------------------------------------- vector access

fn fork_dir(fork: &str) -> PathBuf {
    Path::new(PYSPEC).join(fork)
}

#[track_caller]
fn read(fork: &str, file: &str) -> Vec<u8> {
    let path = fork_dir(fork).join(file);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

#[track_caller]
fn json(fork: &str, file: &str) -> Value {
    serde_json::from_slice(&read(fork, file)).expect("valid JSON")
}

#[track_caller]
fn hex(value: &Value) -> Vec<u8> {
    alloy_primitives::hex::decode(value.as_str().expect("hex string")).expect("valid hex")
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    ethereum_hashing::hash_fixed(bytes)
}

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The non-empty slots of `expected.json`.
fn blocks(expected: &Value) -> Vec<&Value> {
    expected["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .filter(|slot| slot["empty"] == Value::Bool(false))
        .collect()
}

/// A list field of a block entry; blocks without blobs leave it out.
#[track_caller]
fn list<'a>(block: &'a Value, field: &str) -> &'a [Value] {
    match &block[field] {
        Value::Null => {
            assert_eq!(block["num_commitments"], 0, "{field} missing");
            &[]
        }
        value => value.as_array().expect("array"),
    }
}

fn file_names(fork: &str, dir: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fork_dir(fork).join(dir))
        .expect("vector dir")
        .map(|entry| {
            entry
                .expect("dir entry")
                .file_name()
                .into_string()
                .expect("utf-8")
        })
        .collect();
    names.sort();
    names
}

// ---------------------------------------------------------------- hand-parsed SSZ

struct BlobSidecar {
    index: u64,
    blob: Blob,
    commitment: KzgCommitment,
    proof: KzgProof,
}

#[track_caller]
fn parse_blob_sidecar(bytes: &[u8]) -> BlobSidecar {
    assert_eq!(bytes.len(), BLOB_SIDECAR_SIZE);
    let blob_end = 8 + BYTES_PER_BLOB;
    BlobSidecar {
        index: u64::from_le_bytes(bytes[..8].try_into().unwrap()),
        blob: Blob::new(bytes[8..blob_end].to_vec()).unwrap(),
        commitment: KzgCommitment::from_slice(&bytes[blob_end..blob_end + 48]),
        proof: KzgProof::from_slice(&bytes[blob_end + 48..blob_end + 96]),
    }
}

struct Column {
    index: u64,
    cells: Vec<Cell>,
    commitments: Vec<KzgCommitment>,
    proofs: Vec<KzgProof>,
}

impl Column {
    fn cell_refs(&self) -> Vec<&Cell> {
        self.cells.iter().collect()
    }

    /// Verifies this column alone, as `verify_data_column_sidecar_kzg_proofs` does.
    fn verify(&self) -> Result<(), KzgError> {
        let indices = vec![self.index; self.cells.len()];
        verify_cell_proofs(&self.commitments, &indices, &self.cell_refs(), &self.proofs)
    }
}

#[track_caller]
fn parse_column(bytes: &[u8]) -> Column {
    let offset = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
    let (cells_at, commitments_at, proofs_at) = (offset(8), offset(12), offset(16));
    assert_eq!(cells_at, COLUMN_FIXED_SIZE);
    let cells = bytes[cells_at..commitments_at]
        .chunks_exact(BYTES_PER_CELL)
        .map(Cell::from_slice)
        .collect();
    let commitments = bytes[commitments_at..proofs_at]
        .chunks_exact(48)
        .map(KzgCommitment::from_slice)
        .collect();
    let proofs = bytes[proofs_at..]
        .chunks_exact(48)
        .map(KzgProof::from_slice)
        .collect();
    Column {
        index: u64::from_le_bytes(bytes[..8].try_into().unwrap()),
        cells,
        commitments,
        proofs,
    }
}

// ---------------------------------------------------------------- blob data rule

/// Blob `index` of `slot` by the generator's rule: field element j is
/// `int(sha256(seed ‖ "blob" ‖ le64(slot) ‖ le64(index) ‖ le64(j))) mod BLS_MODULUS`, big-endian.
fn generated_blob(seed: &[u8], slot: u64, index: u64) -> Vec<u8> {
    let modulus = U256::from_str_radix(BLS_MODULUS, 16).unwrap();
    let mut blob = Vec::with_capacity(BYTES_PER_BLOB);
    for j in 0..(BYTES_PER_BLOB / 32) as u64 {
        let mut preimage = seed.to_vec();
        preimage.extend_from_slice(b"blob");
        preimage.extend_from_slice(&slot.to_le_bytes());
        preimage.extend_from_slice(&index.to_le_bytes());
        preimage.extend_from_slice(&j.to_le_bytes());
        let element = U256::from_be_bytes(sha256(&preimage)) % modulus;
        blob.extend_from_slice(&element.to_be_bytes::<32>());
    }
    blob
}

fn seed(fork: &str) -> Vec<u8> {
    let config = json(fork, "config.json");
    config["generator"]["seed"]
        .as_str()
        .expect("seed")
        .as_bytes()
        .to_vec()
}

// ---------------------------------------------------------------- blob sidecars

#[test]
fn every_blob_sidecar_verifies_and_matches_expected() {
    for fork in BLOB_FORKS {
        let expected = json(fork, "expected.json");
        let mut listed = Vec::new();
        let mut all: Vec<BlobSidecar> = Vec::new();
        for block in blocks(&expected) {
            let mut in_block = Vec::new();
            for entry in list(block, "sidecars") {
                let file = entry["file"].as_str().unwrap();
                listed.push(file.trim_start_matches("sidecars/").to_owned());
                let sidecar = parse_blob_sidecar(&read(fork, file));
                assert_eq!(Value::from(sidecar.index), entry["index"], "{fork} {file}");
                assert_eq!(sidecar.commitment.to_vec(), hex(&entry["kzg_commitment"]));
                assert_eq!(sidecar.proof.to_vec(), hex(&entry["kzg_proof"]));
                assert_eq!(
                    Value::from(hex_string(&sha256(&sidecar.blob))),
                    entry["blob_sha256"]
                );
                let commitment = blob_to_commitment(&sidecar.blob).unwrap();
                assert_eq!(commitment, sidecar.commitment, "{fork} {file} commitment");
                let proof = compute_blob_proof(&sidecar.blob, &commitment).unwrap();
                assert_eq!(proof, sidecar.proof, "{fork} {file} proof");
                in_block.push(sidecar);
            }
            assert_eq!(Value::from(in_block.len()), block["num_commitments"]);
            verify_sidecars(&in_block).unwrap_or_else(|e| panic!("{fork} block batch: {e}"));
            all.extend(in_block);
        }
        listed.sort();
        assert_eq!(
            listed,
            file_names(fork, "sidecars"),
            "{fork}: every file is listed"
        );
        assert_eq!(all.len(), 18, "{fork}: blob count from the README");
        verify_sidecars(&all).unwrap();
    }
}

fn verify_sidecars(sidecars: &[BlobSidecar]) -> Result<(), KzgError> {
    let blobs: Vec<&Blob> = sidecars.iter().map(|s| &s.blob).collect();
    let commitments: Vec<KzgCommitment> = sidecars.iter().map(|s| s.commitment).collect();
    let proofs: Vec<KzgProof> = sidecars.iter().map(|s| s.proof).collect();
    verify_blob_proofs(&blobs, &commitments, &proofs)
}

#[test]
fn sidecar_blobs_follow_the_generator_rule() {
    for (fork, slot, index) in [("deneb", 1, 0), ("deneb", 5, 2), ("electra", 16, 1)] {
        let sidecar = parse_blob_sidecar(&read(fork, &format!("sidecars/{slot}_{index}.ssz")));
        let blob = generated_blob(&seed(fork), slot, index);
        assert!(
            blob == *sidecar.blob,
            "{fork} blob {slot}_{index} differs from the rule"
        );
    }
}

#[test]
fn versioned_hashes_match_expected() {
    for fork in ["deneb", "electra", "fulu"] {
        let expected = json(fork, "expected.json");
        let mut count = 0;
        for block in blocks(&expected) {
            let commitments = block["kzg_commitments"].as_array().unwrap();
            let hashes = block["blob_versioned_hashes"].as_array().unwrap();
            assert_eq!(commitments.len(), hashes.len());
            for (commitment, hash) in commitments.iter().zip(hashes) {
                let commitment = KzgCommitment::from_slice(&hex(commitment));
                assert_eq!(versioned_hash(&commitment), Hash256::from_slice(&hex(hash)));
                count += 1;
            }
        }
        assert_eq!(count, 18, "{fork}");
    }
}

#[test]
fn one_changed_blob_byte_in_a_batch_of_six_names_that_index() {
    let mut sidecars: Vec<BlobSidecar> = ["4_0", "4_1", "5_0", "5_1", "5_2", "9_0"]
        .iter()
        .map(|name| parse_blob_sidecar(&read("deneb", &format!("sidecars/{name}.ssz"))))
        .collect();
    verify_sidecars(&sidecars).unwrap();
    // Lowest byte of field element 100: the element stays canonical, the blob changes.
    sidecars[3].blob[100 * 32 + 31] ^= 0x01;
    let err = verify_sidecars(&sidecars).unwrap_err();
    assert_eq!(err, KzgError::InvalidBlobProofs { indices: vec![3] });
    assert!(err.is_invalid_data());
}

#[test]
fn swapped_proofs_and_a_non_canonical_blob_are_all_named() {
    let mut sidecars: Vec<BlobSidecar> = ["16_0", "16_1", "16_2"]
        .iter()
        .map(|name| parse_blob_sidecar(&read("electra", &format!("sidecars/{name}.ssz"))))
        .collect();
    let proof_0 = sidecars[0].proof;
    sidecars[0].proof = sidecars[2].proof;
    sidecars[2].proof = proof_0;
    // A field element equal to 2^256 - 1 is above the modulus: c-kzg rejects it with an error.
    sidecars[1].blob[..32].fill(0xff);
    assert_eq!(
        verify_sidecars(&sidecars).unwrap_err().invalid_indices(),
        Some(&[0, 1, 2][..])
    );
    assert_eq!(
        blob_to_commitment(&sidecars[1].blob).unwrap_err(),
        KzgError::InvalidInput {
            operation: "blob_to_kzg_commitment"
        }
    );
}

#[test]
fn mismatched_lengths_and_empty_batches() {
    let sidecar = parse_blob_sidecar(&read("deneb", "sidecars/1_0.ssz"));
    let err = verify_blob_proofs(&[&sidecar.blob], &[sidecar.commitment], &[]).unwrap_err();
    assert!(matches!(
        err,
        KzgError::LengthMismatch {
            list: "proofs",
            got: 0,
            expected: 1,
            ..
        }
    ));
    assert_eq!(verify_blob_proofs(&[], &[], &[]), Ok(()));
    assert_eq!(verify_cell_proofs(&[], &[], &[], &[]), Ok(()));
    let column = parse_column(&read("fulu", "columns/1_0.ssz"));
    let err = verify_cell_proofs(
        &column.commitments,
        &[],
        &column.cell_refs(),
        &column.proofs,
    );
    assert!(matches!(
        err,
        Err(KzgError::LengthMismatch {
            list: "cell_indices",
            ..
        })
    ));
}

// ---------------------------------------------------------------- Fulu columns

/// All column files of the Fulu chain, by slot, parsed.
fn fulu_columns() -> BTreeMap<u64, Vec<Column>> {
    let expected = json("fulu", "expected.json");
    let mut by_slot = BTreeMap::new();
    let mut listed = Vec::new();
    for block in blocks(&expected) {
        let slot = block["slot"].as_u64().unwrap();
        let mut columns = Vec::new();
        for entry in list(block, "columns") {
            let file = entry["file"].as_str().unwrap();
            listed.push(file.trim_start_matches("columns/").to_owned());
            let column = parse_column(&read("fulu", file));
            assert_eq!(Value::from(column.index), entry["index"], "{file}");
            assert_eq!(Value::from(column.cells.len()), entry["cells"], "{file}");
            let commitments: Vec<Vec<u8>> = block["kzg_commitments"]
                .as_array()
                .unwrap()
                .iter()
                .map(hex)
                .collect();
            let got: Vec<Vec<u8>> = column.commitments.iter().map(|c| c.to_vec()).collect();
            assert_eq!(got, commitments, "{file}");
            columns.push(column);
        }
        by_slot.insert(slot, columns);
    }
    listed.sort();
    assert_eq!(
        listed,
        file_names("fulu", "columns"),
        "every column file is listed"
    );
    by_slot
}

#[test]
fn every_fulu_column_verifies_alone_and_in_one_batch_per_block() {
    let by_slot = fulu_columns();
    assert_eq!(by_slot.values().map(Vec::len).sum::<usize>(), 182);
    for (slot, columns) in &by_slot {
        for column in columns {
            column
                .verify()
                .unwrap_or_else(|e| panic!("column {slot}_{}: {e}", column.index));
        }
        // One batch across all written columns of the block (six, or 128 for slot 5).
        let (mut commitments, mut indices, mut cells, mut proofs) =
            (vec![], vec![], vec![], vec![]);
        for column in columns {
            commitments.extend_from_slice(&column.commitments);
            indices.extend(std::iter::repeat_n(column.index, column.cells.len()));
            cells.extend(column.cells.iter());
            proofs.extend_from_slice(&column.proofs);
        }
        verify_cell_proofs(&commitments, &indices, &cells, &proofs)
            .unwrap_or_else(|e| panic!("slot {slot} batch: {e}"));
    }
}

#[test]
fn slot_5_blobs_are_recovered_from_64_columns() {
    let expected = json("fulu", "expected.json");
    let block = &expected["slots"][4];
    assert_eq!(block["slot"], 5);
    let columns: Vec<Column> = (0..CELLS_PER_EXT_BLOB)
        .map(|i| parse_column(&read("fulu", &format!("columns/5_{i}.ssz"))))
        .collect();
    // The odd columns only: half of them, none of which is a plain copy of the first 32 KiB.
    let odd: Vec<&Column> = columns.iter().filter(|c| c.index % 2 == 1).collect();
    assert_eq!(odd.len(), 64);
    let indices: Vec<u64> = odd.iter().map(|c| c.index).collect();
    for blob_index in 0..3 {
        let cells: Vec<&Cell> = odd.iter().map(|c| &c.cells[blob_index]).collect();
        let (all_cells, all_proofs) = recover_cells_and_proofs(&indices, &cells).unwrap();
        assert_eq!(all_cells.len(), CELLS_PER_EXT_BLOB);
        for column in &columns {
            let at = usize::try_from(column.index).unwrap();
            assert_eq!(all_cells[at], column.cells[blob_index], "cell {at}");
            assert_eq!(all_proofs[at], column.proofs[blob_index], "proof {at}");
        }
        let blob_bytes: Vec<u8> = all_cells[..64].iter().flat_map(|c| c.to_vec()).collect();
        let blob = Blob::new(blob_bytes).unwrap();
        let commitment = blob_to_commitment(&blob).unwrap();
        assert_eq!(
            commitment.to_vec(),
            hex(&block["kzg_commitments"][blob_index])
        );
        assert_eq!(
            Value::from(hex_string(&sha256(&blob))),
            block["blob_sha256"][blob_index]
        );
        let generated = generated_blob(&seed("fulu"), 5, blob_index as u64);
        assert!(
            generated == *blob,
            "blob 5_{blob_index} differs from the rule"
        );
    }
}

#[test]
fn computed_cells_and_proofs_equal_the_columns() {
    let columns: Vec<Column> = [0, 35, 60, 65, 94, 127]
        .iter()
        .map(|i| parse_column(&read("fulu", &format!("columns/12_{i}.ssz"))))
        .collect();
    let blob = Blob::new(generated_blob(&seed("fulu"), 12, 0)).unwrap();
    let (cells, proofs) = compute_cells_and_proofs(&blob).unwrap();
    assert_eq!(
        (cells.len(), proofs.len()),
        (CELLS_PER_EXT_BLOB, CELLS_PER_EXT_BLOB)
    );
    for column in &columns {
        let at = usize::try_from(column.index).unwrap();
        assert_eq!(cells[at], column.cells[0], "cell {at}");
        assert_eq!(proofs[at], column.proofs[0], "proof {at}");
    }
}

#[test]
fn a_cell_index_out_of_range_is_named() {
    let column = parse_column(&read("fulu", "columns/4_0.ssz"));
    let indices = [0, CELLS_PER_EXT_BLOB as u64];
    let err = verify_cell_proofs(
        &column.commitments,
        &indices,
        &column.cell_refs(),
        &column.proofs,
    );
    assert_eq!(err, Err(KzgError::InvalidCellProofs { indices: vec![1] }));
}

// ---------------------------------------------------------------- negative vectors

/// The `negative` entries of a fork that fail on a KZG proof.
fn kzg_negatives(fork: &str) -> Vec<(String, String)> {
    let expected = json(fork, "expected.json");
    expected["negative"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|case| case["expected_failure"] == "KZG_PROOF_INVALID")
        .map(|case| {
            let field = |name: &str| case[name].as_str().unwrap().to_owned();
            (field("file"), field("base"))
        })
        .collect()
}

#[test]
fn negative_blob_sidecars_are_rejected_by_index() {
    for fork in BLOB_FORKS {
        let cases = kzg_negatives(fork);
        assert_eq!(
            cases.len(),
            3,
            "{fork}: proof from other blob, flipped proof, blob byte"
        );
        for (file, base) in cases {
            let bad = parse_blob_sidecar(&read(fork, &file));
            let good = parse_blob_sidecar(&read(fork, &base));
            verify_sidecars(std::slice::from_ref(&good)).unwrap();
            // The sibling from the same block stays valid in the same batch, in either order.
            let sibling_file = base.replace(&format!("_{}.ssz", good.index), "_1.ssz");
            assert_ne!(sibling_file, base);
            let sibling = parse_blob_sidecar(&read(fork, &sibling_file));
            let first = verify_sidecars(&[bad, sibling]).unwrap_err();
            assert_eq!(first.invalid_indices(), Some(&[0][..]), "{fork} {file}");
            let bad = parse_blob_sidecar(&read(fork, &file));
            let sibling = parse_blob_sidecar(&read(fork, &sibling_file));
            let second = verify_sidecars(&[sibling, bad]).unwrap_err();
            assert_eq!(second, KzgError::InvalidBlobProofs { indices: vec![1] });
        }
    }
}

#[test]
fn negative_fulu_columns_are_rejected_by_position() {
    let cases = kzg_negatives("fulu");
    assert_eq!(
        cases.len(),
        3,
        "proof from other column, flipped proof, cell byte"
    );
    for (file, base) in cases {
        let bad = parse_column(&read("fulu", &file));
        let good = parse_column(&read("fulu", &base));
        good.verify().unwrap();
        // The positions the mutation touched, found by comparing with the base.
        let changed: Vec<usize> = (0..good.cells.len())
            .filter(|&i| bad.cells[i] != good.cells[i] || bad.proofs[i] != good.proofs[i])
            .collect();
        assert_eq!(changed.len(), 1, "{file}");
        assert_eq!(
            bad.verify(),
            Err(KzgError::InvalidCellProofs { indices: changed }),
            "{file}"
        );
    }
}
