//! `make demo`: bellows autoscaling a Deployment on the simulated cluster, live.
//!
//! The demo starts `bellows-sim` in-process with `e2e/scenarios/demo.yaml` (a web Deployment whose
//! load steps up, holds and drops), registers bellows as the `metrics.k8s.io` API service (so
//! `kubectl top` works through the sim's aggregator), creates an `autoscaling/v2` HPA at 50% CPU,
//! runs the real `bellows run` binary against the sim's kubeconfig, and samples the cluster every
//! two seconds: time, load, ready pods, CPU utilization, desired replicas and the last HPA event.
//! At the end it writes `series.csv` and an SVG plot, stops bellows and the sim, and prints where
//! the plot is. Nothing here decides anything: the numbers come from bellows through the API.

pub mod plot;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde_json::{Value, json};

use crate::sim::{Sim, SimConfig, scenario};

/// What the demo needs to know.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// The scenario file.
    pub scenario: PathBuf,
    /// Output directory (kubeconfig, logs, CSV, plot).
    pub out: PathBuf,
    /// The `bellows` binary.
    pub bellows: PathBuf,
    /// How long to run.
    pub duration: Duration,
    /// The custom resource definitions to install (the committed `crds/` file).
    pub crds: Option<PathBuf>,
}

/// One sample of the live view.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Seconds since the sim started.
    pub t: f64,
    /// Offered load (requests per second).
    pub load: f64,
    /// Ready pods of the Deployment.
    pub ready: i64,
    /// Replicas the Deployment asks for.
    pub replicas: i64,
    /// CPU utilization bellows reports in the HPA status (percent of request).
    pub cpu: Option<i64>,
    /// `status.desiredReplicas` of the HPA.
    pub desired: Option<i64>,
    /// The last HPA event (`reason: message`).
    pub last_event: String,
}

const NAMESPACE: &str = "default";
const TARGET: &str = "web";
const TARGET_UTILIZATION: i64 = 50;

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free loopback port")?;
    Ok(listener.local_addr()?.port())
}

fn hpa() -> Value {
    json!({
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": TARGET, "namespace": NAMESPACE},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": TARGET},
            "minReplicas": 2, "maxReplicas": 10,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": TARGET_UTILIZATION}}}],
            // Demo-friendly: a 30 s scale-down window instead of the default 5 minutes.
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 30}}
        }
    })
}

/// The objects that make bellows the cluster's `metrics.k8s.io` (as `manifests/` does in a real
/// cluster, with the Service's endpoint on loopback): (group, resource, object) to create.
pub fn api_service_objects(port: u16) -> [(&'static str, &'static str, Value); 3] {
    [
        (
            "",
            "services",
            json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "bellows", "namespace": "kube-system"},
            "spec": {"ports": [{"name": "https", "port": 443, "targetPort": port}]}}),
        ),
        (
            "",
            "endpoints",
            json!({"apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "bellows", "namespace": "kube-system"},
            "subsets": [{"addresses": [{"ip": "127.0.0.1"}], "ports": [{"name": "https", "port": port}]}]}),
        ),
        (
            "apiregistration.k8s.io",
            "apiservices",
            json!({"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
            "metadata": {"name": "v1beta1.metrics.k8s.io"},
            "spec": {"service": {"name": "bellows", "namespace": "kube-system", "port": 443},
                     "group": "metrics.k8s.io", "version": "v1beta1", "insecureSkipTLSVerify": true,
                     "groupPriorityMinimum": 100, "versionPriority": 100}}),
        ),
    ]
}

/// `bellows run` against the sim: metrics on `127.0.0.1:port` (as registered by
/// [`api_service_objects`]), kubelets by `InternalIP` and status port, the shortest resolution
/// metrics-server allows (10 s) and an HPA sync every `sync_period`.
pub fn bellows_command(
    bellows: &Path,
    kubeconfig: &Path,
    port: u16,
    cert_dir: &Path,
    sync_period: &str,
) -> Command {
    let mut command = Command::new(bellows);
    command
        .args(["run", "--kubeconfig"])
        .arg(kubeconfig)
        .args(["--bind-address", "127.0.0.1", "--secure-port", &port.to_string(), "--cert-dir"])
        .arg(cert_dir)
        .args([
            "--kubelet-preferred-address-types=InternalIP",
            "--kubelet-use-node-status-port",
            "--metric-resolution=10s",
            "--kubelet-request-timeout=5s",
            &format!("--horizontal-pod-autoscaler-sync-period={sync_period}"),
        ]);
    command
}

