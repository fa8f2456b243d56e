//! Horizontal pod autoscaling: kube-controller-manager's HPA algorithm, number for number.
//!
//! - [`calc`]: the replica calculator — per-metric proposals from pods, requests and samples,
//!   tolerance, readiness windows, missing and unready pods, multiple metrics. Pure.
//! - [`snapshot`]: Kubernetes objects (`k8s-openapi`) to the calculator's plain snapshots.
//! - [`behavior`]: what to do with a proposal — stabilization windows, behavior rate limits,
//!   min/max clamping, the legacy path, conditions and event texts. Pure.
//!
//! Each sync of the controller is one call chain over a snapshot: calculator → behavior →
//! one `/scale` write. `now` is always a parameter.

pub mod behavior;
pub mod calc;
pub mod controller;
pub mod plan;
pub mod snapshot;
pub mod sync;
