use proptest::prelude::*;

use super::{Burst, ContainerLoad, LoadCurve, LoadModel, Segment, noise_unit};

fn model() -> LoadModel {
    LoadModel {
        cpu_per_request: 10.0,
        base_cpu: 50.0,
        base_memory: 1000.0,
        memory_per_request: 100.0,
        ..LoadModel::default()
    }
}

fn container<'a>(model: &'a LoadModel, curve: &'a LoadCurve) -> ContainerLoad<'a> {
    ContainerLoad { model, curve, pod: "web-1", ready: true, ready_pods: 2, started: 0.0, cpu_limit: None }
}

fn assert_close(actual: f64, expected: f64) {
    assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
}

#[test]
fn steps_take_over_at_their_start() {
    let curve = LoadCurve {
        segments: vec![Segment::Step { at: 10.0, rps: 5.0 }, Segment::Step { at: 20.0, rps: 50.0 }],
    };
    assert_close(curve.rps_at(0.0), 0.0);
    assert_close(curve.rps_at(10.0), 5.0);
    assert_close(curve.rps_at(19.9), 5.0);
    assert_close(curve.rps_at(20.0), 50.0);
    assert_close(curve.rps_at(1e6), 50.0);
}

#[test]
fn a_ramp_is_linear_between_start_and_end_then_holds() {
    let curve =
        LoadCurve { segments: vec![Segment::Ramp { from: 10.0, to: 110.0, start: 60.0, end: 160.0 }] };
    assert_close(curve.rps_at(59.0), 0.0);
    assert_close(curve.rps_at(60.0), 10.0);
    assert_close(curve.rps_at(85.0), 35.0);
    assert_close(curve.rps_at(160.0), 110.0);
    assert_close(curve.rps_at(500.0), 110.0);
}

#[test]
fn a_sine_oscillates_around_its_base_and_never_goes_negative() {
    let curve =
        LoadCurve { segments: vec![Segment::Sine { base: 50.0, amplitude: 20.0, period: 60.0, start: 0.0 }] };
    assert_close(curve.rps_at(0.0), 50.0);
    assert_close(curve.rps_at(15.0), 70.0);
    assert_close(curve.rps_at(45.0), 30.0);
    let deep =
        LoadCurve { segments: vec![Segment::Sine { base: 5.0, amplitude: 20.0, period: 60.0, start: 0.0 }] };
    assert_close(deep.rps_at(45.0), 0.0);
}

#[test]
fn a_csv_trace_interpolates_and_holds_its_last_value() {
    let curve = LoadCurve { segments: vec![Segment::Points(vec![(0.0, 10.0), (10.0, 30.0), (20.0, 0.0)])] };
    assert_close(curve.rps_at(5.0), 20.0);
    assert_close(curve.rps_at(10.0), 30.0);
    assert_close(curve.rps_at(15.0), 15.0);
    assert_close(curve.rps_at(99.0), 0.0);
}

#[test]
fn a_later_segment_overrides_an_earlier_one() {
    let curve = LoadCurve {
        segments: vec![
            Segment::Sine { base: 50.0, amplitude: 20.0, period: 60.0, start: 0.0 },
            Segment::Step { at: 30.0, rps: 7.0 },
        ],
    };
    assert_close(curve.rps_at(15.0), 70.0);
    assert_close(curve.rps_at(31.0), 7.0);
}

#[test]
fn requests_are_split_over_ready_pods_and_unready_pods_get_none() {
    let (model, curve) = (model(), LoadCurve::constant(40.0));
    let ready = container(&model, &curve);
    assert_close(ready.rps_share(3.0), 20.0);
    assert_close(ready.cpu_millicores(3.0), 50.0 + 10.0 * 20.0);
    assert_close(ready.memory_bytes(3.0), 1000.0 + 100.0 * 20.0);
    let unready = ContainerLoad { ready: false, ..ready };
    assert_close(unready.cpu_millicores(3.0), 50.0);
    assert_close(unready.memory_bytes(3.0), 1000.0);
}

#[test]
fn the_startup_burst_adds_cpu_only_while_the_container_is_young() {
    let model = LoadModel { startup_burst: Some(Burst { millicores: 500.0, seconds: 10.0 }), ..model() };
    let curve = LoadCurve::default();
    let c = ContainerLoad { started: 100.0, ..container(&model, &curve) };
    assert_close(c.cpu_millicores(100.0), 550.0);
    assert_close(c.cpu_millicores(109.9), 550.0);
    assert_close(c.cpu_millicores(110.0), 50.0);
    // 10 s of 500m burst + 20 s of 50m base.
    assert_close(c.cpu_core_seconds(100.0, 120.0), 5.0 + 1.0);
}

