//! Spec §2.3 decoder rules, one test per rule.

use super::*;

// ---- spec §2.3 rules ----

#[test]
fn longer_names_sharing_a_prefix_do_not_match() {
    let input = [
        NODE_CPU,
        NODE_MEMORY,
        "node_cpu_usage_seconds_total_other 1 1633253809720\n",
        "container_cpu_usage_seconds_total_x{container=\"c\",namespace=\"n\",pod=\"p\"} 1\n",
    ]
    .concat();
    let batch = decode_ok(&input);
    assert_eq!(batch.nodes, vec![normal_node()]);
    assert!(batch.pods.is_empty() && batch.dropped.is_empty());
}

#[test]
fn series_text_with_leading_or_inner_blanks_never_matches() {
    // Upstream's series text starts at the line start and must be `name` or `name{`.
    let input = [
        "  node_cpu_usage_seconds_total 5 1633253809720\n",
        "node_memory_working_set_bytes {a=\"b\"} 7 1633253809720\n",
    ]
    .concat();
    assert_eq!(decode_ok(&input).dropped, vec![no_node()]);
}

#[test]
fn labels_are_found_in_any_order() {
    let input = concat!(
        "container_cpu_usage_seconds_total{pod=\"p\",container=\"c\",namespace=\"n\"} 2 1000\n",
        "container_memory_working_set_bytes{namespace=\"n\",pod=\"p\",container=\"c\",extra=\"x\"} 3 2000\n",
    );
    let expected = pod("n", "p", vec![container("c", ts("1970-01-01T00:00:02Z"), None, 2_000_000_000, 3)]);
    assert_eq!(decode_ok(input).pods, vec![expected]);
}

#[test]
fn label_search_is_a_plain_substring_search() {
    // Quirk kept from upstream: `mycontainer="a"` contains `container="` and comes first.
    let input = concat!(
        "container_cpu_usage_seconds_total{mycontainer=\"a\",container=\"c\",namespace=\"n\",pod=\"p\"} 2 1000\n",
        "container_memory_working_set_bytes{mycontainer=\"a\",container=\"c\",namespace=\"n\",pod=\"p\"} 3 1000\n",
    );
    assert_eq!(decode_ok(input).pods[0].containers[0].name, "a");
}

#[test]
fn escaped_quotes_end_a_label_value_at_the_backslash() {
    // No unescaping upstream: the value ends at the next `"`, escaped or not.
    let input = concat!(
        "container_cpu_usage_seconds_total{container=\"c\\\"x\",namespace=\"n\",pod=\"p\"} 2 1000\n",
        "container_memory_working_set_bytes{container=\"c\\\"x\",namespace=\"n\",pod=\"p\"} 3 1000\n",
    );
    assert_eq!(decode_ok(input).pods[0].containers[0].name, "c\\");
}

#[test]
fn cpu_seconds_are_truncated_to_nanoseconds_in_float() {
    let input = [NODE_MEMORY, "node_cpu_usage_seconds_total 1.005 1633253809720\n"].concat();
    assert_eq!(decode_ok(&input).nodes[0].cumulative_cpu_nanoseconds, 1_004_999_999);
}

#[test]
fn memory_is_truncated_to_whole_bytes() {
    let input = [NODE_CPU, "node_memory_working_set_bytes 1023.999 1633253809720\n"].concat();
    assert_eq!(decode_ok(&input).nodes[0].memory_working_set_bytes, 1023);
}

#[test]
fn request_time_is_truncated_to_milliseconds() {
    let batch =
        decode(NO_TIMESTAMPS.as_bytes(), "node1", ts("2077-07-07T07:07:07.123456789Z")).expect("decodes");
    assert_eq!(batch.nodes[0].timestamp, ts("2077-07-07T07:07:07.123Z"));
    assert_eq!(batch.pods[0].containers[0].timestamp, ts("2077-07-07T07:07:07.123Z"));
}

#[test]
fn last_duplicate_line_wins() {
    let input = [NODE_CPU, NODE_MEMORY, "node_cpu_usage_seconds_total 1 1633253810000\n"].concat();
    assert_eq!(
        decode_ok(&input).nodes,
        vec![node("node1", ts("2021-10-03T09:36:50Z"), 1_000_000_000, 1_616_273_408)]
    );
}

