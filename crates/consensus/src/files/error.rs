//! Why a chain folder could not be loaded.

use std::path::PathBuf;

use crate::block::BlockDecodeError;
use crate::column::ColumnDecodeError;
use crate::config::ConfigError;
use crate::fork::Fork;
use crate::primitives::Version;
use crate::sidecar::SidecarDecodeError;
use crate::state::StateError;

/// Why [`ChainFiles::load`](super::ChainFiles::load) failed. Every variant names the file
/// (or folder) at fault, and its message is one line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChainFilesError {
    /// A file or folder could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system reported.
        #[source]
        source: std::io::Error,
    },
    /// A `.gz` file is not valid gzip.
    #[error("{}: not a valid gzip file: {source}", path.display())]
    Gzip {
        /// The file.
        path: PathBuf,
        /// What the decompressor reported.
        #[source]
        source: std::io::Error,
    },
    /// A file (unpacked, for `.gz`) is larger than any file of a chain folder can be.
    #[error("{}: larger than the {max} bytes accepted", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit, [`MAX_FILE_BYTES`](super::MAX_FILE_BYTES).
        max: u64,
    },
    /// The folder holds no genesis state.
    #[error(
        "{}: no genesis state (genesis_state.ssz, genesis_state.ssz.gz, genesis.ssz or genesis.ssz.gz)",
        dir.display()
    )]
    NoGenesisState {
        /// The folder.
        dir: PathBuf,
    },
    /// The genesis state file is not a `BeaconState`.
    #[error("{}: not a BeaconState: {source}", path.display())]
    State {
        /// The file.
        path: PathBuf,
        /// What the reader found.
        #[source]
        source: StateError,
    },
    /// Without a `config.yaml`, the genesis state's fork version must be one of mainnet's.
    #[error(
        "{}: fork version {version} is not a mainnet fork version; add the network's config.yaml to the folder",
        path.display()
    )]
    UnknownForkVersion {
        /// The genesis state file.
        path: PathBuf,
        /// The state's `fork.current_version`.
        version: Version,
    },
    /// `config.yaml` is not a valid network config.
    #[error("{}: {source}", path.display())]
    Config {
        /// The file.
        path: PathBuf,
        /// What the parser found.
        #[source]
        source: ConfigError,
    },
    /// `config.yaml` is not UTF-8 text.
    #[error("{}: not UTF-8 text", path.display())]
    NotUtf8 {
        /// The file.
        path: PathBuf,
    },
    /// The genesis state's fork version is not the one the config schedules at its slot.
    #[error(
        "{}: the state's fork version is {got}, but the config schedules {fork} ({expected}) at its slot",
        path.display()
    )]
    ForkMismatch {
        /// The genesis state file.
        path: PathBuf,
        /// The state's `fork.current_version`.
        got: Version,
        /// The fork the config schedules at the state's slot.
        fork: Fork,
        /// That fork's version.
        expected: Version,
    },
    /// The genesis block is not the block the genesis state was built on.
    #[error(
        "{}: not the genesis state's block (its header differs from the state's latest block header)",
        path.display()
    )]
    GenesisMismatch {
        /// The genesis block file.
        path: PathBuf,
    },
    /// A block file is not a `SignedBeaconBlock` of the fork scheduled at its slot.
    #[error("{}: not a SignedBeaconBlock of {fork}: {:?}", path.display(), source.detail)]
    Block {
        /// The file.
        path: PathBuf,
        /// The fork whose layout was tried.
        fork: Fork,
        /// What the decoder found.
        #[source]
        source: BlockDecodeError,
    },
    /// A file of `sidecars/` is not a `BlobSidecar`.
    #[error("{}: not a BlobSidecar: {:?}", path.display(), source.detail)]
    Sidecar {
        /// The file.
        path: PathBuf,
        /// What the decoder found.
        #[source]
        source: SidecarDecodeError,
    },
    /// A file of `columns/` is not a `DataColumnSidecar`.
    #[error("{}: not a DataColumnSidecar: {:?}", path.display(), source.detail)]
    Column {
        /// The file.
        path: PathBuf,
        /// What the decoder found.
        #[source]
        source: ColumnDecodeError,
    },
    /// A file name does not have the form its folder requires.
    #[error("{}: bad file name, expected {expected}", path.display())]
    BadFileName {
        /// The file.
        path: PathBuf,
        /// The form expected, such as `<slot>.ssz`.
        expected: &'static str,
    },
    /// The slot or index a file name gives is not the one its content holds.
    #[error("{}: the file name gives {field} {named}, the content holds {found}", path.display())]
    NameMismatch {
        /// The file.
        path: PathBuf,
        /// `slot` or `index`.
        field: &'static str,
        /// The value of the file name.
        named: u64,
        /// The value of the content.
        found: u64,
    },
    /// Two files of a folder name the same slot (and index).
    #[error("{}: the same slot (and index) as {}", path.display(), other.display())]
    Duplicate {
        /// The second file.
        path: PathBuf,
        /// The first one.
        other: PathBuf,
    },
    /// A sidecar or column has no block file at its slot.
    #[error("{}: there is no block at slot {slot}", path.display())]
    Orphan {
        /// The sidecar or column file.
        path: PathBuf,
        /// Its slot.
        slot: u64,
    },
    /// A sidecar or column is for a block whose fork does not carry blobs that way.
    #[error("{}: blocks of {fork} do not come with {kind}", path.display())]
    WrongDataKind {
        /// The sidecar or column file.
        path: PathBuf,
        /// The fork of the block at its slot.
        fork: Fork,
        /// `blob sidecars` or `data columns`.
        kind: &'static str,
    },
}
