//! Errors from building or parsing a chain configuration.

use crate::fork::Fork;

/// Why a chain configuration could not be built or parsed.
///
/// Every variant that comes from a `config.yaml` names the offending key, so an operator
/// can fix the file without reading code. Keys inside `BLOB_SCHEDULE` are written as
/// `BLOB_SCHEDULE[i].EPOCH`.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The text is larger than any real `config.yaml` (they are about 7 KB).
    #[error("config.yaml is {len} bytes, more than the {max} bytes accepted")]
    InputTooLarge {
        /// Size of the input in bytes.
        len: usize,
        /// The limit, [`super::MAX_CONFIG_YAML_BYTES`].
        max: usize,
    },
    /// The YAML scanner rejected the text.
    #[error("config.yaml is not valid YAML: {source}")]
    Syntax {
        /// The scanner's error, with line and column.
        #[source]
        source: yaml_rust2::ScanError,
    },
    /// The text uses a YAML feature that network configs never use.
    #[error("config.yaml uses {what}, which network configs never contain")]
    UnsupportedYaml {
        /// The feature (aliases, several documents, deep nesting, complex keys).
        what: &'static str,
    },
    /// The document is not a mapping of keys to values.
    #[error("config.yaml must be a mapping of KEY: value lines at the top level")]
    NotAMapping,
    /// A key appears twice in the same mapping.
    #[error("config.yaml has the key {key} twice")]
    DuplicateKey {
        /// The repeated key.
        key: String,
    },
    /// The config is for another preset. Only the mainnet preset is compiled in: the SSZ
    /// list limits and `SLOTS_PER_EPOCH` of the containers are fixed at build time.
    #[error(
        "PRESET_BASE is '{preset}', but only the 'mainnet' preset is supported \
         (containers and SLOTS_PER_EPOCH are compiled for it)"
    )]
    UnsupportedPreset {
        /// The preset the file asked for.
        preset: String,
    },
    /// A required key is absent.
    #[error("config.yaml has no {key}")]
    MissingKey {
        /// The missing key.
        key: String,
    },
    /// A key holds a list or mapping where a value was expected, or the other way round.
    #[error("{key} must be {expected}")]
    WrongType {
        /// The key.
        key: String,
        /// What it should hold ("a scalar value", "a list", "a mapping").
        expected: &'static str,
    },
    /// A value is not a decimal unsigned 64-bit integer.
    #[error("{key} is '{value}', not a decimal integer that fits in 64 bits")]
    InvalidNumber {
        /// The key.
        key: String,
        /// The text found.
        value: String,
    },
    /// A value is not `0x` followed by exactly `2 * expected_bytes` hex digits.
    #[error("{key} is '{value}', not 0x followed by {expected_bytes} hex-encoded bytes")]
    InvalidHex {
        /// The key.
        key: String,
        /// The text found.
        value: String,
        /// The number of bytes the value must have.
        expected_bytes: usize,
    },
    /// The slot duration is zero or not a whole number of seconds.
    #[error("{key} is {value}, but the slot time must be a positive whole number of seconds")]
    InvalidSlotDuration {
        /// `SECONDS_PER_SLOT` or `SLOT_DURATION_MS`.
        key: &'static str,
        /// The value found.
        value: u64,
    },
    /// `SECONDS_PER_SLOT` and `SLOT_DURATION_MS` disagree.
    #[error("SECONDS_PER_SLOT is {seconds} but SLOT_DURATION_MS is {millis}")]
    InconsistentSlotDuration {
        /// `SECONDS_PER_SLOT`.
        seconds: u64,
        /// `SLOT_DURATION_MS`.
        millis: u64,
    },
    /// A fork is scheduled before the fork it builds on, or while that one is unscheduled.
    #[error(
        "{fork} is scheduled at epoch {epoch}, but {previous} is {}",
        previous_epoch.map_or_else(|| "not scheduled".to_owned(), |e| format!("at epoch {e}"))
    )]
    ForkOrder {
        /// The fork scheduled too early.
        fork: Fork,
        /// Its activation epoch.
        epoch: u64,
        /// The fork before it.
        previous: Fork,
        /// The earlier fork's activation epoch, `None` if unscheduled.
        previous_epoch: Option<u64>,
    },
    /// Two `BLOB_SCHEDULE` entries have the same epoch.
    #[error("BLOB_SCHEDULE has two entries for epoch {epoch}")]
    DuplicateBlobScheduleEpoch {
        /// The repeated epoch.
        epoch: u64,
    },
    /// Phase0 must be active from genesis.
    #[error("phase0 must activate at epoch 0, not {epoch:?}")]
    GenesisForkNotAtZero {
        /// The epoch asked for (`None` = unscheduled).
        epoch: Option<u64>,
    },
}
