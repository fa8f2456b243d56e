//! The decoder's fast paths give exactly what the general paths give: decimal values bit for bit
//! as `str::parse`, label tags as three plain substring searches, the word-at-a-time search as a
//! byte loop, pods grouped whatever order the series list them in, and non-ASCII payloads
//! checked as before.

use proptest::prelude::*;

use super::*;
use crate::metrics::decode::text::{Charset, exact_simple_decimal, find_quote_or_backslash, parse_line};

/// Upstream's search: the value after the first `tag`, up to the next `"`.
fn substring_value<'a>(labels: &'a [u8], tag: &[u8]) -> Option<&'a [u8]> {
    let at = labels.windows(tag.len()).position(|w| w == tag)? + tag.len();
    let rest = &labels[at..];
    Some(&rest[..rest.iter().position(|&b| b == b'"')?])
}

fn line(series: &str, pod: &str, value: &str) -> String {
    format!("{series}{{container=\"c\",namespace=\"ns\",pod=\"{pod}\"}} {value} 1633253812125\n")
}

#[test]
fn kubelet_style_decimals_take_the_exact_fast_path() {
    for (text, value) in
        [("1000.000037", 1_000.000_037), ("1.2537e+07", 12_537_000.0), ("1.6999e+09", 1.6999e9)]
    {
        assert_eq!(exact_simple_decimal(text.as_bytes()), Some(value), "{text}");
    }
    // Beyond 2^53 or 10^±22 the general parser decides.
    for text in ["9007199254740993", "1e23", "1e-23", "12345678901234567890", "1e", "1.2.3", "1e+"] {
        assert_eq!(exact_simple_decimal(text.as_bytes()), None, "{text}");
    }
}

/// The tags a container series line yields, as (container, pod, namespace).
fn tags_of(labels: &str) -> [Option<String>; 3] {
    let line = format!("container_cpu_usage_seconds_total{labels} 1 1000");
    let bytes = line.as_bytes();
    let sample = parse_line(bytes, 1, Charset::of(bytes)).expect("valid").expect("a sample");
    let text = |v: Option<&[u8]>| v.map(|v| String::from_utf8_lossy(v).into_owned());
    [text(sample.tags.container), text(sample.tags.pod), text(sample.tags.namespace)]
}

/// The same by upstream's three substring searches over the raw label text.
fn substring_tags(labels: &str) -> [Option<String>; 3] {
    let text =
        |tag: &[u8]| substring_value(labels.as_bytes(), tag).map(|v| String::from_utf8_lossy(v).into_owned());
    [text(b"container=\""), text(b"pod=\""), text(b"namespace=\"")]
}

#[test]
fn tags_inside_longer_label_names_and_values_match_as_upstream() {
    let some = |v: &str| Some(v.to_owned());
    let labels = r#"{init_container="a",container="b",namespace="n",pod="p"}"#;
    assert_eq!(tags_of(labels), [some("a"), some("p"), some("n")]);
    // A value ending in `pod=` closes with `="`: upstream reads a "pod" from after that quote.
    let labels = r#"{x="pod=",container="c",namespace="n",pod="p"}"#;
    assert_eq!(tags_of(labels), [some("c"), some(",container="), some("n")]);
    assert_eq!(tags_of(labels), substring_tags(labels));
    // Blanks around `=` are valid syntax but no tag.
    assert_eq!(tags_of(r#"{container = "c",pod="p"}"#), [None, some("p"), None]);
}

#[test]
fn pods_listed_in_a_different_order_per_series_are_grouped() {
    let cpu = "container_cpu_usage_seconds_total";
    let memory = "container_memory_working_set_bytes";
    let input = [
        line(cpu, "p1", "1"),
        line(cpu, "p2", "2"),
        line(cpu, "p3", "3"),
        line(memory, "p3", "30"),
        line(memory, "p1", "10"),
        line(memory, "p2", "20"),
        line(memory, "p1", "11"),
    ]
    .concat();
    let batch = decode_ok(&input);
    let got: Vec<(&str, u64, u64)> = batch
        .pods
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.containers[0].cumulative_cpu_nanoseconds,
                p.containers[0].memory_working_set_bytes,
            )
        })
        .collect();
    assert_eq!(got, [("p1", 1_000_000_000, 11), ("p2", 2_000_000_000, 20), ("p3", 3_000_000_000, 30)]);
    assert!(batch.pods.iter().all(|p| p.containers.len() == 1));
    assert!(batch.dropped.iter().all(|d| d.kind == DroppedKind::Node), "no pod dropped");
}

#[test]
fn a_payload_with_non_ascii_text_still_decodes_its_labels() {
    let input = [
        "# HELP x café\n",
        &line("container_cpu_usage_seconds_total", "pö", "1"),
        &line("container_memory_working_set_bytes", "pö", "2"),
    ]
    .concat();
    let batch = decode_ok(&input);
    assert_eq!(batch.pods[0].name, "pö");
}

fn label_name() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("container"),
        Just("pod"),
        Just("namespace"),
        Just("init_container"),
        Just("podx"),
        Just("x"),
    ]
}

fn value_piece() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("a"),
        Just("="),
        Just("pod="),
        Just("container="),
        Just("namespace="),
        Just("\\\""),
        Just("\\\\"),
        Just("é"),
    ]
}

/// `{name="value",...}` with optional blanks around `=`.
fn label_text() -> impl Strategy<Value = String> {
    let label = (
        label_name(),
        prop_oneof![Just("="), Just(" = "), Just("= ")],
        proptest::collection::vec(value_piece(), 0..4),
    );
    proptest::collection::vec(label, 0..6).prop_map(|labels| {
        let body: Vec<String> = labels
            .into_iter()
            .map(|(name, equal, value)| format!("{name}{equal}\"{}\"", value.concat()))
            .collect();
        format!("{{{}}}", body.join(","))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn fast_decimals_equal_the_standard_parser(
        text in "[0-9]{1,18}(\\.[0-9]{0,8})?([eE][+-]?[0-9]{1,2})?",
    ) {
        let standard: f64 = text.parse().expect("a decimal");
        match exact_simple_decimal(text.as_bytes()) {
            Some(fast) => prop_assert_eq!(fast.to_bits(), standard.to_bits(), "{}", text),
            None => prop_assert!(parse_go_float_matches(&text, standard)),
        }
    }

    #[test]
    fn the_word_at_a_time_search_finds_the_first_quote_or_backslash(
        bytes in proptest::collection::vec(prop_oneof![Just(b'"'), Just(b'\\'), Just(0u8), Just(1u8), any::<u8>()], 0..40),
    ) {
        let naive = bytes.iter().position(|&b| b == b'"' || b == b'\\');
        prop_assert_eq!(find_quote_or_backslash(&bytes), naive);
    }

    #[test]
    fn tags_equal_three_substring_searches(labels in label_text()) {
        prop_assert_eq!(tags_of(&labels), substring_tags(&labels), "{}", labels);
    }
}

/// Where the fast path declines, the full Go-syntax parser still gives the standard value.
fn parse_go_float_matches(text: &str, standard: f64) -> bool {
    let go = crate::metrics::decode::text::parse_go_float(text.as_bytes());
    go.map(f64::to_bits) == standard.is_finite().then_some(standard.to_bits())
}
