//! Crash safety: a writer process is killed with SIGKILL at random moments while it
//! commits segments (20 runs, forward and backward, of an Electra chain with blob
//! sidecars and a Fulu chain with data columns). Each time the store reopens at a
//! segment boundary no older than the last commit the writer saw return, holding exactly
//! the blocks, sidecars and columns of the committed segments, all readable, and nothing
//! of the segment that was cut off.
//!
//! The writer is the `store-crash-writer` helper binary (see its docs for the protocol).
//! The writer announces each segment and waits for `go` before committing it. At a
//! randomly chosen segment the parent either kills it before saying `go` (between
//! commits) or says `go` and kills at once (inside the commit, at a point set by
//! scheduling). Nothing sleeps; the spread of landings is printed.
//! Set `STORE_CRASH_SEED` to replay a run of seeds.

#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failure is a test failure"
)]

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Lines};
use std::os::unix::process::ExitStatusExt;
use std::process::{ChildStdout, Command, Stdio};

use consensus::Fork;
use consensus::primitives::Hash256;
use store::{BackfillMark, BlockId, Store, StoreStats};
use support::{Chain, pyspec_dir};

const RUNS: u64 = 20;
/// Synthetic blocks after the 16 pyspec ones (about 11 segments per run).
const SYNTHETIC_BLOCKS: u64 = 32;
const SIGKILL: i32 = 9;

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// What the writer said it would commit, and what it saw committed.
#[derive(Default)]
struct Transcript {
    /// Segment k → the (head, backfill mark) it leads to.
    begun: BTreeMap<u64, (BlockId, BackfillMark)>,
    /// The last segment whose commit returned.
    last_done: Option<u64>,
}

enum Event {
    Plan(u64),
    Begin(u64),
    Done,
    Finished,
}

impl Transcript {
    #[track_caller]
    fn record(&mut self, line: &str) -> Event {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["plan", n] => Event::Plan(n.parse().unwrap()),
            ["begin", k, head_slot, head_root, mark_slot, mark_parent] => {
                let k = k.parse().unwrap();
                let head = BlockId {
                    root: root(head_root),
                    slot: head_slot.parse().unwrap(),
                };
                let mark = BackfillMark {
                    slot: mark_slot.parse().unwrap(),
                    parent_root: root(mark_parent),
                };
                self.begun.insert(k, (head, mark));
                Event::Begin(k)
            }
            ["done", k] => {
                let k: u64 = k.parse().unwrap();
                assert_eq!(
                    self.last_done.map_or(0, |d| d + 1),
                    k,
                    "segments are done in order"
                );
                self.last_done = Some(k);
                Event::Done
            }
            ["finished"] => Event::Finished,
            _ => panic!("unexpected line from the writer: {line}"),
        }
    }
}

/// How many chunks a record of `len` bytes takes.
fn chunks(len: usize) -> u64 {
    len.div_ceil(store::schema::CHUNK_BYTES) as u64
}

fn root(hex: &str) -> Hash256 {
    hex.parse().expect("a root")
}

#[track_caller]
fn next_line(lines: &mut Lines<BufReader<ChildStdout>>) -> String {
    lines
        .next()
        .expect("the writer ended early (see its stderr)")
        .expect("a line")
}

/// Where a kill landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Landing {
    /// After a commit was reported and before the next began.
    BetweenCommits,
    /// Inside a commit, which was then found rolled back.
    RolledBack,
    /// Inside the call, after the commit was durable but before it was reported.
    CommittedUnreported,
}

