//! The built-in networks' bootnodes (`networks/<name>/bootstrap_nodes.yaml`, as the
//! networks' maintainers publish them), and reading a testnet directory's.

use std::path::Path;

use net::discovery::{Enr, EnrError, parse_bootnodes};

use crate::launch::LaunchError;

/// The bootnode list files a testnet directory may hold, in the order they are looked for.
pub const BOOTNODE_FILES: [&str; 2] = ["bootstrap_nodes.yaml", "bootstrap_nodes.txt"];

/// The published bootnode list of a built-in network (`mainnet`, `sepolia`, `hoodi`,
/// `holesky`), as text; `None` for another name.
pub fn built_in_text(network: &str) -> Option<&'static str> {
    Some(match network {
        "mainnet" => include_str!("../networks/mainnet/bootstrap_nodes.yaml"),
        "sepolia" => include_str!("../networks/sepolia/bootstrap_nodes.yaml"),
        "hoodi" => include_str!("../networks/hoodi/bootstrap_nodes.yaml"),
        "holesky" => include_str!("../networks/holesky/bootstrap_nodes.yaml"),
        _ => return None,
    })
}

/// The bootnodes of a built-in network; `None` for another name.
///
/// # Errors
/// [`EnrError`] if an embedded record does not verify (a test checks they all do).
pub fn built_in(network: &str) -> Option<Result<Vec<Enr>, EnrError>> {
    built_in_text(network).map(parse_bootnodes)
}

/// The bootnodes of a testnet directory (its `bootstrap_nodes.yaml` or `.txt`), if it
/// has a list.
///
/// # Errors
/// [`LaunchError`] naming the file that cannot be read or holds a bad record.
pub fn of_testnet_dir(dir: &Path) -> Result<Option<Vec<Enr>>, LaunchError> {
    for name in BOOTNODE_FILES {
        let path = dir.join(name);
        if !path.exists() {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|source| LaunchError::Read {
            path: path.clone(),
            source,
        })?;
        return parse_bootnodes(&text)
            .map(Some)
            .map_err(|error| LaunchError::Invalid {
                path,
                what: "bootnode list",
                detail: error.to_string(),
            });
    }
    Ok(None)
}
