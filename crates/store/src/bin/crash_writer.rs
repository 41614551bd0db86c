//! A helper process for `tests/crash.rs`, not a tool: it commits a chain into a store one
//! segment at a time and reports every commit on stdout, until it is killed.
//!
//! Usage: `store-crash-writer <db> <pyspec-dir> <electra|fulu> <gvr-hex> <genesis-time>
//! <forward|backward> <seed> <synthetic-blocks>`
//!
//! The chain is the 16 pyspec blocks of the fork, with their blob sidecars (Electra) or
//! the data columns the vectors hold (Fulu: 6 columns of each block with blobs, all 128
//! at slot 5), continued by `<synthetic-blocks>` more: copies of the pyspec blocks moved
//! to later slots (some skipped) and re-linked by parent root, with their sidecars or
//! columns re-headed, so every segment writes real-sized blocks and 128 KiB blobs or
//! columns into every table. Forward runs start at the genesis block and go up; backward
//! runs start at the top block and go down to genesis. Segments are 1 to 8 blocks, drawn
//! from `<seed>`.
//!
//! Output, one flushed line each:
//! - `plan <segments>`: segments 1..=segments follow the anchor (segment 0);
//! - `begin <k> <head-slot> <head-root> <mark-slot> <mark-parent-root>`: the anchors that
//!   segment `k` leads to, printed before its commit starts; the writer then waits for a
//!   line on stdin (`go`) before it commits, so the parent can kill it between commits or
//!   the moment a commit starts, without timing anything;
//! - `done <k>`: the commit of segment `k` returned;
//! - `finished`: every segment is committed; the process then waits for stdin to close.

use std::error::Error;
use std::io::{BufRead, Write};
use std::path::PathBuf;

use consensus::config::ChainConfig;
use consensus::primitives::Hash256;
use consensus::verify::{Anchor, BlockAndSidecars};
use consensus::{Block, Column, Fork, Sidecar, SignedBeaconBlock};
use store::{Anchors, Store};
use sync_types::BlockData;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

struct Args {
    db: PathBuf,
    pyspec: PathBuf,
    fork: Fork,
    chain: ChainConfig,
    forward: bool,
    seed: u64,
    synthetic: u64,
}

fn parse_args() -> Result<Args> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [db, pyspec, fork, gvr, time, direction, seed, synthetic] = args.as_slice() else {
        return Err("usage: store-crash-writer <db> <pyspec-dir> <electra|fulu> <gvr> <genesis-time> <forward|backward> <seed> <synthetic-blocks>".into());
    };
    let gvr: Hash256 = gvr.parse()?;
    let fork = match fork.as_str() {
        "electra" => Fork::Electra,
        "fulu" => Fork::Fulu,
        other => return Err(format!("unknown fork {other}").into()),
    };
    Ok(Args {
        db: db.into(),
        pyspec: pyspec.into(),
        fork,
        chain: ChainConfig::devnet(fork, time.parse()?, gvr),
        forward: match direction.as_str() {
            "forward" => true,
            "backward" => false,
            other => return Err(format!("unknown direction {other}").into()),
        },
        seed: seed.parse()?,
        synthetic: synthetic.parse()?,
    })
}

/// xorshift64: reproducible segment sizes and skipped slots from a seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// The genesis block and the pyspec blocks with their sidecars or columns, in slot order.
fn load_pyspec(dir: &std::path::Path, fork: Fork) -> Result<(Block, Vec<BlockAndSidecars>)> {
    let genesis = Block::from_ssz_bytes(&std::fs::read(dir.join("genesis_block.ssz"))?, fork)?;
    let mut blocks = Vec::new();
    for slot in 1..=20 {
        let path = dir.join(format!("blocks/{slot}.ssz"));
        if !path.exists() {
            continue;
        }
        let block = Block::from_ssz_bytes(&std::fs::read(path)?, fork)?;
        if fork.has_data_columns() {
            let columns = load_columns(dir, slot)?;
            blocks.push(BlockData {
                block,
                sidecars: None,
                columns: Some(columns),
            });
            continue;
        }
        let mut sidecars = Vec::new();
        for index in 0..block.signed().blob_kzg_commitments().len() {
            let bytes = std::fs::read(dir.join(format!("sidecars/{slot}_{index}.ssz")))?;
            sidecars.push(Sidecar::from_ssz_bytes(&bytes)?);
        }
        blocks.push(BlockData {
            block,
            sidecars: Some(sidecars),
            columns: None,
        });
    }
    Ok((genesis, blocks))
}

/// The columns of `slot` in the vectors (`columns/<slot>_<index>.ssz`), by index.
fn load_columns(dir: &std::path::Path, slot: u64) -> Result<Vec<Column>> {
    let prefix = format!("{slot}_");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir.join("columns"))? {
        let path = entry?.path();
        let name = path
            .file_stem()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if let Some(index) = name.strip_prefix(&prefix) {
            files.push((index.parse::<u64>()?, path));
        }
    }
    files.sort();
    files
        .into_iter()
        .map(|(_, path)| Ok(Column::from_ssz_bytes(&std::fs::read(path)?)?))
        .collect()
}

