//! `bellows-bench`: scale benchmarks of the simulated cluster, bellows' metrics pipeline and its
//! HPA controller, measured from outside the bellows process.
//!
//! Every run starts `bellows-sim` in this process (so the sim's own CPU and memory are
//! `/proc/self`), seeds it, and (except [`Mode::Sim`]) runs the real release `bellows run` binary
//! against it as a child process. Measurements:
//! - CPU: `utime + stime` deltas of `/proc/<pid>/stat` over a window of whole cycles, reported as
//!   a rate (millicores) and per cycle; memory: `VmRSS` at the end of the window (steady state);
//! - scrape-cycle wall time: bellows' own `Scrape finished` debug log lines (JSON);
//! - API latency: sequential `GET`s on one kept-alive connection, directly against bellows'
//!   port with the front-proxy client certificate (as the aggregator calls it; a new user per
//!   request is a cold authorization cache, the same user a warm one) and through the sim's
//!   aggregator with the admin certificate;
//! - HPA: API requests the sim served per sync period (the sim's request counter), syncs logged
//!   per period and HPAs whose status was written.
//!
//! Every wait has a deadline; a run that does not converge fails with a message naming what did
//! not happen. The result is one JSON document (printed, and written to `--out`).

pub mod bellows;
pub mod client;
pub mod proc;
pub mod seed;
pub mod stats;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use jiff::Timestamp;
use serde_json::{Value, json};

use self::bellows::{Bellows, LogEvent};
use self::client::{Client, ServerTrust};
use self::proc::Pid;
use self::stats::{duration_summary, latency_summary, round3};
use crate::sim::controllers::ControllerSettings;
use crate::sim::store::ResourceKey;
use crate::sim::{Sim, SimConfig, SimHandle};

/// Which benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The sim alone: start, seeding, idle CPU, memory, listing all pods.
    Sim,
    /// The sim plus bellows' metrics pipeline: cycles, CPU, memory, API latency.
    Metrics,
    /// The sim plus bellows' HPA controller with many HPAs.
    Hpa,
}

/// Benchmark parameters.
#[derive(Debug, Clone)]
pub struct Options {
    /// Which benchmark.
    pub mode: Mode,
    /// Nodes.
    pub nodes: usize,
    /// Running pods per node (sim and metrics modes).
    pub pods_per_node: usize,
    /// HPAs, one Deployment each (hpa mode).
    pub hpas: usize,
    /// Replicas of each HPA's Deployment (hpa mode).
    pub replicas: usize,
    /// Whole cycles (scrape cycles or sync periods) in the measured window.
    pub cycles: usize,
    /// `--metric-resolution` and `--horizontal-pod-autoscaler-sync-period`.
    pub period: Duration,
    /// Sequential requests per latency measurement.
    pub requests: usize,
    /// The `bellows` binary.
    pub bellows: PathBuf,
    /// Scratch directory (removed at the end).
    pub work_dir: PathBuf,
}

/// Removes the scratch directory when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// CPU seconds of bellows (if any) and of this process at one instant.
#[derive(Debug, Clone, Copy)]
struct Usage {
    at: Instant,
    bellows: f64,
    sim: f64,
}

fn usage(bellows: Option<u32>) -> anyhow::Result<Usage> {
    let at = Instant::now();
    let bellows = match bellows {
        Some(pid) => proc::cpu_seconds(Pid::Other(pid))?,
        None => 0.0,
    };
    Ok(Usage { at, bellows, sim: proc::cpu_seconds(Pid::Current)? })
}

/// `{seconds, cpu_s, millicores}` of a window for one process.
fn cpu_window(cpu_s: f64, wall: Duration, nodes: usize, period: Duration) -> Value {
    let rate = cpu_s / wall.as_secs_f64().max(1e-9);
    json!({
        "cpu_s": round3(cpu_s),
        "millicores": round3(rate * 1000.0),
        "cpu_s_per_period": round3(rate * period.as_secs_f64()),
        "millicores_per_node": round3(rate * 1000.0 / nodes.max(1) as f64),
    })
}

