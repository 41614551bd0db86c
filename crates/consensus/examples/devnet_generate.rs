//! Generates a devnet and writes it out in the layout of the pyspec vectors:
//! `genesis_state.ssz`, `genesis_block.ssz`, `blocks/<slot>.ssz` and
//! `sidecars/<slot>_<index>.ssz` (Deneb, Electra) or `columns/<slot>_<column>.ssz` (Fulu,
//! the columns listed in `COLUMNS`).
//!
//! ```text
//! cargo run --release -p beacon-sync-consensus --example devnet_generate -- <out-dir> [slots] [fork] [seed]
//! ```
//!
//! Defaults: 64 slots, electra, seed 0. Without an output folder it only generates and
//! prints the timing.

use std::path::{Path, PathBuf};
use std::time::Instant;

use consensus::Fork;
use consensus::devnet::{Devnet, DevnetParams, seed_from_u64};

/// The Fulu columns written per block (the pyspec vectors' choice).
const COLUMNS: [u64; 6] = [0, 35, 60, 65, 94, 127];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().filter(|a| !a.is_empty()).map(PathBuf::from);
    let slots = args.next().map(|a| a.parse()).transpose()?.unwrap_or(64);
    let fork_name = args.next().unwrap_or_else(|| "electra".to_owned());
    let fork = Fork::from_name(&fork_name).ok_or(format!("unknown fork {fork_name}"))?;
    let seed = seed_from_u64(args.next().map(|a| a.parse()).transpose()?.unwrap_or(0));
    let params = DevnetParams {
        slots,
        genesis_fork: fork,
        seed,
        ..DevnetParams::default()
    };

    let start = Instant::now();
    let devnet = Devnet::generate(params)?;
    println!("{devnet:?}\ngenerated in {:.2?}", start.elapsed());
    if let Some(out) = out {
        write(&devnet, &out)?;
        println!("written to {}", out.display());
    }
    Ok(())
}

fn write(devnet: &Devnet, out: &Path) -> Result<(), Box<dyn std::error::Error>> {
    for folder in ["blocks", "sidecars", "columns"] {
        std::fs::create_dir_all(out.join(folder))?;
    }
    std::fs::write(out.join("genesis_state.ssz"), devnet.genesis_state_ssz())?;
    std::fs::write(
        out.join("genesis_block.ssz"),
        devnet.genesis_block().signed().as_ssz_bytes(),
    )?;
    for (index, block) in devnet.blocks().iter().enumerate() {
        let slot = block.signed().slot();
        std::fs::write(
            out.join(format!("blocks/{slot}.ssz")),
            block.signed().as_ssz_bytes(),
        )?;
        for sidecar in devnet.sidecars_for(index).unwrap_or_default() {
            let name = format!("sidecars/{slot}_{}.ssz", sidecar.sidecar().index);
            std::fs::write(out.join(name), sidecar.as_ssz_bytes())?;
        }
        if devnet.fork().has_data_columns() {
            for column in devnet.data_columns_at(index, &COLUMNS)? {
                let name = format!("columns/{slot}_{}.ssz", column.index);
                std::fs::write(out.join(name), ssz::Encode::as_ssz_bytes(&column))?;
            }
        }
    }
    Ok(())
}
