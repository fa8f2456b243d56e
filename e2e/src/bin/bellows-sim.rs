//! `bellows-sim`: run a simulated Kubernetes cluster on loopback.
//!
//! `bellows-sim serve --nodes N --kubeconfig-out PATH [--listen 127.0.0.1:0] [--scenario F]` prints
//! `ready <api-url>` on stdout once serving and runs until SIGINT or SIGTERM.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use bellows_e2e::sim::{Sim, SimConfig};
use clap::{Parser, Subcommand};
use tokio::signal::unix::{SignalKind, signal};

#[derive(Debug, Parser)]
#[command(name = "bellows-sim", version, about = "A simulated Kubernetes cluster over HTTPS on loopback")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the simulated API until SIGINT/SIGTERM.
    Serve {
        /// Number of nodes (`node-1` … `node-N`).
        #[arg(long, default_value_t = 3)]
        nodes: usize,
        /// Where to write the admin kubeconfig.
        #[arg(long)]
        kubeconfig_out: PathBuf,
        /// Listen address (loopback only).
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: SocketAddr,
        /// Scenario file (YAML or JSON; see e2e/scenarios/example.yaml); its node count wins over
        /// `--nodes`.
        #[arg(long)]
        scenario: Option<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { nodes, kubeconfig_out, listen, scenario } => {
            let scenario = scenario
                .map(|path| bellows_e2e::sim::scenario::load(&path))
                .transpose()
                .context("loading the scenario")?;
            let config = SimConfig {
                listen,
                nodes,
                kubeconfig_out: Some(kubeconfig_out),
                scenario,
                ..SimConfig::default()
            };
            let sim = Sim::start(config).await.context("starting bellows-sim")?;
            // Handlers are in place before `ready` is printed, so a signal sent right after it
            // still shuts down cleanly.
            let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
            let mut int = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "ready {}", sim.api_url()).context("writing to stdout")?;
            stdout.flush().context("flushing stdout")?;
            drop(stdout);
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            sim.shutdown().await;
            Ok(())
        }
    }
}
