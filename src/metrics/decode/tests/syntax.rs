//! Syntax errors (every failure site names its line), Go float syntax, and never-panic
//! properties over arbitrary bytes and mutated sample payloads.

use proptest::prelude::*;

use super::*;
use crate::metrics::decode::text::parse_go_float;

// ---- syntax errors: every failure site names its line ----

#[test]
fn syntax_errors_name_the_line_and_the_problem() {
    let s = String::from;
    let cases: Vec<(&str, DecodeError)> = vec![
        ("1abc 5", DecodeError::ExpectedMetricName { line: 2, found: s("1abc 5") }),
        ("# HELP 9x text", DecodeError::ExpectedMetaName { line: 2, keyword: "HELP" }),
        ("# TYPE m bogus", DecodeError::InvalidMetricType { line: 2, found: s("bogus") }),
        ("# TYPE m", DecodeError::InvalidMetricType { line: 2, found: s("") }),
        ("m{1a=\"x\"} 1", DecodeError::ExpectedLabelName { line: 2, found: s("1a=\"x\"} 1") }),
        ("m{a \"x\"} 1", DecodeError::ExpectedEqual { line: 2, label: s("a") }),
        ("m{a=x} 1", DecodeError::ExpectedLabelValue { line: 2, label: s("a") }),
        ("m{a=\"x} 1", DecodeError::UnterminatedLabelValue { line: 2, label: s("a") }),
        ("m{a=\"x\" b=\"y\"} 1", DecodeError::ExpectedCommaOrBrace { line: 2, label: s("a") }),
        ("m{a=\"x\"", DecodeError::ExpectedCommaOrBrace { line: 2, label: s("a") }),
        ("m", DecodeError::MissingValue { line: 2, series: s("m") }),
        ("m{a=\"b\"}", DecodeError::MissingValue { line: 2, series: s("m{a=\"b\"}") }),
        ("m abc", DecodeError::InvalidValue { line: 2, found: s("abc") }),
        ("m 1p3", DecodeError::InvalidValue { line: 2, found: s("1p3") }),
        ("m 1_000", DecodeError::InvalidValue { line: 2, found: s("1_000") }),
        ("m 1e400", DecodeError::InvalidValue { line: 2, found: s("1e400") }),
        ("m +nan", DecodeError::InvalidValue { line: 2, found: s("+nan") }),
        ("m 1\r", DecodeError::InvalidValue { line: 2, found: s("1\r") }),
        ("m 1 -5", DecodeError::InvalidTimestamp { line: 2, found: s("-5") }),
        ("m 1 1.5", DecodeError::InvalidTimestamp { line: 2, found: s("1.5") }),
        (
            "m 1 99999999999999999999",
            DecodeError::InvalidTimestamp { line: 2, found: s("99999999999999999999") },
        ),
        (
            "node_cpu_usage_seconds_total 1 99999999999999999",
            DecodeError::TimestampOutOfRange { line: 2, millis: 99_999_999_999_999_999 },
        ),
        ("m 1 2 3", DecodeError::TrailingText { line: 2, found: s("3") }),
    ];
    for (line, expected) in cases {
        let input = format!("# ok\n{line}\nm 1\n");
        assert_eq!(decode_str(&input), Err(expected), "{line:?}");
    }
}

#[test]
fn out_of_range_timestamps_matter_only_on_read_series() {
    let input = [NODE_CPU, NODE_MEMORY, "other_series 1 99999999999999999\n", COREDNS_CPU, COREDNS_MEMORY,
        "container_start_time_seconds{container=\"coredns\",namespace=\"kube-system\",pod=\"coredns-558bd4d5db-4dpjz\"} 1.633252712e+9 99999999999999999\n"].concat();
    let batch = decode_ok(&input);
    assert_eq!((batch.nodes, batch.pods), (vec![normal_node()], vec![coredns()]));
}

