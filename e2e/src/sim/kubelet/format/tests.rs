#![allow(clippy::float_cmp, reason = "exact values are the point of these tests")]

use super::{ContainerSample, NodeSample, go_float, render};

/// One parsed sample: name, labels, value, timestamp.
type Sample = (String, Vec<(String, String)>, f64, Option<i64>);

fn container(namespace: &str, pod: &str, name: &str) -> ContainerSample {
    ContainerSample {
        namespace: namespace.into(),
        pod: pod.into(),
        container: name.into(),
        cpu_seconds: 10.0,
        memory_bytes: 1000.0,
        start_time_seconds: 1_624_396_248.302_091_6,
    }
}

fn sample(containers: Vec<ContainerSample>) -> NodeSample {
    NodeSample { cpu_seconds: 10.0, memory_bytes: 1000.0, timestamp_ms: 1_624_396_278_302, containers }
}

/// One parsed sample line: `name{labels} value [timestamp]`.
#[derive(Debug, PartialEq)]
struct Line {
    name: String,
    labels: Vec<(String, String)>,
    value: f64,
    timestamp: Option<i64>,
}

/// A strict parser of Prometheus text lines: every line is a `# HELP`/`# TYPE` comment or a sample.
fn parse_line(line: &str) -> Result<Option<Line>, String> {
    if let Some(comment) = line.strip_prefix("# ") {
        let mut words = comment.splitn(3, ' ');
        return match (words.next(), words.next(), words.next()) {
            (Some("HELP" | "TYPE"), Some(_), Some(_)) => Ok(None),
            _ => Err(format!("bad comment {line:?}")),
        };
    }
    let name_end = line.find(['{', ' ']).ok_or_else(|| format!("no value in {line:?}"))?;
    let name = &line[..name_end];
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
        return Err(format!("bad metric name in {line:?}"));
    }
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(after) = rest.strip_prefix('{') {
        let close = after.find('}').ok_or_else(|| format!("unclosed labels in {line:?}"))?;
        for pair in after[..close].split(',') {
            let (key, value) = pair.split_once('=').ok_or_else(|| format!("bad label {pair:?}"))?;
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .ok_or_else(|| format!("unquoted label value {pair:?}"))?;
            labels.push((key.to_owned(), value.to_owned()));
        }
        rest = &after[close + 1..];
    }
    let rest = rest.strip_prefix(' ').ok_or_else(|| format!("no space before the value in {line:?}"))?;
    let mut parts = rest.split(' ');
    let value = parts.next().unwrap_or_default().parse::<f64>().map_err(|e| format!("{line:?}: {e}"))?;
    let timestamp = parts.next().map(str::parse::<i64>).transpose().map_err(|e| format!("{line:?}: {e}"))?;
    if parts.next().is_some() {
        return Err(format!("trailing fields in {line:?}"));
    }
    Ok(Some(Line { name: name.to_owned(), labels, value, timestamp }))
}

/// Parse a whole payload strictly.
fn parse_payload(text: &str) -> Result<Vec<Sample>, String> {
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(l) = parse_line(line)? {
            out.push((l.name, l.labels, l.value, l.timestamp));
        }
    }
    Ok(out)
}

#[test]
fn floats_print_like_go_format_float_g() {
    for (v, want) in [
        (10.0, "10"),
        (1000.0, "1000"),
        (0.0, "0"),
        (4.710_169, "4.710169"),
        (357.354_91, "357.35491"),
        (12_533_760.0, "1.253376e+07"),
        (1_616_273_408.0, "1.616273408e+09"),
        (1_624_396_248.302_091_6, "1.6243962483020916e+09"),
        (1e6, "1e+06"),
        (999_999.0, "999999"),
        (0.0001, "0.0001"),
        (0.000_012_5, "1.25e-05"),
        (-2.5, "-2.5"),
        (f64::INFINITY, "+Inf"),
    ] {
        assert_eq!(go_float(v), want, "{v}");
    }
}

