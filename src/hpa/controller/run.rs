//! The loop: watches feed caches and the work queue, bounded workers reconcile, every key comes
//! back one sync period later.
//!
//! HPAs and policies are watched with reflectors (their stores are what workers read), pods with a
//! reflector whose store backs [`StorePods`]. A watch event enqueues a key immediately when the
//! object is new or its `metadata.generation` changed (a spec edit); status-only updates, including
//! our own writes, wait for the resync, so our writes never trigger a hot loop.
//!
//! The keys of a (re-)list are enqueued only at its `InitDone`: the reflector's store swaps a list
//! in at `InitDone`, and a list arrives in pages (500 objects each), so a key handed to a worker
//! earlier is not yet in the store, and a worker treats an object missing from the store as
//! deleted and drops its key for good.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use futures::{Stream, StreamExt};
use jiff::Timestamp;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::Pod;
use kube::runtime::WatchStreamExt as _;
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::watcher::{self, Event as WatchEvent};
use kube::{Api, Client, Resource};

use super::clients::{AutoscalerKind, ObjectKey};
use super::kubeio::{
    CustomMetricsApi, Discovery, ExternalMetricsApi, KubeEvents, KubeScale, KubeStatus, MetricsApi,
    StorePods, ZeroHopMetrics,
};
use super::queue::SharedQueue;
use super::{Clients, Config, Context, ControllerArgs, autoscaler, leader, reconcile};
use crate::metrics::api::source::MetricsSource;
use crate::policy::AutoscalingPolicy;
use crate::run::backoff::WatchBackoff;

#[cfg(test)]
mod tests;

/// Why the controller stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Leader election could not start.
    #[error(transparent)]
    Leader(#[from] leader::LeaderError),
}

impl Clients {
    /// The `kube::Client` ports. Resource metrics come from `zero_hop` when the metrics component
    /// runs in this process, else from `metrics.k8s.io`.
    pub fn from_client(client: &Client, pods: Store<Pod>, zero_hop: Option<Arc<dyn MetricsSource>>) -> Self {
        let discovery = Discovery::new(client.clone());
        let instance = std::env::var("POD_NAME").ok();
        Self {
            scale: Arc::new(KubeScale::new(client.clone(), discovery.clone())),
            pods: Arc::new(StorePods(pods)),
            resource_metrics: match zero_hop {
                Some(source) => Arc::new(ZeroHopMetrics(source)),
                None => Arc::new(MetricsApi(client.clone())),
            },
            custom_metrics: Arc::new(CustomMetricsApi::new(client.clone(), discovery)),
            external_metrics: Arc::new(ExternalMetricsApi(client.clone())),
            status: Arc::new(KubeStatus(client.clone())),
            events: Arc::new(KubeEvents::new(client.clone(), instance)),
        }
    }
}

fn key_of<K: Resource>(kind: AutoscalerKind, obj: &K) -> ObjectKey {
    let meta = obj.meta();
    ObjectKey {
        kind,
        namespace: meta.namespace.clone().unwrap_or_else(|| "default".to_owned()),
        name: meta.name.clone().unwrap_or_default(),
    }
}

/// Turns one watch stream into queue operations.
async fn drive<K, S>(kind: AutoscalerKind, stream: S, queue: Arc<SharedQueue<ObjectKey>>, ctx: Arc<Context>)
where
    K: Resource + Clone,
    S: Stream<Item = Result<WatchEvent<K>, watcher::Error>>,
{
    let mut generations: HashMap<ObjectKey, Option<i64>> = HashMap::new();
    // Keys of the list in progress, enqueued once the store holds the whole list. Kept across a
    // list that failed half-way: `generations` already has them, so the retry would skip them.
    let mut listed: Vec<ObjectKey> = Vec::new();
    let mut last_error: Option<(String, std::time::Instant)> = None;
    let mut stream = std::pin::pin!(stream);
    while let Some(event) = stream.next().await {
        match event {
            Ok(WatchEvent::Apply(obj)) => {
                let key = key_of(kind, &obj);
                let generation = obj.meta().generation;
                if generations.insert(key.clone(), generation) != Some(generation) {
                    queue.add(key);
                }
            }
            Ok(WatchEvent::InitApply(obj)) => {
                let key = key_of(kind, &obj);
                let generation = obj.meta().generation;
                if generations.insert(key.clone(), generation) != Some(generation) {
                    listed.push(key);
                }
            }
            Ok(WatchEvent::Init) => {}
            Ok(WatchEvent::InitDone) => {
                for key in listed.drain(..) {
                    queue.add(key);
                }
            }
            Ok(WatchEvent::Delete(obj)) => {
                let key = key_of(kind, &obj);
                generations.remove(&key);
                queue.lock().forget(&key);
                ctx.forget(&key);
            }
            Err(err) => {
                // A retrying watch repeats the same error every backoff step: say it once a minute.
                let text = err.to_string();
                let repeated = last_error.as_ref().is_some_and(|(last, at)| {
                    *last == text && at.elapsed() < std::time::Duration::from_mins(1)
                });
                if !repeated {
                    if kind == AutoscalerKind::Policy && text.contains("404") {
                        tracing::warn!(
                            "AutoscalingPolicy CRD not installed (apply crds/): policies are ignored until it is; {text}"
                        );
                    } else {
                        tracing::warn!(?kind, "watch error: {text}");
                    }
                    last_error = Some((text, std::time::Instant::now()));
                }
            }
        }
    }
}

