//! Tests of the replica calculator. Upstream vectors (kubernetes/kubernetes
//! `pkg/controller/podautoscaler/replica_calculator_test.go`, the 2026 table-driven refactor in
//! `omerap12/kubernetes@a769d588` cross-checked against the classic per-function version with
//! `TestReplicaCalcConfigurableTolerance`) are ported by value; each row cites its upstream test.

mod fixtures;
mod metric_tables;
mod multi;
mod pods;
mod props;
mod resource;
mod units;
