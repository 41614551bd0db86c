//! Peak memory of a sync through the queue, for ranges of 10k, 100k and 1M slots.
//!
//! ```text
//! cargo run --release -p beacon-sync-queue --example queue_memory
//! ```
//!
//! Each size runs in a fresh child process (this program re-executed with
//! `--slots N`), so one run's peak never carries over to the next. The child syncs
//! `1 ..= N` forward through a [`SyncQueue`] with chunks of 32 slots and a verifier that
//! accepts everything; results come back in windows of 16 requests pushed in a
//! deterministic shuffled order (one spawned task per push on a current-thread tokio
//! runtime), so up to 15 results are parked at once. Responses are built per window, on
//! the fly: nothing in the harness grows with the range.
//!
//! # How memory is measured
//!
//! A counting `#[global_allocator]` would give exact heap bytes, but it needs
//! `unsafe impl GlobalAlloc`, and the workspace forbids `unsafe_code` (`forbid` cannot be
//! lowered by an `#[allow]`). So the child reads `/proc/self/status`: `VmRSS` before the
//! run, then resets the high-water mark (`5` written to `/proc/self/clear_refs`), runs,
//! and reads `VmHWM` (peak resident memory during the run), `VmRSS` and `RssAnon` (heap
//! and stacks) after it. Resident memory moves in 4 KiB pages and the allocator keeps
//! freed memory, so this shows growth, not exact heap bytes: if the queue kept something
//! per request, 31,250 requests at 1M slots would show it against 10k slots.
//!
//! The wall time includes building the responses; the queue time counts only the queue
//! calls (pops, spawned pushes and their joins), as in `benches/queue.rs`.

#[path = "../benches/support/mod.rs"]
mod support;

use std::{
    process::{Command, ExitCode},
    time::{Duration, Instant},
};
use support::{
    AcceptAll, PEERS, SHUFFLE_SEED, WINDOW_REQUESTS, honest_response, push_window_shuffled,
    shuffled_indices,
};

use sync_queue::{QueueConfig, SyncQueue};
use sync_types::{ChainSpec, Slot, SyncDirection, SyncRange, test_utils::TestPeer};

/// The range lengths measured, in slots.
const RANGE_SIZES_SLOTS: [u64; 3] = [10_000, 100_000, 1_000_000];
/// Slots per request.
const CHUNK_SLOTS: u64 = 32;
/// The argument that makes this program a child measuring one size.
const CHILD_FLAG: &str = "--slots";

/// Sync `1 ..= slots` through a fresh queue. Returns the time spent in queue calls and
/// the number of requests.
async fn sync_range(slots: u64) -> (Duration, u64) {
    let queue = SyncQueue::new(
        SyncDirection::Forward,
        Slot(1),
        Slot(slots),
        QueueConfig::default().with_chunk_size(CHUNK_SLOTS),
        &ChainSpec::mainnet(),
        Box::new(|| Slot(0)),
        AcceptAll,
    );
    let peers: Vec<TestPeer> = (0..PEERS).map(TestPeer::new).collect();
    let head = Slot(slots);
    let mut rng = SHUFFLE_SEED;
    let mut queue_time = Duration::ZERO;
    let mut requests = 0;
    let mut next = 1;
    while next <= slots {
        let mut responses = Vec::with_capacity(WINDOW_REQUESTS);
        while responses.len() < WINDOW_REQUESTS && next <= slots {
            let count = CHUNK_SLOTS.min(slots - next + 1);
            let range = SyncRange::new(Slot(next), count).expect("count is at least 1");
            responses.push(honest_response(range));
            next += count;
        }
        let order = shuffled_indices(responses.len(), &mut rng);
        requests += responses.len() as u64;

        let started = Instant::now();
        push_window_shuffled(&queue, head, &peers, responses, &order).await;
        queue_time += started.elapsed();
    }
    assert!(queue.is_empty(), "the whole range was processed");
    (queue_time, requests)
}

/// A `kB` field of `/proc/self/status` (`VmRSS`, `VmHWM`, `RssAnon`), in KiB.
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))?
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse()
        .ok()
}

/// One size's measurement, as a child prints it and the parent reads it back.
#[derive(Debug, Default)]
struct Measurement {
    slots: u64,
    requests: u64,
    rss_before_kib: u64,
    /// Whether the high-water mark was reset to the current RSS before the run.
    hwm_reset: bool,
    hwm_kib: u64,
    rss_after_kib: u64,
    anon_after_kib: u64,
    wall_ns: u128,
    queue_ns: u128,
}

