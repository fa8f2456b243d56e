//! `kube::Client` implementations of the I/O traits.
//!
//! - [`KubeScale`]: `scaleTargetRef` → resource through discovery (cached per apiVersion/kind),
//!   then raw `GET`/`PUT` of `…/{name}/scale`, so any kind with a scale subresource works, CRDs too.
//! - [`StorePods`]: pods from a reflector store (fed by a watch, never a LIST per sync).
//! - [`ZeroHopMetrics`] (the in-process metrics store) and [`MetricsApi`] (`metrics.k8s.io`).
//! - [`CustomMetricsApi`] (`custom.metrics.k8s.io/v1beta2`) and [`ExternalMetricsApi`]
//!   (`external.metrics.k8s.io/v1beta1`), with hand-written serde types and upstream's error texts.
//! - [`KubeStatus`]: merge patches of `/status` and of annotations, field manager `bellows`.
//! - [`KubeEvents`]: `kube::runtime::events::Recorder` (reporting controller
//!   `horizontal-pod-autoscaler`), which aggregates repeats into event series.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use futures::future::{BoxFuture, FutureExt};
use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::autoscaling::v1 as scale_v1;
use k8s_openapi::api::autoscaling::v2::{HorizontalPodAutoscaler, HorizontalPodAutoscalerStatus};
use k8s_openapi::api::core::v1::{ObjectReference, Pod};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, ApiResource, DynamicObject, Patch, PatchParams};
use kube::core::{GroupVersion, GroupVersionKind};
use kube::runtime::events::{Event as KubeEvent, EventType, Recorder, Reporter};
use kube::runtime::reflector::Store;
use kube::{Client, Resource};
use serde::Deserialize;

use super::clients::{
    AutoscalerKind, ClientError, CustomMetrics, DescribedObject, EventObject, EventRecorder, ExternalMetrics,
    PodLister, ResourceMetrics, Scale, ScaleClient, StatusWriter, TargetRef,
};
use super::ownership::FIELD_MANAGER;
use crate::hpa::calc::{ContainerUsage, PerPodSamples, PodMetricSample, PodUsage, ResourceList};
use crate::hpa::sync::Event;
use crate::metrics::api::source::MetricsSource;
use crate::policy::{AutoscalingPolicy, AutoscalingPolicyStatus};
use crate::selectors::LabelSelector;

/// The reporting controller of our events, as upstream's.
pub const EVENT_COMPONENT: &str = "horizontal-pod-autoscaler";

