//! `bellows-demo`: what `make demo` runs. See `bellows_e2e::demo`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use bellows_e2e::demo::{DemoOptions, run};
use clap::Parser;

#[derive(Debug, Parser)]
#[command(name = "bellows-demo", about = "Watch bellows autoscale a Deployment on the simulated cluster")]
struct Cli {
    /// Scenario file.
    #[arg(long, default_value = "e2e/scenarios/demo.yaml")]
    scenario: PathBuf,
    /// Output directory.
    #[arg(long, default_value = "out/demo")]
    out: PathBuf,
    /// The bellows binary (default: next to this one).
    #[arg(long)]
    bellows: Option<PathBuf>,
    /// Seconds to run.
    #[arg(long, default_value_t = 160)]
    seconds: u64,
    /// CRD file to install.
    #[arg(long, default_value = "crds/autoscalingpolicies.autoscaling.bellows.dev.yaml")]
    crds: PathBuf,
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
    let crds = cli.crds.exists().then_some(cli.crds);
    run(DemoOptions {
        scenario: cli.scenario,
        out: cli.out,
        bellows,
        duration: Duration::from_secs(cli.seconds),
        crds,
    })
    .await?;
    Ok(())
}