#[test]
fn container_timestamp_comes_from_the_last_cpu_or_memory_line() {
    let memory_last = concat!(
        "container_cpu_usage_seconds_total{container=\"c\",namespace=\"n\",pod=\"p\"} 1 5000\n",
        "container_memory_working_set_bytes{container=\"c\",namespace=\"n\",pod=\"p\"} 1 3000\n",
        "container_start_time_seconds{container=\"c\",namespace=\"n\",pod=\"p\"} 1 9000\n",
    );
    assert_eq!(decode_ok(memory_last).pods[0].containers[0].timestamp, ts("1970-01-01T00:00:03Z"));
    let cpu_last = concat!(
        "container_memory_working_set_bytes{container=\"c\",namespace=\"n\",pod=\"p\"} 1 3000\n",
        "container_cpu_usage_seconds_total{container=\"c\",namespace=\"n\",pod=\"p\"} 1 5000\n",
    );
    assert_eq!(decode_ok(cpu_last).pods[0].containers[0].timestamp, ts("1970-01-01T00:00:05Z"));
}

#[test]
fn start_time_is_seconds_times_1e9_and_ignores_its_own_timestamp() {
    let input = concat!(
        "container_cpu_usage_seconds_total{container=\"c\",namespace=\"n\",pod=\"p\"} 1 5000\n",
        "container_memory_working_set_bytes{container=\"c\",namespace=\"n\",pod=\"p\"} 1 5000\n",
        "container_start_time_seconds{container=\"c\",namespace=\"n\",pod=\"p\"} 1.6243962483020916e+09 7000\n",
    );
    let c = &decode_ok(input).pods[0].containers[0];
    assert_eq!(c.start_time, Some(ns(1_624_396_248_302_091_520)));
    assert_eq!(c.timestamp, ts("1970-01-01T00:00:05Z"));
}

#[test]
fn container_seen_only_through_its_start_time_drops_its_pod() {
    let input = [COREDNS_CPU, COREDNS_MEMORY, "container_start_time_seconds{container=\"init\",namespace=\"kube-system\",pod=\"coredns-558bd4d5db-4dpjz\"} 1 1\n"].concat();
    let batch = decode_ok(&input);
    assert!(batch.pods.is_empty());
    assert_eq!(batch.dropped[1], dropped_pod("kube-system", COREDNS_POD, "init", Missing::CpuAndMemory));
}

#[test]
fn one_incomplete_container_drops_only_its_pod() {
    let input = concat!(
        "container_cpu_usage_seconds_total{container=\"a\",namespace=\"n\",pod=\"p1\"} 1 1000\n",
        "container_cpu_usage_seconds_total{container=\"b\",namespace=\"n\",pod=\"p1\"} 1 1000\n",
        "container_cpu_usage_seconds_total{container=\"a\",namespace=\"n\",pod=\"p2\"} 1 1000\n",
        "container_memory_working_set_bytes{container=\"a\",namespace=\"n\",pod=\"p1\"} 5 1000\n",
        "container_memory_working_set_bytes{container=\"a\",namespace=\"n\",pod=\"p2\"} 5 1000\n",
    );
    let batch = decode_ok(input);
    let at = ts("1970-01-01T00:00:01Z");
    assert_eq!(batch.pods, vec![pod("n", "p2", vec![container("a", at, None, 1_000_000_000, 5)])]);
    assert_eq!(batch.dropped, vec![no_node(), dropped_pod("n", "p1", "b", Missing::Memory)]);
}

#[test]
fn nan_infinite_and_negative_values_count_as_missing() {
    for bad in ["NaN", "+Inf", "-Inf", "-1", "-0"] {
        let input = [NODE_MEMORY, &format!("node_cpu_usage_seconds_total {bad} 1633253809720\n")].concat();
        assert_eq!(decode_ok(&input).dropped, vec![dropped_node(Missing::Cpu)], "cpu {bad}");
        let input = [NODE_CPU, &format!("node_memory_working_set_bytes {bad} 1633253809720\n")].concat();
        assert_eq!(decode_ok(&input).dropped, vec![dropped_node(Missing::Memory)], "memory {bad}");
    }
}

#[test]
fn negative_or_invalid_start_time_is_no_start_time() {
    for bad in ["-5", "NaN", "+Inf", "1e300"] {
        let input = [COREDNS_CPU, COREDNS_MEMORY, &format!("container_start_time_seconds{{container=\"coredns\",namespace=\"kube-system\",pod=\"{COREDNS_POD}\"}} {bad}\n")].concat();
        assert_eq!(decode_ok(&input).pods[0].containers[0].start_time, None, "start {bad}");
    }
}

