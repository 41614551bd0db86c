//! CPU time of this process by thread name, read from Linux's `/proc/self`, so that the
//! bench can say where the time of a sync went: to the serving peers (their own runtime,
//! [`SERVE_THREAD_NAME`]), to the node's runtime (network and verification), to the store's
//! commit thread, or elsewhere. On systems without `/proc` there is no sample.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// The name of the bench's serving-peer threads (workers and blocking pool alike).
pub const SERVE_THREAD_NAME: &str = "bench-serve";

/// Clock ticks per second of `/proc`'s `utime` and `stime` (`USER_HZ`: 100 on every
/// Linux architecture the project builds for).
const TICKS_PER_SECOND: u64 = 100;

/// User plus system CPU time, from one `/proc/.../stat` line: the fields after the
/// parenthesised command name start with the state (field 3), so `utime` (field 14) and
/// `stime` (field 15) are the 12th and 13th after it.
fn cpu_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(user + system)
}

fn ticks_to_duration(ticks: u64) -> Duration {
    Duration::from_millis(ticks.saturating_mul(1000 / TICKS_PER_SECOND))
}

/// CPU time used so far: the whole process, and each live thread's by thread name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CpuSample {
    process: u64,
    by_thread: BTreeMap<u64, (String, u64)>,
}

impl CpuSample {
    /// Reads the process's and every live thread's CPU time; `None` without `/proc`.
    pub fn now() -> Option<CpuSample> {
        let process = cpu_ticks(&std::fs::read_to_string("/proc/self/stat").ok()?)?;
        let mut by_thread = BTreeMap::new();
        for entry in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
            let Some(tid) = entry.file_name().to_str().and_then(|t| t.parse().ok()) else {
                continue;
            };
            // A thread may end between listing and reading: skip it.
            let (Ok(stat), Ok(name)) = (
                std::fs::read_to_string(entry.path().join("stat")),
                std::fs::read_to_string(entry.path().join("comm")),
            ) else {
                continue;
            };
            if let Some(ticks) = cpu_ticks(&stat) {
                by_thread.insert(tid, (name.trim().to_owned(), ticks));
            }
        }
        Some(CpuSample { process, by_thread })
    }

    /// The CPU time used between `earlier` and this sample, by thread name. Time of
    /// threads that ended in between counts in the process total only (as "other").
    pub fn since(&self, earlier: &CpuSample) -> CpuUse {
        let mut by_name: BTreeMap<String, Duration> = BTreeMap::new();
        for (tid, (name, ticks)) in &self.by_thread {
            let before = earlier.by_thread.get(tid).map_or(0, |(_, t)| *t);
            *by_name.entry(name.clone()).or_default() +=
                ticks_to_duration(ticks.saturating_sub(before));
        }
        CpuUse {
            total: ticks_to_duration(self.process.saturating_sub(earlier.process)),
            by_name,
        }
    }
}

/// CPU time used over an interval.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CpuUse {
    /// The whole process (threads that ended included).
    pub total: Duration,
    /// Live threads, summed by thread name.
    pub by_name: BTreeMap<String, Duration>,
}

impl CpuUse {
    /// The time of threads named `name`.
    pub fn of(&self, name: &str) -> Duration {
        self.by_name.get(name).copied().unwrap_or_default()
    }
}

impl fmt::Display for CpuUse {
    /// `total 12.3 s: bench-serve 4.1, tokio-rt-worker 6.0, ...`, largest first.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<_> = self.by_name.iter().filter(|(_, d)| !d.is_zero()).collect();
        parts.sort_by(|a, b| b.1.cmp(a.1));
        write!(f, "total {:.1} s", self.total.as_secs_f64())?;
        let named: Duration = parts.iter().map(|(_, d)| **d).sum();
        for (name, time) in parts {
            write!(f, ", {name} {:.1}", time.as_secs_f64())?;
        }
        let other = self.total.saturating_sub(named);
        if !other.is_zero() {
            write!(f, ", ended threads {:.1}", other.as_secs_f64())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stat_line_gives_user_plus_system_ticks() {
        // A real line's shape; the command name may hold spaces and parentheses.
        let line = "4242 (tokio (rt) w) S 1 2 3 4 5 6 7 8 9 10 250 40 0 0 20 0 9 0 100 0";
        assert_eq!(cpu_ticks(line), Some(290));
        assert_eq!(cpu_ticks("4242 (x) S 1 2"), None);
        assert_eq!(cpu_ticks("no parenthesis"), None);
    }

    #[test]
    fn use_since_an_earlier_sample_is_split_by_thread_name() {
        let earlier = CpuSample {
            process: 100,
            by_thread: BTreeMap::from([(1, ("a".to_owned(), 50)), (2, ("b".to_owned(), 10))]),
        };
        let later = CpuSample {
            process: 400,
            by_thread: BTreeMap::from([
                (1, ("a".to_owned(), 150)),
                (3, ("b".to_owned(), 60)),
                (4, ("b".to_owned(), 40)),
            ]),
        };
        let used = later.since(&earlier);
        assert_eq!(used.total, Duration::from_secs(3));
        assert_eq!(used.of("a"), Duration::from_secs(1));
        assert_eq!(used.of("b"), Duration::from_secs(1));
        assert_eq!(
            used.to_string(),
            "total 3.0 s, a 1.0, b 1.0, ended threads 1.0"
        );
    }

    #[test]
    fn this_process_can_be_sampled_on_linux() {
        if cfg!(target_os = "linux") {
            let before = CpuSample::now().expect("/proc/self is readable");
            let mut x: u64 = 1;
            for i in 0..50_000_000_u64 {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(i);
            }
            std::hint::black_box(x);
            let after = CpuSample::now().expect("/proc/self is readable");
            assert!(after.since(&before).total > Duration::ZERO);
        }
    }
}