#[test]
fn noise_stays_within_its_bound_and_is_deterministic() {
    let model = LoadModel { noise: 0.2, ..model() };
    let curve = LoadCurve::constant(0.0);
    let c = container(&model, &curve);
    for t in 0..500 {
        let cpu = c.cpu_millicores(f64::from(t));
        assert!((40.0..=60.0).contains(&cpu), "{cpu} at {t}");
        assert_close(cpu, c.cpu_millicores(f64::from(t) + 0.5));
    }
    assert_close(noise_unit("a", 3.0), noise_unit("a", 3.0));
    assert!((noise_unit("a", 3.0) - noise_unit("b", 3.0)).abs() > 0.0);
}

#[test]
fn cpu_time_is_the_exact_integral_of_the_rate_and_monotonic() {
    let model =
        LoadModel { noise: 0.3, startup_burst: Some(Burst { millicores: 250.0, seconds: 2.5 }), ..model() };
    let curve = LoadCurve { segments: vec![Segment::Ramp { from: 0.0, to: 100.0, start: 0.0, end: 30.0 }] };
    let c = ContainerLoad { started: 0.25, ..container(&model, &curve) };
    // Riemann sum on a grid much finer than the buckets and aligned to every breakpoint.
    let step = 0.001;
    let riemann: f64 =
        (0..20_500).map(|i| c.cpu_millicores(0.25 + (f64::from(i) + 0.5) * step) * step / 1000.0).sum();
    let exact = c.cpu_core_seconds(0.25, 20.75);
    assert!((exact - riemann).abs() < 1e-6, "{exact} vs {riemann}");
    // Splitting the interval anywhere adds up to the same total, and every piece is >= 0.
    let mut total = 0.0;
    for (a, b) in [(0.25, 1.7), (1.7, 1.7), (1.7, 9.3), (9.3, 20.75)] {
        let piece = c.cpu_core_seconds(a, b);
        assert!(piece >= 0.0);
        total += piece;
    }
    assert_close(total, exact);
}

#[test]
fn cpu_is_throttled_at_the_container_limit() {
    let model = LoadModel { startup_burst: Some(Burst { millicores: 900.0, seconds: 4.0 }), ..model() };
    let curve = LoadCurve::constant(40.0);
    let c = ContainerLoad { cpu_limit: Some(500.0), ..container(&model, &curve) };
    // 50m + 10m × 20 rps = 250m steady; with the burst 1150m, throttled to 500m.
    assert_close(c.cpu_millicores(1.0), 500.0);
    assert_close(c.cpu_millicores(5.0), 250.0);
    assert_close(c.cpu_core_seconds(0.0, 10.0), 4.0 * 0.5 + 6.0 * 0.25);
}

fn arbitrary_model() -> impl Strategy<Value = (LoadModel, f64, Option<f64>)> {
    (0.0..200.0, 0.0..50.0, 0.0..1.0, 0.0..2000.0, 0.0..30.0, 0.0..500.0, prop::option::of(10.0..3000.0))
        .prop_map(|(base_cpu, cpu_per_request, noise, burst, burst_seconds, rps, limit)| {
            let model = LoadModel {
                base_cpu,
                cpu_per_request,
                noise,
                startup_burst: Some(Burst { millicores: burst, seconds: burst_seconds }),
                ..LoadModel::default()
            };
            (model, rps, limit)
        })
}

proptest! {
    #[test]
    fn cpu_time_over_split_intervals_adds_up_and_never_decreases(
        (model, rps, limit) in arbitrary_model(),
        started in 0.0..20.0f64,
        cuts in prop::collection::vec(0.0..100.0f64, 1..8),
    ) {
        let curve = LoadCurve { segments: vec![Segment::Sine { base: rps, amplitude: rps / 2.0, period: 13.0, start: 0.0 }] };
        let c = ContainerLoad { started, cpu_limit: limit, ..container(&model, &curve) };
        let mut points: Vec<f64> = cuts.iter().map(|x| started + x).collect();
        points.push(started);
        points.sort_by(f64::total_cmp);
        let end = points[points.len() - 1];
        let mut total = 0.0;
        for pair in points.windows(2) {
            let piece = c.cpu_core_seconds(pair[0], pair[1]);
            prop_assert!(piece >= 0.0);
            if let Some(limit) = limit {
                prop_assert!(piece <= limit / 1000.0 * (pair[1] - pair[0]) + 1e-9);
            }
            total += piece;
        }
        let whole = c.cpu_core_seconds(started, end);
        prop_assert!((total - whole).abs() <= 1e-9 * whole.max(1.0), "{} vs {}", total, whole);
    }
}