/// One writer, killed once; returns where the kill landed.
fn crash_once(chain: &Chain, run: u64, seed: u64) -> Landing {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("chain.redb");
    let forward = run.is_multiple_of(2);
    let fork = if chain.fork == Fork::Fulu {
        "fulu"
    } else {
        "electra"
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_store-crash-writer"))
        .arg(&db)
        .arg(pyspec_dir(fork))
        .arg(fork)
        .arg(chain.config.genesis_validators_root().to_string())
        .arg(chain.config.genesis_time().to_string())
        .arg(if forward { "forward" } else { "backward" })
        .arg(seed.to_string())
        .arg(SYNTHETIC_BLOCKS.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the writer starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut transcript = Transcript::default();
    let Event::Plan(segments) = transcript.record(&next_line(&mut lines)) else {
        panic!("the writer starts with its plan")
    };
    let target = rng.below(segments + 1);
    let inside_commit = rng.below(2) == 1;
    let mut go = child.stdin.take().unwrap();
    let mut say_go = || {
        use std::io::Write;
        writeln!(go, "go").and_then(|()| go.flush())
    };
    loop {
        match transcript.record(&next_line(&mut lines)) {
            Event::Begin(k) if k == target => {
                if inside_commit {
                    // The writer may already have been killed by then; that is fine.
                    let _ = say_go();
                }
                break;
            }
            Event::Begin(_) => say_go().unwrap(),
            Event::Finished => break,
            _ => {}
        }
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(
        status.signal(),
        Some(SIGKILL),
        "run {run}: the writer was killed, not ended"
    );
    for line in lines {
        transcript.record(&line.unwrap());
    }
    let found = check_store(chain, &db, &transcript, run, seed);
    let cut = transcript.begun.keys().last().copied();
    if cut == transcript.last_done || !inside_commit {
        Landing::BetweenCommits
    } else if found.is_some() && found == cut.and_then(|k| transcript.begun.get(&k).copied()) {
        Landing::CommittedUnreported
    } else {
        Landing::RolledBack
    }
}

/// The reopened store is at a segment boundary at or after the last commit seen to
/// return, and holds exactly the blocks of its chain; returns its (head, backfill mark).
fn check_store(
    chain: &Chain,
    db: &std::path::Path,
    transcript: &Transcript,
    run: u64,
    seed: u64,
) -> Option<(BlockId, BackfillMark)> {
    let context = format!(
        "run {run} (seed {seed}, last done {:?})",
        transcript.last_done
    );
    let store = Store::open(db, &chain.config).unwrap_or_else(|e| panic!("{context}: reopen: {e}"));
    let anchors = store.anchors().unwrap();
    let Some(last_done) = transcript.last_done else {
        // Killed while storing the trusted anchor: all or nothing.
        match anchors {
            None => assert_eq!(store.stats().unwrap(), Default::default(), "{context}"),
            Some(anchors) => {
                assert_eq!(
                    Some(&(anchors.head, anchors.backfill)),
                    transcript.begun.get(&0),
                    "{context}"
                );
            }
        }
        return anchors.map(|a| (a.head, a.backfill));
    };
    let anchors = anchors.unwrap_or_else(|| panic!("{context}: the anchor was committed"));
    let at = (anchors.head, anchors.backfill);
    let allowed = [
        transcript.begun.get(&last_done),
        transcript.begun.get(&(last_done + 1)),
    ];
    assert!(
        allowed.iter().flatten().any(|boundary| **boundary == at),
        "{context}: anchors {at:?} are not the end of segment {last_done} or the next"
    );
    let (start, _) = transcript.begun[&0];
    assert_eq!(
        anchors.trusted, start,
        "{context}: the trusted anchor never moves"
    );

    // Walk the chain from the head down to the backfill mark, reading and decoding
    // everything, and count what the chain accounts for.
    let fulu = chain.fork == Fork::Fulu;
    let all_columns: Vec<u64> = (0..128).collect();
    let mut expected = StoreStats::default();
    let mut root = anchors.head.root;
    let lowest = loop {
        let block = store
            .block(root)
            .unwrap()
            .unwrap_or_else(|| panic!("{context}: block {root} missing"));
        let slot = block.signed().slot();
        assert_eq!(
            store.block_root_at(slot).unwrap(),
            Some(root),
            "{context}: slot index at {slot}"
        );
        let decoded = store.sidecars(root).unwrap();
        let commitments = block.signed().blob_kzg_commitments().len();
        // Fulu blocks carry their blobs as columns only.
        let sidecars = if fulu { 0 } else { commitments };
        assert_eq!(decoded.len(), sidecars, "{context}: sidecars at {slot}");
        let raw = store.blob_sidecars_ssz_by_range(slot, 1).unwrap();
        assert_eq!(raw.len(), sidecars, "{context}: sidecars served at {slot}");
        let columns = store.columns(root).unwrap();
        let served = store
            .data_column_sidecars_ssz_by_range(slot, 1, &all_columns)
            .unwrap();
        assert_eq!(served.len(), columns.len(), "{context}: columns at {slot}");
        // The trusted anchor is stored without columns (`init_anchor` takes none).
        let has_columns = fulu && commitments > 0 && root != anchors.trusted.root;
        assert_eq!(
            !columns.is_empty(),
            has_columns,
            "{context}: columns at {slot}"
        );
        for column in &columns {
            assert_eq!(column.sidecar().column.len(), commitments, "{context}");
        }
        expected.blocks += 1;
        expected.canonical_slots += 1;
        expected.block_chunks += chunks(block.signed().ssz_len());
        expected.blob_sidecars += raw.len() as u64;
        expected.blob_sidecar_chunks += raw.iter().map(|s| chunks(s.ssz.len())).sum::<u64>();
        expected.data_columns += served.len() as u64;
        expected.data_column_chunks += served.iter().map(|c| chunks(c.ssz.len())).sum::<u64>();
        if slot == anchors.backfill.slot {
            break block;
        }
        root = block.signed().parent_root();
    };
    assert_eq!(
        lowest.signed().parent_root(),
        anchors.backfill.parent_root,
        "{context}"
    );
    assert_eq!(
        store.stats().unwrap(),
        expected,
        "{context}: records outside the committed chain (a partial segment)"
    );
    let blocks = expected.blocks;
    let served = store.blocks_by_range(
        anchors.backfill.slot,
        anchors.head.slot - anchors.backfill.slot + 1,
    );
    assert_eq!(
        served.unwrap().len() as u64,
        blocks,
        "{context}: range query over the chain"
    );
    Some(at)
}

#[test]
fn a_writer_killed_at_random_moments_leaves_the_store_at_a_segment_boundary() {
    let chains = [Chain::electra(), Chain::fulu()];
    let base = std::env::var("STORE_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos();
            u64::from(nanos)
        });
    eprintln!("STORE_CRASH_SEED={base}");
    let mut landings = BTreeMap::new();
    for run in 0..RUNS {
        // Forward and backward in turn, each for both chains.
        let chain = &chains[usize::from(run % 4 >= 2)];
        *landings
            .entry(crash_once(chain, run, base + run))
            .or_insert(0) += 1;
    }
    eprintln!("kills landed: {landings:?}");
}
