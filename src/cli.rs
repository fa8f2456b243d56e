//! The `bellows` command line (clap derive).
//!
//! This module only describes what the user can say; it performs no I/O and builds no machinery.
//! `main.rs` turns the parsed values into actions. Commands are added here by the change that makes
//! them work, so `bellows --help` never lists a command that is not there.

use clap::{Parser, Subcommand, ValueEnum};

/// bellows: metrics-server, `HorizontalPodAutoscaler` and `VerticalPodAutoscaler` in one binary.
#[derive(Debug, Parser)]
#[command(name = "bellows", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Logging options shared by every command.
    #[command(flatten)]
    pub log: LogArgs,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Logging options. Logs go to stderr; stdout carries only command output.
#[derive(Debug, Clone, clap::Args)]
pub struct LogArgs {
    /// Default log level (error, warn, info, debug, trace) or a full tracing filter such as
    /// `bellows=debug,info`. `RUST_LOG`, when set, takes precedence.
    #[arg(long, global = true, env = "BELLOWS_LOG_LEVEL", default_value = "info")]
    pub log_level: String,
    /// Log line format.
    #[arg(long, global = true, value_enum, env = "BELLOWS_LOG_FORMAT", default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log pipelines.
    Json,
}

/// How a command prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Human-readable text.
    Text,
    /// JSON on one line.
    Json,
}

/// The commands bellows offers.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Horizontal pod autoscaling: offline decisions.
    Hpa {
        /// What to do.
        #[command(subcommand)]
        command: HpaCommand,
    },
    /// Run the suite against a cluster (metrics API and HPA controller by default).
    Run(Box<crate::run::RunArgs>),
    /// Resource metrics: decode kubelet payloads offline.
    Metrics {
        /// What to do.
        #[command(subcommand)]
        command: MetricsCommand,
    },
    /// Print the custom resource definitions bellows installs (the committed crds/ files).
    Crds,
    /// Print the deployment manifests of one component (the committed manifests/ files).
    Manifests {
        /// Which component: `metrics` (manifests/metrics/) or `hpa` (manifests/hpa/).
        #[arg(value_enum, default_value_t = crate::manifests::Component::Metrics)]
        component: crate::manifests::Component,
    },
    /// Print the version, git commit and compiled-in Kubernetes API version.
    Version {
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = OutputFormat::Text)]
        output: OutputFormat,
    },
}

/// `bellows metrics …`.
#[derive(Debug, Subcommand)]
pub enum MetricsCommand {
    /// Fetch (https:// URL) or read (file, `-` for stdin) one kubelet /metrics/resource payload and
    /// print the decoded batch as JSON: integers, no rounding, dropped objects listed with why.
    Scrape {
        /// `https://<node>:10250/metrics/resource`, a file, or `-`.
        source: String,
        /// Node name for the node series (default: the URL's host or the file name without extension).
        #[arg(long)]
        node: Option<String>,
        /// How to reach a kubelet URL.
        #[command(flatten)]
        access: crate::metrics::cli::KubeletAccess,
    },
}

/// `bellows hpa …`.
#[derive(Debug, Subcommand)]
pub enum HpaCommand {
    /// One HPA decision from a snapshot (JSON or YAML; see docs/cli.md): desired replicas,
    /// per-metric proposals, conditions, events and reasons, exactly as the controller decides.
    Plan {
        /// The snapshot file, or `-` for stdin.
        #[arg(long, short)]
        input: std::path::PathBuf,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn version_accepts_json_output() {
        let cli = Cli::try_parse_from(["bellows", "version", "-o", "json"]).unwrap();
        assert!(matches!(cli.command, Command::Version { output: OutputFormat::Json }));
    }

    #[test]
    fn log_flags_are_global_and_default_to_info_text() {
        let cli = Cli::try_parse_from(["bellows", "version", "--log-format", "json"]).unwrap();
        assert_eq!(cli.log.log_format, LogFormat::Json);
        assert_eq!(cli.log.log_level, "info");
    }

    #[test]
    fn unknown_log_format_is_rejected() {
        let err = Cli::try_parse_from(["bellows", "--log-format", "xml", "version"]).unwrap_err();
        assert!(err.to_string().contains("xml"), "{err}");
    }
}
