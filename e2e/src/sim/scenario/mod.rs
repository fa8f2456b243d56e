//! Scenario files: the nodes of a simulated cluster, its workloads with their load models, the
//! request rate of each workload over time and scripted kubelet and API-server faults. YAML or
//! JSON (JSON is YAML); documented by example in `e2e/scenarios/example.yaml`.
//!
//! [`parse`] turns text into a validated [`Scenario`]: every error names the offending field by its
//! path (`workloads[1].noise`, `load.web[0].ramp.end`, `faults[0].node`). CSV traces named by
//! `file` are read relative to the scenario's directory at parse time, so a [`Scenario`] is
//! self-contained. [`apply`] creates its objects in a cluster.
//!
//! Time in a scenario is seconds since the sim started (the scenario clock).

mod apply;
mod raw;
pub mod values;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

pub use self::apply::apply;
use self::raw::{RawApiError, RawApiFault, RawFault, RawFaultKind, RawScenario, RawSegment, RawWorkload};
use self::values::{Seconds, parse_duration};
use super::kubelet::IDLE_MODEL;
use super::kubelet::fault::{Fault, FaultWindow};
use super::kubelet::load::{Burst, LoadCurve, LoadModel, Segment};
use super::server::fault::{ApiFault, ApiFaultWindow, ApiFilter, ErrorKind};

/// Pod-template annotation carrying the readiness delay (read by the pod lifecycle controller).
pub const READINESS_DELAY_ANNOTATION: &str = "sim.bellows.dev/readiness-delay";
/// Pod-template annotation naming the scenario workload a pod belongs to (read by the kubelets).
pub const WORKLOAD_ANNOTATION: &str = "sim.bellows.dev/workload";
/// Image of short-form workloads that do not name one.
pub const DEFAULT_IMAGE: &str = "registry.k8s.io/pause:3.10";
/// Delay of a `slow` fault that does not give one.
pub const DEFAULT_SLOW_DELAY: Duration = Duration::from_secs(5);

/// Node shape of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeSpec {
    /// How many nodes (`node-1`…).
    pub count: usize,
    /// Capacity and allocatable CPU (quantity text).
    pub cpu: String,
    /// Capacity and allocatable memory (quantity text).
    pub memory: String,
    /// Pod capacity.
    pub pods: u32,
}

impl Default for NodeSpec {
    fn default() -> Self {
        Self { count: 3, cpu: "4".into(), memory: "16Gi".into(), pods: 110 }
    }
}

/// A workload: the Deployment to create and how its containers consume resources.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    /// Namespace.
    pub namespace: String,
    /// Deployment name.
    pub name: String,
    /// The Deployment object, annotations already set on its pod template.
    pub deployment: Value,
    /// The load model of every container of its pods.
    pub model: LoadModel,
    /// Requests per second over time.
    pub curve: LoadCurve,
}

/// A validated scenario.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scenario {
    /// Nodes.
    pub nodes: NodeSpec,
    /// Workloads in file order.
    pub workloads: Vec<Workload>,
    /// Scripted kubelet faults.
    pub faults: Vec<FaultWindow>,
    /// Scripted API-server faults (`faults:` entries with `api`).
    pub api_faults: Vec<ApiFaultWindow>,
}

