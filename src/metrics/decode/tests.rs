//! Decoder tests: shared builders, the upstream `TestDecode` table (metrics-server
//! `decode_test.go`) ported by value and the spec §2.2 sample payloads here; every rule of spec
//! §2.3 in `rules.rs`; syntax errors, Go float syntax and proptests in `syntax.rs`.

use jiff::Timestamp;

use super::*;

mod fast_paths;
mod payloads;
mod rules;
mod syntax;
use payloads::*;

const COREDNS_POD: &str = "coredns-558bd4d5db-4dpjz";

fn ts(text: &str) -> Timestamp {
    text.parse().expect("test timestamp")
}

fn ns(nanos: i128) -> Timestamp {
    Timestamp::from_nanosecond(nanos).expect("test timestamp")
}

/// Request time used when a case does not care (Go's zero time in upstream tests).
fn request_time() -> Timestamp {
    ts("2030-01-01T00:00:00Z")
}

fn node(name: &str, timestamp: Timestamp, cpu: u64, memory: u64) -> NodePoint {
    NodePoint {
        name: name.into(),
        timestamp,
        cumulative_cpu_nanoseconds: cpu,
        memory_working_set_bytes: memory,
    }
}

fn container(
    name: &str,
    timestamp: Timestamp,
    start: Option<Timestamp>,
    cpu: u64,
    memory: u64,
) -> ContainerPoint {
    ContainerPoint {
        name: name.into(),
        timestamp,
        start_time: start,
        cumulative_cpu_nanoseconds: cpu,
        memory_working_set_bytes: memory,
    }
}

fn pod(namespace: &str, name: &str, containers: Vec<ContainerPoint>) -> PodPoint {
    PodPoint { namespace: namespace.into(), name: name.into(), containers }
}

fn dropped_node(missing: Missing) -> Dropped {
    Dropped {
        kind: DroppedKind::Node,
        namespace: None,
        name: "node1".into(),
        reason: DropReason::NodeIncomplete { missing },
    }
}

fn dropped_pod(namespace: &str, name: &str, container: &str, missing: Missing) -> Dropped {
    Dropped {
        kind: DroppedKind::Pod,
        namespace: Some(namespace.into()),
        name: name.into(),
        reason: DropReason::ContainerIncomplete { container: container.into(), missing },
    }
}

/// The node point of payload A.
fn normal_node() -> NodePoint {
    node("node1", ts("2021-10-03T09:36:49.72Z"), 357_354_910_000, 1_616_273_408)
}

/// The coredns pod of payload A.
fn coredns() -> PodPoint {
    let start = Some(ts("2021-10-03T09:18:32Z"));
    pod(
        "kube-system",
        COREDNS_POD,
        vec![container("coredns", ts("2021-10-03T09:36:52.125Z"), start, 4_710_169_000, 12_533_760)],
    )
}

fn decode_str(input: &str) -> Result<Batch, DecodeError> {
    decode(input.as_bytes(), "node1", request_time())
}

fn decode_ok(input: &str) -> Batch {
    decode_str(input).expect("payload decodes")
}

// ---- upstream TestDecode (decode_test.go), by value ----

struct Case {
    upstream: &'static str,
    input: String,
    nodes: Vec<NodePoint>,
    pods: Vec<PodPoint>,
    dropped: Vec<Dropped>,
}

fn case(
    upstream: &'static str,
    lines: &[&str],
    nodes: Vec<NodePoint>,
    pods: Vec<PodPoint>,
    dropped: Vec<Dropped>,
) -> Case {
    Case { upstream, input: lines.concat(), nodes, pods, dropped }
}

fn no_node() -> Dropped {
    dropped_node(Missing::CpuAndMemory)
}

fn coredns_dropped(missing: Missing) -> Dropped {
    dropped_pod("kube-system", COREDNS_POD, "coredns", missing)
}

#[test]
fn upstream_decode_table_gives_the_same_points() {
    let cases = [
        case("Normal", &[NORMAL], vec![normal_node()], vec![coredns()], vec![]),
        case(
            "Single node (containers only)",
            &["\n", COREDNS_CPU, COREDNS_MEMORY, COREDNS_START],
            vec![],
            vec![coredns()],
            vec![no_node()],
        ),
        case(
            "No container CPU drops container metrics",
            &["\n", COREDNS_MEMORY],
            vec![],
            vec![],
            vec![no_node(), coredns_dropped(Missing::Cpu)],
        ),
        case(
            "Empty container CPU drops container metrics",
            &["\n", COREDNS_CPU_ZERO, COREDNS_MEMORY],
            vec![],
            vec![],
            vec![no_node(), coredns_dropped(Missing::Cpu)],
        ),
        case(
            "No container Memory drops container metrics",
            &["\n", COREDNS_CPU],
            vec![],
            vec![],
            vec![no_node(), coredns_dropped(Missing::Memory)],
        ),
        case(
            "Empty container Memory drops container metrics",
            &["\n", COREDNS_CPU, COREDNS_MEMORY_ZERO],
            vec![],
            vec![],
            vec![no_node(), coredns_dropped(Missing::Memory)],
        ),
        case("Single node (node only)", &["\n", NODE_CPU, NODE_MEMORY], vec![normal_node()], vec![], vec![]),
        case(
            "No node CPU drops metric",
            &["\n", NODE_MEMORY],
            vec![],
            vec![],
            vec![dropped_node(Missing::Cpu)],
        ),
        case(
            "Empty node CPU drops metric",
            &["\n", NODE_CPU_ZERO, NODE_MEMORY],
            vec![],
            vec![],
            vec![dropped_node(Missing::Cpu)],
        ),
        case(
            "No node Memory drops metrics",
            &["\n", NODE_CPU],
            vec![],
            vec![],
            vec![dropped_node(Missing::Memory)],
        ),
        case(
            "Empty node Memory drops metric",
            &["\n", NODE_CPU, NODE_MEMORY_ZERO],
            vec![],
            vec![],
            vec![dropped_node(Missing::Memory)],
        ),
    ];
    for c in cases {
        let batch = decode_str(&c.input).unwrap_or_else(|e| panic!("{}: {e}", c.upstream));
        assert_eq!(batch.nodes, c.nodes, "{}", c.upstream);
        assert_eq!(batch.pods, c.pods, "{}", c.pods.len());
        assert_eq!(batch.dropped, c.dropped, "{}", c.upstream);
    }
}

