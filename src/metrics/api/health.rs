//! `/healthz`, `/livez`, `/readyz` in the generic apiserver's text format.
//!
//! Each probe runs a fixed list of named checks (pure functions of the source, `now` and the
//! resolution). Root output, as `k8s.io/apiserver/pkg/server/healthz`:
//! - all pass: `ok` (or with `?verbose`: `[+]<check> ok` lines then `<probe> check passed`);
//! - any fails: 500 and always verbose, failures as `[-]<check> failed: reason withheld`, last line
//!   `<probe> check failed` (the reason only goes to the log: the endpoint is public);
//! - `?exclude=<check>` skips a check (`[+]<check> excluded: ok`) and unknown exclusions add a
//!   `warn: some health checks cannot be excluded: no matches for "<name>"` line.
//!
//! `/<probe>/<check>` answers `ok`, or 500 `internal server error: <reason>`.

use std::fmt::Write as _;
use std::time::Duration;

use axum::http::StatusCode;

use super::source::MetricsSource;

/// Which probe is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// `/healthz`.
    Healthz,
    /// `/livez`.
    Livez,
    /// `/readyz`.
    Readyz,
}

impl Probe {
    /// Name used in output lines (`healthz`, `livez`, `readyz`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Healthz => "healthz",
            Self::Livez => "livez",
            Self::Readyz => "readyz",
        }
    }

    /// The probe for a path segment.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "healthz" => Some(Self::Healthz),
            "livez" => Some(Self::Livez),
            "readyz" => Some(Self::Readyz),
            _ => None,
        }
    }
}

/// One evaluated check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    /// Check name (e.g. `metric-storage-ready`).
    pub name: &'static str,
    /// `Err(reason)` when failing.
    pub result: Result<(), String>,
}

/// Liveness: the scrape loop must have started a cycle within 1.5 × resolution (passes before
/// the first cycle, like upstream).
pub fn collection_timely(
    last_cycle: Option<jiff::Timestamp>,
    now: jiff::Timestamp,
    resolution: Duration,
) -> Result<(), String> {
    let Some(last) = last_cycle else { return Ok(()) };
    let elapsed = now.duration_since(last).as_nanos();
    let limit = resolution.as_nanos().saturating_mul(3) / 2;
    if elapsed > i128::try_from(limit).unwrap_or(i128::MAX) {
        Err("metric collection didn't finish on time".to_owned())
    } else {
        Ok(())
    }
}

/// Evaluates the checks of `probe`, in upstream's verbose-output order.
pub fn run_checks(
    probe: Probe,
    source: &dyn MetricsSource,
    now: jiff::Timestamp,
    resolution: Duration,
) -> Vec<CheckResult> {
    let mut checks =
        vec![CheckResult { name: "ping", result: Ok(()) }, CheckResult { name: "log", result: Ok(()) }];
    match probe {
        Probe::Healthz => {}
        Probe::Livez => checks.push(CheckResult {
            name: "metric-collection-timely",
            result: collection_timely(source.last_scrape_cycle(), now, resolution),
        }),
        Probe::Readyz => {
            checks.push(CheckResult { name: "metric-storage-ready", result: source.is_ready() });
            checks.push(CheckResult { name: "metric-informer-sync", result: source.informers_synced() });
        }
    }
    checks
}

/// Renders the root probe answer (`/readyz`, `?verbose`, `?exclude=`).
pub fn render_root(
    probe: Probe,
    checks: &[CheckResult],
    verbose: bool,
    excluded: &[String],
) -> (StatusCode, String) {
    let mut remaining: Vec<&str> = excluded.iter().map(String::as_str).collect();
    let mut lines = String::new();
    let mut failed = Vec::new();
    for check in checks {
        if let Some(pos) = remaining.iter().position(|e| *e == check.name) {
            remaining.remove(pos);
            let _ = writeln!(lines, "[+]{} excluded: ok", check.name);
            continue;
        }
        match &check.result {
            Ok(()) => {
                let _ = writeln!(lines, "[+]{} ok", check.name);
            }
            Err(reason) => {
                tracing::info!(probe = probe.name(), check = check.name, %reason, "Failed probe");
                let _ = writeln!(lines, "[-]{} failed: reason withheld", check.name);
                failed.push(check.name);
            }
        }
    }
    if !remaining.is_empty() {
        remaining.sort_unstable();
        remaining.dedup();
        let quoted: Vec<String> = remaining.iter().map(|name| format!("{name:?}")).collect();
        let _ = writeln!(
            lines,
            "warn: some health checks cannot be excluded: no matches for {}",
            quoted.join(",")
        );
    }
    if !failed.is_empty() {
        // Go's http.Error appends a newline.
        return (StatusCode::INTERNAL_SERVER_ERROR, format!("{lines}{} check failed\n", probe.name()));
    }
    if verbose {
        (StatusCode::OK, format!("{lines}{} check passed\n", probe.name()))
    } else {
        (StatusCode::OK, "ok".to_owned())
    }
}

/// Renders `/<probe>/<check>`; `None` when the probe has no such check.
pub fn render_single(checks: &[CheckResult], name: &str) -> Option<(StatusCode, String)> {
    let check = checks.iter().find(|c| c.name == name)?;
    Some(match &check.result {
        Ok(()) => (StatusCode::OK, "ok".to_owned()),
        Err(reason) => (StatusCode::INTERNAL_SERVER_ERROR, format!("internal server error: {reason}\n")),
    })
}