/// Scenario failures; each names the file or field at fault.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The scenario file could not be read.
    #[error("reading scenario {path}: {source}")]
    Read {
        /// File.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The text is not YAML/JSON.
    #[error("scenario is not valid YAML or JSON: {0}")]
    Syntax(String),
    /// A field has the wrong shape (unknown field, wrong type, bad duration/quantity).
    #[error("{path}: {message}")]
    Shape {
        /// Field path (`workloads[0].baseCpu`).
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A field is well-formed but its value is not acceptable.
    #[error("{field}: {message}")]
    Invalid {
        /// Field path.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A CSV trace could not be read or parsed.
    #[error("{field}: {source_name} line {line}: {message}")]
    Csv {
        /// Field path of the segment.
        field: String,
        /// File name or `data`.
        source_name: String,
        /// 1-based line number (0 when the file could not be read).
        line: usize,
        /// What is wrong.
        message: String,
    },
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> ScenarioError {
    ScenarioError::Invalid { field: field.into(), message: message.into() }
}

/// Read and parse a scenario file; CSV files are resolved relative to its directory.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| ScenarioError::Read { path: path.to_owned(), source })?;
    parse(&text, path.parent().unwrap_or_else(|| Path::new(".")))
}

/// Parse and validate scenario text; `base_dir` resolves relative CSV file names.
pub fn parse(text: &str, base_dir: &Path) -> Result<Scenario, ScenarioError> {
    let value: Value = if text.trim().is_empty() {
        json!({})
    } else {
        serde_saphyr::from_str(text).map_err(|e| ScenarioError::Syntax(e.to_string()))?
    };
    let raw: RawScenario = serde_path_to_error::deserialize(value)
        .map_err(|e| ScenarioError::Shape { path: e.path().to_string(), message: e.inner().to_string() })?;
    resolve(raw, base_dir)
}

fn resolve(raw: RawScenario, base_dir: &Path) -> Result<Scenario, ScenarioError> {
    let defaults = NodeSpec::default();
    let nodes = NodeSpec {
        count: raw.nodes.count.unwrap_or(defaults.count),
        cpu: raw.nodes.cpu.map_or(defaults.cpu, |q| q.0),
        memory: raw.nodes.memory.map_or(defaults.memory, |q| q.0),
        pods: raw.nodes.pods.unwrap_or(defaults.pods),
    };
    let mut workloads: Vec<Workload> = Vec::new();
    for (i, w) in raw.workloads.into_iter().enumerate() {
        let workload = workload(w, &format!("workloads[{i}]"))?;
        if workloads.iter().any(|o| o.namespace == workload.namespace && o.name == workload.name) {
            return Err(invalid(
                format!("workloads[{i}].name"),
                format!("workload {}/{} is defined twice", workload.namespace, workload.name),
            ));
        }
        workloads.push(workload);
    }
    for (key, segments) in raw.load {
        let field = format!("load.{key}");
        let (namespace, name) = key.split_once('/').unwrap_or(("", key.as_str()));
        let matching: Vec<&mut Workload> = workloads
            .iter_mut()
            .filter(|w| w.name == name && (namespace.is_empty() || w.namespace == namespace))
            .collect();
        let count = matching.len();
        let [target] = <[&mut Workload; 1]>::try_from(matching).map_err(|_| {
            if count == 0 {
                invalid(&field, format!("no workload named {key:?}"))
            } else {
                invalid(&field, format!("{key:?} names {count} workloads; write <namespace>/{name}"))
            }
        })?;
        for (j, segment) in segments.into_iter().enumerate() {
            target.curve.segments.push(self::segment(segment, &format!("{field}[{j}]"), base_dir)?);
        }
    }
    let (mut faults, mut api_faults) = (Vec::new(), Vec::new());
    for (i, f) in raw.faults.into_iter().enumerate() {
        let field = format!("faults[{i}]");
        if f.api.is_some() {
            api_faults.push(api_fault(f, &field)?);
        } else {
            faults.push(fault(&f, &field, nodes.count)?);
        }
    }
    Ok(Scenario { nodes, workloads, faults, api_faults })
}

fn fraction_field(value: Option<f64>, field: &str, max: f64) -> Result<f64, ScenarioError> {
    let v = value.unwrap_or(0.0);
    if !v.is_finite() || v < 0.0 || v > max {
        return Err(invalid(field, format!("{v} is outside [0, {max}]")));
    }
    Ok(v)
}

fn workload(w: RawWorkload, field: &str) -> Result<Workload, ScenarioError> {
    let model = LoadModel {
        cpu_per_request: fraction_field(w.cpu_per_request, &format!("{field}.cpuPerRequest"), f64::MAX)?,
        // Idle defaults: a container with no CPU or memory at all would be dropped by metrics-server.
        base_cpu: w.base_cpu.map_or(IDLE_MODEL.base_cpu, |m| m.0),
        base_memory: w.base_memory.map_or(IDLE_MODEL.base_memory, |b| b.0),
        memory_per_request: w.memory_per_request.map_or(0.0, |b| b.0),
        startup_burst: w
            .startup_cpu_burst
            .as_ref()
            .map(|b| Burst { millicores: b.millicores.0, seconds: b.duration.0 }),
        noise: fraction_field(w.noise, &format!("{field}.noise"), 1.0)?,
    };
    let mut deployment = match w.deployment {
        Some(d) => {
            for (present, key) in [
                (w.replicas.is_some(), "replicas"),
                (w.image.is_some(), "image"),
                (w.requests.is_some(), "requests"),
                (w.limits.is_some(), "limits"),
            ] {
                if present {
                    return Err(invalid(
                        format!("{field}.{key}"),
                        "not allowed together with deployment (set it in the Deployment)",
                    ));
                }
            }
            if !d["spec"]["template"]["spec"]["containers"].is_array() {
                return Err(invalid(
                    format!("{field}.deployment.spec.template.spec.containers"),
                    "missing: a Deployment needs a pod template with containers",
                ));
            }
            d
        }
        None => short_form(&w, field)?,
    };
    let name = w
        .name
        .clone()
        .or_else(|| deployment["metadata"]["name"].as_str().map(str::to_owned))
        .filter(|n| !n.is_empty())
        .ok_or_else(|| invalid(format!("{field}.name"), "missing (give name or deployment.metadata.name)"))?;
    let namespace = w
        .namespace
        .clone()
        .or_else(|| deployment["metadata"]["namespace"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "default".to_owned());
    deployment["apiVersion"] = json!("apps/v1");
    deployment["kind"] = json!("Deployment");
    deployment["metadata"]["name"] = json!(name);
    deployment["metadata"]["namespace"] = json!(namespace);
    let annotations = &mut deployment["spec"]["template"]["metadata"]["annotations"];
    annotations[WORKLOAD_ANNOTATION] = json!(name);
    if let Some(delay) = w.readiness_delay {
        annotations[READINESS_DELAY_ANNOTATION] = json!(format!("{}s", delay.0));
    }
    Ok(Workload { namespace, name, deployment, model, curve: LoadCurve::default() })
}

fn short_form(w: &RawWorkload, field: &str) -> Result<Value, ScenarioError> {
    let name = w.name.clone().ok_or_else(|| invalid(format!("{field}.name"), "missing"))?;
    let mut resources = json!({});
    for (key, part) in [("requests", &w.requests), ("limits", &w.limits)] {
        if let Some(part) = part {
            for (resource, value) in [("cpu", &part.cpu), ("memory", &part.memory)] {
                if let Some(q) = value {
                    resources[key][resource] = json!(q.0);
                }
            }
        }
    }
    let labels = json!({"app": name});
    Ok(json!({
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": w.replicas.unwrap_or(1),
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{
                    "name": name,
                    "image": w.image.clone().unwrap_or_else(|| DEFAULT_IMAGE.to_owned()),
                    "resources": resources,
                }]},
            },
        },
    }))
}