fn api_error(resource: &str, err: kube::Error) -> ClientError {
    match err {
        kube::Error::Api(status) if status.code == 409 => {
            ClientError::Conflict { resource: resource.to_owned(), message: status.message.clone() }
        }
        kube::Error::Api(status) if status.code == 404 => {
            ClientError::NotFound { resource: resource.to_owned(), message: status.message.clone() }
        }
        other => ClientError::Api(other.to_string()),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Resolves `apiVersion` + `kind` to a resource, caching answers (discovery is expensive).
#[derive(Clone)]
pub struct Discovery {
    client: Client,
    cache: Arc<Mutex<HashMap<(String, String), ApiResource>>>,
}

impl Discovery {
    /// Discovery over `client`.
    pub fn new(client: Client) -> Self {
        Self { client, cache: Arc::default() }
    }

    /// The resource serving `kind` in `api_version`.
    pub async fn resolve(&self, api_version: &str, kind: &str) -> Result<ApiResource, ClientError> {
        let key = (api_version.to_owned(), kind.to_owned());
        if let Some(ar) = lock(&self.cache).get(&key) {
            return Ok(ar.clone());
        }
        let discovery = |message: String| ClientError::Discovery {
            api_version: api_version.to_owned(),
            kind: kind.to_owned(),
            message,
        };
        let gv: GroupVersion = api_version
            .parse()
            .map_err(|e: kube::core::gvk::ParseGroupVersionError| discovery(e.to_string()))?;
        let gvk = GroupVersionKind::gvk(&gv.group, &gv.version, kind);
        let (ar, _caps) =
            kube::discovery::pinned_kind(&self.client, &gvk).await.map_err(|e| discovery(e.to_string()))?;
        lock(&self.cache).insert(key, ar.clone());
        Ok(ar)
    }
}

/// `/scale` of any kind.
#[derive(Clone)]
pub struct KubeScale {
    client: Client,
    discovery: Discovery,
}

impl KubeScale {
    /// Over `client`, sharing `discovery`.
    pub fn new(client: Client, discovery: Discovery) -> Self {
        Self { client, discovery }
    }

    async fn url(&self, namespace: &str, target: &TargetRef) -> Result<(String, String), ClientError> {
        let ar = self.discovery.resolve(&target.api_version, &target.kind).await?;
        let base = DynamicObject::url_path(&ar, Some(namespace));
        Ok((format!("{base}/{}/scale", target.name), format!("{}.{} {:?}", ar.plural, ar.group, target.name)))
    }
}

fn from_scale(s: scale_v1::Scale) -> Scale {
    Scale {
        spec_replicas: s.spec.as_ref().and_then(|s| s.replicas).unwrap_or_default(),
        status_replicas: s.status.as_ref().map_or(0, |s| s.replicas),
        selector: s.status.and_then(|s| s.selector),
        resource_version: s.metadata.resource_version,
    }
}

impl ScaleClient for KubeScale {
    fn get_scale<'a>(
        &'a self,
        namespace: &'a str,
        target: &'a TargetRef,
    ) -> BoxFuture<'a, Result<Scale, ClientError>> {
        async move {
            let (url, what) = self.url(namespace, target).await?;
            let request =
                http::Request::get(url).body(Vec::new()).map_err(|e| ClientError::Api(e.to_string()))?;
            let scale: scale_v1::Scale =
                self.client.request(request).await.map_err(|e| api_error(&what, e))?;
            Ok(from_scale(scale))
        }
        .boxed()
    }

    fn update_scale<'a>(
        &'a self,
        namespace: &'a str,
        target: &'a TargetRef,
        scale: &'a Scale,
        replicas: i32,
    ) -> BoxFuture<'a, Result<Scale, ClientError>> {
        async move {
            let (url, what) = self.url(namespace, target).await?;
            let body = scale_v1::Scale {
                metadata: ObjectMeta {
                    name: Some(target.name.clone()),
                    namespace: Some(namespace.to_owned()),
                    resource_version: scale.resource_version.clone(),
                    ..ObjectMeta::default()
                },
                spec: Some(scale_v1::ScaleSpec { replicas: Some(replicas) }),
                status: None,
            };
            let bytes = serde_json::to_vec(&body).map_err(|e| ClientError::Api(e.to_string()))?;
            let request = http::Request::put(format!("{url}?fieldManager={FIELD_MANAGER}"))
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(bytes)
                .map_err(|e| ClientError::Api(e.to_string()))?;
            let updated: scale_v1::Scale =
                self.client.request(request).await.map_err(|e| api_error(&what, e))?;
            Ok(from_scale(updated))
        }
        .boxed()
    }
}

/// Pods from a reflector store.
#[derive(Clone)]
pub struct StorePods(pub Store<Pod>);

impl PodLister for StorePods {
    fn list(&self, namespace: &str, selector: &LabelSelector) -> Vec<Pod> {
        let empty = BTreeMap::new();
        self.0
            .state()
            .iter()
            .filter(|p| p.metadata.namespace.as_deref() == Some(namespace))
            .filter(|p| selector.matches(p.metadata.labels.as_ref().unwrap_or(&empty)))
            .map(|p| Pod::clone(p))
            .collect()
    }
}

/// Resource metrics straight from the in-process store (the zero hop).
#[derive(Clone)]
pub struct ZeroHopMetrics(pub Arc<dyn MetricsSource>);

impl ResourceMetrics for ZeroHopMetrics {
    fn pod_metrics<'a>(
        &'a self,
        namespace: &'a str,
        selector: &'a LabelSelector,
        _selector_text: &'a str,
    ) -> BoxFuture<'a, Result<Vec<PodUsage>, String>> {
        let items: Vec<PodUsage> = self
            .0
            .pods_selected(namespace, selector)
            .into_iter()
            .filter_map(|p| {
                let timestamp = p.timestamp?;
                Some(PodUsage {
                    name: p.name,
                    timestamp,
                    window: SignedDuration::try_from(p.window).unwrap_or_default(),
                    containers: p
                        .containers
                        .into_iter()
                        .map(|c| ContainerUsage {
                            name: c.name,
                            usage: ResourceList {
                                // `MilliValue()` of a nanocore quantity rounds up.
                                cpu: Some(
                                    i64::try_from(c.cpu_nanocores.div_ceil(1_000_000)).unwrap_or(i64::MAX),
                                ),
                                memory: Some(
                                    i64::try_from(c.memory_bytes).unwrap_or(i64::MAX).saturating_mul(1000),
                                ),
                            },
                        })
                        .collect(),
                })
            })
            .collect();
        async move { Ok(items) }.boxed()
    }
}

