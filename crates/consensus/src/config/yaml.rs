//! Parsing a network's `config.yaml` (the format of consensus-specs `configs/*.yaml` and
//! the clients' built-in network configs).
//!
//! The YAML is read with `yaml-rust2`'s event parser into a small tree whose leaves are
//! the scalar texts exactly as written. Typed YAML loading is avoided on purpose: it would
//! turn `0x01000000` into the integer 16777216 (losing the width of a fork version) and
//! `18446744073709551615` into a float. Values may be quoted or not. Aliases, several
//! documents and nesting deeper than [`MAX_DEPTH`] are rejected; network configs never use
//! them, and refusing them bounds the work done on hostile input.

use std::collections::BTreeMap;

use yaml_rust2::parser::{Event, Parser};

use super::{
    BlobScheduleEntry, ChainConfig, ConfigError, ConfigParts, FAR_FUTURE_EPOCH, ForkParams,
    MAX_CONFIG_YAML_BYTES,
};
use crate::fork::Fork;
use crate::primitives::Version;

/// The deepest nesting of lists and mappings accepted (configs use 3: root, list, entry).
const MAX_DEPTH: usize = 8;

/// A YAML node with its scalars kept as text.
#[derive(Debug)]
enum Node {
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

/// A list or mapping being filled while events arrive.
enum Frame {
    Seq(Vec<Node>),
    Map {
        entries: Vec<(String, Node)>,
        key: Option<String>,
    },
}

/// Adds a finished node to the innermost open collection, or makes it the document root.
fn attach(stack: &mut [Frame], root: &mut Option<Node>, node: Node) -> Result<(), ConfigError> {
    match stack.last_mut() {
        None => {
            if root.is_some() {
                return Err(ConfigError::UnsupportedYaml {
                    what: "several documents",
                });
            }
            *root = Some(node);
        }
        Some(Frame::Seq(items)) => items.push(node),
        Some(Frame::Map { entries, key }) => match key.take() {
            Some(k) => entries.push((k, node)),
            None => match node {
                Node::Scalar(text) => *key = Some(text),
                Node::Seq(_) | Node::Map(_) => {
                    return Err(ConfigError::UnsupportedYaml {
                        what: "a list or mapping as a key",
                    });
                }
            },
        },
    }
    Ok(())
}

/// Parses `text` into a tree of scalar texts.
fn parse_tree(text: &str) -> Result<Option<Node>, ConfigError> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    loop {
        let (event, _) = parser
            .next_token()
            .map_err(|source| ConfigError::Syntax { source })?;
        match event {
            Event::StreamEnd => return Ok(root),
            Event::Nothing | Event::StreamStart | Event::DocumentStart | Event::DocumentEnd => {}
            Event::Alias(_) => return Err(ConfigError::UnsupportedYaml { what: "aliases" }),
            Event::Scalar(value, ..) => attach(&mut stack, &mut root, Node::Scalar(value))?,
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(ConfigError::UnsupportedYaml {
                        what: "nesting deeper than 8 levels",
                    });
                }
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq(Vec::new())
                } else {
                    Frame::Map {
                        entries: Vec::new(),
                        key: None,
                    }
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                // The parser only emits balanced events; an unbalanced end is ignored.
                let node = match stack.pop() {
                    Some(Frame::Seq(items)) => Node::Seq(items),
                    Some(Frame::Map { entries, .. }) => Node::Map(entries),
                    None => continue,
                };
                attach(&mut stack, &mut root, node)?;
            }
        }
    }
}

/// The entries of one mapping, looked up by key; errors name keys with `prefix`.
struct Fields<'a> {
    entries: BTreeMap<&'a str, &'a Node>,
    prefix: String,
}

impl<'a> Fields<'a> {
    fn new(entries: &'a [(String, Node)], prefix: String) -> Result<Self, ConfigError> {
        let mut map = BTreeMap::new();
        for (key, node) in entries {
            if map.insert(key.as_str(), node).is_some() {
                return Err(ConfigError::DuplicateKey {
                    key: format!("{prefix}{key}"),
                });
            }
        }
        Ok(Fields {
            entries: map,
            prefix,
        })
    }

    fn name(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    fn node(&self, key: &str) -> Option<&'a Node> {
        self.entries.get(key).copied()
    }

