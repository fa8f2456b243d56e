//! The run-time state of the API faults: scripted windows, run-time faults, per-fault request
//! counters and the watch-drop signal; plus the [`SimHandle`] controls tests use.
//!
//! Active faults at scenario time `t` (seconds since the sim started) are every scripted window
//! covering `t` and every run-time fault (active from when it was set until cleared); all of
//! them apply to a request they match: their delays add up, the first error (scripted windows in
//! file order, then run-time faults in order) wins. Each fault counts the requests it matched
//! since it became active, which makes its decisions reproducible (see [`super::fault`]).
//!
//! The lock is a `std::sync::Mutex`, never held across an `.await`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::fault::{self, ApiFault, ApiFaultWindow, Injection, RequestFacts};
use crate::sim::SimHandle;

/// Where a fault comes from (keys its request counter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Source {
    Scripted(usize),
    Runtime(usize),
}

#[derive(Debug, Default)]
struct State {
    scripted: Vec<ApiFaultWindow>,
    runtime: Vec<ApiFaultWindow>,
    counters: HashMap<Source, u64>,
}

/// API faults of one sim.
#[derive(Debug)]
pub struct ApiFaults {
    start: Instant,
    state: Mutex<State>,
    /// Bumped to close every open watch now.
    drops: watch::Sender<u64>,
    /// Bumped when the faults change (watches recompute their next scheduled drop).
    changed: watch::Sender<u64>,
}

impl Default for ApiFaults {
    fn default() -> Self {
        Self::new(Instant::now())
    }
}

impl ApiFaults {
    /// No faults; scenario time 0 is `start`.
    pub fn new(start: Instant) -> Self {
        Self {
            start,
            state: Mutex::new(State::default()),
            drops: watch::channel(0).0,
            changed: watch::channel(0).0,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every update is a single assignment, so a poisoned lock is still consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Scenario seconds now.
    pub fn now(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// Add scripted fault windows (scenario `faults:` entries of kind `api`).
    pub fn add_scripted(&self, windows: Vec<ApiFaultWindow>) {
        self.lock().scripted.extend(windows);
        self.changed.send_modify(|n| *n += 1);
    }

    /// Replace the run-time faults; they are active from now until [`ApiFaults::set_runtime`]
    /// is called again (an empty list clears them). Their counters start at 0.
    pub fn set_runtime(&self, faults: Vec<ApiFault>) {
        let from = self.now();
        let mut state = self.lock();
        state.runtime = faults.into_iter().map(|fault| ApiFaultWindow { fault, from, to: None }).collect();
        state.counters.retain(|source, _| matches!(source, Source::Scripted(_)));
        drop(state);
        self.changed.send_modify(|n| *n += 1);
    }

    /// Close every open watch stream now.
    pub fn drop_watches(&self) {
        self.drops.send_modify(|n| *n += 1);
    }

    /// What the active faults do to a request at scenario time `t` (counts it for each fault
    /// it matches).
    pub fn inject_at(&self, request: &RequestFacts<'_>, t: f64) -> Injection {
        let mut state = self.lock();
        let State { scripted, runtime, counters } = &mut *state;
        let sources = scripted
            .iter()
            .enumerate()
            .map(|(i, w)| (Source::Scripted(i), w))
            .chain(runtime.iter().enumerate().map(|(i, w)| (Source::Runtime(i), w)));
        let mut injection = Injection::default();
        for (source, window) in sources {
            if !window.covers(t) || !window.fault.filter.matches(request) {
                continue;
            }
            let n = counters.entry(source).or_default();
            injection = injection.and(fault::decide(&window.fault, *n));
            *n += 1;
        }
        injection
    }

    /// What the active faults do to a request now.
    pub fn inject(&self, request: &RequestFacts<'_>) -> Injection {
        self.inject_at(request, self.now())
    }

    /// When the next scheduled drop of a watch matching `request` is due, if any.
    pub fn next_drop(&self, request: &RequestFacts<'_>) -> Option<tokio::time::Instant> {
        let t = self.now();
        let state = self.lock();
        let next = state
            .scripted
            .iter()
            .chain(&state.runtime)
            .filter(|w| w.fault.filter.matches(request))
            .filter_map(|w| w.next_drop_after(t))
            .min_by(f64::total_cmp)?;
        Some(tokio::time::Instant::from_std(self.start + Duration::from_secs_f64(next)))
    }

    /// A receiver that changes whenever every watch must close now.
    pub fn subscribe_drops(&self) -> watch::Receiver<u64> {
        self.drops.subscribe()
    }

    /// A receiver that changes whenever the faults change.
    pub fn subscribe_changes(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }
}

impl SimHandle {
    /// The API faults (scripted and run-time).
    pub fn api_faults(&self) -> &Arc<ApiFaults> {
        &self.api_faults
    }

    /// Make the API server misbehave: replaces the run-time API faults (scripted ones still
    /// apply) until [`SimHandle::clear_api_faults`].
    pub fn set_api_faults(&self, faults: Vec<ApiFault>) {
        self.api_faults.set_runtime(faults);
    }

    /// End the run-time API faults.
    pub fn clear_api_faults(&self) {
        self.api_faults.set_runtime(Vec::new());
    }

    /// Close every open watch stream now; clients must watch again.
    pub fn drop_watches(&self) {
        self.api_faults.drop_watches();
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::ApiFaults;
    use crate::sim::server::fault::{ApiFault, ApiFaultWindow, ApiFilter, ErrorKind, RequestFacts};

    fn hpa_update() -> RequestFacts<'static> {
        RequestFacts {
            verb: "update",
            group: "autoscaling",
            resource: "horizontalpodautoscalers",
            subresource: "",
            internal: false,
        }
    }

    #[test]
    fn a_scripted_fault_applies_only_inside_its_window() {
        let faults = ApiFaults::new(Instant::now());
        let fault = ApiFault { error_rate: 1.0, ..ApiFault::default() };
        faults.add_scripted(vec![ApiFaultWindow { fault, from: 10.0, to: Some(20.0) }]);
        assert_eq!(faults.inject_at(&hpa_update(), 9.9).error, None);
        assert_eq!(faults.inject_at(&hpa_update(), 10.0).error, Some((ErrorKind::InternalError, 1)));
        assert_eq!(faults.inject_at(&hpa_update(), 20.0).error, None);
    }

    #[test]
    fn matching_faults_add_their_delays_and_the_first_error_wins() {
        let faults = ApiFaults::new(Instant::now());
        let only_pods = ApiFilter { resources: vec!["pods".into()], ..ApiFilter::default() };
        faults.set_runtime(vec![
            ApiFault { latency: Duration::from_millis(100), ..ApiFault::default() },
            ApiFault {
                latency: Duration::from_millis(50),
                error_rate: 1.0,
                error: ErrorKind::TooManyRequests,
                retry_after: 2,
                ..ApiFault::default()
            },
            ApiFault { latency: Duration::from_secs(9), filter: only_pods, ..ApiFault::default() },
        ]);
        let injection = faults.inject_at(&hpa_update(), 1.0);
        assert_eq!(injection.delay, Duration::from_millis(150));
        assert_eq!(injection.error, Some((ErrorKind::TooManyRequests, 2)));
        faults.set_runtime(Vec::new());
        assert_eq!(faults.inject_at(&hpa_update(), 1.0), super::Injection::default());
    }
}
