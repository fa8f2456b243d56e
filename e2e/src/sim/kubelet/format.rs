//! The kubelet's `/metrics/resource` payload in Prometheus text format 0.0.4, as
//! `pkg/kubelet/metrics/collectors/resource_metrics.go` (Kubernetes 1.35) emits it.
//!
//! Invariants (what clients such as metrics-server rely on):
//! - families in name order, each with `# HELP <name> [STABLE|ALPHA] <help>` and `# TYPE` lines;
//! - container series sorted by (container, namespace, pod) label values, labels printed in that
//!   order; pod series sorted by (namespace, pod);
//! - samples carry the scrape time as a millisecond timestamp, except `container_start_time_seconds`
//!   and the scrape-error gauges, which carry none;
//! - values are printed like Go's `strconv.FormatFloat(v, 'g', -1, 64)` (what `expfmt` uses):
//!   `10`, `4.710169`, `1.253376e+07`.

use std::fmt::Write as _;

/// The response `Content-Type` of the payload.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8; escaping=underscores";

/// Usage of one running container at the scrape.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerSample {
    /// Namespace of the pod.
    pub namespace: String,
    /// Pod name.
    pub pod: String,
    /// Container name.
    pub container: String,
    /// Cumulative CPU time since the container started, core-seconds.
    pub cpu_seconds: f64,
    /// Working set, bytes.
    pub memory_bytes: f64,
    /// Container start, seconds since the Unix epoch.
    pub start_time_seconds: f64,
}

/// One node's scrape: node totals and its running containers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeSample {
    /// Cumulative CPU time of the node, core-seconds.
    pub cpu_seconds: f64,
    /// Node working set, bytes.
    pub memory_bytes: f64,
    /// Scrape time, milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
    /// Running containers on the node.
    pub containers: Vec<ContainerSample>,
}

impl NodeSample {
    /// The same sample with every usage value 0 (the `zero` fault); start times are kept.
    #[must_use]
    pub fn zeroed(&self) -> Self {
        let containers = self
            .containers
            .iter()
            .map(|c| ContainerSample { cpu_seconds: 0.0, memory_bytes: 0.0, ..c.clone() })
            .collect();
        Self { cpu_seconds: 0.0, memory_bytes: 0.0, timestamp_ms: self.timestamp_ms, containers }
    }
}

/// Go's `strconv.FormatFloat(v, 'g', -1, 64)`: the shortest round-trip digits, in exponent form
/// when the decimal exponent is < -4 or >= 6 (Go decides with precision 6 in shortest mode), the
/// exponent signed and at least two digits long.
pub fn go_float(v: f64) -> String {
    if v.is_nan() {
        return "NaN".to_owned();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    // Rust's `{:e}` prints the shortest round-trip digits: `-1.253376e7`.
    let sci = format!("{v:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = mantissa.strip_prefix('-').map_or(("", mantissa), |m| ("-", m));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{dot}{rest}e{esign}{:02}", exp.unsigned_abs());
    }
    let point = exp + 1; // digits before the decimal point
    if point <= 0 {
        let zeros = "0".repeat(point.unsigned_abs() as usize);
        return format!("{sign}0.{zeros}{digits}");
    }
    let point = point as usize;
    if digits.len() <= point {
        format!("{sign}{digits}{}", "0".repeat(point - digits.len()))
    } else {
        format!("{sign}{}.{}", &digits[..point], &digits[point..])
    }
}

struct Family {
    name: &'static str,
    help: &'static str,
    kind: &'static str,
}

const fn family(name: &'static str, help: &'static str, kind: &'static str) -> Family {
    Family { name, help, kind }
}

fn header(out: &mut String, f: &Family) {
    let _ = writeln!(out, "# HELP {} {}\n# TYPE {} {}", f.name, f.help, f.name, f.kind);
}

const CONTAINER_CPU: Family = family(
    "container_cpu_usage_seconds_total",
    "[STABLE] Cumulative cpu time consumed by the container in core-seconds",
    "counter",
);
const CONTAINER_MEMORY: Family = family(
    "container_memory_working_set_bytes",
    "[STABLE] Current working set of the container in bytes",
    "gauge",
);
const CONTAINER_START: Family = family(
    "container_start_time_seconds",
    "[STABLE] Start time of the container since unix epoch in seconds",
    "gauge",
);
const CONTAINER_SWAP: Family = family(
    "container_swap_usage_bytes",
    "[ALPHA] Current amount of the container swap usage in bytes. Reported only on non-windows systems",
    "gauge",
);
const NODE_CPU: Family = family(
    "node_cpu_usage_seconds_total",
    "[STABLE] Cumulative cpu time consumed by the node in core-seconds",
    "counter",
);
const NODE_MEMORY: Family =
    family("node_memory_working_set_bytes", "[STABLE] Current working set of the node in bytes", "gauge");
