//! `bellows run`: wire the roles to a cluster. Glue only — every decision lives in the modules it
//! starts: [`crate::metrics::runtime`] (watches + scrape loop), [`crate::metrics::api`] behind
//! [`crate::server`] (TLS + delegated auth), and [`crate::hpa::controller`].
//!
//! Start-up order: kube client → metrics runtime (if on) → HTTPS server (if metrics on) → HPA
//! controller (if on; reading the in-process store when metrics run here, `metrics.k8s.io`
//! otherwise). SIGINT/SIGTERM cancel everything; the process exits when all roles stopped.
//! An API server that does not answer at start stops nothing: [`api_check`] logs it (address
//! and cause) until it answers, while the roles' watches retry on their own.

pub mod api_check;
pub mod backoff;
pub mod health;
mod observer;
mod serving;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::ValueEnum;
use tokio_util::sync::CancellationToken;

use crate::hpa::controller::ControllerArgs;
use crate::metrics::runtime::MetricsArgs;
pub use serving::ServingArgs;

/// A role of the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Component {
    /// metrics-server replacement: scrape kubelets, serve `metrics.k8s.io`.
    Metrics,
    /// Horizontal pod autoscaler and `AutoscalingPolicy` controller.
    Hpa,
    /// VPA recommender (not implemented yet).
    VpaRecommender,
    /// VPA updater (not implemented yet).
    VpaUpdater,
    /// VPA admission webhook (not implemented yet).
    VpaAdmission,
}

/// Flags of `bellows run`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, then the in-cluster service account).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Roles to run, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "metrics,hpa")]
    pub components: Vec<Component>,
    /// Metrics role flags (metrics-server's names).
    #[command(flatten, next_help_heading = "Metrics")]
    pub metrics: MetricsArgs,
    /// Serving flags of the metrics API.
    #[command(flatten, next_help_heading = "Serving")]
    pub serving: ServingArgs,
    /// HPA controller flags (kube-controller-manager's names).
    #[command(flatten, next_help_heading = "HPA controller")]
    pub hpa: ControllerArgs,
    /// Plain-HTTP health probes (for roles without the HTTPS server).
    #[command(flatten, next_help_heading = "Health")]
    pub health: health::HealthArgs,
}

async fn kube_client(kubeconfig: Option<&PathBuf>) -> anyhow::Result<(kube::Client, kube::Config)> {
    let config = match kubeconfig {
        Some(path) => {
            let file = kube::config::Kubeconfig::read_from(path)
                .with_context(|| format!("reading kubeconfig {}", path.display()))?;
            kube::Config::from_custom_kubeconfig(file, &kube::config::KubeConfigOptions::default())
                .await
                .with_context(|| format!("loading kubeconfig {}", path.display()))?
        }
        None => {
            kube::Config::infer().await.context("finding cluster credentials (kubeconfig or in-cluster)")?
        }
    };
    let client = kube::Client::try_from(config.clone()).context("building the Kubernetes client")?;
    Ok((client, config))
}

/// Cancels `token` on SIGINT or SIGTERM.
fn cancel_on_signal(token: CancellationToken) {
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => {}
            () = term => {}
        }
        tracing::info!("shutting down");
        token.cancel();
    });
}

/// Runs the selected roles until a signal arrives.
pub async fn run(args: RunArgs) -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let unsupported: Vec<_> = args
        .components
        .iter()
        .filter(|c| matches!(c, Component::VpaRecommender | Component::VpaUpdater | Component::VpaAdmission))
        .collect();
    if !unsupported.is_empty() {
        anyhow::bail!("--components: {unsupported:?} not implemented yet (available: metrics, hpa)");
    }
    let cancel = CancellationToken::new();
    cancel_on_signal(cancel.clone());
    let (client, kube_config) = kube_client(args.kubeconfig.as_ref()).await?;
    let mut tasks = tokio::task::JoinSet::new();
    {
        // Only logs (the roles retry on their own): which server, what error, still retrying.
        let (client, cancel, server) = (client.clone(), cancel.clone(), kube_config.cluster_url.to_string());
        tasks.spawn(async move {
            api_check::wait_for_api_server(&server, &client, api_check::Backoff::STARTUP, &cancel).await;
            Ok(())
        });
    }

    let mut zero_hop = None;
    if args.components.contains(&Component::Metrics) {
        let handle =
            serving::start_metrics(&args, client.clone(), &kube_config, cancel.clone(), &mut tasks).await?;
        zero_hop = Some(handle);
    }
    let mut health_state = health::HealthState::default();
    if args.components.contains(&Component::Hpa) {
        let client = client.clone();
        let hpa = args.hpa.clone();
        let cancel = cancel.clone();
        let synced = Arc::new(std::sync::atomic::AtomicBool::new(false));
        health_state.hpa_synced = Some(Arc::clone(&synced));
        tasks.spawn(async move {
            let shutdown = cancel.cancelled_owned();
            Box::pin(crate::hpa::controller::run_reporting(client, &hpa, zero_hop, Some(synced), shutdown))
                .await
                .context("HPA controller")
        });
    }
    if let Some(addr) = args.health.health_probe_bind_address {
        let cancel = cancel.clone();
        tasks.spawn(async move {
            health::serve(addr, health_state, cancel)
                .await
                .with_context(|| format!("health probes on {addr}"))
        });
    }
    let mut first_error = None;
    while let Some(joined) = tasks.join_next().await {
        let result = joined.map_err(anyhow::Error::from).and_then(|r| r);
        if let Err(err) = result {
            tracing::error!("{err:#}");
            cancel.cancel();
            first_error.get_or_insert(err);
        }
    }
    first_error.map_or(Ok(()), Err)
}

pub use observer::TelemetryObserver;

/// The in-process metrics source, shared with the HPA controller (zero hop).
pub type ZeroHop = Arc<dyn crate::metrics::api::source::MetricsSource>;
