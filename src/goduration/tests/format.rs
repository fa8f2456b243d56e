//! Go `time.Duration.String()` port.

use std::time::Duration;

use crate::goduration::format as go_duration_string;

#[test]
fn durations_format_like_go_duration_string() {
    let cases: &[(u64, &str)] = &[
        // Go time_test.go `durationTests`, by value.
        (0, "0s"),
        (1, "1ns"),
        (1_100, "1.1µs"),
        (2_200_000, "2.2ms"),
        (3_300_000_000, "3.3s"),
        (245_000_000_000, "4m5s"),
        (245_001_000_000, "4m5.001s"),
        (18_367_001_000_000, "5h6m7.001s"),
        (480_000_000_001, "8m0.000000001s"),
        (9_223_372_036_854_775_807, "2562047h47m16.854775807s"),
        // metrics-server windows (spec §4.5) and Table cells (table_test.go).
        (15_000_000_000, "15s"),
        (15_002_000_000, "15.002s"),
        (60_000_000_000, "1m0s"),
        (90_000_000_000, "1m30s"),
        (3_723_500_000_000, "1h2m3.5s"),
        (3_600_000_000_000, "1h0m0s"),
        (999_000_000, "999ms"),
        (500_000_000, "500ms"),
        (1_000, "1µs"),
        (2_000, "2µs"),
        (1_500, "1.5µs"),
        (999, "999ns"),
    ];
    for (nanos, expected) in cases {
        assert_eq!(go_duration_string(Duration::from_nanos(*nanos)), *expected, "{nanos} ns");
    }
}

#[test]
fn durations_beyond_go_range_keep_counting_hours() {
    assert_eq!(go_duration_string(Duration::from_hours(9600)), "9600h0m0s");
}
