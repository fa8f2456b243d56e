//! bellows' HPA controller end to end on bellows-sim (issue 6): scale-down after the stabilization
//! window, the CPU initialization period against start-up bursts, failure conditions and events,
//! `kubectl get hpa`, bounded scaling under noisy load, and competing-writer detection.
//!
//! Every expected replica count is derived here from the scenario's load model with upstream's
//! formula (`desired`, `utilization`); the scenarios are `e2e/scenarios/hpa-*.yaml`. Each test
//! starts its own sim and bellows (`common::stack`) with a 1–2 s sync period and the minimum
//! metric resolution (10 s), so a metric change reaches a decision within ~10–20 s.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bellows_e2e::sim::cluster::Cluster;
use bellows_e2e::sim::store::{ResourceKey, UpdateScope, format_time};
use common::hpa::{self, HpaBuilder};
use common::stack::{Stack, StackOptions};
use serde_json::{Value, json};

/// Upstream's default `--horizontal-pod-autoscaler-tolerance`.
const TOLERANCE: f64 = 0.1;

/// The HPA's utilization of pods that each use `ceil(rps / pods)` millicores of a `request_m`
/// request: kubelet rates are a hair off the exact model and `Quantity.MilliValue()` rounds up,
/// so the exact share rounded up is what upstream's integer percentage sees (see the
/// `e2e-steady` test in `bellows_on_sim.rs`).
fn utilization(rps: u32, pods: u32, request_m: u32) -> u32 {
    rps.div_ceil(pods) * 100 / request_m
}

/// Upstream's replica formula for one Utilization metric: `current` when the usage ratio is within
/// tolerance, else `ceil(current × utilization / target)`.
fn desired(current: u32, utilization: u32, target: u32) -> u32 {
    let ratio = f64::from(utilization) / f64::from(target);
    if (1.0 - ratio).abs() <= TOLERANCE {
        current
    } else {
        // Small positive integers: the product is exact.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let d = (ratio * f64::from(current)).ceil() as u32;
        d
    }
}

/// The replica count a load settles at from `start` pods: the formula applied until it is a fixed
/// point (each step is one scale; rate limits do not bind for these small steps).
fn fixed_point(start: u32, rps: u32, request_m: u32, target: u32) -> Vec<u32> {
    let mut steps = vec![start];
    for _ in 0..10 {
        let current = *steps.last().unwrap();
        let next = desired(current, utilization(rps, current, request_m), target);
        if next == current {
            break;
        }
        steps.push(next);
    }
    steps
}