// Expected output of kubernetes/kubernetes resource_metrics_test.go ("nil node metrics" aside) as
// assembled in spec §2.2 B, without the swap-limit series the sim does not model.
#[test]
fn the_payload_matches_the_kubelet_format_line_by_line() {
    let text = render(&sample(vec![
        container("namespace_a", "pod_a", "container_b"),
        container("namespace_b", "pod_b", "container_a"),
        container("namespace_a", "pod_a", "container_a"),
    ]));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds"
    );
    assert_eq!(lines[1], "# TYPE container_cpu_usage_seconds_total counter");
    assert_eq!(
        &lines[2..5],
        [
            r#"container_cpu_usage_seconds_total{container="container_a",namespace="namespace_a",pod="pod_a"} 10 1624396278302"#,
            r#"container_cpu_usage_seconds_total{container="container_a",namespace="namespace_b",pod="pod_b"} 10 1624396278302"#,
            r#"container_cpu_usage_seconds_total{container="container_b",namespace="namespace_a",pod="pod_a"} 10 1624396278302"#,
        ]
    );
    assert!(text.contains("# HELP container_start_time_seconds [STABLE] Start time of the container since unix epoch in seconds\n# TYPE container_start_time_seconds gauge\ncontainer_start_time_seconds{container=\"container_a\",namespace=\"namespace_a\",pod=\"pod_a\"} 1.6243962483020916e+09\n"));
    assert!(text.contains(
        "# TYPE node_cpu_usage_seconds_total counter\nnode_cpu_usage_seconds_total 10 1624396278302\n"
    ));
    assert!(
        text.contains(
            "pod_cpu_usage_seconds_total{namespace=\"namespace_a\",pod=\"pod_a\"} 20 1624396278302\n"
        )
    );
    assert!(text.contains(
        "pod_memory_working_set_bytes{namespace=\"namespace_b\",pod=\"pod_b\"} 1000 1624396278302\n"
    ));
    assert!(text.ends_with(
        "# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise\n# TYPE resource_scrape_error gauge\nresource_scrape_error 0\n# HELP scrape_error [ALPHA] 1 if there was an error while getting container metrics, 0 otherwise\n# TYPE scrape_error gauge\nscrape_error 0\n"
    ));
}

#[test]
fn every_line_parses_strictly_and_families_come_in_name_order() {
    let text =
        render(&sample(vec![container("default", "web-1", "web"), container("default", "web-0", "web")]));
    let samples = parse_payload(&text).unwrap();
    let names: Vec<&str> = samples.iter().map(|s| s.0.as_str()).collect();
    let mut families = names.clone();
    families.dedup();
    assert_eq!(
        families,
        [
            "container_cpu_usage_seconds_total",
            "container_memory_working_set_bytes",
            "container_start_time_seconds",
            "container_swap_usage_bytes",
            "node_cpu_usage_seconds_total",
            "node_memory_working_set_bytes",
            "node_swap_usage_bytes",
            "pod_cpu_usage_seconds_total",
            "pod_memory_working_set_bytes",
            "pod_swap_usage_bytes",
            "resource_scrape_error",
            "scrape_error",
        ]
    );
    let start = samples.iter().find(|s| s.0 == "container_start_time_seconds").unwrap();
    assert_eq!(start.3, None);
    assert_eq!(start.1.iter().map(|l| l.0.as_str()).collect::<Vec<_>>(), ["container", "namespace", "pod"]);
    let cpu = samples.iter().find(|s| s.0 == "container_cpu_usage_seconds_total").unwrap();
    assert_eq!((cpu.1[2].1.as_str(), cpu.2, cpu.3), ("web-0", 10.0, Some(1_624_396_278_302)));
}

#[test]
fn a_node_without_pods_has_only_node_series_and_scrape_errors() {
    let samples = parse_payload(&render(&sample(vec![]))).unwrap();
    let names: Vec<&str> = samples.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "node_cpu_usage_seconds_total",
            "node_memory_working_set_bytes",
            "node_swap_usage_bytes",
            "resource_scrape_error",
            "scrape_error"
        ]
    );
}

#[test]
fn the_zero_fault_zeroes_every_usage_value() {
    let zero = sample(vec![container("default", "web-0", "web")]).zeroed();
    let samples = parse_payload(&render(&zero)).unwrap();
    for s in samples.iter().filter(|s| s.0 != "container_start_time_seconds") {
        assert_eq!(s.2, 0.0, "{}", s.0);
    }
}

#[test]
fn the_garbage_body_does_not_parse() {
    let text = String::from_utf8_lossy(super::garbage()).into_owned();
    assert!(parse_payload(&text).is_err());
}

proptest::proptest! {
    #[test]
    fn go_floats_round_trip_and_use_exponents_only_outside_the_g_range(v in proptest::num::f64::NORMAL) {
        let text = go_float(v);
        proptest::prop_assert_eq!(text.parse::<f64>().ok(), Some(v), "{}", text);
        let exponent = v.abs().log10().floor();
        if (-3.0..5.0).contains(&exponent) {
            proptest::prop_assert!(!text.contains('e'), "{}", text);
        }
        if exponent >= 7.0 || exponent <= -6.0 {
            proptest::prop_assert!(text.contains("e+") || text.contains("e-"), "{}", text);
        }
    }
}
