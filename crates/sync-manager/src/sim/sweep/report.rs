//! The summary of a sweep: failing cases per category, virtual time, and the adversaries'
//! final scores by kind.

use std::{collections::BTreeMap, fmt, time::Duration};

use super::verdict::{CaseResult, Category, Failure};

/// The final scores of one adversary kind over the cases it took part in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KindSummary {
    /// Cases with this adversary.
    pub cases: u64,
    /// Of those, the cases where its score was judged (see
    /// [`exemption`](super::exemption)).
    pub judged: u64,
    /// Of the judged cases, those where it ended below zero.
    pub below_zero: u64,
    /// Cases where it was penalised at all.
    pub penalised: u64,
    /// The lowest final score.
    pub min_score: i64,
    /// The highest final score.
    pub max_score: i64,
    /// The sum of the final scores (for the mean).
    pub score_sum: i64,
}

impl KindSummary {
    fn record(&mut self, score: i64, penalties: i64, judged: bool) {
        if self.cases == 0 {
            self.min_score = score;
            self.max_score = score;
        }
        self.cases += 1;
        self.judged += u64::from(judged);
        self.below_zero += u64::from(judged && score < 0);
        self.penalised += u64::from(penalties != 0);
        self.min_score = self.min_score.min(score);
        self.max_score = self.max_score.max(score);
        self.score_sum = self.score_sum.saturating_add(score);
    }

    /// The mean final score.
    pub fn mean_score(&self) -> f64 {
        if self.cases == 0 {
            0.0
        } else {
            self.score_sum as f64 / self.cases as f64
        }
    }
}

/// What a sweep found. Each category counts the cases with at least one failure of it;
/// [`failing`](Self::failing) has one line per failing case, seed first, so that a case can
/// be rerun alone.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SweepReport {
    /// Cases run.
    pub cases: u64,
    /// Cases with a failure, per category.
    pub by_category: BTreeMap<Category, u64>,
    /// Cases where a lying kind ended at zero or above, per kind.
    pub liars_by_kind: BTreeMap<&'static str, u64>,
    /// One line per failing case ([`CaseResult::summary_line`]).
    pub failing: Vec<String>,
    /// The seeds of the failing cases.
    pub failing_seeds: Vec<u64>,
    /// Virtual time of all cases together.
    pub virtual_time_total: Duration,
    /// Virtual time of the longest case.
    pub virtual_time_max: Duration,
    /// Stalls the watchdog detected, over all cases (with or without honest peers).
    pub stalls: u64,
    /// The adversaries' final scores, per kind.
    pub kinds: BTreeMap<&'static str, KindSummary>,
}

impl SweepReport {
    /// Add a case's result.
    pub fn record(&mut self, result: &CaseResult) {
        self.cases += 1;
        self.virtual_time_total += result.virtual_time;
        self.virtual_time_max = self.virtual_time_max.max(result.virtual_time);
        self.stalls += result.stalls;
        for a in &result.adversaries {
            self.kinds.entry(a.kind).or_default().record(
                a.peer.score,
                a.peer.penalties,
                a.exempt.is_none(),
            );
        }
        let failures = result.failures();
        if failures.is_empty() {
            return;
        }
        let mut categories: Vec<Category> = failures.iter().map(Failure::category).collect();
        categories.dedup();
        for c in categories {
            *self.by_category.entry(c).or_default() += 1;
        }
        for f in &failures {
            if let Failure::LiarNotBelowZero { kind, .. } = f {
                *self.liars_by_kind.entry(kind).or_default() += 1;
            }
        }
        self.failing.push(result.summary_line());
        self.failing_seeds.push(result.case.seed);
    }

    /// Cases with a failure of `category`.
    pub fn count(&self, category: Category) -> u64 {
        self.by_category.get(&category).copied().unwrap_or(0)
    }

    /// Whether no case failed.
    pub fn is_clean(&self) -> bool {
        self.failing.is_empty()
    }

    /// The counts on one line: `hangs 1, wrong imports 0, ...`.
    pub fn counts_line(&self) -> String {
        Category::ALL
            .iter()
            .map(|c| format!("{} {}", c.label(), self.count(*c)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for SweepReport {
    /// The summary, then the failing cases, one per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mean = self
            .virtual_time_total
            .as_secs()
            .checked_div(self.cases)
            .unwrap_or(0);
        writeln!(
            f,
            "{} cases, {} failing; virtual time mean {} s, max {} s; {} stalls in all",
            self.cases,
            self.failing.len(),
            mean,
            self.virtual_time_max.as_secs(),
            self.stalls
        )?;
        for c in Category::ALL {
            writeln!(f, "  {:<24} {}", c.label(), self.count(c))?;
        }
        if !self.liars_by_kind.is_empty() {
            let kinds: Vec<String> = self
                .liars_by_kind
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            writeln!(f, "  liars not below zero by kind: {}", kinds.join(", "))?;
        }
        writeln!(
            f,
            "adversary final scores: kind, cases, judged, below zero of judged, penalised, min/mean/max"
        )?;
        for (kind, k) in &self.kinds {
            writeln!(
                f,
                "  {kind:<18} {:>5} {:>5} {:>5} {:>5}  {}/{:.0}/{}",
                k.cases,
                k.judged,
                k.below_zero,
                k.penalised,
                k.min_score,
                k.mean_score(),
                k.max_score
            )?;
        }
        if !self.failing.is_empty() {
            writeln!(f, "failing cases:")?;
            for line in &self.failing {
                writeln!(f, "  {line}")?;
            }
        }
        Ok(())
    }
}
