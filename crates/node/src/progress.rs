//! Progress for people: indicatif bars for forward sync and backfill on a terminal, one
//! structured log line every few seconds otherwise.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use sync_manager::SyncStatus;
use tokio::task::JoinHandle;
use tracing::info;

use crate::node::NodeStatus;

/// How often the bars are redrawn.
const BAR_INTERVAL: Duration = Duration::from_millis(500);
/// How often the log line is written when there is no terminal.
pub const LOG_INTERVAL: Duration = Duration::from_secs(5);

/// Starts reporting `status` until the returned task is aborted: bars if stderr is a
/// terminal, log lines otherwise.
pub fn spawn_progress(status: Arc<dyn Fn() -> NodeStatus + Send + Sync>) -> JoinHandle<()> {
    if std::io::stderr().is_terminal() {
        tokio::spawn(bars(status))
    } else {
        tokio::spawn(log_lines(status))
    }
}

fn bar(multi: &MultiProgress, name: &str) -> ProgressBar {
    let style = ProgressStyle::with_template("{prefix:>9} [{bar:40}] {pos}/{len} slots {msg}")
        .expect("invariant: a valid template")
        .progress_chars("=> ");
    let bar = multi.add(ProgressBar::new(0));
    bar.set_style(style);
    bar.set_prefix(name.to_owned());
    bar
}

fn update(bar: &ProgressBar, status: &SyncStatus) {
    bar.set_length(status.progress.total);
    bar.set_position(status.progress.progress);
    let eta = sync_types::progress::time_left_string(status.eta);
    bar.set_message(format!(
        "{:.0} slots/s, eta {eta}, {}, {} peers",
        status.average_slots_per_second, status.state, status.peers
    ));
}

async fn bars(status: Arc<dyn Fn() -> NodeStatus + Send + Sync>) {
    let multi = MultiProgress::new();
    let forward = bar(&multi, "forward");
    let mut backfill: Option<ProgressBar> = None;
    let mut tick = tokio::time::interval(BAR_INTERVAL);
    loop {
        tick.tick().await;
        let now = status();
        update(&forward, &now.forward);
        if let Some(b) = &now.backfill {
            let backfill_bar = backfill.get_or_insert_with(|| bar(&multi, "backfill"));
            update(backfill_bar, b);
        }
    }
}

async fn log_lines(status: Arc<dyn Fn() -> NodeStatus + Send + Sync>) {
    let mut tick = tokio::time::interval(LOG_INTERVAL);
    loop {
        tick.tick().await;
        let now = status();
        info!(
            target: "node::progress",
            head = now.anchors.head.slot,
            wall = now.wall_slot,
            backfill = now.anchors.backfill.slot,
            "{}{}",
            now.forward.status_line(),
            now.backfill
                .as_ref()
                .map(|b| format!("; backfill {}", b.status_line()))
                .unwrap_or_default()
        );
    }
}
