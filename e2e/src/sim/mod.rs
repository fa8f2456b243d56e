//! `bellows-sim`: a simulated Kubernetes API server over real HTTPS on loopback, good enough for
//! `kubectl` and client libraries.
//!
//! Shape: one object [`store`] behind a [`cluster::Cluster`] (store + [`resources`] table +
//! change signal); generic HTTP [`server`] handlers for every verb driven by the resource table;
//! a fresh [`pki`] per run; a [`kubeconfig`] with admin credentials. [`Sim::start`] wires them up
//! and returns a [`SimHandle`]. Everything listens on 127.0.0.0/8 only.

pub mod admission;
pub mod aggregator;
pub mod auth;
pub mod builtin;
pub mod certinfo;
pub mod cluster;
pub mod controllers;
pub mod defaults;
pub mod insecure;
pub mod kubeconfig;
pub mod kubelet;
pub mod nodes;
pub mod patch;
pub mod pki;
pub mod resources;
pub mod scenario;
pub mod schema;
pub mod selector;
pub mod server;
pub mod status;
pub mod store;
pub mod subresources;
pub mod table;
pub mod views;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use self::cluster::Cluster;
use self::pki::{IssuedCert, Pki, PkiError};
use self::server::{ApiState, Settings, TlsSetupError};
use self::status::ApiError;
use self::store::ResourceKey;

/// How to start a sim.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Listen address; must be on 127.0.0.0/8 (port 0 picks a free port).
    pub listen: SocketAddr,
    /// Number of Node objects to create (`node-1`…).
    pub nodes: usize,
    /// Where to write the kubeconfig, if anywhere.
    pub kubeconfig_out: Option<PathBuf>,
    /// Interval between watch bookmarks.
    pub bookmark_interval: Duration,
    /// Lifetime of a watch without `timeoutSeconds`.
    pub watch_timeout: Duration,
    /// Watch events kept per resource (older versions get 410 Expired).
    pub watch_log_capacity: usize,
    /// Scenario to load: its node count replaces `nodes` (see [`scenario`]).
    pub scenario: Option<scenario::Scenario>,
    /// Whether every node gets an HTTPS kubelet (see [`kubelet`]).
    pub kubelets: bool,
    /// Controllers (Deployments, `ReplicaSets`, scheduler, pod lifecycle, deletion, GC; see [`controllers`]).
    pub controllers: controllers::ControllerSettings,
}

impl Default for SimConfig {
    fn default() -> Self {
        let settings = Settings::default();
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            nodes: 0,
            kubeconfig_out: None,
            bookmark_interval: settings.bookmark_interval,
            watch_timeout: settings.watch_timeout,
            watch_log_capacity: store::DEFAULT_LOG_CAPACITY,
            scenario: None,
            kubelets: true,
            controllers: controllers::ControllerSettings::default(),
        }
    }
}