impl Measurement {
    fn to_line(&self) -> String {
        format!(
            "slots={} requests={} rss_before_kib={} hwm_reset={} hwm_kib={} rss_after_kib={} \
             anon_after_kib={} wall_ns={} queue_ns={}",
            self.slots,
            self.requests,
            self.rss_before_kib,
            self.hwm_reset,
            self.hwm_kib,
            self.rss_after_kib,
            self.anon_after_kib,
            self.wall_ns,
            self.queue_ns
        )
    }

    fn from_line(line: &str) -> Option<Self> {
        let mut m = Measurement::default();
        for pair in line.split_whitespace() {
            let (key, value) = pair.split_once('=')?;
            match key {
                "slots" => m.slots = value.parse().ok()?,
                "requests" => m.requests = value.parse().ok()?,
                "rss_before_kib" => m.rss_before_kib = value.parse().ok()?,
                "hwm_reset" => m.hwm_reset = value.parse().ok()?,
                "hwm_kib" => m.hwm_kib = value.parse().ok()?,
                "rss_after_kib" => m.rss_after_kib = value.parse().ok()?,
                "anon_after_kib" => m.anon_after_kib = value.parse().ok()?,
                "wall_ns" => m.wall_ns = value.parse().ok()?,
                "queue_ns" => m.queue_ns = value.parse().ok()?,
                _ => return None,
            }
        }
        Some(m)
    }
}

/// The child: sync `slots` slots and print one [`Measurement`] line.
fn measure(slots: u64) -> Measurement {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime builds");
    let rss_before_kib = status_kib("VmRSS").expect("/proc/self/status has VmRSS");
    // "5" resets the peak RSS to the current RSS (Linux 4.0+).
    let hwm_reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let started = Instant::now();
    let (queue_time, requests) = rt.block_on(sync_range(slots));
    let wall = started.elapsed();
    Measurement {
        slots,
        requests,
        rss_before_kib,
        hwm_reset,
        hwm_kib: status_kib("VmHWM").expect("/proc/self/status has VmHWM"),
        rss_after_kib: status_kib("VmRSS").expect("/proc/self/status has VmRSS"),
        anon_after_kib: status_kib("RssAnon").unwrap_or(0),
        wall_ns: wall.as_nanos(),
        queue_ns: queue_time.as_nanos(),
    }
}

/// The parent: run one child per size and print the table.
fn report() -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    println!(
        "queue_memory: forward sync, chunk {CHUNK_SLOTS} slots, shuffled windows of \
         {WINDOW_REQUESTS} requests, accept-all verifier; one fresh process per size.\n\
         Memory: VmRSS/VmHWM/RssAnon from /proc/self/status (a counting global allocator \
         needs unsafe code, which the workspace forbids).\n"
    );
    println!(
        "{:>9} {:>8} {:>12} {:>10} {:>12} {:>12} {:>13} {:>10} {:>12} {:>13}",
        "slots",
        "requests",
        "rss_before",
        "peak_rss",
        "peak_growth",
        "rss_after",
        "anon_after",
        "wall_ms",
        "wall_ns/slot",
        "queue_ns/slot",
    );
    for slots in RANGE_SIZES_SLOTS {
        let output = Command::new(&exe)
            .args([CHILD_FLAG, &slots.to_string()])
            .output()
            .map_err(|e| format!("cannot run the child for {slots} slots: {e}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            return Err(format!(
                "child for {slots} slots failed ({}): {}{}",
                output.status,
                stdout,
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let m = stdout
            .lines()
            .find_map(Measurement::from_line)
            .ok_or_else(|| format!("child for {slots} slots printed no measurement: {stdout}"))?;
        if !m.hwm_reset {
            println!("(peak RSS of {slots} slots includes process start-up: clear_refs failed)");
        }
        println!(
            "{:>9} {:>8} {:>8} KiB {:>6} KiB {:>8} KiB {:>8} KiB {:>9} KiB {:>10.1} {:>12.1} {:>13.1}",
            m.slots,
            m.requests,
            m.rss_before_kib,
            m.hwm_kib,
            m.hwm_kib.saturating_sub(m.rss_before_kib),
            m.rss_after_kib,
            m.anon_after_kib,
            m.wall_ns as f64 / 1e6,
            m.wall_ns as f64 / m.slots as f64,
            m.queue_ns as f64 / m.slots as f64,
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag, slots] if flag == CHILD_FLAG => match slots.parse() {
            Ok(slots) => {
                println!("{}", measure(slots).to_line());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{CHILD_FLAG} needs a slot count: {e}");
                ExitCode::FAILURE
            }
        },
        [] => match report() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("queue_memory: {e}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("usage: queue_memory [{CHILD_FLAG} N]");
            ExitCode::FAILURE
        }
    }
}
