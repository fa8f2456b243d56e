//! `TestReplicaCalcResourceTolerance`, `TestReplicaCalcResourceMissingMetrics` and
//! `TestReplicaCalcComputedToleranceAlgImplementation` vectors.

use super::{C, Expect, case, ok, run_table, s, with_tolerances};
use crate::hpa::calc::tests::fixtures::{F, RUN, T, cool, hot};

#[test]
fn resource_tolerance_vectors_match_upstream() {
    let mixed = [900, 1000, 1100];
    run_table(&[
        // TestReplicaCalcResourceTolerance/within default tolerance (classic TestReplicaCalcTolerance)
        case(
            "within default tolerance",
            s(3).requests(&mixed).levels(&[1010, 1030, 1020]),
            100,
            ok(3, 102, C * 1020),
        ),
        // TestReplicaCalcConfigurableTolerance/Outside of a 0% tolerance
        with_tolerances(
            case(
                "outside 0% tolerance",
                s(3).requests(&mixed).levels(&[909, 1010, 1111]),
                100,
                ok(4, 101, C * 1010),
            ),
            0.0,
            0.0,
        ),
        // TestReplicaCalcConfigurableTolerance/Within a 200% scale-up tolerance
        with_tolerances(
            case(
                "within 200% scale-up tolerance",
                s(3).requests(&mixed).levels(&[1890, 1910, 1900]),
                100,
                ok(3, 190, C * 1900),
            ),
            0.1,
            2.0,
        ),
        // TestReplicaCalcConfigurableTolerance/Outside 8% scale-up tolerance (and superfluous scale-down tolerance)
        with_tolerances(
            case(
                "outside 8% scale-up tolerance",
                s(3).requests(&mixed).levels(&[1100, 1080, 1090]),
                100,
                ok(4, 109, C * 1090),
            ),
            2.0,
            0.08,
        ),
        // TestReplicaCalcConfigurableTolerance/Within a 36% scale-down tolerance
        with_tolerances(
            case(
                "within 36% scale-down tolerance",
                s(3).requests(&mixed).levels(&[660, 640, 650]),
                100,
                ok(3, 65, C * 650),
            ),
            0.36,
            0.1,
        ),
        // TestReplicaCalcConfigurableTolerance/Outside a 34% scale-down tolerance
        with_tolerances(
            case(
                "outside 34% scale-down tolerance",
                s(3).requests(&mixed).levels(&[660, 640, 650]),
                100,
                ok(2, 65, C * 650),
            ),
            0.34,
            0.1,
        ),
        // v1.33 boundary (PR #130797, spec §0.2): utilization 110% of a 100% target is a ratio of
        // exactly 1.1, inside the inclusive isWithin; the pre-1.33 abs() test would have scaled.
        case(
            "ratio exactly 1.1 is within tolerance",
            s(3).cpu(3, 1000).levels(&[1100, 1100, 1100]),
            100,
            ok(3, 110, C * 1100),
        ),
        // Same boundary on the scale-down side: 0.9 is within both forms.
        case(
            "ratio exactly 0.9 is within tolerance",
            s(3).cpu(3, 1000).levels(&[900, 900, 900]),
            100,
            ok(3, 90, C * 900),
        ),
    ]);
}

