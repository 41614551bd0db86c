//! Writing a [`ChainConfig`] as a `config.yaml`, in the format of consensus-specs'
//! `configs/*.yaml`, so that a devnet's directory is a standard network directory
//! (`config.yaml` beside `genesis.ssz`) that any tool reading `--testnet-dir` can open.

use std::fmt::Write as _;

use super::{ChainConfig, FAR_FUTURE_EPOCH};
use crate::fork::Fork;

impl ChainConfig {
    /// The keys [`ChainConfig::from_config_yaml`] reads, with this config's values:
    /// reading the text back gives this config without its genesis time and root (those
    /// belong to the genesis state, not the config file).
    pub fn to_config_yaml(&self) -> String {
        let mut out = String::new();
        let mut line = |key: &str, value: &dyn std::fmt::Display| {
            // Writing to a String cannot fail.
            let _ = writeln!(out, "{key}: {value}");
        };
        line("PRESET_BASE", &"'mainnet'");
        line("CONFIG_NAME", &format!("'{}'", self.name()));
        for fork in Fork::ALL {
            let params = self.fork_params(fork);
            if fork == Fork::Phase0 {
                line("GENESIS_FORK_VERSION", &params.version);
                continue;
            }
            let upper = fork.name().to_ascii_uppercase();
            line(&format!("{upper}_FORK_VERSION"), &params.version);
            let epoch = params.epoch.unwrap_or(FAR_FUTURE_EPOCH);
            line(&format!("{upper}_FORK_EPOCH"), &epoch);
        }
        line("SECONDS_PER_SLOT", &self.seconds_per_slot());
        line("MAX_REQUEST_BLOCKS", &self.max_request_blocks());
        line("MAX_REQUEST_BLOCKS_DENEB", &self.max_request_blocks_deneb());
        line(
            "MIN_EPOCHS_FOR_BLOCK_REQUESTS",
            &self.min_epochs_for_block_requests(),
        );
        line(
            "MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS",
            &self.min_epochs_for_blob_sidecars_requests(),
        );
        line(
            "MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS",
            &self.min_epochs_for_data_column_sidecars_requests(),
        );
        line("MAX_BLOBS_PER_BLOCK", &self.max_blobs_per_block());
        line(
            "MAX_BLOBS_PER_BLOCK_ELECTRA",
            &self.max_blobs_per_block_electra(),
        );
        if !self.blob_schedule().is_empty() {
            out.push_str("BLOB_SCHEDULE:\n");
            for entry in self.blob_schedule() {
                let _ = writeln!(out, "  - EPOCH: {}", entry.epoch);
                let _ = writeln!(
                    out,
                    "    MAX_BLOBS_PER_BLOCK: {}",
                    entry.max_blobs_per_block
                );
            }
        }
        out
    }
}