fn milli(q: &K8sQuantity) -> Result<i64, String> {
    crate::quantity::Quantity::parse(&q.0)
        .map(crate::quantity::Quantity::milli_value)
        .map_err(|e| e.to_string())
}

fn query(pairs: &[(&str, &str)]) -> String {
    let encoded: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", percent_encode(v)))
        .collect();
    if encoded.is_empty() { String::new() } else { format!("?{}", encoded.join("&")) }
}

fn percent_encode(text: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[derive(Deserialize)]
struct PodMetricsList {
    #[serde(default)]
    items: Vec<PodMetricsItem>,
}

#[derive(Deserialize)]
struct PodMetricsItem {
    metadata: ObjectMeta,
    timestamp: Timestamp,
    window: String,
    #[serde(default)]
    containers: Vec<PodMetricsContainer>,
}

#[derive(Deserialize)]
struct PodMetricsContainer {
    name: String,
    #[serde(default)]
    usage: BTreeMap<String, K8sQuantity>,
}

/// `metrics.k8s.io/v1beta1` over the API server (when metrics run elsewhere).
#[derive(Clone)]
pub struct MetricsApi(pub Client);

async fn get_json<T: serde::de::DeserializeOwned>(client: &Client, url: String) -> Result<T, kube::Error> {
    let request = http::Request::get(url).body(Vec::new()).map_err(kube::Error::HttpError)?;
    client.request(request).await
}

impl ResourceMetrics for MetricsApi {
    fn pod_metrics<'a>(
        &'a self,
        namespace: &'a str,
        _selector: &'a LabelSelector,
        selector_text: &'a str,
    ) -> BoxFuture<'a, Result<Vec<PodUsage>, String>> {
        async move {
            let url = format!(
                "/apis/metrics.k8s.io/v1beta1/namespaces/{namespace}/pods{}",
                query(&[("labelSelector", selector_text)])
            );
            let list: PodMetricsList = get_json(&self.0, url)
                .await
                .map_err(|e| format!("unable to fetch metrics from resource metrics API: {e}"))?;
            list.items
                .into_iter()
                .map(|item| {
                    let window = crate::goduration::parse(&item.window)
                        .map_err(|e| e.to_string())
                        .and_then(|w| SignedDuration::try_from(w).map_err(|e| e.to_string()))?;
                    let containers = item
                        .containers
                        .into_iter()
                        .map(|c| {
                            let get = |r: &str| c.usage.get(r).map(milli).transpose();
                            Ok(ContainerUsage {
                                usage: ResourceList { cpu: get("cpu")?, memory: get("memory")? },
                                name: c.name,
                            })
                        })
                        .collect::<Result<Vec<_>, String>>()?;
                    Ok(PodUsage {
                        name: item.metadata.name.unwrap_or_default(),
                        timestamp: item.timestamp,
                        window,
                        containers,
                    })
                })
                .collect::<Result<Vec<_>, String>>()
                .map_err(|e| format!("unable to fetch metrics from resource metrics API: {e}"))
        }
        .boxed()
    }
}

