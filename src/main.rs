//! The `bellows` binary: parse the command line, set up logging, dispatch. Nothing else lives here.

use std::process::ExitCode;

use anyhow::Context as _;
use bellows::cli::{Cli, Command, HpaCommand, MetricsCommand, OutputFormat};
use bellows::metrics::cli as metrics;
use bellows::version::VersionInfo;
use clap::Parser as _;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut log = cli.log.clone();
    if matches!(cli.command, Command::Metrics { command: MetricsCommand::Why(_) })
        && !log.log_level.contains("kube")
    {
        // `why` reports a failed request itself; kube's own error line would say it twice.
        log.log_level.push_str(",kube_client=off");
    }
    if let Err(err) = bellows::logging::init(&log) {
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
        Command::Metrics { command: MetricsCommand::Replay(args) } => {
            let replay = metrics::replay::replay_files(&args.node, args.resolution, &args.files)?;
            let served = metrics::replay::served(&replay.store, replay.now());
            println!("{}", serde_json::to_string_pretty(&served).context("serialising the lists")?);
        }
        Command::Metrics { command: MetricsCommand::Why(args) } => {
            let target = metrics::WhyTarget::parse(&args.target)?;
            let (message, json) = if args.access.server.is_some() {
                let answer = runtime()?.block_on(metrics::ask(&target, &args.access))?;
                (answer.message, serde_json::to_string(&answer.document))
            } else {
                let node = args.replay.node.as_deref().unwrap_or_default();
                let replay = metrics::replay::replay_files(node, args.replay.resolution, &args.replay.files)?;
                let explanation = target.explain(&replay.store);
                (explanation.message.clone(), serde_json::to_string(&explanation))
            };
            match args.output {
                OutputFormat::Text => println!("{message}"),
                OutputFormat::Json => println!("{}", json.context("serialising the answer")?),
            }
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
