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
    /// Resource metrics: decode and replay kubelet payloads offline, explain what is served.
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
    /// Feed kubelet /metrics/resource payloads of one node, oldest first, through the real store
    /// (one scrape cycle per file) and print `{"nodes": NodeMetricsList, "pods": PodMetricsList}`
    /// exactly as the metrics API would serve them after the last one.
    ///
    /// Each file's scrape time is the newest timestamp of its samples (it stamps samples without
    /// one and is the output's creationTimestamp for the last file); a file without any stamped
    /// sample gets the previous file's time plus the resolution. A payload that cannot be decoded
    /// counts as a failed scrape of the node, as in a running bellows.
    Replay(ReplayArgs),
    /// Why a node or a pod is, or is not, served: ask a running bellows (`--server`) or replay
    /// payload files (`--node N FILE...`). Prints a one-line answer (`-o json`: the document).
    /// Exits 0 whenever an answer was obtained, served or not.
    Why(WhyArgs),
}

/// The store's inputs of an offline replay.
#[derive(Debug, Clone, clap::Args)]
pub struct ReplayInput {
    /// The node the payloads were scraped from.
    #[arg(long, value_name = "NAME", required_unless_present = "server")]
    pub node: Option<String>,
    /// Scrape resolution the store assumes (`--metric-resolution`; at least 10s). It only
    /// matters for containers younger than it and for "expected around" times in explanations.
    #[arg(long, value_name = "DURATION", default_value = "15s", value_parser = parse_duration)]
    pub resolution: std::time::Duration,
    /// Kubelet /metrics/resource payload files, oldest first.
    #[arg(value_name = "FILE")]
    pub files: Vec<std::path::PathBuf>,
}

/// `bellows metrics replay`.
#[derive(Debug, Clone, clap::Args)]
pub struct ReplayArgs {
    /// The node the payloads were scraped from.
    #[arg(long, value_name = "NAME")]
    pub node: String,
    /// Scrape resolution the store assumes (`--metric-resolution`; at least 10s). It only
    /// matters for containers younger than it (served from their start time) and for
    /// "expected around" times in explanations.
    #[arg(long, value_name = "DURATION", default_value = "15s", value_parser = parse_duration)]
    pub resolution: std::time::Duration,
    /// Kubelet /metrics/resource payload files, oldest first.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<std::path::PathBuf>,
}

/// `bellows metrics why`.
#[derive(Debug, Clone, clap::Args)]
#[command(group = clap::ArgGroup::new("source").args(["server", "files"]).required(true))]
pub struct WhyArgs {
    /// `NODE` or `NAMESPACE/POD`.
    pub target: String,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// How to reach a running bellows.
    #[command(flatten)]
    pub access: crate::metrics::cli::ServerAccess,
    /// Offline: the payloads to replay instead.
    #[command(flatten)]
    pub replay: ReplayInput,
}

/// Go `time.ParseDuration` for clap.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    crate::goduration::parse(text).map_err(|e| e.to_string())
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

    fn why(args: &[&str]) -> Result<WhyArgs, clap::Error> {
        let argv = ["bellows", "metrics", "why"].into_iter().chain(args.iter().copied());
        match Cli::try_parse_from(argv)?.command {
            Command::Metrics { command: MetricsCommand::Why(args) } => Ok(args),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn replay_takes_node_resolution_and_files_in_order() {
        let cli = Cli::try_parse_from([
            "bellows",
            "metrics",
            "replay",
            "--node",
            "n1",
            "--resolution",
            "1m",
            "b.txt",
            "a.txt",
        ])
        .unwrap();
        let Command::Metrics { command: MetricsCommand::Replay(args) } = cli.command else {
            panic!("not a replay")
        };
        assert_eq!(args.node, "n1");
        assert_eq!(args.resolution, std::time::Duration::from_mins(1));
        assert_eq!(args.files, [std::path::PathBuf::from("b.txt"), "a.txt".into()]);
    }

    #[test]
    fn replay_needs_a_node_and_at_least_one_file() {
        let no_files = Cli::try_parse_from(["bellows", "metrics", "replay", "--node", "n1"]).unwrap_err();
        assert_eq!(no_files.kind(), clap::error::ErrorKind::MissingRequiredArgument);
        let no_node = Cli::try_parse_from(["bellows", "metrics", "replay", "a.txt"]).unwrap_err();
        assert_eq!(no_node.kind(), clap::error::ErrorKind::MissingRequiredArgument);
        let bad =
            Cli::try_parse_from(["bellows", "metrics", "replay", "--node", "n", "--resolution", "5", "a"]);
        assert_eq!(bad.unwrap_err().kind(), clap::error::ErrorKind::ValueValidation);
    }

    #[test]
    fn why_asks_a_server_with_kubeconfig_and_tls_flags() {
        let args = why(&[
            "default/web-1",
            "--server",
            "https://127.0.0.1:8443",
            "--kubeconfig",
            "kc",
            "--insecure-skip-tls-verify",
            "-o",
            "json",
        ])
        .unwrap();
        assert_eq!(args.target, "default/web-1");
        assert_eq!(args.output, OutputFormat::Json);
        assert_eq!(args.access.server.as_deref(), Some("https://127.0.0.1:8443"));
        assert_eq!(args.access.kubeconfig, Some("kc".into()));
        assert!(args.access.insecure_skip_tls_verify);
        assert!(args.replay.files.is_empty());
    }

    #[test]
    fn why_offline_replays_files_of_a_node() {
        let args = why(&["n1", "--node", "n1", "a.txt", "b.txt"]).unwrap();
        assert_eq!(args.replay.node.as_deref(), Some("n1"));
        assert_eq!(args.replay.files.len(), 2);
        assert_eq!(args.output, OutputFormat::Text);
        assert_eq!(args.access.server, None);
    }

    #[test]
    fn why_needs_exactly_one_source_of_answers() {
        use clap::error::ErrorKind;
        assert_eq!(why(&["n1"]).unwrap_err().kind(), ErrorKind::MissingRequiredArgument);
        assert_eq!(why(&["n1", "a.txt"]).unwrap_err().kind(), ErrorKind::MissingRequiredArgument);
        let both = why(&["n1", "--server", "https://127.0.0.1:1", "--node", "n1", "a.txt"]);
        assert_eq!(both.unwrap_err().kind(), ErrorKind::ArgumentConflict);
        let tls = why(&["n1", "--node", "n1", "a.txt", "--insecure-skip-tls-verify"]);
        assert_eq!(tls.unwrap_err().kind(), ErrorKind::ArgumentConflict);
        let kubeconfig = why(&["n1", "--node", "n1", "a.txt", "--kubeconfig", "kc"]);
        assert_eq!(kubeconfig.unwrap_err().kind(), ErrorKind::ArgumentConflict);
        let both_tls = why(&[
            "n1",
            "--server",
            "https://h:1",
            "--certificate-authority",
            "ca.pem",
            "--insecure-skip-tls-verify",
        ]);
        assert_eq!(both_tls.unwrap_err().kind(), ErrorKind::ArgumentConflict);
    }

    #[test]
    fn unknown_log_format_is_rejected() {
        let err = Cli::try_parse_from(["bellows", "--log-format", "xml", "version"]).unwrap_err();
        assert!(err.to_string().contains("xml"), "{err}");
    }
}