#[derive(Deserialize)]
struct MetricValueList {
    #[serde(default)]
    items: Vec<MetricValue>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MetricValue {
    described_object: ObjectReference,
    timestamp: Timestamp,
    #[serde(default)]
    window_seconds: Option<i64>,
    value: K8sQuantity,
}

/// `custom.metrics.k8s.io/v1beta2`.
#[derive(Clone)]
pub struct CustomMetricsApi {
    client: Client,
    discovery: Discovery,
}

impl CustomMetricsApi {
    /// Over `client`, resolving described objects' kinds with `discovery`.
    pub fn new(client: Client, discovery: Discovery) -> Self {
        Self { client, discovery }
    }
}

const CUSTOM_ERROR: &str = "unable to fetch metrics from custom metrics API";

impl CustomMetrics for CustomMetricsApi {
    fn pods_metric<'a>(
        &'a self,
        namespace: &'a str,
        metric: &'a str,
        pod_selector: &'a str,
        metric_selector: &'a str,
    ) -> BoxFuture<'a, Result<PerPodSamples, String>> {
        async move {
            let url = format!(
                "/apis/custom.metrics.k8s.io/v1beta2/namespaces/{namespace}/pods/*/{metric}{}",
                query(&[("labelSelector", pod_selector), ("metricLabelSelector", metric_selector)])
            );
            let list: MetricValueList =
                get_json(&self.client, url).await.map_err(|e| format!("{CUSTOM_ERROR}: {e}"))?;
            let Some(first) = list.items.first() else {
                return Err("no metrics returned from custom metrics API".to_owned());
            };
            let timestamp = Some(first.timestamp);
            let mut pods = BTreeMap::new();
            for item in &list.items {
                let window = SignedDuration::from_secs(item.window_seconds.unwrap_or(60));
                let value = milli(&item.value).map_err(|e| format!("{CUSTOM_ERROR}: {e}"))?;
                pods.insert(
                    item.described_object.name.clone().unwrap_or_default(),
                    PodMetricSample { value, timestamp: item.timestamp, window },
                );
            }
            Ok(PerPodSamples { pods, timestamp })
        }
        .boxed()
    }

    fn object_metric<'a>(
        &'a self,
        namespace: &'a str,
        object: &'a DescribedObject,
        metric: &'a str,
        metric_selector: &'a str,
    ) -> BoxFuture<'a, Result<(i64, Timestamp), String>> {
        async move {
            let path = if object.kind == "Namespace" {
                format!("/apis/custom.metrics.k8s.io/v1beta2/namespaces/{namespace}/metrics/{metric}")
            } else {
                let ar = self
                    .discovery
                    .resolve(&object.api_version, &object.kind)
                    .await
                    .map_err(|e| format!("{CUSTOM_ERROR}: {e}"))?;
                let group = if ar.group.is_empty() { String::new() } else { format!(".{}", ar.group) };
                format!(
                    "/apis/custom.metrics.k8s.io/v1beta2/namespaces/{namespace}/{}{group}/{}/{metric}",
                    ar.plural, object.name
                )
            };
            let url = format!("{path}{}", query(&[("metricLabelSelector", metric_selector)]));
            let list: MetricValueList =
                get_json(&self.client, url).await.map_err(|e| format!("{CUSTOM_ERROR}: {e}"))?;
            let item =
                list.items.first().ok_or_else(|| "no metrics returned from custom metrics API".to_owned())?;
            Ok((milli(&item.value).map_err(|e| format!("{CUSTOM_ERROR}: {e}"))?, item.timestamp))
        }
        .boxed()
    }
}

#[derive(Deserialize)]
struct ExternalMetricValueList {
    #[serde(default)]
    items: Vec<ExternalMetricValue>,
}

#[derive(Deserialize)]
struct ExternalMetricValue {
    timestamp: Timestamp,
    value: K8sQuantity,
}

/// `external.metrics.k8s.io/v1beta1`.
#[derive(Clone)]
pub struct ExternalMetricsApi(pub Client);

impl ExternalMetrics for ExternalMetricsApi {
    fn external_metric<'a>(
        &'a self,
        namespace: &'a str,
        metric: &'a str,
        metric_selector: &'a str,
    ) -> BoxFuture<'a, Result<(Vec<i64>, Timestamp), String>> {
        async move {
            const ERROR: &str = "unable to fetch metrics from external metrics API";
            let url = format!(
                "/apis/external.metrics.k8s.io/v1beta1/namespaces/{namespace}/{}{}",
                metric.to_lowercase(),
                query(&[("labelSelector", metric_selector)])
            );
            let list: ExternalMetricValueList =
                get_json(&self.0, url).await.map_err(|e| format!("{ERROR}: {e}"))?;
            let Some(first) = list.items.first() else {
                return Err("no metrics returned from external metrics API".to_owned());
            };
            let values = list
                .items
                .iter()
                .map(|i| milli(&i.value))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("{ERROR}: {e}"))?;
            Ok((values, first.timestamp))
        }
        .boxed()
    }
}