    fn scalar(&self, key: &str) -> Result<Option<&'a str>, ConfigError> {
        match self.node(key) {
            None => Ok(None),
            Some(Node::Scalar(text)) => Ok(Some(text.trim())),
            Some(Node::Seq(_) | Node::Map(_)) => Err(ConfigError::WrongType {
                key: self.name(key),
                expected: "a scalar value",
            }),
        }
    }

    fn required(&self, key: &str) -> Result<&'a str, ConfigError> {
        self.scalar(key)?.ok_or_else(|| ConfigError::MissingKey {
            key: self.name(key),
        })
    }

    fn opt_u64(&self, key: &str) -> Result<Option<u64>, ConfigError> {
        self.scalar(key)?
            .map(|text| parse_u64(text).ok_or_else(|| self.invalid_number(key, text)))
            .transpose()
    }

    /// `key`'s value; when absent, an error if the chain `needs` it, `default` otherwise.
    fn u64_or(&self, key: &str, needs: bool, default: u64) -> Result<u64, ConfigError> {
        match self.opt_u64(key)? {
            Some(value) => Ok(value),
            None if needs => Err(ConfigError::MissingKey {
                key: self.name(key),
            }),
            None => Ok(default),
        }
    }

    fn u64(&self, key: &str) -> Result<u64, ConfigError> {
        let text = self.required(key)?;
        parse_u64(text).ok_or_else(|| self.invalid_number(key, text))
    }

    /// An epoch, with [`FAR_FUTURE_EPOCH`] read as "not scheduled".
    fn epoch(&self, key: &str) -> Result<Option<u64>, ConfigError> {
        Ok(Some(self.u64(key)?).filter(|epoch| *epoch != FAR_FUTURE_EPOCH))
    }

    fn version(&self, key: &str) -> Result<Version, ConfigError> {
        let text = self.required(key)?;
        parse_hex4(text)
            .map(Version::from)
            .ok_or_else(|| ConfigError::InvalidHex {
                key: self.name(key),
                value: text.to_owned(),
                expected_bytes: 4,
            })
    }

    fn invalid_number(&self, key: &str, text: &str) -> ConfigError {
        ConfigError::InvalidNumber {
            key: self.name(key),
            value: text.to_owned(),
        }
    }
}