/// Failures starting a sim.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The listen address is not on loopback.
    #[error("refusing to listen on {0}: bellows-sim only listens on 127.0.0.0/8")]
    NotLoopback(SocketAddr),
    /// Binding the listener failed.
    #[error("binding {addr}: {source}")]
    Bind {
        /// Address.
        addr: SocketAddr,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// Certificates could not be made.
    #[error(transparent)]
    Pki(#[from] PkiError),
    /// TLS could not be configured.
    #[error(transparent)]
    Tls(#[from] TlsSetupError),
    /// Starting the kubelets failed.
    #[error(transparent)]
    Kubelet(#[from] kubelet::server::KubeletError),
    /// Seeding namespaces or nodes failed.
    #[error("seeding the cluster: {0}")]
    Seed(#[source] ApiError),
    /// Writing the kubeconfig failed.
    #[error("writing the kubeconfig to {path}: {source}")]
    WriteKubeconfig {
        /// Path.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
}

/// Entry point.
#[derive(Debug)]
pub struct Sim;

impl Sim {
    /// Start a sim: PKI, seed objects, HTTPS listener, kubeconfig.
    pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
        // Another part of the process may have installed a provider already; ring is used explicitly anyway.
        let _ = rustls::crypto::ring::default_provider().install_default();
        if !config.listen.ip().is_loopback() || !config.listen.is_ipv4() {
            return Err(SimError::NotLoopback(config.listen));
        }
        // Scenario time 0 of the API faults (the kubelets' clock starts a moment later).
        let started = std::time::Instant::now();
        let pki = Pki::generate()?;
        let serving = pki.issue_server(&["localhost", "127.0.0.1"])?;
        let admin = pki.issue_client("admin", &["system:masters"])?;
        let tls = server::tls_config(pki.ca_der(), &serving)?;

        let cluster = Arc::new(Cluster::new(config.watch_log_capacity));
        seed(&cluster, config.node_count()).map_err(SimError::Seed)?;
        auth::bootstrap::seed(&cluster).map_err(SimError::Seed)?;
        aggregator::frontproxy::seed(&cluster, pki.ca_pem()).map_err(SimError::Seed)?;

        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|source| SimError::Bind { addr: config.listen, source })?;
        let addr = listener.local_addr().map_err(|source| SimError::Bind { addr: config.listen, source })?;
        let api_url = format!("https://{addr}");
        let kubeconfig_yaml = kubeconfig::render(&api_url, pki.ca_pem(), &admin.cert_pem, &admin.key_pem);
        let admin_token = auth::token::static_admin_token(&cluster).map_err(SimError::Seed)?;
        let kubeconfig_yaml = auth::token::kubeconfig_with_token_user(&kubeconfig_yaml, &admin_token);
        if let Some(path) = &config.kubeconfig_out {
            std::fs::write(path, &kubeconfig_yaml)
                .map_err(|source| SimError::WriteKubeconfig { path: path.clone(), source })?;
        }
        let settings =
            Settings { bookmark_interval: config.bookmark_interval, watch_timeout: config.watch_timeout };
        let api_faults = Arc::new(server::faults::ApiFaults::new(started));
        if let Some(s) = &config.scenario {
            api_faults.add_scripted(s.api_faults.clone());
        }
        let state = Arc::new(ApiState {
            cluster: Arc::clone(&cluster),
            settings,
            server_address: addr.to_string(),
            faults: Arc::clone(&api_faults),
        });
        let (shutdown, shutdown_rx) = watch::channel(false);
        tokio::spawn(auth::controller::run(Arc::clone(&cluster), shutdown_rx.clone()));
        tokio::spawn(aggregator::probe::run(Arc::clone(&cluster), shutdown_rx.clone()));
        let kubelets = kubelet::launch::launch(&cluster, &pki, &config, &shutdown_rx).await?;
        let controllers = tokio::spawn(controllers::run(
            Arc::clone(&cluster),
            config.controllers.clone(),
            shutdown_rx.clone(),
        ));
        let task = tokio::spawn(async move {
            server::serve(listener, tls, state, shutdown_rx).await;
            let _ = controllers.await;
        });
        Ok(SimHandle {
            api_url,
            kubeconfig_path: config.kubeconfig_out,
            kubeconfig_yaml,
            pki,
            admin,
            cluster,
            kubelets,
            api_faults,
            shutdown,
            task: Some(task),
        })
    }
}

fn seed(cluster: &Cluster, nodes: usize) -> Result<(), ApiError> {
    let ns = ResourceKey::new("", "namespaces");
    for name in nodes::STANDARD_NAMESPACES {
        cluster.create(&ns, nodes::namespace(name), false)?;
    }
    let node_key = ResourceKey::new("", "nodes");
    for i in 1..=nodes {
        cluster.create(&node_key, nodes::node(i, server::discovery::GIT_VERSION), false)?;
    }
    Ok(())
}

/// A running sim. Dropping it stops the server (without waiting); [`SimHandle::shutdown`] waits.
#[derive(Debug)]
pub struct SimHandle {
    api_url: String,
    kubeconfig_path: Option<PathBuf>,
    kubeconfig_yaml: String,
    pki: Pki,
    admin: IssuedCert,
    cluster: Arc<Cluster>,
    kubelets: Arc<kubelet::Kubelets>,
    api_faults: Arc<server::faults::ApiFaults>,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl SimHandle {
    /// `https://127.0.0.1:<port>`.
    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// Where the kubeconfig was written, if it was.
    pub fn kubeconfig_path(&self) -> Option<&Path> {
        self.kubeconfig_path.as_deref()
    }

    /// The kubeconfig YAML.
    pub fn kubeconfig_yaml(&self) -> &str {
        &self.kubeconfig_yaml
    }

    /// The cluster CA certificate (PEM).
    pub fn ca_pem(&self) -> &str {
        self.pki.ca_pem()
    }

    /// The cluster CA certificate (DER), for building TLS clients.
    pub fn ca_der(&self) -> &rustls_pki_types::CertificateDer<'static> {
        self.pki.ca_der()
    }

    /// The admin client certificate and key (CN `admin`, O `system:masters`).
    pub fn admin_cert(&self) -> &IssuedCert {
        &self.admin
    }

    /// A new client certificate for `user` in `groups`, signed by the cluster CA.
    pub fn issue_client_cert(&self, user: &str, groups: &[&str]) -> Result<IssuedCert, PkiError> {
        self.pki.issue_client(user, groups)
    }

    /// In-process access to the objects (writes go through the same code as API writes).
    pub fn cluster(&self) -> &Arc<Cluster> {
        &self.cluster
    }

    /// Wall-clock seconds the kubelets' last advance of the load model took (the model advances
    /// about once a second; scrapes wait for it when it is stale).
    pub fn kubelet_advance_seconds(&self) -> f64 {
        self.kubelets.last_advance_seconds()
    }

    /// Create an object in-process (its metadata names the namespace).
    pub fn create(&self, group: &str, resource: &str, obj: Value) -> Result<Value, ApiError> {
        self.cluster.create(&ResourceKey::new(group, resource), obj, false)
    }

    /// Read an object in-process.
    pub fn get(&self, group: &str, resource: &str, namespace: &str, name: &str) -> Option<Value> {
        self.cluster.get(&ResourceKey::new(group, resource), namespace, name)
    }

    /// Stop the server and wait for it to finish.
    pub async fn shutdown(mut self) {
        self.shutdown.send_replace(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
    }
}
