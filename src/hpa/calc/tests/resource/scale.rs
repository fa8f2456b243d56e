//! `TestReplicaCalcResourceScale` vectors.

use super::{C, case, ok, run_table, s};
use crate::hpa::calc::tests::fixtures::{F, FAIL, PEND, RUN, SUCC, T, cool, hot};

#[test]
fn resource_scale_vectors_match_upstream() {
    let rows_down: &[&[i64]] = &[&[1000, 100], &[1000, 300], &[1000, 500], &[1000, 250], &[1000, 250]];
    run_table(&[
        // TestReplicaCalcResourceScale/scale up
        case("scale up", s(3).cpu(3, 1000).levels(&[300, 500, 700]), 30, ok(5, 50, C * 500)),
        // TestReplicaCalcResourceScale/scale up: container metric
        case(
            "scale up: container metric",
            s(3).container("container2").cpu(3, 1000).container_levels(&[
                &[1000, 300],
                &[1000, 500],
                &[1000, 700],
            ]),
            30,
            ok(5, 50, 500),
        ),
        // TestReplicaCalcResourceScale/scale up: unready pod scales less
        case(
            "scale up: unready pod scales less",
            s(3).readiness(&[F, T, T]).cpu(3, 1000).levels(&[300, 500, 700]),
            30,
            ok(4, 60, C * 600),
        ),
        // TestReplicaCalcResourceScale/scale up: hot-CPU container scales less
        case(
            "scale up: hot-CPU container scales less",
            s(3).start(&[hot(), cool(), cool()]).container("container2").cpu(3, 1000).container_levels(&[
                &[0, 300],
                &[0, 500],
                &[0, 700],
            ]),
            30,
            ok(4, 60, 600),
        ),
        // TestReplicaCalcResourceScale/scale up: hot-CPU pod scales less
        case(
            "scale up: hot-CPU pod scales less",
            s(3).start(&[hot(), cool(), cool()]).cpu(3, 1000).levels(&[300, 500, 700]),
            30,
            ok(4, 60, C * 600),
        ),
        // TestReplicaCalcResourceScale/no scale: unready pods ignored
        case(
            "no scale: unready pods ignored",
            s(3).readiness(&[T, F, F]).cpu(3, 1000).levels(&[400, 500, 700]),
            30,
            ok(3, 40, C * 400),
        ),
        // TestReplicaCalcResourceScale/no scale: hot-CPU pods ignored
        case(
            "no scale: hot-CPU pods ignored",
            s(3).readiness(&[T, F, F]).start(&[cool(), hot(), hot()]).cpu(3, 1000).levels(&[400, 500, 700]),
            30,
            ok(3, 40, C * 400),
        ),
        // TestReplicaCalcResourceScale/scale up: failed pods ignored
        case(
            "scale up: failed pods ignored",
            s(2).readiness(&[T, T, F, F]).phases(&[RUN, RUN, FAIL, FAIL]).cpu(4, 1000).levels(&[500, 700]),
            30,
            ok(4, 60, C * 600),
        ),
        // TestReplicaCalcResourceScale/scale up: failed pods ignored with missing container metric
        case(
            "scale up: failed pods ignored with missing container metric",
            s(2).readiness(&[T, T, F, F])
                .phases(&[RUN, RUN, FAIL, FAIL])
                .container("container2")
                .cpu(4, 1000)
                .container_levels(&[&[1000, 500], &[9000, 700], &[1000], &[9000]]),
            30,
            ok(4, 60, 600),
        ),
        // TestReplicaCalcResourceScale/scale up: container metrics with failed pods ignored
        case(
            "scale up: container metrics with failed pods ignored",
            s(2).readiness(&[T, T, F, F])
                .phases(&[RUN, RUN, FAIL, FAIL])
                .container("container2")
                .cpu(4, 1000)
                .container_levels(&[&[1000, 500], &[9000, 700]]),
            30,
            ok(4, 60, 600),
        ),
        // TestReplicaCalcResourceScale/scale up: succeeded pods ignored
        case(
            "scale up: succeeded pods ignored",
            s(2).readiness(&[T, T, F, F]).phases(&[RUN, RUN, SUCC, SUCC]).cpu(4, 1000).levels(&[500, 700]),
            30,
            ok(4, 60, C * 600),
        ),
        // TestReplicaCalcResourceScale/scale up: container metric with succeeded pods ignored
        case(
            "scale up: container metric with succeeded pods ignored",
            s(2).readiness(&[T, T, F, F])
                .phases(&[RUN, RUN, SUCC, SUCC])
                .container("container2")
                .cpu(4, 1000)
                .container_levels(&[&[1000, 500], &[9000, 700]]),
            30,
            ok(4, 60, 600),
        ),
        // TestReplicaCalcResourceScale/scale up: pods being deleted are ignored
        case(
            "scale up: pods being deleted are ignored",
            s(2).readiness(&[T, T, F, F])
                .phases(&[RUN, RUN, RUN, RUN])
                .deleted(&[false, false, true, true])
                .cpu(4, 1000)
                .levels(&[500, 700]),
            30,
            ok(4, 60, C * 600),
        ),
        // TestReplicaCalcResourceScale/scale up: container metrics with pods being deleted ignored
        case(
            "scale up: container metrics with pods being deleted ignored",
            s(2).readiness(&[T, T, F, F])
                .phases(&[RUN, RUN, RUN, RUN])
                .deleted(&[false, false, true, true])
                .container("container1")
                .cpu(4, 1000)
                .levels(&[500, 700]),
            30,
            ok(4, 60, 600),
        ),
        // TestReplicaCalcResourceScale/scale down
        case("scale down", s(5).cpu(5, 1000).levels(&[100, 300, 500, 250, 250]), 50, ok(3, 28, C * 280)),
        // TestReplicaCalcResourceScale/scale down: container metric
        case(
            "scale down: container metric",
            s(5).container("container2").cpu(5, 1000).container_levels(rows_down),
            50,
            ok(3, 28, 280),
        ),
        // TestReplicaCalcResourceScale/scale down: exclude unready pods
        case(
            "scale down: exclude unready pods",
            s(5).readiness(&[T, T, T, F, F]).cpu(5, 1000).levels(&[100, 300, 500, 250, 250]),
            50,
            ok(2, 30, C * 300),
        ),
        // TestReplicaCalcResourceScale/scale down: container metric excludes unready pods
        case(
            "scale down: container metric excludes unready pods",
            s(5).readiness(&[T, T, T, F, F]).container("container2").cpu(5, 1000).container_levels(rows_down),
            50,
            ok(2, 30, 300),
        ),
        // TestReplicaCalcResourceScale/scale down: exclude unscheduled pods
        case(
            "scale down: exclude unscheduled pods",
            s(5).readiness(&[T, F, F, F, F])
                .phases(&[RUN, PEND, PEND, PEND, PEND])
                .cpu(5, 1000)
                .levels(&[100]),
            50,
            ok(1, 10, C * 100),
        ),
        // TestReplicaCalcResourceScale/scale down: container metric excludes unscheduled pods
        case(
            "scale down: container metric excludes unscheduled pods",
            s(5).readiness(&[T, F, F, F, F])
                .phases(&[RUN, PEND, PEND, PEND, PEND])
                .container("container2")
                .cpu(5, 1000)
                .container_levels(rows_down),
            50,
            ok(1, 10, 100),
        ),
        // TestReplicaCalcResourceScale/scale down: ignore hot-CPU pods
        case(
            "scale down: ignore hot-CPU pods",
            s(5).start(&[cool(), cool(), cool(), hot(), hot()])
                .cpu(5, 1000)
                .levels(&[100, 300, 500, 250, 250]),
            50,
            ok(2, 30, C * 300),
        ),
        // TestReplicaCalcResourceScale/scale down: container metric ignores hot-CPU pods
        case(
            "scale down: container metric ignores hot-CPU pods",
            s(5).start(&[cool(), cool(), cool(), hot(), hot()])
                .container("container2")
                .cpu(5, 1000)
                .container_levels(&[&[1000, 100], &[1000, 300], &[1000, 500], &[1000, 1000], &[1000, 1000]]),
            50,
            ok(2, 30, 300),
        ),
        // TestReplicaCalcResourceScale/scale down: failed pods ignored
        case(
            "scale down: failed pods ignored",
            s(5).readiness(&[T, T, T, T, T, F, F])
                .phases(&[RUN, RUN, RUN, RUN, RUN, FAIL, FAIL])
                .cpu(7, 1000)
                .levels(&[100, 300, 500, 250, 250]),
            50,
            ok(3, 28, C * 280),
        ),
        // TestReplicaCalcResourceScale/scale down: container metric with failed pods ignored
        case(
            "scale down: container metric with failed pods ignored",
            s(5).readiness(&[T, T, T, T, T, F, F])
                .phases(&[RUN, RUN, RUN, RUN, RUN, FAIL, FAIL])
                .container("container2")
                .cpu(7, 1000)
                .container_levels(rows_down),
            50,
            ok(3, 28, 280),
        ),
        // TestReplicaCalcResourceScale/scale down: succeeded pods ignored
        case(
            "scale down: succeeded pods ignored",
            s(5).readiness(&[T, T, T, T, T, F, F])
                .phases(&[RUN, RUN, RUN, RUN, RUN, SUCC, SUCC])
                .cpu(7, 1000)
                .levels(&[100, 300, 500, 250, 250]),
            50,
            ok(3, 28, C * 280),
        ),
        // TestReplicaCalcResourceScale/scale down: container metric with succeeded pods ignored
        case(
            "scale down: container metric with succeeded pods ignored",
            s(5).readiness(&[T, T, T, T, T, F, F])
                .phases(&[RUN, RUN, RUN, RUN, RUN, SUCC, SUCC])
                .container("container2")
                .cpu(7, 1000)
                .container_levels(rows_down),
            50,
            ok(3, 28, 280),
        ),
        // TestReplicaCalcResourceScale/scale down: pods being deleted are ignored
        case(
            "scale down: pods being deleted are ignored",
            s(5).readiness(&[T, T, T, T, T, F, F])
                .phases(&[RUN; 7])
                .deleted(&[false, false, false, false, false, true, true])
                .cpu(7, 1000)
                .levels(&[100, 300, 500, 250, 250]),
            50,
            ok(3, 28, C * 280),
        ),
        // TestReplicaCalcResourceScale/scale down: still-running pods being deleted are ignored (#83561)
        case(
            "scale down: still-running pods being deleted are ignored",
            s(5).readiness(&[T, T, T, T, T, F, F])
                .phases(&[RUN; 7])
                .deleted(&[false, false, false, false, false, true, true])
                .container("container2")
                .cpu(7, 1000)
                .container_levels(rows_down),
            50,
            ok(3, 28, 280),
        ),
    ]);
}
