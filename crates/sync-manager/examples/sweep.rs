//! The full seeded sweep of simulated syncs (`sync_manager::sim::sweep`): many cases of
//! the real manager over the simulated network, on tokio's paused clock, looking for
//! hangs, wrong imports, stalls with two honest peers, and unfair blame.
//!
//! ```text
//! cargo run --release -p beacon-sync-manager --features test-utils --example sweep -- --cases 1200 --seed 1
//! cargo run --release -p beacon-sync-manager --features test-utils --example sweep -- --seed 17 --cases 1
//! ```
//!
//! Runs the cases of seeds `--seed ..= --seed + --cases - 1` (defaults 1 and 1,200), prints
//! a progress line every 100 cases and the summary: the failing cases per category, the
//! adversaries' final scores by kind, and one line per failing case, seed first. With
//! `--cases 1` it also prints every peer's end. Exit code 0 when no case failed, 1
//! otherwise, 2 for bad arguments.

use std::process::ExitCode;

use sync_manager::sim::sweep::{CaseResult, SweepCase, SweepReport, run_case};

/// A progress line every this many cases.
const PROGRESS_EVERY: u64 = 100;

/// The seeded sweep of simulated syncs.
#[derive(Clone, Copy, Debug, clap::Parser)]
struct Args {
    /// How many cases (seeds) to run.
    #[arg(long, default_value_t = 1_200, value_parser = clap::value_parser!(u64).range(1..))]
    cases: u64,
    /// The first seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Let every honest peer join late, so a sync may start with adversaries alone:
    /// measures the lone-peer limit (see the crate README); failures are expected.
    #[arg(long)]
    eclipses: bool,
}

/// Every peer's end, for a single case.
fn print_details(result: &CaseResult) {
    println!("{:?}", result.case);
    println!(
        "finished {} after {} s virtual; {}",
        result.finished,
        result.virtual_time.as_secs(),
        result.final_status
    );
    println!(
        "imported {} of {}; stalls {} ({} with >= 2 honest)",
        result.imported, result.expected, result.stalls, result.stalls_with_honest
    );
    for h in &result.honest {
        println!(
            "  honest {:>3}: score {:>6}, penalties {:>5}, requests {}",
            h.key, h.score, h.penalties, h.requests
        );
    }
    for a in &result.adversaries {
        println!(
            "  {:<18} score {:>6}, penalties {:>5}, requests {:>4}{}",
            a.kind,
            a.peer.score,
            a.peer.penalties,
            a.peer.requests,
            a.exempt
                .map(|e| format!(" (not judged: {e})"))
                .unwrap_or_default()
        );
    }
}

/// A current-thread runtime whose clock is paused: one per case, so that nothing a case
/// leaves behind (a manager that would not shut down) runs on into the next.
fn paused_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
}

fn run(args: Args) -> std::io::Result<SweepReport> {
    let last = args.seed.saturating_add(args.cases - 1);
    let started = std::time::Instant::now();
    let mut report = SweepReport::default();
    for seed in args.seed..=last {
        let case = if args.eclipses {
            SweepCase::from_seed_with_eclipses(seed)
        } else {
            SweepCase::from_seed(seed)
        };
        let result = paused_runtime()?.block_on(run_case(&case));
        report.record(&result);
        if args.cases == 1 {
            print_details(&result);
        }
        if report.cases % PROGRESS_EVERY == 0 {
            println!(
                "[{:>5}/{}] {:>6.1} s real; failing {}: {}",
                report.cases,
                args.cases,
                started.elapsed().as_secs_f64(),
                report.failing.len(),
                report.counts_line()
            );
        }
    }
    println!(
        "seeds {}..={last} in {:.1} s real",
        args.seed,
        started.elapsed().as_secs_f64()
    );
    Ok(report)
}

fn main() -> ExitCode {
    // clap prints the usage and exits with 2 for bad arguments.
    let args = <Args as clap::Parser>::parse();
    let report = match run(args) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("sweep: cannot start a tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    print!("{report}");
    if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
