//! Go `time.ParseDuration` strings (`30s`, `5m`, `1h30m`, `1.5s`), as policies spell durations.
//!
//! Only non-negative durations are accepted: every duration in a policy is a length of time. The
//! arithmetic is integer nanoseconds, capped at Go's `time.Duration` range (`i64::MAX` ns, about 292
//! years), so no input can overflow or panic; fractional parts go through
//! the same floating-point step as Go's, so results agree with Go to the nanosecond.

use std::time::Duration;

/// Why a duration string was rejected; every message names the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// The string is empty.
    #[error("invalid duration \"\": empty")]
    Empty,
    /// The string starts with `-`.
    #[error("invalid duration {input:?}: must not be negative")]
    Negative {
        /// The rejected string.
        input: String,
    },
    /// A number is missing where one was expected, or is malformed.
    #[error("invalid duration {input:?}: expected a number followed by a unit such as 30s or 5m")]
    Malformed {
        /// The rejected string.
        input: String,
    },
    /// A number has no unit after it.
    #[error("invalid duration {input:?}: missing unit (one of ns, us, µs, ms, s, m, h)")]
    MissingUnit {
        /// The rejected string.
        input: String,
    },
    /// A unit is not one Go knows.
    #[error("invalid duration {input:?}: unknown unit {unit:?} (one of ns, us, µs, ms, s, m, h)")]
    UnknownUnit {
        /// The rejected string.
        input: String,
        /// The unit found.
        unit: String,
    },
    /// The total exceeds Go's `time.Duration` range.
    #[error("invalid duration {input:?}: longer than Go's maximum duration (about 292 years)")]
    Overflow {
        /// The rejected string.
        input: String,
    },
}

/// Go's `time.Duration` limit in nanoseconds.
const MAX_NANOS: u128 = i64::MAX as u128;

/// Parses a Go duration string into a non-negative [`Duration`].
pub fn parse_duration(input: &str) -> Result<Duration, DurationError> {
    let owned = || input.to_owned();
    let rest = match input.as_bytes().first() {
        None => return Err(DurationError::Empty),
        Some(b'-') => return Err(DurationError::Negative { input: owned() }),
        Some(b'+') => &input[1..],
        Some(_) => input,
    };
    // Go accepts a bare zero without a unit, and nothing else without one.
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(DurationError::Malformed { input: owned() });
    }
    let mut total: u128 = 0;
    let mut rest = rest;
    while !rest.is_empty() {
        let (whole, after_whole) = split_digits(rest);
        let (fraction, after_number) = match after_whole.strip_prefix('.') {
            Some(after_dot) => split_digits(after_dot),
            None => ("", after_whole),
        };
        if whole.is_empty() && fraction.is_empty() {
            return Err(DurationError::Malformed { input: owned() });
        }
        let unit_len =
            after_number.find(|c: char| c == '.' || c.is_ascii_digit()).unwrap_or(after_number.len());
        let (unit, next) = after_number.split_at(unit_len);
        let unit_nanos: u128 = match unit {
            "" => return Err(DurationError::MissingUnit { input: owned() }),
            "ns" => 1,
            // U+00B5 micro sign and U+03BC Greek mu, as Go accepts both.
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            other => return Err(DurationError::UnknownUnit { input: owned(), unit: other.to_owned() }),
        };
        let overflow = || DurationError::Overflow { input: owned() };
        let whole_nanos = digits_value(whole).and_then(|w| w.checked_mul(unit_nanos)).ok_or_else(overflow)?;
        total = total.checked_add(whole_nanos).ok_or_else(overflow)?;
        total = total.checked_add(fraction_nanos(fraction, unit_nanos)).ok_or_else(overflow)?;
        if total > MAX_NANOS {
            return Err(overflow());
        }
        rest = next;
    }
    let secs = (total / 1_000_000_000) as u64;
    let nanos = (total % 1_000_000_000) as u32;
    Ok(Duration::new(secs, nanos))
}

/// Splits the leading ASCII digits off `s`.
fn split_digits(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s.split_at(end)
}

/// The value of a run of ASCII digits, `None` when it does not fit (empty is zero).
fn digits_value(digits: &str) -> Option<u128> {
    digits.bytes().try_fold(0u128, |acc, b| acc.checked_mul(10)?.checked_add(u128::from(b - b'0')))
}

/// Nanoseconds contributed by the fractional digits of one number, computed in floating point
/// exactly as Go's `leadingFraction` and `ParseDuration` do (digits past `i64` precision are dropped),
/// so results match Go to the nanosecond (`0.3333333333333333333h` is exactly 20m).
fn fraction_nanos(fraction: &str, unit_nanos: u128) -> u128 {
    let mut digits: u64 = 0;
    let mut scale: f64 = 1.0;
    for b in fraction.bytes() {
        if digits > (i64::MAX as u64) / 10 {
            break;
        }
        let next = digits * 10 + u64::from(b - b'0');
        if next > 1 << 63 {
            break;
        }
        digits = next;
        scale *= 10.0;
    }
    // `as` saturates, and the caller's range check rejects anything that large.
    u128::from((digits as f64 * (unit_nanos as f64 / scale)) as u64)
}
