//! Go duration parsing. Valid rows are ported by value from Go's `time` package
//! `parseDurationTests` (`time_test.go`, `TestParseDuration`), minus its negative rows, which
//! policies reject.

use std::time::Duration;

use proptest::prelude::*;

use crate::goduration::{DurationError, parse as parse_duration};

#[test]
fn go_duration_strings_parse_to_exact_nanoseconds() {
    let ms = Duration::from_millis;
    let cases: &[(&str, Duration)] = &[
        // parseDurationTests: simple, signs, decimals, units, composites.
        ("0", Duration::ZERO),
        ("5s", Duration::from_secs(5)),
        ("30s", Duration::from_secs(30)),
        ("1478s", Duration::from_secs(1478)),
        ("+5s", Duration::from_secs(5)),
        ("5.0s", Duration::from_secs(5)),
        ("5.6s", ms(5600)),
        ("5.s", Duration::from_secs(5)),
        (".5s", ms(500)),
        ("1.0s", Duration::from_secs(1)),
        ("1.00s", Duration::from_secs(1)),
        ("1.004s", ms(1004)),
        ("1.0040s", ms(1004)),
        ("100.00100s", ms(100_001)),
        ("10ns", Duration::from_nanos(10)),
        ("11us", Duration::from_micros(11)),
        ("12µs", Duration::from_micros(12)),
        ("12μs", Duration::from_micros(12)),
        ("13ms", ms(13)),
        ("14s", Duration::from_secs(14)),
        ("15m", Duration::from_secs(15 * 60)),
        ("16h", Duration::from_secs(16 * 3600)),
        ("3h30m", Duration::from_secs(210 * 60)),
        ("10.5s4m", Duration::from_secs(4 * 60 + 10) + ms(500)),
        ("1h2m3s4ms5us6ns", Duration::new(3600 + 120 + 3, 4_005_006)),
        ("39h9m14.425s", Duration::new(39 * 3600 + 9 * 60 + 14, 425_000_000)),
        ("52763797000ns", Duration::from_micros(52_763_797)),
        ("0.3333333333333333333h", Duration::from_secs(20 * 60)),
        ("9007199254740993ns", Duration::from_nanos(9_007_199_254_740_993)),
        ("9223372036854775807ns", Duration::from_nanos(9_223_372_036_854_775_807)),
        ("9223372036854775.807us", Duration::from_nanos(9_223_372_036_854_775_807)),
        ("9223372036s854ms775us807ns", Duration::from_nanos(9_223_372_036_854_775_807)),
        ("0.100000000000000000000h", Duration::from_secs(6 * 60)),
        // The policy defaults.
        ("5m", Duration::from_secs(5 * 60)),
    ];
    for (input, expected) in cases {
        assert_eq!(parse_duration(input), Ok(*expected), "{input}");
    }
}

#[test]
fn malformed_durations_are_rejected_with_the_input_named() {
    let owned = |s: &str| s.to_owned();
    let cases: &[(&str, DurationError)] = &[
        // parseDurationTests errors: "", "3", "-", "s", ".", "-.", ".s", "+.s", "1d", "9223372036854775808ns".
        ("", DurationError::Empty),
        ("3", DurationError::MissingUnit { input: owned("3") }),
        ("-", DurationError::Negative { input: owned("-") }),
        ("s", DurationError::Malformed { input: owned("s") }),
        (".", DurationError::Malformed { input: owned(".") }),
        (".s", DurationError::Malformed { input: owned(".s") }),
        ("+.s", DurationError::Malformed { input: owned("+.s") }),
        ("+", DurationError::Malformed { input: owned("+") }),
        ("1d", DurationError::UnknownUnit { input: owned("1d"), unit: owned("d") }),
        ("9223372036854775808ns", DurationError::Overflow { input: owned("9223372036854775808ns") }),
        ("9223372036854775.808us", DurationError::Overflow { input: owned("9223372036854775.808us") }),
        ("-5s", DurationError::Negative { input: owned("-5s") }),
    ];
    for (input, expected) in cases {
        assert_eq!(parse_duration(input).as_ref(), Err(expected), "{input}");
    }
    assert_eq!(
        parse_duration("1d").unwrap_err().to_string(),
        r#"invalid duration "1d": unknown unit "d" (one of ns, us, µs, ms, s, m, h)"#
    );
}

proptest! {
    #[test]
    fn parsing_never_panics(input in "\\PC{0,24}") {
        let _ = parse_duration(&input);
    }

    #[test]
    fn quantity_like_strings_never_panic(input in "[+-]?[0-9.]{0,30}(ns|us|ms|s|m|h|d)?([0-9.]{0,30}(s|m|h))?") {
        let _ = parse_duration(&input);
    }

    #[test]
    fn hours_minutes_seconds_add_up(h in 0u64..100_000, m in 0u64..1000, s in 0u64..1000, ms in 0u64..1000) {
        let parsed = parse_duration(&format!("{h}h{m}m{s}s{ms}ms"));
        prop_assert_eq!(parsed, Ok(Duration::from_secs(h * 3600 + m * 60 + s) + Duration::from_millis(ms)));
    }
}