/// One worker: take a key, reconcile the cached object, requeue after a sync period.
async fn work(
    ctx: Arc<Context>,
    queue: Arc<SharedQueue<ObjectKey>>,
    hpas: Store<HorizontalPodAutoscaler>,
    policies: Store<AutoscalingPolicy>,
) {
    let period = ctx.config.sync_period.unsigned_abs();
    while let Some(key) = queue.next().await {
        let object = ObjectRef::new(&key.name).within(&key.namespace);
        let view = match key.kind {
            AutoscalerKind::Hpa => hpas.get(&object).map(|h| autoscaler::from_hpa(&h)),
            AutoscalerKind::Policy => {
                let obj = ObjectRef::<AutoscalingPolicy>::new(&key.name).within(&key.namespace);
                policies.get(&obj).and_then(|p| autoscaler::from_policy(&p))
            }
        };
        let Some(view) = view else {
            // Deleted (or a policy without a horizontal part): forget it, do not requeue.
            ctx.forget(&key);
            queue.done(&key);
            continue;
        };
        match reconcile(&ctx, &view, Timestamp::now()).await {
            Ok(outcome) => tracing::debug!(object = %key, ?outcome, "reconciled"),
            Err(err) => tracing::warn!(object = %key, "{err}"),
        }
        queue.done(&key);
        queue.add_after(key, period);
    }
}

/// Runs the controller until `shutdown` completes. `zero_hop` is the in-process metrics source
/// when the metrics component runs in this process.
pub async fn run(
    client: Client,
    args: &ControllerArgs,
    zero_hop: Option<Arc<dyn MetricsSource>>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), RunError> {
    run_reporting(client, args, zero_hop, None, shutdown).await
}

/// [`run`], also setting `synced` once the HPA and pod watches have delivered their first list
/// (for a readiness probe).
pub async fn run_reporting(
    client: Client,
    args: &ControllerArgs,
    zero_hop: Option<Arc<dyn MetricsSource>>,
    synced: Option<Arc<std::sync::atomic::AtomicBool>>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), RunError> {
    let config = Config::from(args);
    let (pods, pod_writer) = reflector::store::<Pod>();
    let (hpas, hpa_writer) = reflector::store::<HorizontalPodAutoscaler>();
    if let Some(flag) = synced {
        let (pods, hpas) = (pods.clone(), hpas.clone());
        tokio::spawn(async move {
            if hpas.wait_until_ready().await.is_ok() && pods.wait_until_ready().await.is_ok() {
                flag.store(true, std::sync::atomic::Ordering::Release);
            }
        });
    }
    let (policies, policy_writer) = reflector::store::<AutoscalingPolicy>();
    let ctx = Arc::new(Context::new(Clients::from_client(&client, pods, zero_hop), config));
    let queue = Arc::new(SharedQueue::default());

    let mut election = None;
    if args.leader_elect {
        let namespace = args.leader_elect_namespace.clone().unwrap_or_else(|| "default".to_owned());
        let identity = std::env::var("POD_NAME")
            .or_else(|_| std::env::var("HOSTNAME"))
            .unwrap_or_else(|_| format!("bellows-{}", std::process::id()));
        election = Some(leader::elect(client.clone(), &namespace, &identity, ctx.leader_flag()).await?);
    }

    let pod_stream = reflector::reflector(
        pod_writer,
        watcher(Api::<Pod>::all(client.clone()))
            .backoff(WatchBackoff::standard())
            .modify(crate::hpa::snapshot::slim_pod),
    )
    .for_each(|event| async move {
        if let Err(err) = event {
            tracing::warn!("pod watch error: {err}");
        }
    });
    let hpa_stream = reflector::reflector(
        hpa_writer,
        watcher(Api::<HorizontalPodAutoscaler>::all(client.clone())).backoff(WatchBackoff::standard()),
    );
    let policy_stream = reflector::reflector(
        policy_writer,
        watcher(Api::<AutoscalingPolicy>::all(client.clone())).backoff(WatchBackoff::standard()),
    );
    // Boxed: the three watch state machines together are large (clippy::large_futures).
    let drivers = Box::pin(futures::future::join3(
        pod_stream,
        drive(AutoscalerKind::Hpa, hpa_stream, Arc::clone(&queue), Arc::clone(&ctx)),
        drive(AutoscalerKind::Policy, policy_stream, Arc::clone(&queue), Arc::clone(&ctx)),
    ));
    let workers =
        futures::future::join_all((0..config.concurrent_syncs).map(|_| {
            tokio::spawn(work(Arc::clone(&ctx), Arc::clone(&queue), hpas.clone(), policies.clone()))
        }));

    tokio::select! {
        () = shutdown => {}
        _ = drivers => tracing::warn!("watches ended"),
    }
    queue.shut_down();
    let _ = workers.await;
    if let Some(task) = election {
        task.abort();
    }
    Ok(())
}

fn watcher<K>(api: Api<K>) -> impl Stream<Item = Result<WatchEvent<K>, watcher::Error>>
where
    K: Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug + Send + 'static,
{
    watcher::watcher(api, watcher::Config::default())
}