#[test]
fn samples_without_timestamp_use_the_request_time() {
    // Upstream "Without timestamp uses defaultTime".
    let batch = decode(NO_TIMESTAMPS.as_bytes(), "node1", ts("2077-07-07T07:07:07Z")).expect("decodes");
    let at = ts("2077-07-07T07:07:07Z");
    assert_eq!(batch.nodes, vec![node("node1", at, 357_354_910_000, 1_616_273_408)]);
    let start = Some(ts("2021-10-03T09:18:32Z"));
    let expected =
        pod("kube-system", COREDNS_POD, vec![container("coredns", at, start, 4_710_169_000, 12_533_760)]);
    assert_eq!(batch.pods, vec![expected]);
}

#[test]
fn negative_timestamp_fails_the_whole_payload() {
    // Upstream "Containing an incorrect timestamp"; spec §2.2 C.
    let err = decode_str(INCORRECT_TIMESTAMP).expect_err("must fail");
    assert_eq!(err, DecodeError::InvalidTimestamp { line: 4, found: "-62135596800000".into() });
    assert_eq!(
        err.to_string(),
        "failed parsing metrics: line 4: invalid timestamp \"-62135596800000\" (expected unsigned milliseconds)"
    );
}

// ---- spec §2.2 sample payloads ----

#[test]
fn current_kubelet_payload_decodes_to_the_spec_numbers() {
    let batch = decode(KUBELET_CURRENT.as_bytes(), "n1", request_time()).expect("decodes");
    let at = ts("2021-06-22T21:11:18.302Z");
    assert_eq!(batch.nodes, vec![node("n1", at, 10_000_000_000, 1000)]);
    let c = |name: &str, start_ns: i128| container(name, at, Some(ns(start_ns)), 10_000_000_000, 1000);
    assert_eq!(
        batch.pods,
        vec![
            pod(
                "namespace_a",
                "pod_a",
                vec![
                    c("container_a", 1_624_396_248_302_091_520),
                    c("container_b", 1_624_396_158_302_091_520)
                ]
            ),
            pod("namespace_b", "pod_b", vec![c("container_a", 1_624_395_678_302_091_520)]),
        ]
    );
    assert!(batch.dropped.is_empty());
}

#[test]
fn batch_serialises_to_the_cli_json_shape() {
    let json = serde_json::to_value(decode_ok(NORMAL)).expect("serialises");
    let expected = serde_json::json!({
        "nodes": [{"name": "node1", "timestamp": "2021-10-03T09:36:49.72Z",
                   "cumulativeCpuNanoseconds": 357_354_910_000_u64, "memoryWorkingSetBytes": 1_616_273_408}],
        "pods": [{"namespace": "kube-system", "name": COREDNS_POD,
                  "containers": [{"name": "coredns", "timestamp": "2021-10-03T09:36:52.125Z",
                                  "startTime": "2021-10-03T09:18:32Z",
                                  "cumulativeCpuNanoseconds": 4_710_169_000_u64, "memoryWorkingSetBytes": 12_533_760}]}]
    });
    assert_eq!(json, expected);
}

#[test]
fn dropped_objects_serialise_with_kind_and_reason() {
    let json = serde_json::to_value(decode_ok(COREDNS_MEMORY)).expect("serialises");
    assert_eq!(
        json["dropped"],
        serde_json::json!([
            {"kind": "node", "name": "node1", "reason": {"type": "nodeIncomplete", "missing": "cpuAndMemory"}},
            {"kind": "pod", "namespace": "kube-system", "name": COREDNS_POD,
             "reason": {"type": "containerIncomplete", "container": "coredns", "missing": "cpu"}}
        ])
    );
}

#[test]
fn batch_round_trips_through_json() {
    let batch = decode_ok(KUBELET_CURRENT);
    let text = serde_json::to_string(&batch).expect("serialises");
    assert_eq!(serde_json::from_str::<Batch>(&text).expect("parses"), batch);
}
