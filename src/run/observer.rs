//! Feeds the scrape loop's observations into the server's Prometheus registry.

use std::sync::Arc;

use crate::metrics::runtime::{CycleReport, NodeObservation, ScrapeObserver};
use crate::server::{FailureReason, NodeOutcome, Telemetry};

/// [`ScrapeObserver`] over [`Telemetry`].
#[derive(Debug, Clone)]
pub struct TelemetryObserver(pub Arc<Telemetry>);

impl ScrapeObserver for TelemetryObserver {
    fn observe_cycle(&self, report: &CycleReport) {
        self.0.observe_cycle(report.duration, report.node_count, report.pod_count);
    }

    fn observe_node(&self, node: &NodeObservation<'_>) {
        let outcome = match (node.failure, node.incomplete) {
            (None, None) if node.success => NodeOutcome::Success,
            (None, Some(_)) if node.success => NodeOutcome::Incomplete,
            (failure, _) => NodeOutcome::Failure(FailureReason::classify(failure.unwrap_or_default())),
        };
        self.0.observe_node(node.node, node.at, node.duration.unwrap_or_default(), outcome);
    }

    fn set_points(&self, nodes: usize, containers: usize) {
        self.0.set_points(nodes, containers);
    }
}