fn segment(raw: RawSegment, field: &str, base_dir: &Path) -> Result<Segment, ScenarioError> {
    let non_negative = |v: f64, key: &str| {
        if v.is_finite() && v >= 0.0 {
            Ok(v)
        } else {
            Err(invalid(format!("{field}.{key}"), format!("{v} is negative")))
        }
    };
    Ok(match raw {
        RawSegment::Step { at, rps } => Segment::Step { at: at.0, rps: non_negative(rps, "step.rps")? },
        RawSegment::Ramp { from, to, start, end } => {
            if end.0 < start.0 {
                return Err(invalid(
                    format!("{field}.ramp.end"),
                    format!("{}s is before start {}s", end.0, start.0),
                ));
            }
            Segment::Ramp {
                from: non_negative(from, "ramp.from")?,
                to: non_negative(to, "ramp.to")?,
                start: start.0,
                end: end.0,
            }
        }
        RawSegment::Sine { base, amplitude, period, start } => {
            if period.0 <= 0.0 {
                return Err(invalid(format!("{field}.sine.period"), "must be greater than 0"));
            }
            Segment::Sine { base, amplitude, period: period.0, start: start.0 }
        }
        RawSegment::Csv { file, data, points } => {
            Segment::Points(csv(file, data, points, &format!("{field}.csv"), base_dir)?)
        }
    })
}

fn csv(
    file: Option<String>,
    data: Option<String>,
    points: Option<Vec<(Seconds, f64)>>,
    field: &str,
    base_dir: &Path,
) -> Result<Vec<(f64, f64)>, ScenarioError> {
    let csv_err = |source_name: &str, line: usize, message: String| ScenarioError::Csv {
        field: field.to_owned(),
        source_name: source_name.to_owned(),
        line,
        message,
    };
    let parsed = match (file, data, points) {
        (Some(file), None, None) => {
            let path = base_dir.join(&file);
            let text = std::fs::read_to_string(&path).map_err(|e| csv_err(&file, 0, e.to_string()))?;
            parse_csv(&text).map_err(|(line, message)| csv_err(&file, line, message))?
        }
        (None, Some(data), None) => {
            parse_csv(&data).map_err(|(line, message)| csv_err("data", line, message))?
        }
        (None, None, Some(points)) => points.into_iter().map(|(t, rps)| (t.0, rps)).collect(),
        _ => return Err(invalid(field, "give exactly one of file, data or points")),
    };
    if parsed.is_empty() {
        return Err(invalid(field, "the trace has no points"));
    }
    for (i, pair) in parsed.windows(2).enumerate() {
        if pair[1].0 < pair[0].0 {
            return Err(invalid(format!("{field}.points[{}]", i + 1), "times must not decrease"));
        }
    }
    if let Some((i, _)) = parsed.iter().enumerate().find(|(_, p)| !(p.1.is_finite() && p.1 >= 0.0)) {
        return Err(invalid(format!("{field}.points[{i}]"), "rps must be a non-negative number"));
    }
    Ok(parsed)
}

