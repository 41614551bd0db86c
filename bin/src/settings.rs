//! Settings from a TOML file merged under the command line's flags.

use std::path::Path;

use anyhow::Context;

use crate::cli::NodeArgs;

/// The `[node]`-less TOML file: keys as the long flags (`datadir`, `peer`, `port`, ...).
pub(crate) fn load(path: Option<&Path>) -> anyhow::Result<NodeArgs> {
    let Some(path) = path else {
        return Ok(NodeArgs::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
}

/// `flags` over `file`: a flag given on the command line wins.
pub(crate) fn merge(flags: NodeArgs, file: NodeArgs) -> NodeArgs {
    NodeArgs {
        datadir: flags.datadir.or(file.datadir),
        peers: if flags.peers.is_empty() {
            file.peers
        } else {
            flags.peers
        },
        listen_address: flags.listen_address.or(file.listen_address),
        port: flags.port.or(file.port),
        http_address: flags.http_address.or(file.http_address),
        http_port: flags.http_port.or(file.http_port),
        target_peers: flags.target_peers.or(file.target_peers),
        supernode: flags.supernode || file.supernode,
        bootnodes: if flags.bootnodes.is_empty() {
            file.bootnodes
        } else {
            flags.bootnodes
        },
        discovery_port: flags.discovery_port.or(file.discovery_port),
        enr_address: flags.enr_address.or(file.enr_address),
        disable_discovery: flags.disable_discovery || file.disable_discovery,
    }
}