/// A decimal `u64` with digits only (no sign, no separators).
fn parse_u64(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `0x` followed by exactly 8 hex digits.
fn parse_hex4(text: &str) -> Option<[u8; 4]> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))?;
    // Checked first: `from_str_radix` alone would also accept a sign ("+1").
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 4];
    for (byte, pair) in out.iter_mut().zip(digits.as_bytes().chunks_exact(2)) {
        let pair = std::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

/// The `{FORK}_FORK_VERSION` / `{FORK}_FORK_EPOCH` pairs; phase0 is `GENESIS_FORK_VERSION`
/// at epoch 0.
fn read_forks(fields: &Fields<'_>) -> Result<[ForkParams; Fork::ALL.len()], ConfigError> {
    let mut forks = [ForkParams {
        version: Version::ZERO,
        epoch: None,
    }; Fork::ALL.len()];
    for (params, fork) in forks.iter_mut().zip(Fork::ALL) {
        *params = if fork == Fork::Phase0 {
            ForkParams {
                version: fields.version("GENESIS_FORK_VERSION")?,
                epoch: Some(0),
            }
        } else {
            let upper = fork.name().to_ascii_uppercase();
            let version_key = format!("{upper}_FORK_VERSION");
            let epoch_key = format!("{upper}_FORK_EPOCH");
            if fields.node(&version_key).is_none() && fields.node(&epoch_key).is_none() {
                // A file written before the fork was specified (the published mainnet,
                // Sepolia and Hoodi files predate Fulu): the fork is not scheduled. Its
                // version is never used then; mainnet's keeps every version distinct.
                ForkParams {
                    version: ChainConfig::mainnet().fork_version(fork),
                    epoch: None,
                }
            } else {
                ForkParams {
                    version: fields.version(&version_key)?,
                    epoch: fields.epoch(&epoch_key)?,
                }
            }
        };
    }
    Ok(forks)
}

/// `SECONDS_PER_SLOT`, or `SLOT_DURATION_MS` (newer configs) in whole seconds.
fn read_seconds_per_slot(fields: &Fields<'_>) -> Result<u64, ConfigError> {
    let seconds = fields.opt_u64("SECONDS_PER_SLOT")?;
    let millis = fields.opt_u64("SLOT_DURATION_MS")?;
    match (seconds, millis) {
        (Some(0), _) => Err(ConfigError::InvalidSlotDuration {
            key: "SECONDS_PER_SLOT",
            value: 0,
        }),
        (Some(seconds), Some(millis)) if seconds.checked_mul(1000) != Some(millis) => {
            Err(ConfigError::InconsistentSlotDuration { seconds, millis })
        }
        (Some(seconds), _) => Ok(seconds),
        (None, Some(millis)) if millis == 0 || millis % 1000 != 0 => {
            Err(ConfigError::InvalidSlotDuration {
                key: "SLOT_DURATION_MS",
                value: millis,
            })
        }
        (None, Some(millis)) => Ok(millis / 1000),
        (None, None) => Err(ConfigError::MissingKey {
            key: "SECONDS_PER_SLOT".to_owned(),
        }),
    }
}

/// `MIN_EPOCHS_FOR_BLOCK_REQUESTS`, which newer configs leave out: it is then
/// `MIN_VALIDATOR_WITHDRAWABILITY_DELAY + CHURN_LIMIT_QUOTIENT / 2`, as the p2p spec
/// defines it.
fn read_min_epochs_for_block_requests(fields: &Fields<'_>) -> Result<u64, ConfigError> {
    if let Some(value) = fields.opt_u64("MIN_EPOCHS_FOR_BLOCK_REQUESTS")? {
        return Ok(value);
    }
    let (Some(delay), Some(quotient)) = (
        fields.opt_u64("MIN_VALIDATOR_WITHDRAWABILITY_DELAY")?,
        fields.opt_u64("CHURN_LIMIT_QUOTIENT")?,
    ) else {
        return Err(ConfigError::MissingKey {
            key: "MIN_EPOCHS_FOR_BLOCK_REQUESTS".to_owned(),
        });
    };
    delay
        .checked_add(quotient / 2)
        .ok_or_else(|| fields.invalid_number("CHURN_LIMIT_QUOTIENT", &quotient.to_string()))
}

/// `BLOB_SCHEDULE`: a list of `{EPOCH, MAX_BLOBS_PER_BLOCK}` mappings (absent = empty).
fn read_blob_schedule(fields: &Fields<'_>) -> Result<Vec<BlobScheduleEntry>, ConfigError> {
    let items = match fields.node("BLOB_SCHEDULE") {
        None => return Ok(Vec::new()),
        Some(Node::Seq(items)) => items,
        Some(Node::Scalar(_) | Node::Map(_)) => {
            return Err(ConfigError::WrongType {
                key: "BLOB_SCHEDULE".to_owned(),
                expected: "a list",
            });
        }
    };
    let mut schedule = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let prefix = format!("BLOB_SCHEDULE[{index}].");
        let Node::Map(entries) = item else {
            return Err(ConfigError::WrongType {
                key: format!("BLOB_SCHEDULE[{index}]"),
                expected: "a mapping with EPOCH and MAX_BLOBS_PER_BLOCK",
            });
        };
        let entry = Fields::new(entries, prefix)?;
        schedule.push(BlobScheduleEntry {
            epoch: entry.u64("EPOCH")?,
            max_blobs_per_block: entry.u64("MAX_BLOBS_PER_BLOCK")?,
        });
    }
    Ok(schedule)
}

/// `MAX_BLOBS_PER_BLOCK` of the mainnet Deneb preset, for configs written while the
/// value still lived in the preset (the published mainnet file of April 2025 has none).
const DENEB_PRESET_MAX_BLOBS_PER_BLOCK: u64 = 6;
/// `MAX_REQUEST_BLOCKS`: a phase0 p2p constant, in no config written before Deneb
/// (Lodestar 1.5.1's `/eth/v1/config/spec` has none).
const MAX_REQUEST_BLOCKS: u64 = 1024;
/// Mainnet's `MAX_REQUEST_BLOCKS_DENEB`, for configs that do not schedule Deneb.
const MAX_REQUEST_BLOCKS_DENEB: u64 = 128;
/// Mainnet's `MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS`, for configs that do not schedule Deneb.
const MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS: u64 = 4096;
/// `MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS` of every preset, for files without it.
const MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS: u64 = 4096;
/// Mainnet's `MAX_BLOBS_PER_BLOCK_ELECTRA`, for configs that do not schedule Electra.
const MAX_BLOBS_PER_BLOCK_ELECTRA: u64 = 9;

