//! The metrics role's HTTPS side: serving certificate, delegated auth configuration from the
//! `kube-system/extension-apiserver-authentication` config map, and the server task.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use jiff::Timestamp;
use k8s_openapi::api::core::v1::ConfigMap;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::{RunArgs, TelemetryObserver, ZeroHop};
use crate::metrics::api::auth::config::parse_authentication_configmap;
use crate::metrics::api::{Clock, router, why_router};
use crate::metrics::kubelet::HttpKubeletClient;
use crate::metrics::runtime::{MetricsRuntime, kubelet_client_config};
use crate::server::auth::{AuthOptions, DelegatedAuth};
use crate::server::{
    CertReloader, KubeAccessReviewer, KubeTokenReviewer, Telemetry, TlsSetup, apply_authentication_config,
    ensure_self_signed, load_serving_files, metrics_router, secure_app, serve,
};

/// How often the authentication config map is re-read (the CA bundles can rotate).
const AUTH_CONFIG_REFRESH: Duration = Duration::from_secs(30);

/// The wait before the next read of the authentication config map after `failures` consecutive
/// reads that did not configure authentication: the refresh period once configured, else the
/// start-up back-off (1 s, 2 s, … 30 s), so that an API server unreachable at start does not
/// leave front-proxy and client-certificate authentication off for a whole period after it
/// answers.
fn auth_config_delay(failures: u32) -> Duration {
    if failures == 0 { AUTH_CONFIG_REFRESH } else { super::api_check::Backoff::STARTUP.delay(failures) }
}
/// How often serving certificate files are checked for changes.
const CERT_RELOAD_INTERVAL: Duration = Duration::from_secs(5);

/// Serving flags (the generic API server's names, as metrics-server takes them).
#[derive(Debug, Clone, clap::Args)]
pub struct ServingArgs {
    /// Port of the HTTPS server (metrics API, health, /metrics).
    #[arg(long, default_value_t = 10250)]
    pub secure_port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "0.0.0.0")]
    pub bind_address: IpAddr,
    /// Directory for the self-signed serving certificate when no certificate files are given.
    #[arg(long, value_name = "DIR", default_value = "apiserver.local.config/certificates")]
    pub cert_dir: PathBuf,
    /// Serving certificate (PEM); reloaded when it changes.
    #[arg(long, value_name = "FILE", requires = "tls_private_key_file")]
    pub tls_cert_file: Option<PathBuf>,
    /// Serving key (PEM) matching `--tls-cert-file`.
    #[arg(long, value_name = "FILE", requires = "tls_cert_file")]
    pub tls_private_key_file: Option<PathBuf>,
    /// Paths served without authentication or authorization (`*` suffix = prefix).
    #[arg(long, value_delimiter = ',', default_value = "/healthz,/readyz,/livez")]
    pub authorization_always_allow_paths: Vec<String>,
}