/// `template` moved to `slot` under `parent_root`, with its sidecars or columns
/// re-headed.
fn rebase(
    template: &BlockAndSidecars,
    slot: u64,
    parent_root: Hash256,
) -> Result<BlockAndSidecars> {
    let block = match template.block.signed().clone() {
        SignedBeaconBlock::Electra(mut inner) => {
            inner.message.slot = slot;
            inner.message.parent_root = parent_root;
            Block::new(SignedBeaconBlock::Electra(inner))
        }
        SignedBeaconBlock::Fulu(mut inner) => {
            inner.message.slot = slot;
            inner.message.parent_root = parent_root;
            Block::new(SignedBeaconBlock::Fulu(inner))
        }
        _ => return Err("the pyspec templates are electra or fulu blocks".into()),
    };
    let sidecars = template.sidecars.as_ref().map(|sidecars| {
        sidecars
            .iter()
            .map(|sidecar| {
                let mut moved = sidecar.sidecar().clone();
                moved.signed_block_header = block.signed_header();
                Sidecar::new(moved)
            })
            .collect()
    });
    let columns = template.columns.as_ref().map(|columns| {
        columns
            .iter()
            .map(|column| {
                let mut moved = column.sidecar().clone();
                moved.signed_block_header = block.signed_header();
                Column::new(moved)
            })
            .collect()
    });
    Ok(BlockData {
        block,
        sidecars,
        columns,
    })
}

/// The whole chain in slot order, genesis first.
fn build_chain(args: &Args, rng: &mut Rng) -> Result<Vec<BlockAndSidecars>> {
    let (genesis, pyspec) = load_pyspec(&args.pyspec, args.fork)?;
    let mut chain = vec![BlockData::block_only(genesis)];
    chain.extend(pyspec.iter().cloned());
    for n in 0..args.synthetic {
        let (slot, parent) = match chain.last() {
            Some(last) => (last.block.signed().slot(), last.block.root()),
            None => return Err("the chain has a genesis block".into()),
        };
        let index = usize::try_from(n)? % pyspec.len().max(1);
        let template = pyspec.get(index).ok_or("the pyspec chain has blocks")?;
        chain.push(rebase(
            template,
            slot + 1 + u64::from(rng.below(3) == 0),
            parent,
        )?);
    }
    Ok(chain)
}

fn say(line: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()?;
    Ok(())
}

fn announce(k: usize, anchors: &Anchors) -> Result<()> {
    say(&format!(
        "begin {k} {} {} {} {}",
        anchors.head.slot, anchors.head.root, anchors.backfill.slot, anchors.backfill.parent_root
    ))
}

fn main() -> Result<()> {
    let args = parse_args()?;
    let mut rng = Rng(args.seed | 1);
    let chain = build_chain(&args, &mut rng)?;
    let store = Store::open(&args.db, &args.chain)?;
    let (anchor, rest): (&BlockAndSidecars, Vec<BlockAndSidecars>) = if args.forward {
        let (first, rest) = chain.split_first().ok_or("empty chain")?;
        (first, rest.to_vec())
    } else {
        let (last, rest) = chain.split_last().ok_or("empty chain")?;
        (last, rest.iter().rev().cloned().collect())
    };
    let mut segments = Vec::new();
    let mut remaining = rest.as_slice();
    while !remaining.is_empty() {
        let size = usize::try_from(1 + rng.below(8))?.min(remaining.len());
        let (segment, tail) = remaining.split_at(size);
        segments.push(segment);
        remaining = tail;
    }
    say(&format!("plan {}", segments.len()))?;

    let sidecars = anchor.sidecars.clone().unwrap_or_default();
    let mut anchors = Anchors::at_trusted(
        anchor.block.root(),
        anchor.block.signed().slot(),
        anchor.block.signed().parent_root(),
    );
    let mut input = std::io::stdin().lock().lines();
    announce(0, &anchors)?;
    wait_for_go(&mut input)?;
    store.init_anchor(&anchor.block, &sidecars)?;
    say("done 0")?;
    for (k, segment) in segments.iter().enumerate() {
        let last = &segment.last().ok_or("empty segment")?.block;
        let (root, slot, parent) = (
            last.root(),
            last.signed().slot(),
            last.signed().parent_root(),
        );
        let moved = if args.forward {
            anchors.head = store::BlockId { root, slot };
            Anchor::Head { root, slot }
        } else {
            anchors.backfill = store::BackfillMark {
                slot,
                parent_root: parent,
            };
            Anchor::Parent {
                root: parent,
                child_slot: slot,
            }
        };
        announce(k + 1, &anchors)?;
        wait_for_go(&mut input)?;
        store.commit_segment(segment, moved)?;
        say(&format!("done {}", k + 1))?;
    }
    say("finished")?;
    // Wait to be killed (or for the parent to close stdin).
    for line in input {
        line?;
    }
    Ok(())
}

/// Blocks until the parent says `go` (or closes stdin: then the run is over).
fn wait_for_go(input: &mut impl Iterator<Item = std::io::Result<String>>) -> Result<()> {
    let line = input.next().ok_or("stdin closed before `go`")??;
    if line.trim() == "go" {
        Ok(())
    } else {
        Err("expected `go` on stdin".into())
    }
}
