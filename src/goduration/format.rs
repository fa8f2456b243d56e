//! Go `time.Duration.String()` formatting, used for the `window` field and the Table `Window` cell.
//!
//! Upstream serialises `metav1.Duration` through Go's `Duration.String`, so clients (and golden
//! files) see `15s`, `15.002s`, `1m0s`, `1h2m3.5s`, `999ms`, `1.5µs`, `0s`. Rules ported from
//! `time/time.go` (`Duration.format`):
//! - below one second the largest of `ns`, `µs`, `ms` that keeps the integer part non-zero is used,
//!   with the fraction printed without trailing zeros;
//! - from one second on the form is `[<h>h][<m>m]<s>[.<frac>]s`, minutes and seconds always shown
//!   once a larger unit is present, hours unbounded (no days).

use std::fmt::Write as _;
use std::time::Duration;

const NANOS_PER_MICRO: u128 = 1_000;
const NANOS_PER_MILLI: u128 = 1_000_000;
const NANOS_PER_SECOND: u128 = 1_000_000_000;

/// Formats `d` exactly as Go's `time.Duration.String()` formats a non-negative duration.
pub fn go_duration_string(d: Duration) -> String {
    let nanos = d.as_nanos();
    let mut out = String::new();
    if nanos == 0 {
        return "0s".to_owned();
    }
    if nanos < NANOS_PER_MICRO {
        let _ = write!(out, "{nanos}ns");
    } else if nanos < NANOS_PER_MILLI {
        push_with_fraction(&mut out, nanos, 3);
        out.push_str("µs");
    } else if nanos < NANOS_PER_SECOND {
        push_with_fraction(&mut out, nanos, 6);
        out.push_str("ms");
    } else {
        let whole_seconds = nanos / NANOS_PER_SECOND;
        let hours = whole_seconds / 3600;
        let minutes = (whole_seconds / 60) % 60;
        if hours > 0 {
            let _ = write!(out, "{hours}h{minutes}m");
        } else if minutes > 0 {
            let _ = write!(out, "{minutes}m");
        }
        // Seconds keep their sub-second fraction.
        push_with_fraction(&mut out, nanos % (60 * NANOS_PER_SECOND), 9);
        out.push('s');
    }
    out
}

/// Appends `value / 10^digits` with the fractional part trimmed of trailing zeros (Go `fmtFrac`
/// followed by `fmtInt`).
fn push_with_fraction(out: &mut String, value: u128, digits: u32) {
    let scale = 10u128.pow(digits);
    let _ = write!(out, "{}", value / scale);
    let frac = value % scale;
    if frac != 0 {
        let text = format!("{frac:0width$}", width = digits as usize);
        out.push('.');
        out.push_str(text.trim_end_matches('0'));
    }
}
