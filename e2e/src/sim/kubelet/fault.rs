//! Kubelet faults: what a node's kubelet does wrong, scripted over scenario time or set at run time.
//!
//! The fault in effect for a node at scenario time `t` is the run-time override if one is set (see
//! [`super::Kubelets::set_fault`]), else the last scripted [`FaultWindow`] for the node that covers
//! `t`, else none.

use std::time::Duration;

/// What a faulty kubelet does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The listener is closed: connections are refused, open ones are cut.
    Down,
    /// Every response is delayed by this long.
    Slow(Duration),
    /// `/metrics/resource` answers 200 with bytes that are not Prometheus text.
    Garbage,
    /// `/metrics/resource` reports every usage value as 0.
    Zero,
}

/// A scripted fault on one node from `from` until `to` (scenario seconds; no end = forever).
#[derive(Debug, Clone, PartialEq)]
pub struct FaultWindow {
    /// Node name.
    pub node: String,
    /// The fault.
    pub fault: Fault,
    /// Start, scenario seconds.
    pub from: f64,
    /// End (exclusive), scenario seconds.
    pub to: Option<f64>,
}

impl FaultWindow {
    /// Whether the window covers `t` for `node`.
    pub fn covers(&self, node: &str, t: f64) -> bool {
        self.node == node && t >= self.from && self.to.is_none_or(|to| t < to)
    }
}

/// The scripted fault for `node` at `t` (the last matching window wins).
pub fn scripted(windows: &[FaultWindow], node: &str, t: f64) -> Option<Fault> {
    windows.iter().rev().find(|w| w.covers(node, t)).map(|w| w.fault)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{Fault, FaultWindow, scripted};

    #[test]
    fn the_last_window_covering_a_time_decides_the_fault() {
        let windows = vec![
            FaultWindow { node: "node-1".into(), fault: Fault::Down, from: 10.0, to: Some(20.0) },
            FaultWindow {
                node: "node-1".into(),
                fault: Fault::Slow(Duration::from_secs(2)),
                from: 15.0,
                to: None,
            },
        ];
        assert_eq!(scripted(&windows, "node-1", 5.0), None);
        assert_eq!(scripted(&windows, "node-1", 10.0), Some(Fault::Down));
        assert_eq!(scripted(&windows, "node-1", 16.0), Some(Fault::Slow(Duration::from_secs(2))));
        assert_eq!(scripted(&windows, "node-2", 16.0), None);
    }
}