#[test]
fn resource_missing_metric_vectors_match_upstream() {
    run_table(&[
        // TestReplicaCalcResourceMissingMetrics/superfluous metrics counted (TestReplicaCalcSuperfluousMetrics)
        case(
            "superfluous metrics counted",
            s(4).cpu(4, 1000).levels(&[4000, 9500, 3000, 7000, 3200, 2000]),
            100,
            ok(24, 587, C * 5875),
        ),
        // TestReplicaCalcResourceMissingMetrics/some pods missing metrics scales down (TestReplicaCalcMissingMetrics)
        case(
            "some pods missing metrics scales down",
            s(4).cpu(4, 1000).levels(&[400, 95]),
            100,
            ok(3, 24, 495),
        ),
        // TestReplicaCalcResourceMissingMetrics/no change: metric equal to target (…NoChangeEq)
        case(
            "no change: metric equal to target",
            s(2).cpu(2, 1000).levels(&[1000]),
            100,
            ok(2, 100, C * 1000),
        ),
        // TestReplicaCalcResourceMissingMetrics/no change: metric above target (…NoChangeGt)
        case("no change: metric above target", s(2).cpu(2, 1000).levels(&[1900]), 100, ok(2, 190, C * 1900)),
        // TestReplicaCalcResourceMissingMetrics/no change: metric below target (…NoChangeLt)
        case("no change: metric below target", s(2).cpu(2, 1000).levels(&[600]), 100, ok(2, 60, C * 600)),
        // TestReplicaCalcResourceMissingMetrics/no change: unready pod metric missing (…UnreadyChange)
        case(
            "no change: unready pod metric missing",
            s(3).readiness(&[F, T, T]).cpu(3, 1000).levels(&[100, 450]),
            50,
            ok(3, 45, C * 450),
        ),
        // TestReplicaCalcResourceMissingMetrics/no change: hot-CPU pod metric missing (…HotCpuNoChange)
        case(
            "no change: hot-CPU pod metric missing",
            s(3).start(&[hot(), cool(), cool()]).cpu(3, 1000).levels(&[100, 450]),
            50,
            ok(3, 45, C * 450),
        ),
        // TestReplicaCalcResourceMissingMetrics/scale up: unready pod metric missing (…UnreadyScaleUp)
        case(
            "scale up: unready pod metric missing",
            s(3).readiness(&[F, T, T]).cpu(3, 1000).levels(&[100, 2000]),
            50,
            ok(4, 200, C * 2000),
        ),
        // TestReplicaCalcResourceMissingMetrics/scale up: hot-CPU pod metric missing (…HotCpuScaleUp)
        case(
            "scale up: hot-CPU pod metric missing",
            s(3).readiness(&[F, T, T]).start(&[hot(), cool(), cool()]).cpu(3, 1000).levels(&[100, 2000]),
            50,
            ok(4, 200, C * 2000),
        ),
        // TestReplicaCalcResourceMissingMetrics/scale down: unready pod metric missing (…UnreadyScaleDown)
        case(
            "scale down: unready pod metric missing",
            s(4).readiness(&[F, T, T, T]).cpu(4, 1000).levels(&[100, 100, 100]),
            50,
            ok(3, 10, C * 100),
        ),
        // TestReplicaCalcResourceMissingMetrics/scale down: target over 100 (…ScaleDownTargetOver100)
        case(
            "scale down: target over 100",
            s(4).readiness(&[F, T, T, T]).requests(&[1000, 1000, 2000, 2000]).levels(&[200, 100, 100]),
            300,
            ok(2, 6, C * 100),
        ),
        // TestReplicaCalcResourceMissingMetrics/rolling update with maxSurge (…DuringRollingUpdateWithMaxSurge)
        case(
            "rolling update with maxSurge: extra pod missing metric",
            s(2).phases(&[RUN, RUN, RUN]).cpu(3, 1000).levels(&[100, 100]),
            50,
            ok(2, 10, C * 100),
        ),
        // TestReplicaCalcResourceMissingMetrics/disjoint pod and metric names (…DisjointResourcesMetrics)
        case(
            "disjoint pod and metric names",
            s(1).cpu(1, 1000).levels(&[100]).metric_names(&["an-older-pod-name"]),
            100,
            Expect::Err("no metrics returned matched known pods"),
        ),
        // TestReplicaCalcResourceMissingMetrics/no metrics returned from metrics API (TestReplicaCalcEmptyMetrics)
        case(
            "no metrics returned from metrics API",
            s(4).cpu(3, 1000).levels(&[]),
            100,
            Expect::Err(
                "unable to get metrics for resource cpu: no metrics returned from resource metrics API",
            ),
        ),
        // TestReplicaCalcResourceMissingMetrics/missing CPU request on container (TestReplicaCalcEmptyCPURequest)
        case(
            "missing CPU request on container",
            s(1).requests(&[]).levels(&[200]),
            100,
            Expect::Err("missing request for"),
        ),
    ]);
}

#[test]
fn computed_tolerance_vectors_match_upstream() {
    // TestReplicaCalcComputedToleranceAlgImplementation, evaluated: 10 pods using 150m per
    // container against requests spread around 300m; utilization 50%. Target
    // int32((1/(2*0.9) + 0.01) * 100) = 56 gives ratio 0.893 → ceil(8.93) = 9 pods; target
    // int32((1/(2*0.9) + 0.004) * 100) = 55 gives ratio 0.909, inside the tolerance → 10.
    let requests = [400, 200, 310, 290, 302, 298, 301, 299, 300, 300];
    let scenario = || s(10).requests(&requests).levels(&[150; 10]);
    run_table(&[
        case("computed tolerance: minimal scale-down", scenario(), 56, ok(9, 50, C * 150)),
        case("computed tolerance: no scale inside the margin", scenario(), 55, ok(10, 50, C * 150)),
    ]);
}
