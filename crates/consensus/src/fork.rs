//! The consensus forks whose containers beacon-sync knows.

use std::fmt;

/// A consensus-layer fork, in activation order.
///
/// Blob-parameter-only (BPO) forks are not listed: they change the fork digest and the
/// blob limit, never the containers, so they are all [`Fork::Fulu`] here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fork {
    /// The launch fork (2020).
    Phase0,
    /// Sync committees (2021).
    Altair,
    /// The merge: execution payloads (2022).
    Bellatrix,
    /// Withdrawals (2023).
    Capella,
    /// Blobs (EIP-4844, 2024).
    Deneb,
    /// Electra (Pectra, 2025): new attestation format, execution requests.
    Electra,
    /// Fulu (Fusaka, 2025): PeerDAS data columns; same block as Electra.
    Fulu,
}

impl Fork {
    /// Every fork, in activation order.
    pub const ALL: [Fork; 7] = [
        Fork::Phase0,
        Fork::Altair,
        Fork::Bellatrix,
        Fork::Capella,
        Fork::Deneb,
        Fork::Electra,
        Fork::Fulu,
    ];

    /// The lowercase name the specs and config files use (`phase0`, ..., `fulu`).
    pub const fn name(self) -> &'static str {
        match self {
            Fork::Phase0 => "phase0",
            Fork::Altair => "altair",
            Fork::Bellatrix => "bellatrix",
            Fork::Capella => "capella",
            Fork::Deneb => "deneb",
            Fork::Electra => "electra",
            Fork::Fulu => "fulu",
        }
    }

    /// The fork named `name` (case-insensitive), if any; `genesis` is phase0.
    pub fn from_name(name: &str) -> Option<Fork> {
        let name = name.to_ascii_lowercase();
        if name == "genesis" {
            return Some(Fork::Phase0);
        }
        Fork::ALL.into_iter().find(|fork| fork.name() == name)
    }

    /// Whether blocks of this fork carry blob KZG commitments.
    pub const fn has_blobs(self) -> bool {
        matches!(self, Fork::Deneb | Fork::Electra | Fork::Fulu)
    }

    /// Whether blobs of this fork travel as data columns rather than blob sidecars.
    pub const fn has_data_columns(self) -> bool {
        matches!(self, Fork::Fulu)
    }

    /// The fork before this one, if any.
    pub fn previous(self) -> Option<Fork> {
        let index = Fork::ALL.iter().position(|fork| *fork == self)?;
        index.checked_sub(1).map(|i| Fork::ALL[i])
    }
}

impl fmt::Display for Fork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
