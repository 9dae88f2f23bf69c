//! The benchmark's table: one row per figure, with its target and whether it was met; and the
//! statistics the rows are made of.

use std::time::Duration;

/// One figure of the table.
#[derive(Debug, Clone)]
pub struct Row {
    /// What was measured, e.g. "Decision, sequential: acknowledgement".
    pub figure: String,
    /// The measurement, in words and units.
    pub measured: String,
    /// The target, in words.
    pub target: String,
    /// Whether the target was met; `None` for a figure without a target of its own.
    pub met: Option<bool>,
}

impl Row {
    /// A row.
    pub fn new(
        figure: impl Into<String>,
        measured: impl Into<String>,
        target: impl Into<String>,
        met: Option<bool>,
    ) -> Self {
        Self { figure: figure.into(), measured: measured.into(), target: target.into(), met }
    }

    /// A row for a part that could not run, saying why.
    pub fn failed(figure: impl Into<String>, why: impl Into<String>, target: impl Into<String>) -> Self {
        Self::new(figure, format!("not measured: {}", why.into()), target, Some(false))
    }
}

/// The table, as markdown.
pub fn markdown(rows: &[Row]) -> String {
    let mut text = String::from("| figure | measured | target | met |\n|---|---|---|---|\n");
    for row in rows {
        let met = match row.met {
            Some(true) => "met",
            Some(false) => "**not met**",
            None => "—",
        };
        text.push_str(&format!("| {} | {} | {} | {met} |\n", row.figure, row.measured, row.target));
    }
    text
}

/// Latency samples, sorted once.
#[derive(Debug, Clone)]
pub struct Samples(Vec<Duration>);

impl Samples {
    /// The samples, in any order.
    pub fn new(mut samples: Vec<Duration>) -> Self {
        samples.sort();
        Self(samples)
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The nearest-rank percentile `p` (0–100); zero without samples.
    pub fn percentile(&self, p: f64) -> Duration {
        if self.0.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((p / 100.0) * self.0.len() as f64).ceil() as usize;
        self.0[rank.clamp(1, self.0.len()) - 1]
    }

    /// The largest.
    pub fn max(&self) -> Duration {
        self.0.last().copied().unwrap_or_default()
    }

    /// "p50 1.2 ms, p99 3.4 ms, max 5.6 ms (n = 100)".
    pub fn summary(&self) -> String {
        format!(
            "p50 {}, p99 {}, max {} (n = {})",
            ms(self.percentile(50.0)),
            ms(self.percentile(99.0)),
            ms(self.max()),
            self.len()
        )
    }
}

/// Milliseconds with one decimal: "12.3 ms".
pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Seconds with two decimals: "1.23 s".
pub fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let samples = Samples::new((1..=100).rev().map(Duration::from_millis).collect());
        assert_eq!(samples.percentile(50.0), Duration::from_millis(50));
        assert_eq!(samples.percentile(99.0), Duration::from_millis(99));
        assert_eq!(samples.max(), Duration::from_millis(100));
        assert_eq!(Samples::new(vec![Duration::from_millis(7)]).percentile(99.0), Duration::from_millis(7));
    }
}