const NODE_SWAP: Family = family(
    "node_swap_usage_bytes",
    "[ALPHA] Current swap usage of the node in bytes. Reported only on non-windows systems",
    "gauge",
);
const POD_CPU: Family = family(
    "pod_cpu_usage_seconds_total",
    "[STABLE] Cumulative cpu time consumed by the pod in core-seconds",
    "counter",
);
const POD_MEMORY: Family =
    family("pod_memory_working_set_bytes", "[STABLE] Current working set of the pod in bytes", "gauge");
const POD_SWAP: Family = family(
    "pod_swap_usage_bytes",
    "[ALPHA] Current amount of the pod swap usage in bytes. Reported only on non-windows systems",
    "gauge",
);
const RESOURCE_SCRAPE_ERROR: Family = family(
    "resource_scrape_error",
    "[STABLE] 1 if there was an error while getting container metrics, 0 otherwise",
    "gauge",
);
const SCRAPE_ERROR: Family = family(
    "scrape_error",
    "[ALPHA] 1 if there was an error while getting container metrics, 0 otherwise",
    "gauge",
);

/// The full `/metrics/resource` body for one node.
pub fn render(sample: &NodeSample) -> String {
    let mut containers: Vec<&ContainerSample> = sample.containers.iter().collect();
    containers
        .sort_by(|a, b| (&a.container, &a.namespace, &a.pod).cmp(&(&b.container, &b.namespace, &b.pod)));
    // Pod totals, in (namespace, pod) order.
    let mut pods: std::collections::BTreeMap<(&str, &str), (f64, f64)> = std::collections::BTreeMap::new();
    for c in &sample.containers {
        let entry = pods.entry((c.namespace.as_str(), c.pod.as_str())).or_default();
        entry.0 += c.cpu_seconds;
        entry.1 += c.memory_bytes;
    }
    let ts = sample.timestamp_ms;
    let mut out = String::with_capacity(512 + containers.len() * 600);
    let container_family = |out: &mut String, f: &Family, value: &dyn Fn(&ContainerSample) -> f64, stamp| {
        header(out, f);
        for c in &containers {
            let _ = write!(
                out,
                "{}{{container=\"{}\",namespace=\"{}\",pod=\"{}\"}} {}",
                f.name,
                c.container,
                c.namespace,
                c.pod,
                go_float(value(c))
            );
            let _ = if stamp { writeln!(out, " {ts}") } else { writeln!(out) };
        }
    };
    if !containers.is_empty() {
        container_family(&mut out, &CONTAINER_CPU, &|c| c.cpu_seconds, true);
        container_family(&mut out, &CONTAINER_MEMORY, &|c| c.memory_bytes, true);
        container_family(&mut out, &CONTAINER_START, &|c| c.start_time_seconds, false);
        container_family(&mut out, &CONTAINER_SWAP, &|_| 0.0, true);
    }
    for (f, value) in
        [(&NODE_CPU, sample.cpu_seconds), (&NODE_MEMORY, sample.memory_bytes), (&NODE_SWAP, 0.0)]
    {
        header(&mut out, f);
        let _ = writeln!(out, "{} {} {ts}", f.name, go_float(value));
    }
    if !pods.is_empty() {
        type PodValue = fn(&(f64, f64)) -> f64;
        let pod_families: [(&Family, PodValue); 3] =
            [(&POD_CPU, |p| p.0), (&POD_MEMORY, |p| p.1), (&POD_SWAP, |_| 0.0)];
        for (f, value) in pod_families {
            header(&mut out, f);
            for ((namespace, pod), totals) in &pods {
                let _ = writeln!(
                    out,
                    "{}{{namespace=\"{namespace}\",pod=\"{pod}\"}} {} {ts}",
                    f.name,
                    go_float(value(totals))
                );
            }
        }
    }
    for f in [&RESOURCE_SCRAPE_ERROR, &SCRAPE_ERROR] {
        header(&mut out, f);
        let _ = writeln!(out, "{} 0", f.name);
    }
    out
}

/// A body that is not Prometheus text at all (the `garbage` fault).
pub fn garbage() -> &'static [u8] {
    b"\x00\xffthis is not prometheus text {{{ node_cpu_usage_seconds_total = lots\n<html>oops</html>\n"
}

#[cfg(test)]
mod tests;