/// Starts the metrics runtime and its HTTPS server; returns the in-process source (zero hop).
pub(super) async fn start_metrics(
    args: &RunArgs,
    client: kube::Client,
    kube_config: &kube::Config,
    cancel: CancellationToken,
    tasks: &mut JoinSet<anyhow::Result<()>>,
) -> anyhow::Result<ZeroHop> {
    let config = args.metrics.clone().into_config().context("metrics flags")?;
    let kubelet_config = kubelet_client_config(&config, kube_config, &|p| std::fs::read(p))?;
    let kubelet = HttpKubeletClient::new(&kubelet_config)?;
    let telemetry = Arc::new(Telemetry::new(config.metric_resolution));
    let observer = Arc::new(TelemetryObserver(Arc::clone(&telemetry)));
    let handle = MetricsRuntime::start(client.clone(), &config, kubelet, observer, cancel.clone())?;
    let source = handle.source();
    let clock: Clock = Arc::new(Timestamp::now);
    let app = router(Arc::clone(&source), Arc::clone(&clock), handle.router_config())
        .merge(metrics_router(Arc::clone(&telemetry)))
        .merge(why_router(handle.explainer()));
    tasks.spawn(async move {
        handle.join().await;
        Ok(())
    });

    let serving = &args.serving;
    let now = Timestamp::now();
    let cert = if let (Some(cert), Some(key)) = (&serving.tls_cert_file, &serving.tls_private_key_file) {
        load_serving_files(cert, key, now)?
    } else {
        let (cert, path, _) = ensure_self_signed(&serving.cert_dir, &[], now)?;
        tracing::info!(cert = %path.display(), "serving with a self-signed certificate");
        cert
    };
    let tls = TlsSetup::new(cert);
    if let (Some(cert), Some(key)) = (&serving.tls_cert_file, &serving.tls_private_key_file) {
        let reloader = CertReloader::new(cert.clone(), key.clone(), Arc::clone(&tls.resolver));
        let (clock, cancel) = (Arc::clone(&clock), cancel.clone());
        tasks.spawn(async move {
            reloader.run(CERT_RELOAD_INTERVAL, clock, cancel).await;
            Ok(())
        });
    }
    let options = AuthOptions {
        always_allow_paths: serving.authorization_always_allow_paths.clone(),
        ..AuthOptions::default()
    };
    let auth = Arc::new(DelegatedAuth::new(
        KubeTokenReviewer::new(client.clone(), Vec::new()),
        KubeAccessReviewer::new(client.clone()),
        options,
        Arc::clone(&clock),
    ));
    {
        let (tls, auth, cancel) = (tls.clone(), Arc::clone(&auth), cancel.clone());
        tasks.spawn(async move {
            let api: kube::Api<ConfigMap> = kube::Api::namespaced(client, "kube-system");
            let mut failures = 0_u32;
            loop {
                let configured = match api.get_opt("extension-apiserver-authentication").await {
                    Ok(Some(cm)) => match parse_authentication_configmap(&cm.data.unwrap_or_default()) {
                        Ok(config) => match apply_authentication_config(&tls, &auth, config) {
                            Ok(()) => true,
                            Err(err) => {
                                tracing::error!("extension-apiserver-authentication: {err}");
                                false
                            }
                        },
                        Err(err) => {
                            tracing::error!("extension-apiserver-authentication: {err}");
                            false
                        }
                    },
                    Ok(None) => {
                        tracing::warn!(
                            "configmap kube-system/extension-apiserver-authentication not found: front-proxy and client-certificate authentication are off"
                        );
                        false
                    }
                    Err(err) => {
                        let err = crate::logging::error_chain(&err);
                        tracing::warn!("reading kube-system/extension-apiserver-authentication: {err}");
                        false
                    }
                };
                failures = if configured { 0 } else { failures.saturating_add(1) };
                tokio::select! {
                    () = cancel.cancelled() => return Ok(()),
                    () = tokio::time::sleep(auth_config_delay(failures)) => {}
                }
            }
        });
    }
    let listener = tokio::net::TcpListener::bind((serving.bind_address, serving.secure_port))
        .await
        .with_context(|| format!("listening on {}:{}", serving.bind_address, serving.secure_port))?;
    tracing::info!(address = %listener.local_addr()?, "serving metrics.k8s.io");
    let app = secure_app(app, auth, telemetry);
    tasks.spawn(async move { serve(listener, tls, app, cancel).await.context("metrics API server") });
    Ok(source)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::auth_config_delay;

    #[test]
    fn an_unread_authentication_config_is_retried_with_backoff_then_refreshed_every_30s() {
        let delays: Vec<u64> = (0..=6).map(|n| auth_config_delay(n).as_secs()).collect();
        assert_eq!(delays, [30, 1, 2, 4, 8, 16, 30]);
        assert_eq!(auth_config_delay(u32::MAX), Duration::from_secs(30));
    }
}
