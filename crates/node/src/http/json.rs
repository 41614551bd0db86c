//! The beacon-API's JSON conventions: every integer a decimal string, every byte string
//! 0x-prefixed lowercase hex, every answer wrapped as `{"data": ...}`, and the block
//! header and blob sidecar containers in that form.

use consensus::containers::{BeaconBlockHeader, BlobSidecar, SignedBeaconBlockHeader};
use serde::{Serialize, Serializer};

/// A `u64` written as a decimal string (`"12"`), as the beacon-API writes every integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Quoted(pub(crate) u64);

impl Serialize for Quoted {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// Bytes written as `0x`-prefixed lowercase hex.
pub(crate) fn hex0x(bytes: impl AsRef<[u8]>) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// The envelope of every beacon-API answer.
#[derive(Serialize)]
pub(crate) struct Data<T> {
    /// The answer.
    pub(crate) data: T,
}

/// `BeaconBlockHeader` in JSON.
#[derive(Serialize)]
pub(crate) struct HeaderJson {
    slot: Quoted,
    proposer_index: Quoted,
    parent_root: String,
    state_root: String,
    body_root: String,
}

impl From<&BeaconBlockHeader> for HeaderJson {
    fn from(header: &BeaconBlockHeader) -> HeaderJson {
        HeaderJson {
            slot: Quoted(header.slot),
            proposer_index: Quoted(header.proposer_index),
            parent_root: hex0x(header.parent_root),
            state_root: hex0x(header.state_root),
            body_root: hex0x(header.body_root),
        }
    }
}

/// `SignedBeaconBlockHeader` in JSON.
#[derive(Serialize)]
pub(crate) struct SignedHeaderJson {
    message: HeaderJson,
    signature: String,
}

impl From<&SignedBeaconBlockHeader> for SignedHeaderJson {
    fn from(header: &SignedBeaconBlockHeader) -> SignedHeaderJson {
        SignedHeaderJson {
            message: HeaderJson::from(&header.message),
            signature: hex0x(header.signature),
        }
    }
}

/// `BlobSidecar` in JSON (the blob is 256 KiB of hex).
#[derive(Serialize)]
pub(crate) struct SidecarJson {
    index: Quoted,
    blob: String,
    kzg_commitment: String,
    kzg_proof: String,
    signed_block_header: SignedHeaderJson,
    kzg_commitment_inclusion_proof: Vec<String>,
}

impl From<&BlobSidecar> for SidecarJson {
    fn from(sidecar: &BlobSidecar) -> SidecarJson {
        SidecarJson {
            index: Quoted(sidecar.index),
            blob: hex0x(&sidecar.blob[..]),
            kzg_commitment: hex0x(sidecar.kzg_commitment),
            kzg_proof: hex0x(sidecar.kzg_proof),
            signed_block_header: SignedHeaderJson::from(&sidecar.signed_block_header),
            kzg_commitment_inclusion_proof: sidecar
                .kzg_commitment_inclusion_proof
                .iter()
                .map(hex0x)
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_strings_and_bytes_are_0x_hex() {
        assert_eq!(
            serde_json::json!({ "n": Quoted(12) }).to_string(),
            r#"{"n":"12"}"#
        );
        assert_eq!(hex0x([0xab, 0x01]), "0xab01");
        assert_eq!(hex0x([]), "0x");
    }
}