#[test]
fn pods_and_containers_keep_first_seen_order() {
    let input = concat!(
        "container_cpu_usage_seconds_total{container=\"z\",namespace=\"b\",pod=\"p\"} 1 1000\n",
        "container_cpu_usage_seconds_total{container=\"a\",namespace=\"a\",pod=\"p\"} 1 1000\n",
        "container_cpu_usage_seconds_total{container=\"y\",namespace=\"b\",pod=\"p\"} 1 1000\n",
        "container_memory_working_set_bytes{container=\"y\",namespace=\"b\",pod=\"p\"} 1 1000\n",
        "container_memory_working_set_bytes{container=\"z\",namespace=\"b\",pod=\"p\"} 1 1000\n",
        "container_memory_working_set_bytes{container=\"a\",namespace=\"a\",pod=\"p\"} 1 1000\n",
    );
    let batch = decode_ok(input);
    let names: Vec<_> = batch
        .pods
        .iter()
        .map(|p| (p.namespace.as_str(), p.containers.iter().map(|c| c.name.as_str()).collect::<Vec<_>>()))
        .collect();
    assert_eq!(names, vec![("b", vec!["z", "y"]), ("a", vec!["a"])]);
}

#[test]
fn comments_blank_lines_and_a_missing_final_newline_are_accepted() {
    let input = [
        "#no space comment\n",
        "# random words\n",
        "# HELP\n",
        "\t\n",
        "# TYPE x untyped\n",
        NODE_CPU,
        NODE_MEMORY.trim_end(),
    ]
    .concat();
    assert_eq!(decode_ok(&input).nodes, vec![normal_node()]);
}

#[test]
fn spacing_trailing_comma_and_other_series_are_accepted() {
    let input = concat!(
        "container_cpu_usage_seconds_total{container=\"c\" , namespace=\"n\",pod=\"p\", }\t2   1000  \n",
        "container_memory_working_set_bytes{container=\"c\",namespace=\"n\",pod=\"p\"}3\n",
        "some_histogram_bucket{le=\"+Inf\"} 1e3\n",
        "escapes{a=\"x\\\\\",b=\"\\n\"} .5\n",
    );
    let batch = decode(input.as_bytes(), "n1", ts("1970-01-01T00:00:09Z")).expect("decodes");
    let at = ts("1970-01-01T00:00:09Z");
    assert_eq!(batch.pods, vec![pod("n", "p", vec![container("c", at, None, 2_000_000_000, 3)])]);
}

#[test]
fn container_series_without_a_required_label_is_an_error() {
    // Upstream slices with index -1 here (garbage or a panic); we fail the payload instead.
    let input = [NODE_CPU, "container_cpu_usage_seconds_total{container=\"c\",pod=\"p\"} 1\n"].concat();
    assert_eq!(
        decode_str(&input),
        Err(DecodeError::MissingLabel {
            line: 2,
            metric: "container_cpu_usage_seconds_total",
            label: "namespace"
        })
    );
    let bare = "container_memory_working_set_bytes 1\n";
    assert_eq!(
        decode_str(bare),
        Err(DecodeError::MissingLabel {
            line: 1,
            metric: "container_memory_working_set_bytes",
            label: "container"
        })
    );
}

// ---- newest_timestamp (the offline replay's scrape time) ----

#[test]
fn newest_timestamp_is_the_latest_cpu_or_memory_stamp_and_ignores_start_time_lines() {
    let input = concat!(
        "node_cpu_usage_seconds_total 5 1633253809720\n",
        "container_cpu_usage_seconds_total{container=\"c\",namespace=\"n\",pod=\"p\"} 2 1633253812125\n",
        "container_start_time_seconds{container=\"c\",namespace=\"n\",pod=\"p\"} 1 1633253999000\n",
        "pod_cpu_usage_seconds_total{namespace=\"n\",pod=\"p\"} 2 1633253999999\n",
    );
    let newest = newest_timestamp(input.as_bytes()).unwrap();
    assert_eq!(newest, Some(ts("2021-10-03T09:36:52.125Z")));
}

#[test]
fn newest_timestamp_is_none_without_stamps_and_fails_like_decode_on_bad_syntax() {
    assert_eq!(newest_timestamp(b"node_cpu_usage_seconds_total 5\n").unwrap(), None);
    let err = newest_timestamp(b"node_cpu_usage_seconds_total five\n").unwrap_err();
    assert_eq!(err, decode(b"node_cpu_usage_seconds_total five\n", "n", request_time()).unwrap_err());
}