fn spawn_bellows(options: &DemoOptions, kubeconfig: &Path, port: u16) -> anyhow::Result<Child> {
    let log = std::fs::File::create(options.out.join("bellows.log")).context("creating bellows.log")?;
    bellows_command(&options.bellows, kubeconfig, port, &options.out.join("certs"), "5s")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .with_context(|| format!("starting {}", options.bellows.display()))
}

fn int(v: &Value, pointer: &str) -> Option<i64> {
    v.pointer(pointer).and_then(Value::as_i64)
}

/// The newest HPA event. The sim stores Events of both APIs as core/v1 (`involvedObject`,
/// `message`), so the events.k8s.io/v1 Events bellows writes are there too.
fn last_hpa_event(sim: &crate::sim::SimHandle) -> String {
    let mut newest: Option<(u64, String)> = None;
    let (events, _) = sim.cluster().list(&crate::sim::store::ResourceKey::new("", "events"), Some(NAMESPACE));
    for e in &events {
        let kind = e.pointer("/involvedObject/kind").and_then(Value::as_str);
        if kind != Some("HorizontalPodAutoscaler") {
            continue;
        }
        let version = e
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        if newest.as_ref().is_none_or(|(v, _)| version > *v) {
            let field = |p: &str| e.pointer(p).and_then(Value::as_str).unwrap_or_default().to_owned();
            newest = Some((version, format!("{}: {}", field("/reason"), field("/message"))));
        }
    }
    newest.map(|(_, text)| text).unwrap_or_default()
}

fn sample(sim: &crate::sim::SimHandle, t: f64, load: f64) -> Sample {
    let deployment = sim.get("apps", "deployments", NAMESPACE, TARGET).unwrap_or(Value::Null);
    let hpa = sim.get("autoscaling", "horizontalpodautoscalers", NAMESPACE, TARGET).unwrap_or(Value::Null);
    let cpu = int(&hpa, "/status/currentMetrics/0/resource/current/averageUtilization");
    Sample {
        t,
        load,
        ready: int(&deployment, "/status/readyReplicas").unwrap_or(0),
        replicas: int(&deployment, "/spec/replicas").unwrap_or(0),
        cpu,
        // `desiredReplicas` is 0 until the first successful computation: show it as unknown.
        desired: int(&hpa, "/status/desiredReplicas").filter(|d| *d > 0 || cpu.is_some()),
        last_event: last_hpa_event(sim),
    }
}

/// One line of the live view.
pub fn view_line(s: &Sample) -> String {
    let cpu = s.cpu.map_or_else(|| "  ?".to_owned(), |c| format!("{c:>3}"));
    let desired = s.desired.map_or_else(|| " ?".to_owned(), |d| format!("{d:>2}"));
    let mut line = format!(
        "t={:>4.0}s  load={:>4.0} rps  ready={:>2}/{:<2}  cpu={cpu}%/{TARGET_UTILIZATION}%  desired={desired}",
        s.t, s.load, s.ready, s.replicas
    );
    if !s.last_event.is_empty() {
        let _ = write!(line, "  {}", s.last_event);
    }
    line
}

/// The samples as CSV.
pub fn csv(samples: &[Sample]) -> String {
    let mut out =
        String::from("t_seconds,load_rps,ready_pods,replicas,cpu_utilization_percent,desired_replicas\n");
    for s in samples {
        let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        let _ = writeln!(
            out,
            "{:.1},{:.1},{},{},{},{}",
            s.t,
            s.load,
            s.ready,
            s.replicas,
            opt(s.cpu),
            opt(s.desired)
        );
    }
    out
}

/// The plot of a run.
pub fn chart(samples: &[Sample]) -> plot::Chart {
    let series =
        |label: &str, colour: &'static str, dashed: bool, f: &dyn Fn(&Sample) -> Option<f64>| plot::Series {
            label: label.into(),
            colour,
            dashed,
            points: samples.iter().filter_map(|s| f(s).map(|v| (s.t, v))).collect(),
        };
    plot::Chart {
        title: "bellows autoscaling web (HPA: CPU 50%, min 2, max 10)".into(),
        panels: vec![
            plot::Panel {
                title: "load (rps)".into(),
                series: vec![series("load", "#555", false, &|s| Some(s.load))],
            },
            plot::Panel {
                title: "CPU utilization (%)".into(),
                series: vec![
                    series("current", "#d62728", false, &|s| s.cpu.map(|c| c as f64)),
                    series("target", "#d62728", true, &|_| Some(TARGET_UTILIZATION as f64)),
                ],
            },
            plot::Panel {
                title: "replicas".into(),
                series: vec![
                    series("desired", "#1f77b4", false, &|s| s.desired.map(|d| d as f64)),
                    series("ready", "#2ca02c", true, &|s| Some(s.ready as f64)),
                ],
            },
        ],
    }
}