/// Replica changes of Deployment `name` seen by polling every 250 ms for `limit`, as
/// `(seconds since the call, new count)`, starting with the count at the call. Fails when bellows
/// exits.
async fn trace_replicas(stack: &mut Stack, name: &str, limit: Duration) -> Vec<(f64, i64)> {
    let start = Instant::now();
    let mut trace: Vec<(f64, i64)> = Vec::new();
    while start.elapsed() < limit {
        if let Some(r) = hpa::replicas(&stack.sim, name)
            && trace.last().is_none_or(|(_, last)| *last != r)
        {
            trace.push((start.elapsed().as_secs_f64(), r));
        }
        if let Some(Ok(Some(status))) = stack.bellows.as_mut().map(std::process::Child::try_wait) {
            panic!("bellows exited ({status}):\n{}", stack.log());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    trace
}

#[test]
fn the_formula_helpers_match_the_scenarios_numbers() {
    // hpa-drop: 110 rps → 2 pods at 55 %, 4 pods at 28 % (27.5 rounded up) vs 30 %.
    assert_eq!(fixed_point(2, 110, 100, 30), vec![2, 4]);
    // After the drop to 76 rps: 4 pods at 19 % → 3; 3 pods at 26 % (25.3 rounded up) → 3.
    assert_eq!(fixed_point(4, 76, 100, 30), vec![4, 3]);
    // hpa-burst: 140 rps → 2 pods at 70 % vs 50 % → 3; 3 pods at 47 % → 3.
    assert_eq!(fixed_point(2, 140, 100, 50), vec![2, 3]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_load_drop_scales_down_only_after_the_stabilization_window() {
    const DROP_AT: f64 = 45.0;
    const WINDOW: u64 = 20;
    let before_sim = Instant::now();
    let mut stack = Stack::start(StackOptions::new("hpa-drop").with_scenario("hpa-drop.yaml")).await;
    HpaBuilder::new("web", "web").with_scale_down_window(WINDOW).create(&stack.sim);
    let up = fixed_point(2, 110, 100, 30);
    let down = fixed_point(4, 76, 100, 30);
    let (high, low) = (i64::from(up[up.len() - 1]), i64::from(down[down.len() - 1]));
    stack
        .wait_for("the scale-up", Duration::from_secs(40), |s| {
            hpa::replicas(&s.sim, "web").filter(|r| *r > 2)
        })
        .await;
    assert_eq!(hpa::replicas(&stack.sim, "web"), Some(high), "one step: ceil(2 × 55/30)");
    let scaled_up_at = before_sim.elapsed().as_secs_f64();
    assert!(scaled_up_at < DROP_AT, "the scale-up came after the load drop ({scaled_up_at:.1}s)");
    // The sim's scenario clock starts after `before_sim`, so the drop happens at DROP_AT or later
    // on this clock; nothing may go down before the window has passed after it.
    let earliest_down = DROP_AT + f64::from(u32::try_from(WINDOW).unwrap());
    let remaining =
        Duration::from_secs_f64((earliest_down + 30.0 - before_sim.elapsed().as_secs_f64()).max(1.0));
    let offset = before_sim.elapsed().as_secs_f64();
    let trace = trace_replicas_until(&mut stack, "web", remaining, low).await;
    let changes: Vec<(f64, i64)> = trace.iter().map(|(t, r)| (t + offset, *r)).collect();
    assert_eq!(changes.first().map(|c| c.1), Some(high), "{changes:?}");
    assert_eq!(changes.len(), 2, "one scale-down, straight to the formula's value: {changes:?}");
    let (down_at, value) = changes[1];
    assert_eq!(value, low, "ceil(4 × 19/30) = 3, a fixed point at 26 %: {changes:?}");
    assert!(
        down_at >= earliest_down,
        "scaled down at {down_at:.1}s, before drop + window ({earliest_down}s)"
    );
    eprintln!("scale-up at {scaled_up_at:.1}s, load drop at {DROP_AT}s, scale-down at {down_at:.1}s");
    // And it stays there.
    let hold = trace_replicas(&mut stack, "web", Duration::from_secs(6)).await;
    assert_eq!(hold, vec![(hold[0].0, low)], "{hold:?}");
    let rescales = hpa::notes(&stack.sim, "web", "SuccessfulRescale");
    assert!(rescales.contains(&format!("New size: {low}; reason: All metrics below target")), "{rescales:?}");
}

/// [`trace_replicas`] that stops early once the count is `stop_at`.
async fn trace_replicas_until(
    stack: &mut Stack,
    name: &str,
    limit: Duration,
    stop_at: i64,
) -> Vec<(f64, i64)> {
    let start = Instant::now();
    let mut trace: Vec<(f64, i64)> = Vec::new();
    while start.elapsed() < limit {
        let now = hpa::replicas(&stack.sim, name);
        if let Some(r) = now
            && trace.last().is_none_or(|(_, last)| *last != r)
        {
            trace.push((start.elapsed().as_secs_f64(), r));
        }
        if now == Some(stop_at) {
            break;
        }
        if let Some(Ok(Some(status))) = stack.bellows.as_mut().map(std::process::Child::try_wait) {
            panic!("bellows exited ({status}):\n{}", stack.log());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    trace
}

/// Starts bellows on `hpa-burst.yaml` with `flags`, creates an HPA (2–10 pods, CPU at 50 %) and
/// traces the replica count for `limit`.
async fn burst_run(name: &str, flags: &[&str], limit: Duration) -> (Stack, Vec<(f64, i64)>) {
    let mut stack = Stack::start(
        StackOptions::new(name).with_scenario("hpa-burst.yaml").with_args(flags.iter().copied()),
    )
    .await;
    HpaBuilder::new("web", "web").with_cpu_utilization(50).create(&stack.sim);
    let trace = trace_replicas(&mut stack, "web", limit).await;
    (stack, trace)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_pods_cpu_burst_in_the_initialization_period_does_not_cause_a_runaway() {
    // Containers burn 300m extra for 15 s and become Ready after 20 s. With the initialization
    // period (2m) longer than the burst, upstream only counts a pod's samples taken wholly after
    // it became Ready: the burst is never seen. 140 rps → 3 pods, and no further.
    let expected = i64::from(*fixed_point(2, 140, 100, 50).last().unwrap());
    let (stack, trace) = burst_run(
        "hpa-burst-ok",
        &["--horizontal-pod-autoscaler-cpu-initialization-period=2m"],
        Duration::from_secs(80),
    )
    .await;
    eprintln!("replica trace (s, count): {trace:?}");
    let counts: Vec<i64> = trace.iter().map(|(_, r)| *r).collect();
    assert_eq!(
        counts,
        vec![2, expected],
        "one step to the formula's value, no runaway; log:\n{}",
        stack.log()
    );
    // The third pod has been Ready for well over a metric window by the end of the trace.
    let (up_at, _) = trace[1];
    assert!(up_at < 50.0, "the scale-up at {up_at:.1}s leaves time to watch the new pod's burst");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_initialization_period_lets_the_burst_inflate_the_count() {
    // The contrast: the same workload with a 1 s initialization period and no initial-readiness
    // delay counts the bursting, not-yet-Ready pods' CPU (300m on a 100m request): every scale-up
    // adds pods that burst, and the count climbs well past the 3 the load needs.
    let (stack, trace) = burst_run(
        "hpa-burst-short",
        &[
            "--horizontal-pod-autoscaler-cpu-initialization-period=1s",
            "--horizontal-pod-autoscaler-initial-readiness-delay=0s",
        ],
        Duration::from_secs(50),
    )
    .await;
    eprintln!("replica trace (s, count): {trace:?}");
    let most = trace.iter().map(|(_, r)| *r).max().unwrap_or_default();
    assert!(most >= 6, "expected a runaway past 3 pods, got {trace:?}; log:\n{}", stack.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_without_metrics_gives_scaling_active_false_with_the_upstream_reason_and_an_event() {
    let mut stack =
        Stack::start(StackOptions::new("hpa-failing").with_scenario("hpa-no-requests.yaml")).await;
    HpaBuilder::new("web", "web").create(&stack.sim);
    HpaBuilder::new("ghost", "ghost").create(&stack.sim);

    // A target that does not exist: AbleToScale=False/FailedGetScale and a Warning event.
    let able = stack
        .wait_for("FailedGetScale on ghost", Duration::from_secs(30), |s| {
            hpa::hpa(&s.sim, "ghost").and_then(|h| hpa::condition(&h, "AbleToScale"))
        })
        .await;
    assert_eq!((able.status.as_str(), able.reason.as_str()), ("False", "FailedGetScale"));
    assert_eq!(
        able.message,
        "the HPA controller was unable to get the target's current scale: deployments.apps \"ghost\" not found"
    );
    let failed = stack
        .wait_for("the FailedGetScale event", Duration::from_secs(10), |s| {
            let e = hpa::events(&s.sim, "ghost");
            e.into_iter().find(|e| e.reason == "FailedGetScale")
        })
        .await;
    assert_eq!(
        (failed.kind.as_str(), failed.note.as_str()),
        ("Warning", "deployments.apps \"ghost\" not found")
    );

    // Pods without a CPU request: once metrics arrive, ScalingActive=False/FailedGetResourceMetric
    // naming the container and pod (upstream `calculateRequests`).
    let active = stack
        .wait_for("the missing-request condition", Duration::from_secs(60), |s| {
            hpa::hpa(&s.sim, "web")
                .and_then(|h| hpa::condition(&h, "ScalingActive"))
                .filter(|c| c.message.contains("missing request"))
        })
        .await;
    let pods: Vec<String> = stack
        .sim
        .cluster()
        .list(&ResourceKey::new("", "pods"), Some("default"))
        .0
        .iter()
        .filter_map(|p| p["metadata"]["name"].as_str().map(str::to_owned))
        .collect();
    let inner = pods
        .iter()
        .map(|pod| {
            format!("failed to get cpu utilization: missing request for cpu in container web of Pod {pod}")
        })
        .find(|m| active.message.ends_with(m.as_str()))
        .unwrap_or_else(|| panic!("{active:?} names none of {pods:?}"));
    assert_eq!((active.status.as_str(), active.reason.as_str()), ("False", "FailedGetResourceMetric"));
    // Upstream builds the condition in computeStatusForResourceMetric, before
    // computeReplicasForMetric wraps the error in "failed to get cpu resource metric value: ".
    assert_eq!(active.message, format!("the HPA was unable to compute the replica count: {inner}"));
    let web = hpa::hpa(&stack.sim, "web").unwrap();
    let able = hpa::condition(&web, "AbleToScale").unwrap();
    assert_eq!((able.status.as_str(), able.reason.as_str()), ("True", "SucceededGetScale"));
    // Events are written after the status: wait for both Warnings.
    let summary = format!(
        "invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: {inner}"
    );
    let has_warnings = |s: &Stack| {
        let events = hpa::events(&s.sim, "web");
        let warning = |reason: &str, note: &str| {
            events.iter().any(|e| e.kind == "Warning" && e.reason == reason && e.note == note)
        };
        (warning("FailedGetResourceMetric", &inner) && warning("FailedComputeMetricsReplicas", &summary))
            .then_some(())
    };
    stack.wait_for("the missing-request Warning events", Duration::from_secs(15), has_warnings).await;
    // No decision: the target keeps its size and the status its desiredReplicas.
    assert_eq!(hpa::replicas(&stack.sim, "web"), Some(2));
    assert_eq!(web["status"]["currentReplicas"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_get_hpa_shows_real_targets() {
    if common::kubectl::find_kubectl().is_err() {
        eprintln!("skipping: no kubectl (run `make kubectl`)");
        return;
    }
    let mut stack = Stack::start(StackOptions::new("hpa-kubectl")).await;
    // e2e-steady: 2 pods at 60 % (10m + 100 rps / 2 of a 100m request); max 2 keeps them there.
    HpaBuilder::new("web", "web").with_range(2, 2).create(&stack.sim);
    // A sync that saw both pods' metrics: until the second pod has two points, the first pod's
    // 60 % is reported while the missing pod counts as 0 % for scaling up (upstream), so the
    // desired count can still be within range.
    let utilization = stack
        .wait_for("currentMetrics of a sync that saw both pods", Duration::from_secs(60), |s| {
            hpa::hpa(&s.sim, "web")
                .filter(|h| hpa::condition(h, "ScalingLimited").is_some_and(|c| c.status == "True"))
                .and_then(|h| {
                    h["status"]["currentMetrics"][0]["resource"]["current"]["averageUtilization"].as_i64()
                })
        })
        .await;
    assert!(matches!(utilization, 60 | 61), "{utilization}");
    let (ok, out, err) = stack.kubectl(&["get", "hpa", "web", "--no-headers"]).unwrap();
    assert!(ok, "{err}");
    // NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE; TARGETS holds a space.
    let cells: Vec<&str> = out.split_whitespace().collect();
    assert_eq!(cells[..2], ["web", "Deployment/web"], "{out}");
    assert_eq!(cells[2..4], ["cpu:", format!("{utilization}%/30%").as_str()], "{out}");
    assert_eq!(cells[4..7], ["2", "2", "2"], "{out}");
    assert!(!out.contains("<unknown>"), "{out}");
    // `kubectl describe` reads the status client-side: current utilization and raw value.
    let (ok, out, err) = stack.kubectl(&["describe", "hpa", "web"]).unwrap();
    assert!(ok, "{err}");
    let line = out
        .lines()
        .find(|l| l.contains("resource cpu on pods"))
        .unwrap_or_else(|| panic!("no metric line in:\n{out}"));
    // "resource cpu on pods  (as a percentage of request):  60% (60m) / 30%"
    let (_, values) = line.rsplit_once("):").unwrap_or_else(|| panic!("{line}"));
    let values: Vec<&str> = values.split_whitespace().collect();
    assert_eq!(values[0], format!("{utilization}%"), "{line}");
    assert!(values[1].starts_with('(') && values[1].ends_with("m)"), "{line}");
    assert_eq!(values[2..], ["/", "30%"], "{line}");
    assert!(!out.contains("<unknown>"), "{out}");
    let limited = out.lines().find(|l| l.trim_start().starts_with("ScalingLimited")).unwrap_or_default();
    assert_eq!(
        limited.split_whitespace().take(3).collect::<Vec<_>>(),
        ["ScalingLimited", "True", "TooManyReplicas"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_noisy_sine_load_the_number_of_scale_events_stays_bounded() {
    // 100 ± 50 rps over a 40 s period, ±30 % CPU noise per pod and second; CPU at 50 % of 100m, so
    // the noise-free count is ceil(rps / 50) and with noise it stays within
    // ceil(50 × 0.7 / 50) = 1 .. ceil(150 × 1.3 / 50) = 4: at most 3 steps up and 3 down per period.
    const RUN: f64 = 75.0;
    const PERIOD: f64 = 40.0;
    const WINDOW: u64 = 15;
    let (min, max) = (1, 8);
    let mut stack = Stack::start(
        StackOptions::new("hpa-sine").with_scenario("hpa-noisy-sine.yaml").with_sync_period("1s"),
    )
    .await;
    HpaBuilder::new("web", "web")
        .with_range(min, max)
        .with_cpu_utilization(50)
        .with_scale_down_window(WINDOW)
        .create(&stack.sim);
    let trace = trace_replicas(&mut stack, "web", Duration::from_secs_f64(RUN)).await;
    eprintln!("replica trace (s, count): {trace:?}");
    assert!(trace.iter().all(|(_, r)| (min..=max).contains(r)), "{trace:?}");
    assert!(trace.iter().any(|(_, r)| *r >= 3), "the peaks (150 rps) need 3 pods: {trace:?}");
    let changes = trace.len() - 1;
    let periods = (RUN / PERIOD).ceil();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let bound = (2.0 * 3.0 * periods) as usize;
    assert!(changes <= bound, "{changes} changes > {bound}: {trace:?}");
    // No flapping: after a scale-up to k, going below k needs a whole window of lower
    // recommendations (the scale-up's own recommendation was ≥ k); 1 s allows for polling.
    let window = f64::from(u32::try_from(WINDOW).unwrap());
    let mut last_up: Option<f64> = None;
    for pair in trace.windows(2) {
        if pair[1].1 > pair[0].1 {
            last_up = Some(pair[1].0);
        } else if let Some(up) = last_up {
            assert!(pair[1].0 - up >= window - 1.0, "down {:.1}s after an up: {trace:?}", pair[1].0 - up);
        }
    }
}

/// Writes HPA `default/name`'s status as kube-controller-manager's HPA controller would
/// (`desiredReplicas`, `lastScaleTime`), with its `managedFields` entry for the `status`
/// subresource stamped now. Retries on conflicts with bellows' own writes.
fn write_status_as_kcm(cluster: &Cluster, name: &str, desired: i64) {
    let key = ResourceKey::new("autoscaling", "horizontalpodautoscalers");
    for _ in 0..5 {
        let Some(mut hpa) = cluster.get(&key, "default", name) else { return };
        let now = format_time(jiff::Timestamp::now());
        hpa["status"]["desiredReplicas"] = json!(desired);
        hpa["status"]["lastScaleTime"] = json!(now);
        let mut fields: Vec<Value> = hpa["metadata"]["managedFields"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|f| f["manager"] != "kube-controller-manager")
            .collect();
        fields.push(kcm_status_entry(&now));
        hpa["metadata"]["managedFields"] = json!(fields);
        if cluster.update(&key, hpa, UpdateScope::Whole, false).is_ok() {
            return;
        }
    }
    panic!("could not write {name}'s status as kube-controller-manager");
}

/// A `managedFields` entry of kube-controller-manager's status update at `time`.
fn kcm_status_entry(time: &str) -> Value {
    json!({"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "autoscaling/v2",
           "time": time, "fieldsType": "FieldsV1", "subresource": "status",
           "fieldsV1": {"f:status": {"f:desiredReplicas": {}, "f:lastScaleTime": {}}}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn competing_writer_detection_stops_scaling_until_the_other_writer_is_quiet() {
    // e2e-steady needs 4 pods (2 at 60 % vs 30 %). While "kube-controller-manager" keeps writing
    // the HPA's status, bellows must not scale; once it has been quiet for two sync periods (4 s),
    // bellows takes over and scales.
    let mut stack = Stack::start(StackOptions::new("hpa-competing")).await;
    let now = format_time(jiff::Timestamp::now());
    HpaBuilder::new("web", "web").with_managed_fields(json!([kcm_status_entry(&now)])).create(&stack.sim);
    let writing = Arc::new(AtomicBool::new(true));
    let writer = {
        let (cluster, writing) = (Arc::clone(stack.sim.cluster()), Arc::clone(&writing));
        tokio::spawn(async move {
            while writing.load(Ordering::Relaxed) {
                write_status_as_kcm(&cluster, "web", 7);
                tokio::time::sleep(Duration::from_millis(1000)).await;
            }
        })
    };
    let able = stack
        .wait_for("AbleToScale=False/CompetingController", Duration::from_secs(30), |s| {
            hpa::hpa(&s.sim, "web")
                .and_then(|h| hpa::condition(&h, "AbleToScale"))
                .filter(|c| c.reason == "CompetingController")
        })
        .await;
    assert_eq!(able.status, "False");
    assert!(
        able.message.starts_with(
            "the status of this HPA is also written by field manager \"kube-controller-manager\"; bellows does \
             not scale it until that writer has been quiet for 4s."
        ),
        "{able:?}"
    );
    // Hold until the metrics are served, plus five sync periods: bellows could scale, and does not.
    let admin = common::Client::with_cert(&stack.sim, stack.sim.admin_cert());
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let reply = admin.get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods").await;
        if reply.status == 200 && reply.body["items"].as_array().is_some_and(|i| i.len() == 2) {
            break;
        }
        assert!(Instant::now() < deadline, "no pod metrics: {:?}\n{}", reply.body, stack.log());
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let held = trace_replicas(&mut stack, "web", Duration::from_secs(10)).await;
    assert_eq!(held.iter().map(|(_, r)| *r).collect::<Vec<_>>(), vec![2], "no /scale write while competing");
    let warnings: Vec<hpa::HpaEvent> =
        hpa::events(&stack.sim, "web").into_iter().filter(|e| e.reason == "CompetingController").collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].kind, "Warning");
    assert!(warnings[0].note.contains("field manager \"kube-controller-manager\""), "{warnings:?}");
    assert!(hpa::notes(&stack.sim, "web", "SuccessfulRescale").is_empty());

    // The other writer stops: bellows resumes within the quiet period plus a few syncs.
    writing.store(false, Ordering::Relaxed);
    writer.await.unwrap();
    let first = stack
        .wait_for("bellows to resume", Duration::from_secs(30), |s| {
            hpa::replicas(&s.sim, "web").filter(|r| *r > 2)
        })
        .await;
    assert_eq!(first, 4, "ceil(2 × 60/30)");
    let able = stack
        .wait_for("AbleToScale to leave CompetingController", Duration::from_secs(10), |s| {
            hpa::hpa(&s.sim, "web")
                .and_then(|h| hpa::condition(&h, "AbleToScale"))
                .filter(|c| c.reason != "CompetingController")
        })
        .await;
    assert_eq!(able.status, "True", "{able:?}");
}