/// `seconds,rps` lines; `#` comments, blank lines and a first header line are skipped.
fn parse_csv(text: &str) -> Result<Vec<(f64, f64)>, (usize, String)> {
    let mut points = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((t, rps)) = line.split_once(',') else {
            return Err((i + 1, format!("expected `seconds,rps`, got {line:?}")));
        };
        let (t, rps) = (t.trim(), rps.trim());
        let time = parse_duration(t);
        let rate = rps.parse::<f64>().ok();
        match (time, rate) {
            (Some(time), Some(rate)) => points.push((time, rate)),
            _ if points.is_empty() && i == 0 => {} // header
            _ => return Err((i + 1, format!("expected `seconds,rps`, got {line:?}"))),
        }
    }
    Ok(points)
}

fn check_window(raw: &RawFault, field: &str) -> Result<(), ScenarioError> {
    if let Some(to) = raw.to
        && to.0 <= raw.from.0
    {
        return Err(invalid(format!("{field}.to"), format!("{}s is not after from {}s", to.0, raw.from.0)));
    }
    Ok(())
}

fn api_fault(raw: RawFault, field: &str) -> Result<ApiFaultWindow, ScenarioError> {
    for (present, key) in
        [(raw.node.is_some(), "node"), (raw.kind.is_some(), "kind"), (raw.delay.is_some(), "delay")]
    {
        if present {
            return Err(invalid(format!("{field}.{key}"), "not allowed in an api fault"));
        }
    }
    check_window(&raw, field)?;
    let api: RawApiFault = raw.api.unwrap_or_default();
    let field = format!("{field}.api");
    let error_rate = fraction_field(api.error_rate, &format!("{field}.errorRate"), 1.0)?;
    if let Some(every) = api.drop_watches_every
        && every.0 <= 0.0
    {
        return Err(invalid(format!("{field}.dropWatchesEvery"), "must be greater than 0"));
    }
    let secs = |s: Option<Seconds>| s.map_or(Duration::ZERO, |s| Duration::from_secs_f64(s.0));
    let fault = ApiFault {
        filter: ApiFilter { verbs: api.verbs, resources: api.resources, groups: api.groups },
        error_rate,
        error: match api.error {
            None | Some(RawApiError::InternalError) => ErrorKind::InternalError,
            Some(RawApiError::TooManyRequests) => ErrorKind::TooManyRequests,
            Some(RawApiError::ServiceUnavailable) => ErrorKind::ServiceUnavailable,
        },
        // Whole seconds, as the header carries them; at least 1.
        retry_after: api.retry_after.map_or(1, |s| s.0.ceil().clamp(1.0, f64::from(u32::MAX)) as u32),
        latency: secs(api.latency),
        jitter: secs(api.jitter),
        drop_watches_every: api.drop_watches_every.map(|s| Duration::from_secs_f64(s.0)),
        seed: api.seed,
    };
    Ok(ApiFaultWindow { fault, from: raw.from.0, to: raw.to.map(|t| t.0) })
}

fn fault(raw: &RawFault, field: &str, node_count: usize) -> Result<FaultWindow, ScenarioError> {
    let Some(node) = raw.node.clone() else {
        return Err(invalid(format!("{field}.node"), "missing (a fault names a node, or is an api fault)"));
    };
    let Some(kind) = raw.kind else {
        return Err(invalid(format!("{field}.kind"), "missing (down, slow, garbage or zero)"));
    };
    let known = node
        .strip_prefix("node-")
        .and_then(|n| n.parse::<usize>().ok())
        .is_some_and(|n| (1..=node_count).contains(&n));
    if !known {
        return Err(invalid(
            format!("{field}.node"),
            format!("no node named {node:?} (the scenario has node-1…node-{node_count})"),
        ));
    }
    check_window(raw, field)?;
    if raw.delay.is_some() && kind != RawFaultKind::Slow {
        return Err(invalid(format!("{field}.delay"), "only a slow fault has a delay"));
    }
    let fault = match kind {
        RawFaultKind::Down => Fault::Down,
        RawFaultKind::Slow => {
            Fault::Slow(raw.delay.map_or(DEFAULT_SLOW_DELAY, |d| Duration::from_secs_f64(d.0)))
        }
        RawFaultKind::Garbage => Fault::Garbage,
        RawFaultKind::Zero => Fault::Zero,
    };
    Ok(FaultWindow { node, fault, from: raw.from.0, to: raw.to.map(|t| t.0) })
}

#[cfg(test)]
mod tests;