impl ChainConfig {
    /// Parses a network's `config.yaml`.
    ///
    /// Genesis time and `genesis_validators_root` are not part of `config.yaml`: they are
    /// zero until set with [`ChainConfig::with_genesis`] from the genesis state.
    ///
    /// Required keys: `PRESET_BASE` (must be `mainnet`), `GENESIS_FORK_VERSION`,
    /// `{ALTAIR..FULU}_FORK_VERSION` and `_FORK_EPOCH` (a fork with neither key, as in a
    /// file written before that fork existed, is not scheduled), `SECONDS_PER_SLOT` or
    /// `SLOT_DURATION_MS`, and `MIN_EPOCHS_FOR_BLOCK_REQUESTS` (or the two values it is
    /// computed from). Required only when their fork is scheduled, mainnet's value
    /// otherwise: `MAX_REQUEST_BLOCKS_DENEB` and `MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS`
    /// (Deneb), `MAX_BLOBS_PER_BLOCK_ELECTRA` (Electra). With a default when absent, as
    /// older files have them: `MAX_REQUEST_BLOCKS` (1,024, a p2p constant until Deneb),
    /// `MAX_BLOBS_PER_BLOCK` (6, the Deneb preset's), `CONFIG_NAME` (`custom`) and
    /// `BLOB_SCHEDULE` (empty). Other keys are ignored.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the key for a missing key, a bad number or hex value, a
    /// preset other than mainnet, forks out of order, or text that is not such a YAML
    /// mapping.
    pub fn from_config_yaml(text: &str) -> Result<ChainConfig, ConfigError> {
        if text.len() > MAX_CONFIG_YAML_BYTES {
            return Err(ConfigError::InputTooLarge {
                len: text.len(),
                max: MAX_CONFIG_YAML_BYTES,
            });
        }
        let Some(Node::Map(entries)) = parse_tree(text)? else {
            return Err(ConfigError::NotAMapping);
        };
        let fields = Fields::new(&entries, String::new())?;
        let preset = fields.required("PRESET_BASE")?;
        if preset != "mainnet" {
            return Err(ConfigError::UnsupportedPreset {
                preset: preset.to_owned(),
            });
        }
        let forks = read_forks(&fields)?;
        let scheduled = |fork: Fork| forks[super::fork_index(fork)].epoch.is_some();
        let (deneb, electra) = (scheduled(Fork::Deneb), scheduled(Fork::Electra));
        let parts = ConfigParts {
            name: fields.scalar("CONFIG_NAME")?.unwrap_or("custom").to_owned(),
            forks,
            seconds_per_slot: read_seconds_per_slot(&fields)?,
            // A p2p constant before Deneb moved it into the config.
            max_request_blocks: fields.u64_or("MAX_REQUEST_BLOCKS", false, MAX_REQUEST_BLOCKS)?,
            max_request_blocks_deneb: fields.u64_or(
                "MAX_REQUEST_BLOCKS_DENEB",
                deneb,
                MAX_REQUEST_BLOCKS_DENEB,
            )?,
            min_epochs_for_block_requests: read_min_epochs_for_block_requests(&fields)?,
            min_epochs_for_blob_sidecars_requests: fields.u64_or(
                "MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS",
                deneb,
                MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS,
            )?,
            // Files published before Fulu lack it; every preset has 4096.
            min_epochs_for_data_column_sidecars_requests: fields.u64_or(
                "MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS",
                false,
                MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS,
            )?,
            // Older files leave it to the Deneb preset, where it was until Electra.
            max_blobs_per_block: fields.u64_or(
                "MAX_BLOBS_PER_BLOCK",
                false,
                DENEB_PRESET_MAX_BLOBS_PER_BLOCK,
            )?,
            max_blobs_per_block_electra: fields.u64_or(
                "MAX_BLOBS_PER_BLOCK_ELECTRA",
                electra,
                MAX_BLOBS_PER_BLOCK_ELECTRA,
            )?,
            blob_schedule: read_blob_schedule(&fields)?,
        };
        ChainConfig::from_parts(parts)
    }
}