/// Runs the demo.
pub async fn run(options: DemoOptions) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(&options.out).with_context(|| format!("creating {}", options.out.display()))?;
    let scenario = scenario::load(&options.scenario)?;
    let curve = scenario
        .workloads
        .iter()
        .find(|w| w.name == TARGET)
        .map(|w| w.curve.clone())
        .context("the demo scenario has no `web` workload")?;
    let kubeconfig = options.out.join("kubeconfig");
    let sim = Sim::start(SimConfig {
        scenario: Some(scenario),
        kubeconfig_out: Some(kubeconfig.clone()),
        ..SimConfig::default()
    })
    .await?;
    let started = Instant::now();
    println!("simulated cluster: {}", sim.api_url());
    println!("  kubectl while it runs:  export KUBECONFIG={}", kubeconfig.display());
    println!("  then: kubectl get hpa,deploy,pods   kubectl top pods   kubectl describe hpa web");
    if let Some(path) = &options.crds {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        for doc in text.split("\n---").filter(|d| d.contains("kind:")) {
            let crd: Value = serde_saphyr::from_str(doc).context("parsing the CRD file")?;
            sim.create("apiextensions.k8s.io", "customresourcedefinitions", crd)?;
        }
    }
    let port = free_port()?;
    for (group, resource, object) in api_service_objects(port) {
        sim.create(group, resource, object)?;
    }
    sim.create("autoscaling", "horizontalpodautoscalers", hpa())?;
    let mut bellows = spawn_bellows(&options, &kubeconfig, port)?;
    println!("bellows run: logs in {}\n", options.out.join("bellows.log").display());

    let mut samples = Vec::new();
    while started.elapsed() < options.duration {
        if let Some(status) = bellows.try_wait()? {
            anyhow::bail!(
                "bellows exited early ({status}); see {}",
                options.out.join("bellows.log").display()
            );
        }
        let t = started.elapsed().as_secs_f64();
        let s = sample(&sim, t, curve.rps_at(t));
        println!("{}", view_line(&s));
        samples.push(s);
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let _ = bellows.kill();
    let _ = bellows.wait();
    sim.shutdown().await;

    std::fs::write(options.out.join("series.csv"), csv(&samples))?;
    let plot = options.out.join("autoscaling.svg");
    std::fs::write(&plot, plot::render(&chart(&samples)))?;
    let peak = samples.iter().filter_map(|s| s.desired).max().unwrap_or(0);
    let last = samples.last().map_or(0, |s| s.replicas);
    println!("\npeak desired replicas: {peak}; final replicas: {last}");
    println!("plot: {}\nseries: {}", plot.display(), options.out.join("series.csv").display());
    Ok(plot)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: f64, cpu: Option<i64>, desired: Option<i64>) -> Sample {
        Sample { t, load: 180.0, ready: 4, replicas: 6, cpu, desired, last_event: String::new() }
    }

    #[test]
    fn the_live_line_shows_every_number() {
        let mut sample = s(42.0, Some(95), Some(8));
        sample.last_event = "SuccessfulRescale: New size: 8".into();
        assert_eq!(
            view_line(&sample),
            "t=  42s  load= 180 rps  ready= 4/6   cpu= 95%/50%  desired= 8  SuccessfulRescale: New size: 8"
        );
        assert_eq!(
            view_line(&s(0.0, None, None)),
            "t=   0s  load= 180 rps  ready= 4/6   cpu=  ?%/50%  desired= ?"
        );
    }

    #[test]
    fn the_csv_has_one_row_per_sample_and_blanks_for_unknowns() {
        assert_eq!(
            csv(&[s(0.0, None, None), s(2.0, Some(60), Some(3))]),
            "t_seconds,load_rps,ready_pods,replicas,cpu_utilization_percent,desired_replicas\n\
             0.0,180.0,4,6,,\n2.0,180.0,4,6,60,3\n"
        );
    }

    #[test]
    fn the_chart_has_load_cpu_and_replica_panels() {
        let chart = chart(&[s(0.0, Some(30), Some(2)), s(2.0, Some(90), Some(5))]);
        let titles: Vec<&str> = chart.panels.iter().map(|p| p.title.as_str()).collect();
        assert_eq!(titles, ["load (rps)", "CPU utilization (%)", "replicas"]);
        assert_eq!(chart.panels[2].series[0].points, [(0.0, 2.0), (2.0, 5.0)]);
    }
}
