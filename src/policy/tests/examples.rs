//! The example policies under `examples/` parse as `AutoscalingPolicy` objects and pass
//! validation, so the documentation cannot drift from what the controller accepts.

use crate::policy::{AutoscalingPolicy, validate};

const EXAMPLES: [(&str, &str); 2] = [
    ("autoscalingpolicy-web.yaml", include_str!("../../../examples/autoscalingpolicy-web.yaml")),
    (
        "autoscalingpolicy-queue-worker.yaml",
        include_str!("../../../examples/autoscalingpolicy-queue-worker.yaml"),
    ),
];

fn parse(name: &str, text: &str) -> AutoscalingPolicy {
    serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_example_parses_and_validates() {
    for (name, text) in EXAMPLES {
        let policy = parse(name, text);
        assert_eq!(validate(&policy.spec), Ok(()), "{name}");
    }
}

#[test]
fn the_web_example_sets_what_its_comment_says() {
    let policy = parse(EXAMPLES[0].0, EXAMPLES[0].1);
    let horizontal = policy.spec.horizontal.expect("horizontal part");
    assert_eq!((horizontal.min_replicas, horizontal.max_replicas), (2, 20));
    assert_eq!(horizontal.cpu_initialization_period().unwrap().as_secs(), 120);
    let behavior = horizontal.behavior.expect("behavior");
    let up = behavior.scale_up.expect("scaleUp");
    assert_eq!(up.tolerance.map(|q| q.0), Some("0.05".to_owned()));
    assert_eq!(behavior.scale_down.and_then(|d| d.stabilization_window_seconds), Some(300));
}

#[test]
fn the_queue_worker_example_scales_to_zero_on_an_external_metric() {
    let policy = parse(EXAMPLES[1].0, EXAMPLES[1].1);
    let horizontal = policy.spec.horizontal.expect("horizontal part");
    assert_eq!(horizontal.min_replicas, 0);
    assert_eq!(horizontal.metrics[0].type_, "External");
    // Defaults fill what the example leaves out.
    assert_eq!(horizontal.initial_readiness_delay, "30s");
}
