//! `bellows-bench`: scale benchmarks on the simulated cluster (what `make bench-scale` runs). See
//! `bellows_e2e::bench`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use bellows_e2e::bench::{Mode, Options, run};
use clap::{Parser, ValueEnum};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Which {
    /// The sim alone: start, seeding, idle CPU and memory, listing all pods.
    Sim,
    /// The sim plus bellows' metrics pipeline: scrape cycles, CPU, memory, API latency.
    Metrics,
    /// The sim plus bellows' HPA controller with many HPAs: API calls and CPU per sync period.
    Hpa,
}

#[derive(Debug, Parser)]
#[command(name = "bellows-bench", about = "Scale benchmarks of bellows on the simulated cluster")]
struct Cli {
    /// Which benchmark.
    #[arg(value_enum)]
    which: Which,
    /// Nodes (default: 1000 for sim and metrics, 100 for hpa).
    #[arg(long)]
    nodes: Option<usize>,
    /// Running pods per node (sim, metrics).
    #[arg(long, default_value_t = 30)]
    pods_per_node: usize,
    /// HPAs, each on its own Deployment (hpa).
    #[arg(long, default_value_t = 1000)]
    hpas: usize,
    /// Replicas of each HPA's Deployment (hpa).
    #[arg(long, default_value_t = 2)]
    replicas: usize,
    /// Whole cycles (scrape cycles or HPA sync periods) to measure.
    #[arg(long, default_value_t = 4)]
    cycles: usize,
    /// Seconds per cycle: `--metric-resolution` and `--horizontal-pod-autoscaler-sync-period`.
    #[arg(long, default_value_t = 15)]
    period: u64,
    /// Sequential requests per API latency figure.
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// Write the JSON result here too.
    #[arg(long)]
    out: Option<PathBuf>,
    /// The bellows binary (default: next to this one).
    #[arg(long)]
    bellows: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    let bellows = match cli.bellows {
        Some(path) => path,
        None => std::env::current_exe()
            .context("locating this binary")?
            .with_file_name(format!("bellows{}", std::env::consts::EXE_SUFFIX)),
    };
    anyhow::ensure!(
        bellows.is_file(),
        "{} not found: build it with `cargo build --release -p bellows`",
        bellows.display()
    );
    let mode = match cli.which {
        Which::Sim => Mode::Sim,
        Which::Metrics => Mode::Metrics,
        Which::Hpa => Mode::Hpa,
    };
    anyhow::ensure!(cli.cycles >= 1 && cli.period >= 1, "--cycles and --period must be at least 1");
    let options = Options {
        mode,
        nodes: cli.nodes.unwrap_or(if matches!(mode, Mode::Hpa) { 100 } else { 1000 }),
        pods_per_node: cli.pods_per_node,
        hpas: cli.hpas,
        replicas: cli.replicas,
        cycles: cli.cycles,
        period: Duration::from_secs(cli.period),
        requests: cli.requests,
        bellows,
        work_dir: std::env::temp_dir().join(format!("bellows-bench-{}", std::process::id())),
    };
    let report = run(&options).await?;
    let text = serde_json::to_string_pretty(&report)?;
    println!("{text}");
    if let Some(out) = cli.out {
        std::fs::write(&out, format!("{text}\n")).with_context(|| format!("writing {}", out.display()))?;
    }
    Ok(())
}
