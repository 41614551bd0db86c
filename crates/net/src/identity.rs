//! The node's libp2p identity: a secp256k1 key kept in the data directory, so the node
//! keeps its `PeerId` across restarts (peers remember scores and bans by it).
//!
//! The file holds the 32 raw bytes of the secret key. It is made on first start (written
//! to a temporary file, then renamed, so a crash never leaves half a key), readable by its
//! owner only on Unix. A file of another length, or bytes that are not a valid secp256k1
//! secret, is a typed error: the node refuses to start rather than silently taking a new
//! identity.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use libp2p::identity::{Keypair, PublicKey, secp256k1};

/// The name of the key file inside the data directory.
pub const KEY_FILE_NAME: &str = "network-key";
/// The length of the key file: a raw secp256k1 secret key.
pub const KEY_FILE_LEN: usize = 32;

/// Why the identity could not be loaded or created.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// The data directory or the key file could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The key file is not a 32-byte key.
    #[error("key file {path} holds {len} bytes, expected {expected}")]
    WrongLength {
        /// The path.
        path: PathBuf,
        /// The file's length.
        len: usize,
        /// [`KEY_FILE_LEN`].
        expected: usize,
    },
    /// The key file's bytes are not a valid secp256k1 secret key.
    #[error("key file {path} does not hold a valid secp256k1 secret key")]
    InvalidKey {
        /// The path.
        path: PathBuf,
    },
}

/// The discv5 node id of a public key: the keccak-256 of its uncompressed secp256k1
/// point (x and y, without the `0x04` prefix), as discv5's "v4" identity scheme defines
/// it. Fulu custody ([`consensus::custody`]) follows from it. `None` for a key that is
/// not secp256k1 (eth2 peers use only secp256k1).
pub fn node_id(public: &PublicKey) -> Option<[u8; 32]> {
    let key = public.clone().try_into_secp256k1().ok()?;
    let uncompressed = key.to_bytes_uncompressed();
    Some(alloy_primitives::keccak256(&uncompressed[1..]).0)
}

/// The discv5 node id of a peer, from the public key its id embeds (eth2 peer ids are
/// identity multihashes of secp256k1 keys); `None` for any other kind of peer id.
pub fn peer_node_id(peer: &libp2p::PeerId) -> Option<[u8; 32]> {
    let multihash: &libp2p::multihash::Multihash<64> = peer.as_ref();
    // Code 0 is the identity hash: the digest is the protobuf-encoded public key.
    if multihash.code() != 0 {
        return None;
    }
    let public = PublicKey::try_decode_protobuf(multihash.digest()).ok()?;
    node_id(&public)
}

/// Loads the identity kept in `data_dir`, or creates one there (and the directory) on
/// first start.
///
/// # Errors
///
/// [`IdentityError`] when the directory or file cannot be read or written, or when the
/// file exists but does not hold a valid key (it is never overwritten).
pub fn load_or_create_identity(data_dir: &Path) -> Result<Keypair, IdentityError> {
    let path = data_dir.join(KEY_FILE_NAME);
    match fs::read(&path) {
        Ok(bytes) => keypair_from_file_bytes(&path, bytes),
        Err(error) if error.kind() == io::ErrorKind::NotFound => create(data_dir, &path),
        Err(source) => Err(IdentityError::Io {
            action: "reading",
            path,
            source,
        }),
    }
}

fn keypair_from_file_bytes(path: &Path, mut bytes: Vec<u8>) -> Result<Keypair, IdentityError> {
    if bytes.len() != KEY_FILE_LEN {
        return Err(IdentityError::WrongLength {
            path: path.to_path_buf(),
            len: bytes.len(),
            expected: KEY_FILE_LEN,
        });
    }
    // `try_from_bytes` zeroes the buffer it is given.
    let secret = secp256k1::SecretKey::try_from_bytes(&mut bytes).map_err(|_| {
        IdentityError::InvalidKey {
            path: path.to_path_buf(),
        }
    })?;
    Ok(secp256k1::Keypair::from(secret).into())
}

fn create(data_dir: &Path, path: &Path) -> Result<Keypair, IdentityError> {
    let io_error = |action, path: &Path| {
        let path = path.to_path_buf();
        move |source| IdentityError::Io {
            action,
            path,
            source,
        }
    };
    fs::create_dir_all(data_dir).map_err(io_error("creating", data_dir))?;
    let keypair = secp256k1::Keypair::generate();
    let secret = keypair.secret().to_bytes();
    let tmp = data_dir.join(format!("{KEY_FILE_NAME}.tmp"));
    let mut file = open_private(&tmp).map_err(io_error("creating", &tmp))?;
    file.write_all(&secret)
        .and_then(|()| file.sync_all())
        .map_err(io_error("writing", &tmp))?;
    drop(file);
    fs::rename(&tmp, path).map_err(io_error("renaming into", path))?;
    tracing::info!(target: "net", path = %path.display(), "created a new network identity");
    Ok(keypair.into())
}

#[cfg(unix)]
fn open_private(path: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> io::Result<fs::File> {
    fs::File::create(path)
}