/// Poll `check` every `every` until it yields a value; fail after `limit` naming `what`.
async fn wait_for<T>(
    what: &str,
    limit: Duration,
    every: Duration,
    mut check: impl FnMut() -> anyhow::Result<Option<T>>,
) -> anyhow::Result<T> {
    let start = Instant::now();
    loop {
        if let Some(value) = check()? {
            return Ok(value);
        }
        if start.elapsed() > limit {
            bail!("did not converge: {what} within {limit:?}");
        }
        tokio::time::sleep(every).await;
    }
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free loopback port")?;
    Ok(listener.local_addr()?.port())
}

fn machine() -> Value {
    json!({"cpus": proc::cpus(), "loadavg": proc::load_average()})
}

/// Run one benchmark; the result document.
pub async fn run(options: &Options) -> anyhow::Result<Value> {
    let needed = (options.nodes as u64) * 2 + 1024;
    if let Some(limit) = proc::open_files_limit()
        && limit < needed
    {
        bail!(
            "open-files limit {limit} is below the {needed} this run needs (a listener and a connection per \
             kubelet): raise it with `ulimit -n {needed}` before running"
        );
    }
    let _ = std::fs::remove_dir_all(&options.work_dir);
    std::fs::create_dir_all(&options.work_dir)
        .with_context(|| format!("creating {}", options.work_dir.display()))?;
    let _scratch = Scratch(options.work_dir.clone());
    let started = Timestamp::now();
    let load_start = machine();
    let result = match options.mode {
        Mode::Sim => run_sim(options).await,
        Mode::Metrics => run_metrics(options).await,
        Mode::Hpa => run_hpa(options).await,
    };
    let mut report = result.map_err(|e| {
        // The scratch directory goes away with this function: say what bellows logged last.
        let log = std::fs::read_to_string(options.work_dir.join("bellows.log")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(30).collect::<Vec<_>>().into_iter().rev().collect();
        e.context(format!("bellows' last log lines:\n{}", tail.join("\n")))
    })?;
    report["started"] = json!(started.to_string());
    report["machine_at_start"] = load_start;
    report["machine_at_end"] = machine();
    Ok(report)
}

/// Start a sim with `nodes` nodes and seeded pods (controllers off: the pods are static).
async fn seeded_sim(options: &Options) -> anyhow::Result<(SimHandle, Value)> {
    let cpu0 = proc::cpu_seconds(Pid::Current)?;
    let t = Instant::now();
    let config = SimConfig {
        nodes: options.nodes,
        kubeconfig_out: Some(options.work_dir.join("kubeconfig")),
        controllers: ControllerSettings { enabled: false, ..ControllerSettings::default() },
        ..SimConfig::default()
    };
    let sim = Sim::start(config).await.context("starting the sim")?;
    let start_s = t.elapsed();
    let t = Instant::now();
    let namespaces = seed::seed_pods(sim.cluster(), options.nodes, options.pods_per_node, Timestamp::now())
        .map_err(|e| anyhow::anyhow!("seeding pods: {e}"))?;
    let seed_s = t.elapsed();
    let cpu1 = proc::cpu_seconds(Pid::Current)?;
    let figures = json!({
        "start_s": round3(start_s.as_secs_f64()),
        "seed_s": round3(seed_s.as_secs_f64()),
        "start_and_seed_cpu_s": round3(cpu1 - cpu0),
        "pods": options.nodes * options.pods_per_node,
        "namespaces": namespaces,
        "rss_after_seed_mib": round3(proc::rss_mib(Pid::Current)?),
    });
    Ok((sim, figures))
}

fn sim_addr(sim: &SimHandle) -> anyhow::Result<SocketAddr> {
    sim.api_url().trim_start_matches("https://").parse().context("the sim's address")
}

fn admin_client(sim: &SimHandle) -> anyhow::Result<Client> {
    let admin = sim.admin_cert();
    Ok(Client::new(
        sim_addr(sim)?,
        ServerTrust::Ca(sim.ca_der().clone()),
        vec![admin.cert_der.clone()],
        admin.private_key(),
        Duration::from_secs(120),
    )?)
}

/// `requests` sequential GETs of `path`; fails on a non-200 answer.
async fn latencies(
    client: &mut Client,
    path: &str,
    requests: usize,
    headers: &dyn Fn(usize) -> Vec<(String, String)>,
) -> anyhow::Result<Vec<Duration>> {
    let mut samples = Vec::with_capacity(requests);
    for i in 0..requests {
        let owned = headers(i);
        let borrowed: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let answer = client.get(path, &borrowed).await?;
        if answer.status != 200 {
            bail!("GET {path} answered {}: {}", answer.status, String::from_utf8_lossy(&answer.body));
        }
        samples.push(answer.elapsed);
    }
    Ok(samples)
}

/// A list's items, counted without building them: the harness shares its process with the sim,
/// whose memory it measures.
#[derive(serde::Deserialize)]
struct Items {
    #[serde(default)]
    items: Vec<serde::de::IgnoredAny>,
}

/// One timed GET: `{seconds, bytes, items}`.
async fn timed_list(client: &mut Client, path: &str, headers: &[(&str, &str)]) -> anyhow::Result<Value> {
    let answer = client.get(path, headers).await?;
    if answer.status != 200 {
        bail!("GET {path} answered {}", answer.status);
    }
    let items = serde_json::from_slice::<Items>(&answer.body).map_or(0, |l| l.items.len());
    Ok(json!({"seconds": round3(answer.elapsed.as_secs_f64()), "bytes": answer.body.len(), "items": items}))
}

async fn run_sim(options: &Options) -> anyhow::Result<Value> {
    let (sim, seeded) = seeded_sim(options).await?;
    // Idle: the kubelets' model ticks every second; nobody scrapes.
    let u0 = usage(None)?;
    tokio::time::sleep(options.period * u32::try_from(options.cycles).unwrap_or(1)).await;
    let u1 = usage(None)?;
    let idle = cpu_window(u1.sim - u0.sim, u1.at - u0.at, options.nodes, options.period);
    let rss_after_idle = proc::rss_mib(Pid::Current)?;
    let advance_s = sim.kubelet_advance_seconds();
    let mut admin = admin_client(&sim)?;
    let mut lists = Vec::new();
    for _ in 0..2 {
        lists.push(timed_list(&mut admin, "/api/v1/pods", &[]).await?);
    }
    let ns_path = "/api/v1/namespaces/bench-1/pods";
    let ns = latencies(&mut admin, ns_path, options.requests, &|_: usize| Vec::new()).await?;
    Ok(json!({
        "mode": "sim",
        "nodes": options.nodes,
        "pods_per_node": options.pods_per_node,
        "sim": seeded,
        "sim_idle": idle,
        "sim_rss_after_idle_mib": round3(rss_after_idle),
        "sim_kubelet_model_advance_s": round3(advance_s),
        "sim_rss_end_mib": round3(proc::rss_mib(Pid::Current)?),
        "sim_list_all_pods": lists,
        "sim_list_100_pod_namespace": latency_summary(&ns),
    }))
}

fn scrapes(events: &[LogEvent]) -> Vec<(Duration, u64, u64)> {
    events
        .iter()
        .filter_map(|e| match e {
            LogEvent::Scrape { duration, nodes, pods, .. } => Some((*duration, *nodes, *pods)),
            LogEvent::Reconciled { .. } => None,
        })
        .collect()
}

async fn run_metrics(options: &Options) -> anyhow::Result<Value> {
    let (sim, seeded) = seeded_sim(options).await?;
    let port = free_port()?;
    for (group, resource, object) in crate::demo::api_service_objects(port) {
        sim.create(group, resource, object)
            .map_err(|e| anyhow::anyhow!("registering the APIService: {e}"))?;
    }
    // The metrics-server replacement alone, as `manifests/metrics/` deploys it.
    let mut bellows =
        Bellows::spawn(&options.bellows, &options.work_dir, "metrics", port, options.period, options.period)?;
    let pid = bellows.pid();
    let (nodes, pods) = (options.nodes as u64, (options.nodes * options.pods_per_node) as u64);
    let t = Instant::now();
    let limit = Duration::from_secs(120)
        + options.period * 2
        + Duration::from_millis(40) * u32::try_from(options.nodes)?;
    wait_for("a full scrape cycle (every node and pod)", limit, Duration::from_millis(500), || {
        bellows.check_alive()?;
        Ok(scrapes(&bellows.events()).iter().any(|&(_, n, p)| n == nodes && p == pods).then_some(()))
    })
    .await?;
    let first_full_s = t.elapsed();
    let c0 = scrapes(&bellows.events()).len();
    let u0 = usage(Some(pid))?;
    let window_limit = options.period * u32::try_from(options.cycles * 2)? + Duration::from_secs(60);
    wait_for("the measured scrape cycles", window_limit, Duration::from_millis(250), || {
        bellows.check_alive()?;
        Ok((scrapes(&bellows.events()).len() >= c0 + options.cycles).then_some(()))
    })
    .await?;
    let u1 = usage(Some(pid))?;
    let bellows_rss = proc::rss_mib(Pid::Other(pid))?;
    let sim_rss = proc::rss_mib(Pid::Current)?;
    let cycles: Vec<(Duration, u64, u64)> =
        scrapes(&bellows.events()).into_iter().skip(c0).take(options.cycles).collect();
    let incomplete = cycles.iter().filter(|&&(_, n, p)| n != nodes || p != pods).count();
    let durations: Vec<Duration> = cycles.iter().map(|c| c.0).collect();
    let wall = u1.at - u0.at;

    // API latency, directly against bellows as the aggregator calls it.
    let proxy = crate::sim::aggregator::frontproxy::load(sim.cluster())
        .context("the sim's front-proxy client certificate")?;
    let bellows_addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut direct =
        Client::new(bellows_addr, ServerTrust::Skip, proxy.cert, proxy.key, Duration::from_secs(300))?;
    let ns_path = "/apis/metrics.k8s.io/v1beta1/namespaces/bench-1/pods";
    let warm_user = |_: usize| -> Vec<(String, String)> {
        vec![("X-Remote-User".into(), "bench".into()), ("X-Remote-Group".into(), "system:masters".into())]
    };
    let ns_items =
        timed_list(&mut direct, ns_path, &[("X-Remote-User", "bench"), ("X-Remote-Group", "system:masters")])
            .await?;
    let warm = latencies(&mut direct, ns_path, options.requests, &warm_user).await?;
    let cold_user = |i: usize| -> Vec<(String, String)> {
        vec![
            ("X-Remote-User".into(), format!("bench-cold-{i}")),
            ("X-Remote-Group".into(), "system:masters".into()),
        ]
    };
    let cold = latencies(&mut direct, ns_path, options.requests, &cold_user).await?;
    let mut admin = admin_client(&sim)?;
    let aggregated = latencies(&mut admin, ns_path, options.requests, &|_: usize| Vec::new()).await?;
    let headers = [("X-Remote-User", "bench"), ("X-Remote-Group", "system:masters")];
    let mut all_direct = Vec::new();
    for _ in 0..3 {
        all_direct.push(timed_list(&mut direct, "/apis/metrics.k8s.io/v1beta1/pods", &headers).await?);
    }
    let all_nodes = timed_list(&mut direct, "/apis/metrics.k8s.io/v1beta1/nodes", &headers).await?;
    let all_aggregated = timed_list(&mut admin, "/apis/metrics.k8s.io/v1beta1/pods", &[]).await?;
    let sim_list = timed_list(&mut admin, "/api/v1/pods", &[]).await?;
    bellows.check_alive()?;

    let bellows_cpu = cpu_window(u1.bellows - u0.bellows, wall, options.nodes, options.period);
    Ok(json!({
        "mode": "metrics",
        "nodes": options.nodes,
        "pods_per_node": options.pods_per_node,
        "period_s": options.period.as_secs(),
        "sim": seeded,
        "first_full_cycle_after_start_s": round3(first_full_s.as_secs_f64()),
        "window_s": round3(wall.as_secs_f64()),
        "scrape_cycles": duration_summary(&durations),
        "incomplete_cycles": incomplete,
        "bellows_cpu": bellows_cpu,
        "bellows_rss_mib": round3(bellows_rss),
        "bellows_rss_mib_per_node": round3(bellows_rss / options.nodes.max(1) as f64 * 1000.0) / 1000.0,
        "sim_cpu_while_scraped": cpu_window(u1.sim - u0.sim, wall, options.nodes, options.period),
        "sim_rss_mib": round3(sim_rss),
        "api": {
            "namespace_list_items": ns_items["items"],
            "direct_100_pod_namespace_warm": latency_summary(&warm),
            "direct_100_pod_namespace_cold_authz": latency_summary(&cold),
            "aggregated_100_pod_namespace": latency_summary(&aggregated),
            "direct_all_pods": all_direct,
            "direct_all_nodes": all_nodes,
            "aggregated_all_pods": all_aggregated,
            "sim_list_all_pods": sim_list,
        },
    }))
}

fn hpa_key() -> ResourceKey {
    ResourceKey::new("autoscaling", "horizontalpodautoscalers")
}

fn running_pods(sim: &SimHandle) -> usize {
    let (pods, _) = sim.cluster().list(&ResourceKey::new("", "pods"), Some(seed::HPA_NAMESPACE));
    pods.iter()
        .filter(|p| {
            p["status"]["phase"] == "Running"
                && p["status"]["conditions"]
                    .as_array()
                    .is_some_and(|cs| cs.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"))
        })
        .count()
}

/// `name → resourceVersion` of the HPAs that have current metrics in their status.
fn hpas_with_metrics(sim: &SimHandle) -> BTreeMap<String, String> {
    let (hpas, _) = sim.cluster().list(&hpa_key(), Some(seed::HPA_NAMESPACE));
    hpas.iter()
        .filter(|h| h["status"]["currentMetrics"].as_array().is_some_and(|m| !m.is_empty()))
        .filter_map(|h| {
            let name = h["metadata"]["name"].as_str()?.to_owned();
            Some((name, h["metadata"]["resourceVersion"].as_str().unwrap_or_default().to_owned()))
        })
        .collect()
}

async fn run_hpa(options: &Options) -> anyhow::Result<Value> {
    let text = seed::hpa_scenario(options.nodes, options.hpas, options.replicas);
    let scenario = crate::sim::scenario::parse(&text, &options.work_dir).context("the generated scenario")?;
    let t = Instant::now();
    let config = SimConfig {
        scenario: Some(scenario),
        kubeconfig_out: Some(options.work_dir.join("kubeconfig")),
        ..SimConfig::default()
    };
    let sim = Sim::start(config).await.context("starting the sim")?;
    let want = options.hpas * options.replicas;
    wait_for(
        "every Deployment's pods Running and Ready",
        Duration::from_secs(300),
        Duration::from_secs(1),
        || Ok((running_pods(&sim) >= want).then_some(())),
    )
    .await?;
    let pods_ready_s = t.elapsed();
    for i in 0..options.hpas {
        sim.create("autoscaling", "horizontalpodautoscalers", seed::hpa(&format!("w-{i}")))
            .map_err(|e| anyhow::anyhow!("creating HPA w-{i}: {e}"))?;
    }
    let port = free_port()?;
    for (group, resource, object) in crate::demo::api_service_objects(port) {
        sim.create(group, resource, object)
            .map_err(|e| anyhow::anyhow!("registering the APIService: {e}"))?;
    }
    // Metrics and HPA controller in one process (zero-hop metrics), as `bellows run` defaults.
    let mut bellows = Bellows::spawn(
        &options.bellows,
        &options.work_dir,
        "metrics,hpa",
        port,
        options.period,
        options.period,
    )?;
    let pid = bellows.pid();
    let t = Instant::now();
    let limit = Duration::from_secs(120) + options.period * 4;
    wait_for("every HPA showing current metrics in its status", limit, Duration::from_secs(1), || {
        bellows.check_alive()?;
        Ok((hpas_with_metrics(&sim).len() >= options.hpas).then_some(()))
    })
    .await
    .with_context(|| {
        format!("{} of {} HPAs had current metrics", hpas_with_metrics(&sim).len(), options.hpas)
    })?;
    let converged_s = t.elapsed();
    // One more period so that start-up listing is over before the window opens.
    tokio::time::sleep(options.period).await;
    let requests0 = sim.cluster().requests().snapshot();
    let versions0 = hpas_with_metrics(&sim);
    let opened = Timestamp::now();
    let u0 = usage(Some(pid))?;
    tokio::time::sleep(options.period * u32::try_from(options.cycles)?).await;
    let u1 = usage(Some(pid))?;
    let closed = Timestamp::now();
    let requests1 = sim.cluster().requests().snapshot();
    let versions1 = hpas_with_metrics(&sim);
    bellows.check_alive()?;
    let rss = proc::rss_mib(Pid::Other(pid))?;

    let periods = options.cycles as f64;
    let delta = crate::sim::server::requests::delta(&requests0, &requests1);
    let total: u64 = delta.values().sum();
    let per_period: BTreeMap<&String, f64> =
        delta.iter().map(|(k, v)| (k, round3(*v as f64 / periods))).collect();
    // Syncs per period from bellows' log: the distinct HPAs reconciled in each period-long slice.
    let mut slices: Vec<BTreeSet<String>> = vec![BTreeSet::new(); options.cycles];
    let mut syncs = 0usize;
    let period_ns = options.period.as_nanos() as i128;
    for event in bellows.events() {
        if let LogEvent::Reconciled { at, object } = event
            && at >= opened
            && at < closed
        {
            syncs += 1;
            let index = ((at.as_nanosecond() - opened.as_nanosecond()) / period_ns.max(1)) as usize;
            if let Some(slice) = slices.get_mut(index) {
                slice.insert(object);
            }
        }
    }
    let distinct_per_period: Vec<usize> = slices.iter().map(BTreeSet::len).collect();
    let changed = versions1.iter().filter(|(name, rv)| versions0.get(*name) != Some(rv)).count();
    let wall = u1.at - u0.at;
    Ok(json!({
        "mode": "hpa",
        "nodes": options.nodes,
        "hpas": options.hpas,
        "replicas": options.replicas,
        "period_s": options.period.as_secs(),
        "pods_ready_s": round3(pods_ready_s.as_secs_f64()),
        "all_hpas_with_metrics_after_start_s": round3(converged_s.as_secs_f64()),
        "window_s": round3(wall.as_secs_f64()),
        "periods": options.cycles,
        "api_requests_total": total,
        "api_requests_per_period": round3(total as f64 / periods),
        "api_requests_per_period_by_kind": per_period,
        "syncs_logged_per_period": round3(syncs as f64 / periods),
        "distinct_hpas_synced_per_period": distinct_per_period,
        "hpas_with_status_written_in_window": changed,
        "hpas_with_metrics_at_end": versions1.len(),
        "bellows_cpu": cpu_window(u1.bellows - u0.bellows, wall, options.nodes, options.period),
        "bellows_rss_mib": round3(rss),
        "sim_cpu": cpu_window(u1.sim - u0.sim, wall, options.nodes, options.period),
        "sim_rss_mib": round3(proc::rss_mib(Pid::Current)?),
    }))
}