#[test]
fn invalid_utf8_in_a_label_value_is_an_error() {
    let input = b"m{a=\"\xff\"} 1\n";
    assert_eq!(
        decode(input, "n", request_time()),
        Err(DecodeError::InvalidUtf8LabelValue { line: 1, label: "a".into() })
    );
}

#[test]
fn error_messages_quote_the_bad_input() {
    let err = decode_str("m abc\n").expect_err("fails");
    assert_eq!(err.to_string(), "failed parsing metrics: line 1: invalid sample value \"abc\"");
    let err = decode_str("container_cpu_usage_seconds_total{pod=\"p\"} 1\n").expect_err("fails");
    assert_eq!(
        err.to_string(),
        "failed parsing metrics: line 1: series container_cpu_usage_seconds_total has no \"container\" label"
    );
}

#[test]
fn values_follow_go_parse_float() {
    let ok =
        [("1", 1.0), ("-2.5", -2.5), ("+3", 3.0), (".5", 0.5), ("5.", 5.0), ("1e3", 1000.0), ("1E-2", 0.01)];
    for (text, value) in ok {
        assert_eq!(parse_go_float(text.as_bytes()), Some(value), "{text}");
    }
    for text in ["Inf", "+inf", "-Infinity", "INFINITY"] {
        assert!(parse_go_float(text.as_bytes()).is_some_and(f64::is_infinite), "{text}");
    }
    assert!(parse_go_float(b"NaN").is_some_and(f64::is_nan));
    for text in ["", "+", "-nan", "0x1p3", "0x10", "1_0", "infin", "e5", "1e", "--1", "1..2"] {
        assert_eq!(parse_go_float(text.as_bytes()), None, "{text}");
    }
}

// ---- properties ----

fn mutate(base: &str, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut bytes = base.as_bytes().to_vec();
    for &(at, op, byte) in edits {
        if bytes.is_empty() {
            bytes.push(byte);
            continue;
        }
        let i = at % bytes.len();
        match op % 3 {
            0 => bytes[i] = byte,
            1 => bytes.insert(i, byte),
            _ => {
                bytes.remove(i);
            }
        }
    }
    bytes
}

/// Bytes that matter to the grammar, so mutations hit interesting states often.
fn grammar_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        Just(b'"'),
        Just(b'{'),
        Just(b'}'),
        Just(b'='),
        Just(b','),
        Just(b'\\'),
        Just(b'\n'),
        Just(b' '),
        Just(b'#'),
        Just(b'-'),
        Just(b'.'),
        Just(b'e'),
        Just(b'0'),
        Just(b'9'),
        any::<u8>()
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decoder_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode(&bytes, "n", request_time());
    }

    #[test]
    fn decoder_never_panics_on_mutated_sample_payloads(
        which in 0..3_usize,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), grammar_byte()), 1..8),
    ) {
        let base = [NORMAL, KUBELET_CURRENT, INCORRECT_TIMESTAMP][which];
        let bytes = mutate(base, &edits);
        if let Ok(batch) = decode(&bytes, "n", request_time()) {
            // Whatever survives is complete, and the batch round-trips through JSON.
            for n in &batch.nodes {
                prop_assert!(n.cumulative_cpu_nanoseconds > 0 && n.memory_working_set_bytes > 0);
            }
            for c in batch.pods.iter().flat_map(|p| &p.containers) {
                prop_assert!(c.cumulative_cpu_nanoseconds > 0 && c.memory_working_set_bytes > 0);
            }
            let text = serde_json::to_string(&batch).expect("serialises");
            prop_assert_eq!(serde_json::from_str::<Batch>(&text).expect("parses"), batch);
        }
    }

    #[test]
    fn decoding_is_independent_of_the_node_name(name in "[a-z0-9.-]{1,20}") {
        let batch = decode(NORMAL.as_bytes(), &name, request_time()).expect("decodes");
        prop_assert_eq!(&batch.nodes[0].name, &name);
        prop_assert_eq!(batch.nodes[0].cumulative_cpu_nanoseconds, 357_354_910_000);
    }
}