/// Status and annotation writes.
#[derive(Clone)]
pub struct KubeStatus(pub Client);

fn params() -> PatchParams {
    PatchParams { field_manager: Some(FIELD_MANAGER.to_owned()), ..PatchParams::default() }
}

impl StatusWriter for KubeStatus {
    fn write_hpa_status<'a>(
        &'a self,
        namespace: &'a str,
        name: &'a str,
        status: &'a HorizontalPodAutoscalerStatus,
    ) -> BoxFuture<'a, Result<(), ClientError>> {
        async move {
            let api: Api<HorizontalPodAutoscaler> = Api::namespaced(self.0.clone(), namespace);
            let mut patch = serde_json::json!({ "status": status });
            // A merge patch leaves absent fields alone: clear the metrics explicitly when there are none.
            if status.current_metrics.is_none() {
                patch["status"]["currentMetrics"] = serde_json::Value::Null;
            }
            api.patch_status(name, &params(), &Patch::Merge(&patch))
                .await
                .map(drop)
                .map_err(|e| api_error(&format!("horizontalpodautoscalers.autoscaling {name:?}"), e))
        }
        .boxed()
    }

    fn patch_hpa_annotations<'a>(
        &'a self,
        namespace: &'a str,
        name: &'a str,
        annotations: &'a BTreeMap<String, Option<String>>,
    ) -> BoxFuture<'a, Result<(), ClientError>> {
        async move {
            let api: Api<HorizontalPodAutoscaler> = Api::namespaced(self.0.clone(), namespace);
            let patch = serde_json::json!({ "metadata": { "annotations": annotations } });
            api.patch(name, &params(), &Patch::Merge(&patch))
                .await
                .map(drop)
                .map_err(|e| api_error(&format!("horizontalpodautoscalers.autoscaling {name:?}"), e))
        }
        .boxed()
    }

    fn write_policy_status<'a>(
        &'a self,
        namespace: &'a str,
        name: &'a str,
        status: &'a AutoscalingPolicyStatus,
    ) -> BoxFuture<'a, Result<(), ClientError>> {
        async move {
            let api: Api<AutoscalingPolicy> = Api::namespaced(self.0.clone(), namespace);
            let patch = serde_json::json!({ "status": status });
            api.patch_status(name, &params(), &Patch::Merge(&patch))
                .await
                .map(drop)
                .map_err(|e| api_error(&format!("autoscalingpolicies.autoscaling.bellows.dev {name:?}"), e))
        }
        .boxed()
    }
}

/// Events through kube's recorder.
#[derive(Clone)]
pub struct KubeEvents(pub Recorder);

impl KubeEvents {
    /// A recorder reporting as `horizontal-pod-autoscaler`, instance `instance` (the pod name).
    pub fn new(client: Client, instance: Option<String>) -> Self {
        Self(Recorder::new(client, Reporter { controller: EVENT_COMPONENT.to_owned(), instance }))
    }
}

impl EventRecorder for KubeEvents {
    fn record<'a>(&'a self, object: &'a EventObject, event: &'a Event) -> BoxFuture<'a, ()> {
        async move {
            let (api_version, kind) = match object.key.kind {
                AutoscalerKind::Hpa => ("autoscaling/v2", "HorizontalPodAutoscaler"),
                AutoscalerKind::Policy => ("autoscaling.bellows.dev/v1alpha1", "AutoscalingPolicy"),
            };
            let reference = ObjectReference {
                api_version: Some(api_version.to_owned()),
                kind: Some(kind.to_owned()),
                name: Some(object.key.name.clone()),
                namespace: Some(object.key.namespace.clone()),
                uid: object.uid.clone(),
                resource_version: object.resource_version.clone(),
                ..ObjectReference::default()
            };
            let kube_event = KubeEvent {
                type_: if event.event_type == "Warning" { EventType::Warning } else { EventType::Normal },
                reason: event.reason.clone(),
                note: Some(event.message.clone()),
                action: "Reconcile".to_owned(),
                secondary: None,
            };
            if let Err(err) = self.0.publish(&kube_event, &reference).await {
                tracing::warn!(object = %object.key, reason = %event.reason, "failed to publish event: {err}");
            }
        }
        .boxed()
    }
}
