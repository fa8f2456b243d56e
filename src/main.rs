//! The `bellows` binary: parse the command line, set up logging, dispatch. Nothing else lives here.

use std::process::ExitCode;

use anyhow::Context as _;
use bellows::cli::{Cli, Command, HpaCommand, MetricsCommand, OutputFormat};
use bellows::version::VersionInfo;
use clap::Parser as _;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(err) = bellows::logging::init(&cli.log) {
        eprintln!("bellows: {err}");
        return ExitCode::from(2);
    }
    match run(&cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("bellows: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// A single-threaded runtime for the commands that do network I/O.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the async runtime")
}

fn run(command: &Command) -> anyhow::Result<()> {
    match command {
        Command::Hpa { command: HpaCommand::Plan { input } } => {
            let snapshot = bellows::input::read(input)?;
            let plan = bellows::hpa::plan::plan(&snapshot)?;
            println!("{}", serde_json::to_string_pretty(&plan).context("serialising the plan")?);
        }
        Command::Metrics { command: MetricsCommand::Scrape { source, node, access } } => {
            let batch =
                runtime()?.block_on(bellows::metrics::cli::scrape(source, node.as_deref(), access))?;
            println!("{}", serde_json::to_string_pretty(&batch).context("serialising the batch")?);
        }
        Command::Run(args) => {
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("starting the async runtime")?
                .block_on(bellows::run::run((**args).clone()))?;
        }
        Command::Manifests { component } => {
            print!("{}", bellows::manifests::manifests_yaml(*component).context("rendering manifests")?);
        }
        Command::Crds => print!("{}", bellows::policy::crds_yaml().context("rendering CRDs")?),
        Command::Version { output } => {
            let info = VersionInfo::current();
            match *output {
                OutputFormat::Text => println!("{info}"),
                OutputFormat::Json => {
                    println!("{}", serde_json::to_string(&info).context("serialising version")?);
                }
            }
        }
    }
    Ok(())
}
