//! Durations as people write them in settings and commands (`90s`, `4h`, `2d`), within bounds,
//! and in the units the store keeps.

use std::time::Duration;

/// The shortest reminder interval or deadline: a second (tests use a few).
pub const MIN_DURATION: Duration = Duration::from_secs(1);
/// The longest reminder interval or deadline: a year.
pub const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 3600);

/// Parses a duration as people write it (`90s`, `4h`, `2d`, `1h 30m`), between
/// [`MIN_DURATION`] and [`MAX_DURATION`]; the error says what to write instead.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let parsed = humantime::parse_duration(text)
        .map_err(|_| format!("`{text}` is not a duration: write it like 90s, 30m, 4h or 2d"))?;
    if !(MIN_DURATION..=MAX_DURATION).contains(&parsed) {
        return Err(format!("`{text}` is out of range: use from 1s to 365d"));
    }
    Ok(Duration::from_millis(millis(parsed).unsigned_abs()))
}

/// A duration in words, e.g. `4h` or `1day 2h`.
pub fn words(duration: Duration) -> String {
    humantime::format_duration(Duration::from_secs(duration.as_secs())).to_string()
}

/// A duration in whole milliseconds, the unit of every time column.
pub fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_read_as_people_write_them_within_bounds() {
        assert_eq!(parse_duration("4h"), Ok(Duration::from_secs(4 * 3600)));
        assert_eq!(parse_duration(" 2d "), Ok(Duration::from_secs(2 * 86_400)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert!(parse_duration("soon").unwrap_err().contains("not a duration"));
        assert!(parse_duration("0s").unwrap_err().contains("out of range"));
        assert!(parse_duration("400d").unwrap_err().contains("out of range"));
        assert_eq!(words(Duration::from_secs(4 * 3600)), "4h");
    }
}
