//! The metrics component at run time: watches, the scrape loop and the API's data source.
//!
//! ```text
//! API server ──watch nodes──────────────▶ index::SharedIndex<Node> ──┬─▶ scrape_loop (targets)
//!            ──watch pod metadata───────▶ index::SharedIndex<Pod…> ──┤
//!              (status.phase=Running)                                 │
//! kubelets ◀──scrape_cycle every resolution── scrape_loop ──publish──▶ shared::StoreWriter
//!                                                                     │
//!            source::StoreSource (MetricsSource) ◀── StoreReader ◀───┘ ──▶ api::router
//! ```
//!
//! [`MetricsRuntime::start`] is the only function that needs a cluster; it only spawns the three
//! tasks (node watch, pod watch, scrape loop) that the other modules define and test with
//! in-memory data. Startup never fails on an unreachable API server: the watches retry with
//! kube's default backoff and log each failure; the scrape loop starts once nodes are listed;
//! `/readyz` reports the unsynced caches meanwhile, and `/livez` passes (no tick yet).

pub mod config;
pub mod index;
pub mod kubelet_config;
pub mod scrape_loop;
pub mod shared;
pub mod source;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use k8s_openapi::api::core::v1::{Node, Pod};
use kube::Api;
use kube::core::PartialObjectMeta;
use kube::runtime::WatchStreamExt as _;
use kube::runtime::watcher::{self, watcher};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use config::{ConfigError, MetricsArgs, MetricsConfig};
pub use index::{NodeIndex, PodIndex, PodMeta, SharedIndex, WatchIndex};
pub use kubelet_config::{KubeletConfigError, kubelet_client_config};
pub use scrape_loop::{CycleReport, NodeObservation, NoopObserver, ScrapeLoop, ScrapeObserver};
pub use shared::{StoreReader, StoreWriter, store_channel};
pub use source::StoreSource;

use crate::metrics::api::{Clock, MetricsSource, RouterConfig};
use crate::metrics::scraper::KubeletClient;
use crate::run::backoff::WatchBackoff;

/// The field selector of the pod metadata watch (only running pods are served).
pub const RUNNING_PODS: &str = "status.phase=Running";

/// Why the runtime could not start.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The configuration breaks a rule (callers normally validate earlier).
    #[error("invalid metrics configuration: {0}")]
    Config(#[from] ConfigError),
    /// `start` was called outside a tokio runtime, so no task could be spawned.
    #[error("the metrics runtime must be started inside a tokio runtime")]
    NoTokioRuntime,
}

/// The running metrics component.
#[derive(Debug)]
pub struct MetricsHandle {
    source: Arc<StoreSource>,
    store: StoreReader,
    nodes: SharedIndex<Node>,
    pods: SharedIndex<PartialObjectMeta<Pod>>,
    router: RouterConfig,
    tasks: Vec<JoinHandle<()>>,
}

impl MetricsHandle {
    /// The API router's data source.
    pub fn source(&self) -> Arc<dyn MetricsSource> {
        Arc::clone(&self.source) as Arc<dyn MetricsSource>
    }

    /// The router settings matching the configuration (resolution, node selector).
    pub fn router_config(&self) -> RouterConfig {
        self.router.clone()
    }

    /// The explanations `/why/…` serves: the store's, corrected by the watches.
    pub fn explainer(&self) -> Arc<dyn crate::metrics::api::why::ExplainSource> {
        Arc::clone(&self.source) as Arc<dyn crate::metrics::api::why::ExplainSource>
    }

    /// The published store, for in-process consumers (HPA, VPA recommender).
    pub fn store(&self) -> StoreReader {
        self.store.clone()
    }

    /// Resolves once both the node and the pod caches are complete.
    pub async fn wait_synced(&self) {
        self.nodes.wait_synced().await;
        self.pods.wait_synced().await;
    }

    /// Waits for the tasks to end (after the cancellation token fired).
    pub async fn join(self) {
        for task in self.tasks {
            if let Err(error) = task.await
                && error.is_panic()
            {
                tracing::error!(%error, "A metrics task panicked");
            }
        }
    }
}

/// Entry point of the metrics component.
#[derive(Debug, Clone, Copy)]
pub struct MetricsRuntime;

impl MetricsRuntime {
    /// Starts the node and pod watches and the scrape loop; returns at once.
    ///
    /// Everything stops when `cancel` fires; [`MetricsHandle::join`] waits for that.
    pub fn start<K: KubeletClient>(
        client: kube::Client,
        config: &MetricsConfig,
        kubelet: K,
        observer: Arc<dyn ScrapeObserver>,
        cancel: CancellationToken,
    ) -> Result<MetricsHandle, RuntimeError> {
        if let Some(error) = config.validate().into_iter().next() {
            return Err(error.into());
        }
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| RuntimeError::NoTokioRuntime)?;
        let nodes = SharedIndex::<Node>::new();
        let pods = SharedIndex::new();
        let (writer, reader) = store_channel(config.metric_resolution);
        tracing::info!("Waiting for the node and pod caches to sync");

        let node_stream = watcher(Api::<Node>::all(client.clone()), watcher::Config::default())
            .backoff(WatchBackoff::standard());
        // `Api<PartialObjectMeta<_>>` makes the watcher request metadata only.
        let pod_stream = watcher(
            Api::<PartialObjectMeta<Pod>>::all(client),
            watcher::Config::default().fields(RUNNING_PODS),
        )
        .backoff(WatchBackoff::standard());
        let clock: Clock = Arc::new(jiff::Timestamp::now);
        let scrape = ScrapeLoop {
            client: Arc::new(kubelet),
            nodes: nodes.clone(),
            node_selector: config.node_selector.clone(),
            target: config.target_config(),
            cycle: config.cycle_config(),
            store: writer,
            observer,
            clock,
        };
        let tasks = vec![
            runtime.spawn(index::drive(node_stream, nodes.clone(), "nodes", cancel.clone())),
            runtime.spawn(index::drive(pod_stream, pods.clone(), "pods", cancel.clone())),
            runtime.spawn(scrape.run(cancel)),
        ];
        let source = Arc::new(StoreSource::new(reader.clone(), nodes.clone(), pods.clone()));
        Ok(MetricsHandle { source, store: reader, nodes, pods, router: config.router_config(), tasks })
    }
}
